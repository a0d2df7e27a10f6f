"""Cold-start benchmark: for EVERY function in template.yaml, the init time of its handler module in a fresh
interpreter (median of 5), what it deploys (code + layers, unzipped), and the heavy SDKs its init imports.

    PYTHONPATH=. .venv/bin/python -m tests.load.bench_coldstart [--runs 5] [--every]

Each measurement is a new `python -S` process (no site-packages) whose PYTHONPATH is what Lambda gives the
function: its CodeUri folder, each attached layer (its folder plus its requirements' closure, materialized as
symlinks to this venv's installed files under .local/bench/site/), then what Lambda's Python runtime ships
(boto3, botocore and their dependencies). So an import of a package the function's layers do not install
fails here as it would in Lambda, and optional imports that only this venv could satisfy do not happen. The
environment is the function's own (resolved as the local stack does; dummy endpoints, nothing reachable). It
times `import <module>` plus resolving the handler attribute: Lambda's init phase minus the runtime's start.
Functions with the same handler, layers and environment run identical init code, so they are measured once
per group unless --every is given.

Sizes are what SAM packages: the CodeUri folder without __pycache__/tests, and for each layer its folder plus
the installed files (no .pyc) of its requirements' closure, read from this venv's package metadata — the same
distributions `pip install -r requirements.txt --target` puts in the layer (x86_64 wheels here; arm64 ones
differ by a few percent). Lambda's limit is 250 MB unzipped for a function and its layers together.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from tests.load.common import table

# Packages that make a cold start noticeably slower; only the functions that use them should import them.
HEAVY = ("firebase_admin", "google", "grpc", "jinja2", "resend", "supabase", "realtime", "postgrest", "gotrue",
         "storage3", "websockets", "boto3", "httpx")
EXCLUDED_DIRS = {"__pycache__", "tests", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
RUNTIME_PACKAGES = ("boto3",)  # what Lambda's python3.12 runtime ships (with their dependencies)
TREES_DIR = Path(".local/bench")  # src/<tree>: sources only; pyc/<tree>: with bytecode
COMPILE_MODE = "checked-hash"

CHILD = r"""
import importlib, json, sys, time
module_name, attr = sys.argv[1], sys.argv[2]
before = set(sys.modules)
started, cpu = time.perf_counter(), time.process_time()
module = importlib.import_module(module_name)
handler = getattr(module, attr) if attr else None
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
assert handler is None or callable(handler), f"{module_name}.{attr} is not callable"
loaded = sorted(set(sys.modules) - before)
tops = sorted({m.split(".")[0] for m in loaded})
print(json.dumps({"ms": elapsed * 1000, "cpu": cpu * 1000, "modules": len(loaded), "tops": tops}))
"""


# ---- sizes (pure; unit-tested) ------------------------------------------------------------------------------


def folder_size(root: Path, excluded: Iterable[str] = EXCLUDED_DIRS) -> int:
    """Bytes of the files SAM would package from `root`: no excluded folders (at any depth), no .pyc."""
    skip = set(excluded)
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in skip]
        for name in filenames:
            if not name.endswith(".pyc"):
                total += os.path.getsize(os.path.join(dirpath, name))
    return total


def requirement_names(path: Path) -> list[str]:
    """The requirements named in a requirements file (pins, extras and comments dropped; -r followed)."""
    from packaging.requirements import Requirement

    names: list[str] = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(("-r ", "--requirement ")):
            names.extend(requirement_names(path.parent / line.split(None, 1)[1]))
        elif not line.startswith("-"):
            names.append(Requirement(line).name)
    return names


def _canonical(name: str) -> str:
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name))


def closure(names: Iterable[str], distributions: Mapping[str, Any] | None = None) -> set[str]:
    """Canonical names of the distributions `pip install` brings for `names` (markers evaluated here,
    extras followed); `distributions` maps canonical name -> Distribution (default: this environment)."""
    from packaging.requirements import Requirement

    dists = distributions if distributions is not None else installed_distributions()
    wanted: list[tuple[str, frozenset[str]]] = [(_canonical(n), frozenset()) for n in names]
    seen: set[tuple[str, frozenset[str]]] = set()
    found: set[str] = set()
    while wanted:
        name, extras = wanted.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        dist = dists.get(name)
        if dist is None:
            raise LookupError(f"{name} is required but not installed in this environment")
        found.add(name)
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in (extras or {""})):
                continue
            wanted.append((_canonical(req.name), frozenset(req.extras)))
    return found


def installed_distributions() -> dict[str, Any]:
    return {_canonical(d.metadata["Name"]): d for d in metadata.distributions()}


def distribution_size(dist: Any) -> int:
    """Installed bytes of a distribution's files inside site-packages (no .pyc, no scripts outside it)."""
    total = 0
    for file in dist.files or []:
        parts = Path(str(file)).parts
        if ".." in parts or str(file).endswith(".pyc") or "__pycache__" in parts:
            continue
        located = Path(str(dist.locate_file(file)))
        if located.is_file():
            total += located.stat().st_size
    return total


