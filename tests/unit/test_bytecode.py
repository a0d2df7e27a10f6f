"""Bytecode in the build: `make build` compiles every module of every function and layer to hash-checked
Python 3.12 bytecode and checks it last. Here a real `sam build` of a small template (the functions folder
and the blinkit layer's code, without its requirements so that pip and the network stay out of it) goes
through the same two steps; then a missing, a stale and a corrupt .pyc each fail the check, named."""

from __future__ import annotations

import os
import py_compile
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPILE = ROOT / "scripts" / "compile_bytecode.sh"
CHECK = ROOT / "scripts" / "check_bytecode.py"
TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  BlinkitLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
      CompatibleRuntimes: [python3.12]
    Metadata:
      BuildMethod: python3.12
      BuildArchitecture: arm64
  CartGetFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {functions}
      Handler: cart.handlers.handler
      Runtime: python3.12
      Architectures: [arm64]
      Layers: [!Ref BlinkitLayer]
  AuthorizerFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {functions}
      Handler: auth.handlers.authorizer
      Runtime: python3.12
      Architectures: [arm64]
      Layers: [!Ref BlinkitLayer]
"""
# Paths inside the build; the .pyc beside each in __pycache__.
SERVICE = Path("CartGetFunction/cart/service.py")
SCHEMAS = Path("AuthorizerFunction/auth/schemas.py")
ERRORS = Path("BlinkitLayer/python/blinkit/errors.py")


def _sources(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _pyc(build: Path, source: Path) -> Path:
    return build / source.parent / "__pycache__" / f"{source.stem}.cpython-312.pyc"


def _run(*command: object, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=120, env=env, cwd=cwd)


def check(build: Path) -> subprocess.CompletedProcess:
    return _run(sys.executable, CHECK, build)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real `sam build` output, compiled by the Makefile's step (the same script, the same interpreter)."""
    work = tmp_path_factory.mktemp("sam")
    shutil.copytree(ROOT / "layers" / "blinkit" / "blinkit", work / "layer" / "blinkit",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (work / "template.yaml").write_text(TEMPLATE.format(functions=ROOT / "functions"))
    python312 = _run(ROOT / "scripts" / "python312.sh").stdout.strip()
    env = {**os.environ, "PATH": f"{Path(python312).parent}{os.pathsep}{os.environ['PATH']}",
           "SAM_CLI_TELEMETRY": "0"}
    built = _run(Path(sys.executable).parent / "sam", "build", "--template-file", work / "template.yaml",
                 "--build-dir", work / "build", "--cache-dir", work / "cache", env=env, cwd=work)
    assert built.returncode == 0, built.stdout + built.stderr
    build = work / "build"
    # SAM copied every module and, as the issue says, no bytecode: that is what the step is for.
    assert _sources(build / "CartGetFunction") == _sources(ROOT / "functions")
    assert _sources(build / "BlinkitLayer" / "python" / "blinkit") == _sources(ROOT / "layers" / "blinkit" / "blinkit")
    assert not list(build.rglob("*.pyc"))
    compiled = _run(COMPILE, build)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    return build


@pytest.fixture
def build(compiled: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the compiled build for one test to damage."""
    yield Path(shutil.copytree(compiled, tmp_path / "build"))


def test_make_build_compiles_and_then_checks_last() -> None:
    recipe = re.search(r"^build:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert recipe, "no build target in the Makefile"
    steps = [line.strip() for line in recipe.group(1).splitlines()]
    # First the package-index check (tests/unit/test_package_index_check.py), then sam build, then bytecode.
    assert steps[0] == "$(PY) scripts/check_package_index.py"
    assert "sam build" in steps[1]
    assert steps[2:] == ["scripts/compile_bytecode.sh .aws-sam/build",
                         "$(PY) scripts/check_bytecode.py .aws-sam/build"]


def test_every_module_of_the_built_functions_and_layer_has_valid_bytecode(compiled: Path) -> None:
    result = check(compiled)
    assert result.returncode == 0, result.stderr
    total = len(_sources(compiled))
    assert total > 150 and result.stdout.startswith(f"{total} .py files under {compiled}")
    assert all(_pyc(compiled, source).is_file() for source in _sources(compiled))


def test_python_312_loads_the_bytecode_even_when_the_sources_carry_the_zips_1980_dates(build: Path) -> None:
    for source in build.rglob("*.py"):
        os.utime(source, (315532800, 315532800))  # 1980-01-01: the date `sam package` gives every file
    layer = build / "BlinkitLayer" / "python"
    python312 = _run(ROOT / "scripts" / "python312.sh").stdout.strip()
    env = {**os.environ, "PYTHONPATH": str(layer), "PYTHONDONTWRITEBYTECODE": "1"}
    result = _run(python312, "-v", "-c", "import blinkit.errors", env=env)
    assert result.returncode == 0, result.stderr
    assert f"code object from '{_pyc(layer, Path('blinkit/errors.py'))}'" in result.stderr


@pytest.mark.parametrize("artifact", ["CartGetFunction", "BlinkitLayer"])
def test_sam_package_zips_the_bytecode_as_built(compiled: Path, tmp_path: Path, artifact: str) -> None:
    # `sam deploy` packages each function and layer folder with this function (ResourceZip.do_export ->
    # upload_local_artifacts -> zip_and_upload): every file is zipped, __pycache__ included, dated 1980.
    from samcli.lib.package.utils import make_zip_with_lambda_permissions

    folder = compiled / artifact
    with zipfile.ZipFile(make_zip_with_lambda_permissions(str(tmp_path / artifact), str(folder))) as zipped:
        names = set(zipped.namelist())
        dates = {info.date_time for info in zipped.infolist()}
    assert names == {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    assert {name for name in names if name.endswith(".pyc")} == {
        str(_pyc(folder, source).relative_to(folder)) for source in _sources(folder)}
    assert dates == {(1980, 1, 1, 0, 0, 0)}


def _fails_naming(build: Path, *sources: Path) -> str:
    result = check(build)
    assert result.returncode == 1, result.stdout
    named = [line.split(": ", 1)[0] for line in result.stderr.splitlines()[:-1]]
    assert named == sorted(str(s) for s in sources), result.stderr
    assert f"{len(sources)} of {len(_sources(build))} .py files" in result.stderr.splitlines()[-1]
    return result.stderr


def test_a_missing_pyc_fails_naming_its_module(build: Path) -> None:
    _pyc(build, SERVICE).unlink()
    assert "no bytecode" in _fails_naming(build, SERVICE)


def test_an_edited_module_fails_because_its_pyc_is_stale(build: Path) -> None:
    with (build / SCHEMAS).open("a") as source:
        source.write("\n# edited after the build\n")
    assert "compiled from another version of the source" in _fails_naming(build, SCHEMAS)


def test_a_corrupt_pyc_fails_naming_its_module(build: Path) -> None:
    pyc = _pyc(build, ERRORS)
    data = pyc.read_bytes()
    pyc.write_bytes(data[:16] + b"\xff" * 32)  # the header intact, the code garbage
    assert "does not load" in _fails_naming(build, ERRORS)


def test_timestamp_unchecked_and_other_version_bytecode_fail(build: Path) -> None:
    py_compile.compile(str(build / SERVICE), cfile=str(_pyc(build, SERVICE)),
                       invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
    py_compile.compile(str(build / SCHEMAS), cfile=str(_pyc(build, SCHEMAS)),
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    pyc = _pyc(build, ERRORS)
    pyc.write_bytes((3495).to_bytes(2, "little") + b"\r\n" + pyc.read_bytes()[4:])  # 3.11's magic number
    errors = _fails_naming(build, SERVICE, SCHEMAS, ERRORS)
    assert "timestamp-based, not checked-hash" in errors and "hash-based but unchecked" in errors
    assert "is not Python 3.12 bytecode" in errors


def test_all_three_at_once_are_all_listed(build: Path) -> None:
    _pyc(build, SERVICE).unlink()
    with (build / SCHEMAS).open("a") as source:
        source.write("\nEDITED = True\n")
    _pyc(build, ERRORS).write_bytes(b"\x00" * 8)
    errors = _fails_naming(build, SERVICE, SCHEMAS, ERRORS)
    assert "is truncated (8 bytes)" in errors


def test_an_empty_folder_is_not_a_build(tmp_path: Path) -> None:
    result = check(tmp_path)
    assert result.returncode == 1 and "no .py files" in result.stderr
