#!/usr/bin/env bash
# Compiles every .py under a build folder (`make build`: .aws-sam/build) to hash-checked bytecode for
# Python 3.12, the functions' runtime. SAM's Python builder copies no __pycache__ and Lambda's file system
# is read-only, so without this every cold start compiles every module it imports. checked-hash: a .pyc
# is trusted when the source's hash matches, not its mtime (`sam package` zips files with a fixed 1980
# date). Loading fixes the build path in the code objects to the module's path in Lambda.
set -euo pipefail
build_dir="${1:?usage: $0 BUILD_DIR}"
python="$("$(dirname "$0")/python312.sh")"
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then
  echo "$python is not Python 3.12: Lambda's python3.12 would ignore its bytecode" >&2
  exit 1
fi
exec "$python" -m compileall -q -f -j 0 --invalidation-mode checked-hash "$build_dir"