def materialize(names: Iterable[str], distributions: Mapping[str, Any], target: Path, *,
                compiled: bool = False) -> Path:
    """A `pip install --target` look-alike: `target` holds a symlink for every installed file (no .pyc) of the
    distributions `names`; `compiled`: then compiled to hash-checked bytecode in the tree itself (as `make build`
    ships). Reused while the same versions are installed."""
    import shutil

    key = "\n".join(sorted(f"{n}=={distributions[n].version}" for n in names))
    if compiled:
        key += f"\ncompiled {COMPILE_MODE} by {sys.version.split()[0]}"
    stamp = target / ".bench-contents"
    if stamp.exists() and stamp.read_text() == key:
        return target
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in names:
        dist = distributions[name]
        for file in dist.files or []:
            parts = Path(str(file)).parts
            if ".." in parts or "__pycache__" in parts or str(file).endswith(".pyc"):
                continue
            source = Path(str(dist.locate_file(file))).resolve()
            link = target / Path(str(file))
            if source.is_file() and not link.exists():
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(source)
    if compiled:
        compile_tree(target)
    stamp.write_text(key)
    return target


def source_tree(root: Path, target: Path, *, compiled: bool = False,
                excluded: Iterable[str] = EXCLUDED_DIRS) -> Path:
    """What SAM packages from a code folder, as symlinks in `target` (rebuilt every time: the sources change):
    every file but excluded folders and .pyc; `compiled`: with hash-checked bytecode beside them."""
    import shutil

    skip = set(excluded)
    if target.exists():
        shutil.rmtree(target)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in skip]
        for name in filenames:
            if name.endswith(".pyc"):
                continue
            source = Path(dirpath, name).resolve()
            link = target / Path(dirpath, name).relative_to(root)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(source)
    target.mkdir(parents=True, exist_ok=True)
    if compiled:
        compile_tree(target)
    return target


def compile_tree(target: Path) -> None:
    """What scripts/compile_bytecode.sh does to the build: hash-checked .pyc for every module of the tree (valid
    whatever the files' dates; the interpreter checks the source's hash, as in Lambda)."""
    # -W ignore: some packages' old escape sequences warn at compile time; the bytecode is the same.
    subprocess.run([sys.executable, "-W", "ignore", "-m", "compileall", "-q", "-j", "0", "--invalidation-mode",
                    COMPILE_MODE, str(target)], check=True, stdout=subprocess.DEVNULL)


# ---- the template --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    logical_id: str
    folder: Path  # ContentUri
    path_entry: Path  # what lands on /opt/python: the folder, or its python/ subfolder


@dataclass(frozen=True)
class FunctionInfo:
    logical_id: str
    handler: str
    code_uri: Path
    layers: tuple[Layer, ...]
    environment: dict[str, str]

    @property
    def group_key(self) -> tuple[Any, ...]:
        return (self.handler, self.code_uri, tuple(lay.logical_id for lay in self.layers),
                tuple(sorted(self.environment.items())))


