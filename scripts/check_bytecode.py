"""Fails, listing them, when any .py under a build folder lacks valid bytecode for Python 3.12 (Lambda's
python3.12 runtime): a `__pycache__/<name>.cpython-312.pyc` beside it, with 3.12's magic number, the
checked-hash flags, the hash of the .py as it is now, and a code object that loads.

    python scripts/check_bytecode.py .aws-sam/build      # the last step of `make build`

Run it with Python 3.12: the source hash is keyed by the interpreter's own magic number.
"""

from __future__ import annotations

import importlib.util
import marshal
import sys
import types
from pathlib import Path

TAG = "cpython-312"
MAGIC = (3531).to_bytes(2, "little") + b"\r\n"  # importlib.util.MAGIC_NUMBER of every Python 3.12
HASH_BASED, CHECK_SOURCE = 0b01, 0b10  # PEP 552 flags: both set = checked-hash
HEADER = 16  # magic (4), flags (4), source hash (8)


def bytecode_of(source: Path) -> Path:
    return source.parent / "__pycache__" / f"{source.stem}.{TAG}.pyc"


def problem(source: Path) -> str | None:
    """Why `source` has no valid checked-hash 3.12 bytecode, or None when it has."""
    compiled = bytecode_of(source)
    if not compiled.is_file():
        return f"no bytecode ({compiled.name} is missing)"
    data = compiled.read_bytes()
    if len(data) < HEADER:
        return f"{compiled.name} is truncated ({len(data)} bytes)"
    if data[:4] != MAGIC:
        return f"{compiled.name} is not Python 3.12 bytecode (magic {data[:4]!r})"
    flags = int.from_bytes(data[4:8], "little")
    if flags != HASH_BASED | CHECK_SOURCE:
        kind = "timestamp-based" if not flags & HASH_BASED else "hash-based but unchecked"
        return f"{compiled.name} is {kind}, not checked-hash"
    if data[8:16] != importlib.util.source_hash(source.read_bytes()):
        return f"{compiled.name} was compiled from another version of the source"
    try:
        code = marshal.loads(data[HEADER:])
    except (EOFError, ValueError, TypeError) as exc:
        return f"{compiled.name} does not load: {exc}"
    if not isinstance(code, types.CodeType):
        return f"{compiled.name} holds no code object"
    return None


def check(root: Path) -> tuple[int, list[str]]:
    """(number of .py files, a line per file without valid bytecode, relative to `root`)."""
    sources = sorted(p for p in root.rglob("*.py") if p.is_file())
    found = [(source, problem(source)) for source in sources]
    return len(sources), [f"{source.relative_to(root)}: {why}" for source, why in found if why]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} BUILD_DIR", file=sys.stderr)
        return 2
    if sys.version_info[:2] != (3, 12):
        print(f"run the checker with Python 3.12, not {sys.version.split()[0]}", file=sys.stderr)
        return 2
    root = Path(argv[1])
    total, problems = check(root)
    if total == 0:
        print(f"{root}: no .py files: nothing was built there", file=sys.stderr)
        return 1
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"{len(problems)} of {total} .py files under {root} lack valid hash-checked Python 3.12 bytecode "
              f"(scripts/compile_bytecode.sh {root})", file=sys.stderr)
        return 1
    print(f"{total} .py files under {root}, each with valid hash-checked Python 3.12 bytecode")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
