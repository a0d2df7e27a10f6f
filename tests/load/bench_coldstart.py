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
SITE_DIR = Path(".local/bench/site")

CHILD = r"""
import importlib, json, sys, time
module_name, attr = sys.argv[1], sys.argv[2]
before = set(sys.modules)
started, cpu = time.perf_counter(), time.process_time()
handler = getattr(importlib.import_module(module_name), attr)
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
assert callable(handler), f"{module_name}.{attr} is not callable"
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


def materialize(names: Iterable[str], distributions: Mapping[str, Any], target: Path) -> Path:
    """A `pip install --target` look-alike: `target` holds a symlink for every installed file (no .pyc) of the
    distributions `names`. Reused while the same versions are installed."""
    import shutil

    key = "\n".join(sorted(f"{n}=={distributions[n].version}" for n in names))
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
    stamp.write_text(key)
    return target


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


def measure(info: FunctionInfo, runs: int, root: Path, sites: Mapping[str, Path]) -> dict[str, Any]:
    """Median init time over `runs` fresh interpreters (after one unmeasured run that compiles and warms caches).
    `sites` maps a layer's logical id (and "runtime") to its materialized packages."""
    module, _, attr = info.handler.rpartition(".")
    entries = [info.code_uri]
    for lay in info.layers:
        entries += [lay.path_entry, sites[lay.logical_id]]
    path = os.pathsep.join(str(e) for e in [*entries, sites["runtime"]])
    env = {
        "PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), "PYTHONPATH": path,
        "AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "ap-south-1", "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_LAMBDA_FUNCTION_NAME": info.logical_id,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12", "POWERTOOLS_METRICS_DISABLED": "true",
        **info.environment,
    }
    samples = []
    for i in range(runs + 1):
        done = subprocess.run([sys.executable, "-S", "-c", CHILD, module, attr], env=env, cwd=root,
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "exit code "
                    f"{done.returncode}"}
        if i:
            samples.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {"ms": statistics.median(s["ms"] for s in samples), "cpu": statistics.median(s["cpu"] for s in samples),
            "modules": samples[-1]["modules"], "tops": samples[-1]["tops"]}


def main() -> int:
    from local.config import ROOT, TEMPLATE

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_COLDSTART_RUNS", "5")))
    parser.add_argument("--every", action="store_true", help="measure every function, not one per group")
    args = parser.parse_args()

    infos = functions_of(TEMPLATE)
    distributions = installed_distributions()
    sizes = layer_sizes((lay for info in infos for lay in info.layers), distributions)
    code_sizes = {uri: folder_size(uri) for uri in {info.code_uri for info in infos}}
    sites = {lid: materialize(names, distributions, ROOT / SITE_DIR / lid) for lid, (_, names) in sizes.items()}
    sites["runtime"] = materialize(closure(RUNTIME_PACKAGES, distributions), distributions,
                                   ROOT / SITE_DIR / "runtime")

    groups: dict[tuple[Any, ...], list[FunctionInfo]] = {}
    for info in infos:
        groups.setdefault((info.logical_id,) if args.every else info.group_key, []).append(info)

    rows, problems, members = [], [], []
    for number, group in enumerate(groups.values(), start=1):
        info = group[0]
        result = measure(info, args.runs, ROOT, sites)
        layer_ids = [lay.logical_id for lay in info.layers]
        if "error" in result:  # it would fail the same way in Lambda: a missing layer or a broken import
            problems.append(f"{', '.join(f.logical_id for f in group)}: {info.handler} does not import with "
                            f"layers {', '.join(layer_ids) or 'none'}: {result['error']}")
            continue
        heavy = [top for top in HEAVY if top in result["tops"]]
        code = code_sizes[info.code_uri]
        total = code + sum(sizes[lid][0] for lid in layer_ids)
        if total > LAMBDA_UNZIPPED_LIMIT:
            problems.append(f"{info.logical_id}: {total / 1e6:.1f} MB unzipped is over Lambda's 250 MB")
        label = f"G{number}"
        rows.append((label, info.handler, "+".join(lid.removesuffix("Layer") for lid in layer_ids) or "-",
                     len(group), result["ms"], result["cpu"], result["modules"], code / 1e6,
                     sum(sizes[lid][0] for lid in layer_ids) / 1e6, total / 1e6, ",".join(heavy) or "-"))
        members.append(f"{label}: " + ", ".join(f.logical_id.removesuffix("Function") for f in group))

    print(f"\nCold start: {len(infos)} functions in {len(groups)} groups (same handler, layers, environment); "
          f"init = import + handler lookup in a fresh python, median of {args.runs}")
    print(table(["grp", "handler", "layers", "fns", "init ms", "cpu ms", "modules", "code MB", "layers MB",
                 "total MB", "notable imports at init"], rows, floats=".1f"))
    print("(init ms: wall clock, median; cpu ms: the process's CPU time for the same import, median: steadier on a "
          "busy machine)")
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