def functions_of(template_path: Path) -> list[FunctionInfo]:
    """Every AWS::Serverless::Function: handler, CodeUri, attached layers and resolved environment."""
    from local.config import PARAMETERS, local_environment
    from local.template import LAYER_TYPES, Resolver, Template

    template = Template.load(template_path)
    resolver = Resolver(template, PARAMETERS)
    dummy = local_environment(redis_url="redis://127.0.0.1:9/0", firebase_emulator_host="127.0.0.1:9",
                              stage="local", api_url="http://127.0.0.1:9")
    infos = []
    for logical_id, spec in template.functions.items():
        layers = []
        for ref in spec.layers:
            layer_id = ref.get("Ref") if isinstance(ref, dict) else None
            resource = template.resources.get(layer_id or "")
            if not resource or resource["Type"] not in LAYER_TYPES:
                continue  # a published layer ARN: nothing local to measure
            content = resource["Properties"].get("ContentUri")
            if not isinstance(content, str):
                continue
            folder = template.resolve_path(content)
            layers.append(Layer(str(layer_id), folder, folder / "python" if (folder / "python").is_dir() else folder))
        resolved = resolver.resolve(spec.environment) or {}
        env = {k: str(v) for k, v in resolved.items() if v is not None}
        env.update({k: v for k, v in dummy.items() if k in spec.environment})
        infos.append(FunctionInfo(logical_id, spec.handler, spec.code_uri, tuple(layers), env))
    return infos


def layer_sizes(layers: Iterable[Layer], distributions: Mapping[str, Any]) -> dict[str, tuple[int, set[str]]]:
    """Per layer: installed bytes (its folder + its requirements' closure) and the distributions in it."""
    sizes: dict[str, tuple[int, set[str]]] = {}
    for layer in layers:
        if layer.logical_id in sizes:
            continue
        requirements = layer.folder / "requirements.txt"
        names = closure(requirement_names(requirements), distributions) if requirements.exists() else set()
        total = folder_size(layer.folder) + sum(distribution_size(distributions[n]) for n in names)
        sizes[layer.logical_id] = (total, names)
    return sizes


# ---- what one fresh interpreter imports ---------------------------------------------------------------------

WITH, WITHOUT = "with bytecode", "without bytecode"
MODES = (WITH, WITHOUT)


@dataclass(frozen=True)
class Target:
    """One import to time: a module (and the attribute Lambda resolves) with its sys.path per mode."""

    label: str
    module: str
    attr: str | None
    paths: Mapping[str, tuple[Path, ...]]  # mode -> PYTHONPATH entries (the modes it is measured in)
    env: Mapping[str, str]
    python: str = sys.executable


def run_once(target: Target, mode: str, root: Path) -> dict[str, Any]:
    """One fresh interpreter: `-S` (no site-packages: only the path Lambda gives), `-B` (writes no .pyc: Lambda's
    file system is read-only). It reads bytecode only where the tree of `mode` ships it."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
           "PYTHONPATH": os.pathsep.join(str(e) for e in target.paths[mode]), **target.env}
    done = subprocess.run([target.python, "-S", "-B", "-c", CHILD, target.module, target.attr or ""], env=env,
                          cwd=root, capture_output=True, text=True, timeout=180)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        return {"error": lines[-1] if lines else f"exit code {done.returncode}"}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure_all(targets: list[Target], runs: int, root: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Median per (target, mode) over `runs` rounds, after one unmeasured round (it warms the file cache). Rounds
    interleave every target and mode, so a busy spell of the machine weighs on all of them alike."""
    samples: dict[tuple[str, str], list[dict[str, Any]]] = {}
    errors: dict[tuple[str, str], dict[str, Any]] = {}
    for round_ in range(runs + 1):
        for target in targets:
            for mode in target.paths:
                key = (target.label, mode)
                if key in errors:
                    continue
                result = run_once(target, mode, root)
                if "error" in result:
                    errors[key] = result
                elif round_:
                    samples.setdefault(key, []).append(result)
    results: dict[tuple[str, str], dict[str, Any]] = dict(errors)
    for key, found in samples.items():
        results[key] = {"ms": statistics.median(s["ms"] for s in found),
                        "cpu": statistics.median(s["cpu"] for s in found),
                        "modules": found[-1]["modules"], "tops": found[-1]["tops"]}
    return results


def lambda_env(function_name: str, environment: Mapping[str, str]) -> dict[str, str]:
    return {"AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "ap-south-1", "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_LAMBDA_FUNCTION_NAME": function_name,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12", "POWERTOOLS_METRICS_DISABLED": "true", **environment}


# ---- the peer (aws-samples/aws-serverless-shopping-cart), when set up -----------------------------------------

