#!/usr/bin/env bash
# Prints a Python 3.12 interpreter: python3.12 on PATH, else pyenv's, else python3 if it is 3.12+.
set -euo pipefail
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 12) else 1)' 2>/dev/null; }
for candidate in python3.12 "$(command -v pyenv >/dev/null && echo "$(pyenv root)"/versions/3.12.*/bin/python3.12 | tr ' ' '\n' | tail -n 1)"; do
  if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 && ok "$candidate"; then
    command -v "$candidate"; exit 0
  fi
done
if ok python3; then command -v python3; exit 0; fi
echo "Python 3.12 is required (Lambda runs python3.12); install it, e.g. with pyenv" >&2
exit 1
