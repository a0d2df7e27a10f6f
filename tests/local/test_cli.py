"""`python -m local invoke`: the docker-free twin of `sam local invoke`, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.local.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]


def _invoke(function: str, event: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable, "-m", "local", "invoke", function,
            "-e", str(FIXTURES / "events" / event),
            "--template", str(FIXTURES / "template.yaml"),
            "--env", "REDIS_URL=redis://127.0.0.1:6379/15",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_invoke_prints_the_result_as_json_and_logs_to_stderr() -> None:
    done = _invoke("EchoFunction", "echo.json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["event"] == {"hello": "world"}
    assert result["env"]["LEDGER_TABLE"] == "LedgerTable"
    assert result["env"]["REDIS_URL"] == "redis://127.0.0.1:6379/15"
    assert "echo handler prints go to the logs" in done.stderr  # the handler's print is a log line


def test_invoke_exits_non_zero_with_the_error_payload_on_a_function_error() -> None:
    done = _invoke("EchoFunction", "echo-fail.json")
    assert done.returncode == 1
    error = json.loads(done.stdout)
    assert error["errorType"] == "OutOfStock"
    assert error["errorMessage"] == "no milk"


def test_unknown_function_is_refused() -> None:
    done = _invoke("NoSuchFunction", "echo.json")
    assert done.returncode != 0
    assert "NoSuchFunction" in done.stderr
