"""Settings: typed from the environment, and the emulator can never be trusted in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from blinkit.settings import Settings


def test_prod_refuses_to_start_with_the_firebase_emulator(monkeypatch):
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")
    with pytest.raises(ValidationError, match="FIREBASE_AUTH_EMULATOR_HOST"):
        Settings()


def test_prod_refuses_to_start_without_the_cursor_signing_secret(monkeypatch):
    # Without it the public default key would sign cursors: anyone could forge one.
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.delenv("FIREBASE_AUTH_EMULATOR_HOST", raising=False)
    monkeypatch.delenv("CURSOR_SECRET_ARN", raising=False)
    with pytest.raises(ValidationError, match="CURSOR_SECRET_ARN"):
        Settings()
    monkeypatch.setenv("CURSOR_SECRET_ARN", "arn:aws:secretsmanager:ap-south-1:123456789012:secret:cursor-AbCdEf")
    assert Settings().cursor_secret_arn.endswith("cursor-AbCdEf")


def test_dev_accepts_the_emulator_and_reads_typed_values(monkeypatch):
    monkeypatch.setenv("STAGE", "dev")
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")
    monkeypatch.setenv("SESSION_IDLE_DAYS", "3")
    settings = Settings()
    assert settings.session_idle_days == 3 and settings.firebase_auth_emulator_host == "127.0.0.1:9099"


@pytest.mark.parametrize("name, value", [("SESSION_IDLE_DAYS", "0"), ("STAGE", "staging"), ("LOGIN_RATE_PER_IP", "x")])
def test_bad_configuration_fails_at_start_not_at_first_request(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_a_prod_function_with_the_emulator_set_fails_its_cold_start():
    import os
    import subprocess
    import sys

    from local.config import ROOT

    env = {**os.environ, "STAGE": "prod", "FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099",
           "PYTHONPATH": f"{ROOT / 'functions'}:{ROOT / 'layers' / 'blinkit'}"}
    result = subprocess.run([sys.executable, "-c", "import auth.handlers"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    assert "FIREBASE_AUTH_EMULATOR_HOST must not be set" in result.stderr