PEER_MODULE = "add_to_cart"
# The peer template's environment for its cart functions (as /work/shared/peers/shopping-cart/bench.py gives it).
PEER_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "TABLE_NAME": "bench-cart",
            "LOG_LEVEL": "INFO", "ALLOWED_ORIGIN": "http://localhost:8080", "POWERTOOLS_SERVICE_NAME": "shopping-cart",
            "POWERTOOLS_METRICS_NAMESPACE": "ecommerce-app", "POWERTOOLS_TRACE_DISABLED": "true",
            "USERPOOL_ID": "us-east-1_placeholder", "PRODUCT_SERVICE_URL": "http://127.0.0.1:9/Prod"}


def peer_target(root: Path) -> Target | str:
    """The peer's add_to_cart as its template deploys it: its function folder, its layer folder (`shared`) with
    the layer's requirements and Powertools (a public layer in its template), and the runtime's boto3. Or why
    not (a sentence)."""
    src = Path(os.environ.get("PEER_SRC", "/work/peer/src"))
    python = os.environ.get("PEER_PYTHON", "/work/peer/venv/bin/python")
    service, layer = src / "backend" / "shopping-cart-service", src / "backend" / "layers"
    if not (service / f"{PEER_MODULE}.py").is_file() or not os.access(python, os.X_OK):
        return f"peer not set up ({service} or {python} missing; PEER_SRC/PEER_PYTHON)"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    dists = {_canonical(d.metadata["Name"]): d for d in metadata.distributions(path=[site])}
    runtime = closure(RUNTIME_PACKAGES, dists)
    wanted = [*requirement_names(service / "requirements.txt"), *requirement_names(layer / "requirements.txt"),
              "aws-lambda-powertools"]
    packages = closure(wanted, dists) - runtime
    paths: dict[str, tuple[Path, ...]] = {}
    runtime_tree = materialize(runtime, dists, root / TREES_DIR / "pyc" / "peer-runtime", compiled=True)
    for mode, kind in ((WITH, "pyc"), (WITHOUT, "src")):
        compiled = mode == WITH
        trees = root / TREES_DIR / kind
        paths[mode] = (source_tree(service, trees / "peer-function", compiled=compiled),
                       source_tree(layer, trees / "peer-layer", compiled=compiled),
                       materialize(packages, dists, trees / "peer-packages", compiled=compiled), runtime_tree)
    return Target("peer", PEER_MODULE, "lambda_handler", paths, PEER_ENV, python)


# ---- the report ----------------------------------------------------------------------------------------------

AUTHORIZER = "auth.authorizer.handler"
CART = "cart.handlers.handler"  # the peer's counterpart: add to cart


def ratio(value: float | None, floor: float | None) -> float | None:
    return value / floor if value is not None and floor else None


def weighted(values: Iterable[tuple[float, int]]) -> list[float]:
    """Each group's figure once per function in it: medians and maxima are over functions, not groups."""
    return [value for value, count in values for _ in range(count)]


