"""`make build`'s first step: scripts/check_package_index.py asks pip's index before `sam build` does."""

from __future__ import annotations

import http.server
import importlib.util
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_package_index.py"
_spec = importlib.util.spec_from_file_location("check_package_index", SCRIPT)
assert _spec is not None and _spec.loader is not None
check_package_index = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_package_index)
DEFAULT_INDEX, configured_index = check_package_index.DEFAULT_INDEX, check_package_index.configured_index


class _Index(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path == "/simple/" else 404
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def index_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Index)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nobody listens once the socket is closed


def _check(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return subprocess.run([sys.executable, str(SCRIPT)], env={**clean, **env}, capture_output=True, text=True,
                          timeout=60, check=False)


def test_a_reachable_index_passes_silently(index_server: str) -> None:
    done = _check(PIP_INDEX_URL=f"{index_server}/simple")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_an_unreachable_index_fails_with_one_line_saying_what_to_do() -> None:
    index = f"http://127.0.0.1:{_closed_port()}/simple"
    done = _check(PIP_INDEX_URL=index)
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"make build: cannot reach the package index {index} (")
    assert "refused" in line.lower() and line.endswith("or set PIP_INDEX_URL to a mirror you can reach")


def test_an_index_that_answers_an_error_fails(index_server: str) -> None:
    done = _check(PIP_INDEX_URL=f"{index_server}/nothing-here")
    assert done.returncode == 1 and "(it answered HTTP 404)" in done.stderr


def test_a_file_index_must_be_a_folder(tmp_path: Path) -> None:
    assert _check(PIP_INDEX_URL=tmp_path.as_uri()).returncode == 0
    done = _check(PIP_INDEX_URL=(tmp_path / "missing").as_uri())
    assert done.returncode == 1 and f"{tmp_path / 'missing'} is not a folder" in done.stderr


def test_an_offline_build_skips_the_check() -> None:
    done = _check(PIP_NO_INDEX="1", PIP_INDEX_URL=f"http://127.0.0.1:{_closed_port()}/simple")
    assert (done.returncode, done.stderr) == (0, "")


def test_the_index_is_pips_own_choice() -> None:
    config = "global.extra-index-url='file:///opt/pypi/simple'\nglobal.index-url='https://mirror.example/simple'\n"
    assert configured_index({}, config) == "https://mirror.example/simple"
    assert configured_index({"PIP_INDEX_URL": "https://env.example/simple"}, config) == "https://env.example/simple"
    assert configured_index({}, "global.extra-index-url='file:///opt/pypi/simple'\n") == DEFAULT_INDEX


def test_make_build_asks_before_sam_build() -> None:
    makefile = (ROOT / "Makefile").read_text()
    build = makefile[makefile.index("\nbuild:"):makefile.index("\n## deploy")]
    assert build.index("scripts/check_package_index.py") < build.index("sam build")
