"""Pytest plugin: one Firebase Auth emulator per test session (per worker under xdist).

`firebase_emulator` (session) starts it and points settings and the Firebase adapter at it;
`firebase` (function) also wipes every account so each test starts from an empty project.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from local.firebase_emulator import FirebaseAuthEmulator

_ENV_VARS = ("FIREBASE_AUTH_EMULATOR_HOST", "FIREBASE_PROJECT_ID")


def reset_firebase_state() -> None:
    """Make the next call re-read the environment: settings are cached, and so is the firebase_admin app."""
    from auth import firebase
    from blinkit.settings import get_settings

    get_settings.cache_clear()
    firebase.reset_app()


@pytest.fixture(scope="session")
def firebase_emulator() -> Iterator[FirebaseAuthEmulator]:
    from local.firebase_emulator import FirebaseAuthEmulator

    saved = {name: os.environ.get(name) for name in _ENV_VARS}
    emulator = FirebaseAuthEmulator(project_id="demo-blinkit")
    emulator.start()
    try:
        os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = emulator.host
        os.environ["FIREBASE_PROJECT_ID"] = emulator.project_id
        reset_firebase_state()
        yield emulator
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_firebase_state()
        emulator.stop()


@pytest.fixture
def firebase(firebase_emulator: FirebaseAuthEmulator) -> FirebaseAuthEmulator:
    # Another test may have pointed settings elsewhere (e.g. the unit tests unset the emulator host).
    if os.environ.get("FIREBASE_AUTH_EMULATOR_HOST") != firebase_emulator.host:
        os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = firebase_emulator.host
        os.environ["FIREBASE_PROJECT_ID"] = firebase_emulator.project_id
        reset_firebase_state()
    firebase_emulator.clear()
    return firebase_emulator