def main() -> int:
    from local.config import ROOT, TEMPLATE
    from tests.load.common import Goal, save_results

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_COLDSTART_RUNS", "5")))
    parser.add_argument("--every", action="store_true", help="measure every function, not one per group")
    parser.add_argument("--only", default="", help="measure only the groups whose handler contains this text")
    args = parser.parse_args()

    infos = functions_of(TEMPLATE)
    distributions = installed_distributions()
    sizes = layer_sizes((lay for info in infos for lay in info.layers), distributions)
    code_sizes = {uri: folder_size(uri) for uri in {info.code_uri for info in infos}}

    # The trees each mode reads: sources only, or sources with hash-checked bytecode (what `make build` ships).
    # The runtime's own packages (boto3, botocore, ...) come with the runtime image, compiled, in both modes.
    trees = ROOT / TREES_DIR
    runtime = materialize(closure(RUNTIME_PACKAGES, distributions), distributions, trees / "pyc" / "runtime",
                          compiled=True)
    site: dict[tuple[str, str], Path] = {}
    for mode, kind in ((WITH, "pyc"), (WITHOUT, "src")):
        compiled = mode == WITH
        for lid, (_, names) in sizes.items():
            site[(lid, mode)] = materialize(names, distributions, trees / kind / lid, compiled=compiled)
        for uri in code_sizes:
            site[(str(uri), mode)] = source_tree(uri, trees / kind / f"code-{uri.name}", compiled=compiled)
        for info in infos:
            for lay in info.layers:
                key = (f"{lay.logical_id}:code", mode)
                if key not in site:
                    site[key] = source_tree(lay.path_entry, trees / kind / f"{lay.logical_id}-code", compiled=compiled)

    groups: dict[tuple[Any, ...], list[FunctionInfo]] = {}
    for info in infos:
        if args.only and args.only not in info.handler:
            continue
        groups.setdefault((info.logical_id,) if args.every else info.group_key, []).append(info)

    targets: list[Target] = []
    blinkit_layer = "BlinkitLayer"
    # The floor: FastAPI from the same layer tree, compiled (the reference, measured once per round).
    targets.append(Target("floor", "fastapi", None, {WITH: (site[(blinkit_layer, WITH)], runtime)},
                          lambda_env("floor", {})))
    peer = peer_target(ROOT)
    if isinstance(peer, Target):
        targets.append(peer)
    labels: dict[str, list[FunctionInfo]] = {}
    for number, group in enumerate(groups.values(), start=1):
        info = group[0]
        module, _, attr = info.handler.rpartition(".")
        paths = {}
        for mode in MODES:
            entries = [site[(str(info.code_uri), mode)]]
            for lay in info.layers:
                entries += [site[(f"{lay.logical_id}:code", mode)], site[(lay.logical_id, mode)]]
            paths[mode] = (*entries, runtime)
        label = f"G{number}"
        labels[label] = group
        targets.append(Target(label, module, attr, paths, lambda_env(info.logical_id, info.environment)))

    results = measure_all(targets, args.runs, ROOT)
    floor = results[("floor", WITH)].get("ms")
    peer_ms = {mode: results.get(("peer", mode), {}).get("ms") for mode in MODES}

    rows, problems, members, per_group = [], [], [], {}
    for label, group in labels.items():
        info = group[0]
        layer_ids = [lay.logical_id for lay in info.layers]
        with_, without = results[(label, WITH)], results[(label, WITHOUT)]
        failed = with_.get("error") or without.get("error")
        if failed:  # it would fail the same way in Lambda: a missing layer or a broken import
            problems.append(f"{', '.join(f.logical_id for f in group)}: {info.handler} does not import with "
                            f"layers {', '.join(layer_ids) or 'none'}: {failed}")
            continue
        heavy = [top for top in HEAVY if top in with_["tops"]]
        code = code_sizes[info.code_uri]
        layers_size = sum(sizes[lid][0] for lid in layer_ids)
        if code + layers_size > LAMBDA_UNZIPPED_LIMIT:
            problems.append(f"{info.logical_id}: {(code + layers_size) / 1e6:.1f} MB unzipped is over Lambda's 250 MB")
        per_group[label] = {"handler": info.handler, "functions": [f.logical_id for f in group],
                            "with_bytecode_ms": with_["ms"], "without_bytecode_ms": without["ms"],
                            "cpu_ms": with_["cpu"], "modules": with_["modules"],
                            "ratio_to_floor": ratio(with_["ms"], floor)}
        rows.append((label, info.handler, "+".join(lid.removesuffix("Layer") for lid in layer_ids) or "-",
                     len(group), with_["ms"], ratio(with_["ms"], floor) or 0.0, without["ms"],
                     ratio(without["ms"], floor) or 0.0, with_["cpu"], with_["modules"], code / 1e6,
                     layers_size / 1e6, ",".join(heavy) or "-"))
        members.append(f"{label}: " + ", ".join(f.logical_id.removesuffix("Function") for f in group))

    counted = [f for group in labels.values() for f in group]
    print(f"\nCold start: {len(counted)} functions in {len(labels)} groups (same handler, layers, environment); "
          f"init = import + handler lookup in a fresh `python -S -B`, median of {args.runs}")
    print(table(["grp", "handler", "layers", "fns", "pyc ms", "x floor", "no-pyc ms", "x floor", "cpu ms", "modules",
                 "code MB", "layers MB", "notable imports at init"], rows, floats=".2f"))
    print("(pyc: the code and layers with hash-checked bytecode, as `make build` ships them; no-pyc: sources only, "
          "as `sam build` alone ships them. Both read the runtime's boto3/botocore and the standard library "
          "compiled, as Lambda's image has them, and write nothing. x floor: / `import fastapi` with bytecode in "
          "this run; cpu ms: the process's CPU time for the pyc import, steadier on a busy machine)")
    print(f"\nFloor: import fastapi with bytecode {floor:.0f} ms" if floor else "\nFloor: import fastapi FAILED")
    if isinstance(peer, Target):
        if all(peer_ms.values()):
            print(f"Peer ({PEER_MODULE}, aws-samples/aws-serverless-shopping-cart): {peer_ms[WITH]:.0f} ms with "
                  f"bytecode, {peer_ms[WITHOUT]:.0f} ms without (as SAM deploys it)")
        else:
            problems.append(f"peer {PEER_MODULE} does not import: {results.get(('peer', WITH), {}).get('error')} / "
                            f"{results.get(('peer', WITHOUT), {}).get('error')}")
    else:
        print(peer)

    goals: list[Goal] = []
    figures: dict[str, Any] = {"runs": args.runs, "floor_fastapi_ms": floor, "peer": {
        "module": PEER_MODULE, "with_bytecode_ms": peer_ms[WITH], "without_bytecode_ms": peer_ms[WITHOUT]}
        if isinstance(peer, Target) else peer, "groups": per_group}
    if per_group and floor:
        counts = {label: len(labels[label]) for label in per_group}
        with_all = weighted((g["with_bytecode_ms"], counts[label]) for label, g in per_group.items())
        without_all = weighted((g["without_bytecode_ms"], counts[label]) for label, g in per_group.items())
        summary = {"median_ms": statistics.median(with_all), "max_ms": max(with_all),
                   "median_without_ms": statistics.median(without_all), "max_without_ms": max(without_all)}
        figures.update(summary)
        goals += [Goal("cold start median / fastapi floor (with bytecode)", "2.31x", summary["median_ms"] / floor,
                       1.2, "x"),
                  Goal("cold start max / fastapi floor (with bytecode)", "2.94x", summary["max_ms"] / floor, 1.8, "x")]
        print(f"\nAll {len(with_all)} functions, with bytecode: median {summary['median_ms']:.0f} ms "
              f"({summary['median_ms'] / floor:.2f}x floor, goal <= 1.2x), max {summary['max_ms']:.0f} ms "
              f"({summary['max_ms'] / floor:.2f}x, goal <= 1.8x); without bytecode: median "
              f"{summary['median_without_ms']:.0f} ms, max {summary['max_without_ms']:.0f} ms")
        by_handler = {g["handler"]: g for g in per_group.values()}
        if AUTHORIZER in by_handler:
            auth = by_handler[AUTHORIZER]["with_bytecode_ms"]
            goals.append(Goal("authorizer / fastapi floor (with bytecode)", "2.9x (the full FastAPI import)",
                              auth / floor, 0.8, "x"))
            print(f"Authorizer ({AUTHORIZER}): {auth:.0f} ms, {auth / floor:.2f}x floor (goal <= 0.8x)")
        if CART in by_handler and all(peer_ms.values()):
            cart = by_handler[CART]
            shipped, like = cart["with_bytecode_ms"] / peer_ms[WITHOUT], cart["without_bytecode_ms"] / peer_ms[WITHOUT]
            goals.append(Goal("cart.handlers (as make build ships it) / peer add_to_cart as deployed (no bytecode)",
                              "1,650 / 980 ms = 1.68x (both without bytecode)", shipped, 0.5, "x"))
            figures["cart_vs_peer"] = {"shipped": shipped, "both_without_bytecode": like,
                                       "both_with_bytecode": cart["with_bytecode_ms"] / peer_ms[WITH]}
            print(f"{CART} vs the peer's {PEER_MODULE} as deployed ({peer_ms[WITHOUT]:.0f} ms, no bytecode): "
                  f"{cart['with_bytecode_ms']:.0f} ms as make build ships it = {shipped:.2f}x (goal <= 0.5x); "
                  f"both without bytecode {like:.2f}x; both with {cart['with_bytecode_ms'] / peer_ms[WITH]:.2f}x")
    path = save_results("coldstart", figures, goals)
    print(f"(figures and goals written to {path})")

    print("\nLayers (unzipped, installed closure of requirements.txt, no .pyc):")
    for lid, (size, names) in sorted(sizes.items()):
        print(f"  {lid}: {size / 1e6:.1f} MB, {len(names)} distributions")
    print("\nGroups:")
    for line in members:
        print(f"  {line}")
    if problems:
        print("\nPROBLEMS (each would fail or be over the limit in Lambda):")
        for line in problems:
            print(f"  {line}")
        return 1
    print("\nEvery handler imports with only its own layers and the runtime; all are under Lambda's 250 MB.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
