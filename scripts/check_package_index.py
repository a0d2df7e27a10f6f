"""Before `sam build`: can pip reach its package index? One line saying what is wrong and what to do if not.

    python scripts/check_package_index.py        # the first step of `make build`; exit 1 when unreachable

`sam build` installs every function's and layer's requirements with pip. Without the index it fails late,
after minutes of pip's retries, in a wall of SAM output; this asks first, with a short timeout. The index is
pip's own choice: `PIP_INDEX_URL`, else `index-url` from `pip config list`, else https://pypi.org/simple.
`PIP_NO_INDEX` (an offline wheelhouse through `PIP_FIND_LINKS`) skips the check; a `file://` index must be a
folder that exists.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

DEFAULT_INDEX = "https://pypi.org/simple"
TIMEOUT_SECONDS = 5.0


def configured_index(environ: dict[str, str], pip_config: str) -> str:
    """The index pip would use: the environment first, then pip's configuration (`pip config list` output)."""
    if environ.get("PIP_INDEX_URL"):
        return environ["PIP_INDEX_URL"].strip()
    for line in pip_config.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip().endswith(".index-url") and not key.strip().endswith("extra-index-url"):
            return value.strip().strip("'\"")
    return DEFAULT_INDEX


def unreachable(index: str, timeout: float = TIMEOUT_SECONDS) -> str | None:
    """Why `index` cannot be used, or None when it answers."""
    if index.startswith("file://"):
        folder = Path(urllib.request.url2pathname(index.removeprefix("file://")))
        return None if folder.is_dir() else f"{folder} is not a folder"
    url = index.rstrip("/") + "/"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="GET"), timeout=timeout) as reply:
            return None if reply.status < 400 else f"it answered HTTP {reply.status}"
    except urllib.error.HTTPError as exc:
        return f"it answered HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"{type(reason).__name__}: {reason}" if not isinstance(reason, str) else reason


def _pip_config() -> str:
    done = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True,
                          timeout=30, check=False)
    return done.stdout


def main() -> int:
    if os.environ.get("PIP_NO_INDEX", "").lower() in ("1", "true", "yes", "on"):
        return 0  # an offline build from a wheelhouse: pip will not ask an index
    index = configured_index(dict(os.environ), _pip_config())
    why = unreachable(index)
    if why is None:
        return 0
    print(f"make build: cannot reach the package index {index} ({why}); sam build installs every function's "
          "requirements from it: check the network or proxy (HTTPS_PROXY), or set PIP_INDEX_URL to a mirror you "
          "can reach", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
