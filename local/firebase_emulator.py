"""The Firebase Auth emulator (npm firebase-tools, pinned in package.json) as a managed child process.

Used by the test suite (one emulator per pytest session or xdist worker) and by `make run`. The REST
helpers talk to the emulator the way a mobile client would, so tests can mint real (unsigned) Firebase ID
tokens for phone, email, Google and custom sign-ins without any network.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
FIREBASE_BIN = REPO_ROOT / "node_modules" / ".bin" / "firebase"
TOOLKIT = "/identitytoolkit.googleapis.com/v1"
ADMIN_HEADERS = {"Authorization": "Bearer owner"}  # the emulator treats "owner" as an admin credential
CLIENT_PARAMS = {"key": "fake-api-key"}  # client endpoints want a key; the emulator accepts any


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class FirebaseAuthEmulator:
    """`with FirebaseAuthEmulator() as emu:` starts the emulator on a free port and stops it on exit."""

    def __init__(
        self,
        port: int | None = None,
        project_id: str = "demo-blinkit",
        workdir: Path | None = None,
        startup_timeout: float = 120.0,
    ) -> None:
        self.port = port or free_port()
        self.project_id = project_id
        self.startup_timeout = startup_timeout
        self._own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="firebase-auth-emulator-"))
        self.log_path = self.workdir / "emulator.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._client: httpx.Client | None = None
        self.startup_seconds: float | None = None

    # --- lifecycle ----------------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}"

    def _env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("FIREBASE_", "GCLOUD_", "GOOGLE_")) and k != "NODE_OPTIONS"
        }
        env.update(
            CI="true",  # non-interactive; also skips the MOTD fetch from the network
            NO_UPDATE_NOTIFIER="1",  # no npm registry update check
            # A fresh configstore: usage tracking is off unless opted in there, and no stored login is used.
            XDG_CONFIG_HOME=str(self.workdir / "config"),
            # The hub writes a locator file (hub-<project>.json) to the temp dir; one per emulator
            # keeps parallel emulators of the same project (xdist workers) from seeing each other.
            TMPDIR=str(self.workdir),
        )
        return env

    def start(self) -> Self:
        if self._proc is not None:
            return self
        if not FIREBASE_BIN.exists():
            raise RuntimeError(f"{FIREBASE_BIN} is missing: run `npm ci` in {REPO_ROOT}")
        config = {
            "emulators": {
                "auth": {"host": "127.0.0.1", "port": self.port},
                # Explicit free ports: the defaults (4400, 4500) collide between parallel emulators.
                "hub": {"host": "127.0.0.1", "port": free_port()},
                "logging": {"host": "127.0.0.1", "port": free_port()},
                "ui": {"enabled": False},
                "singleProjectMode": True,
            }
        }
        (self.workdir / "firebase.json").write_text(json.dumps(config, indent=2))
        started = time.monotonic()
        with self.log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                [str(FIREBASE_BIN), "emulators:start", "--only", "auth", "--project", self.project_id],
                cwd=self.workdir,
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so stop() can kill node and any children
            )
        atexit.register(self.stop)  # a Ctrl-C'd test run must not leave node behind
        try:
            self._wait_ready(started + self.startup_timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        self._client = httpx.Client(base_url=self.base_url, timeout=10.0)
        return self

    def _wait_ready(self, deadline: float) -> None:
        assert self._proc is not None
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"Firebase Auth emulator exited with {self._proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(self.base_url + "/", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"Firebase Auth emulator not ready on {self.host}:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Terminate the whole process group (idempotent)."""
        atexit.unregister(self.stop)
        if self._client is not None:
            self._client.close()
            self._client = None
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
            # Whatever is left in the group (the leader if it ignored SIGTERM, or any grandchild).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- REST helpers ---------------------------------------------------------------------------------

    @classmethod
    def attach(cls, host: str, project_id: str = "demo-blinkit") -> FirebaseAuthEmulator:
        """A client for an emulator another process started (e.g. `make run`); stop() leaves it running."""
        client = cls(port=int(host.rsplit(":", 1)[1]), project_id=project_id, workdir=Path(tempfile.gettempdir()))
        client._client = httpx.Client(base_url=client.base_url, timeout=10.0)
        return client

    @property
    def http(self) -> httpx.Client:
        if self._client is None:
            raise RuntimeError("the emulator is not running")
        return self._client

    def _post(self, path: str, body: dict[str, Any], *, admin: bool = False) -> dict[str, Any]:
        response = self.http.post(
            path,
            json=body,
            headers=ADMIN_HEADERS if admin else None,
            params=None if admin else CLIENT_PARAMS,
        )
        if response.status_code != 200:
            raise RuntimeError(f"emulator {path} → HTTP {response.status_code}: {response.text}")
        return dict(response.json())

    def clear(self) -> None:
        """Delete every account of the project."""
        response = self.http.delete(f"/emulator/v1/projects/{self.project_id}/accounts")
        response.raise_for_status()

    def create_user(
        self,
        email: str | None = None,
        password: str | None = None,
        phone_number: str | None = None,
        display_name: str | None = None,
    ) -> str:
        fields = {"email": email, "password": password, "phoneNumber": phone_number, "displayName": display_name}
        body = {k: v for k, v in fields.items() if v is not None}
        return str(self._post(f"{TOOLKIT}/projects/{self.project_id}/accounts", body, admin=True)["localId"])

    def sign_in_with_password(self, email: str, password: str) -> tuple[str, str]:
        """(uid, Firebase ID token) for an email/password user."""
        body = {"email": email, "password": password, "returnSecureToken": True}
        data = self._post(f"{TOOLKIT}/accounts:signInWithPassword", body)
        return str(data["localId"]), str(data["idToken"])

    def sign_in_with_phone(self, phone_number: str) -> tuple[str, str]:
        """(uid, Firebase ID token) through the OTP flow; the user is created on first sign-in."""
        session = self._post(f"{TOOLKIT}/accounts:sendVerificationCode", {"phoneNumber": phone_number})
        session_info = session["sessionInfo"]
        codes = self.http.get(f"/emulator/v1/projects/{self.project_id}/verificationCodes")
        codes.raise_for_status()
        code = next(
            c["code"] for c in codes.json().get("verificationCodes", []) if c.get("sessionInfo") == session_info
        )
        data = self._post(f"{TOOLKIT}/accounts:signInWithPhoneNumber", {"sessionInfo": session_info, "code": code})
        return str(data["localId"]), str(data["idToken"])

    def google_id_token(self, sub: str, email: str | None = None, name: str | None = None) -> str:
        """An unsigned Google-style ID token; the emulator's signInWithIdp reads its claims without checks."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": "https://accounts.google.com",
            "aud": "blinkit-local.apps.googleusercontent.com",
            "sub": sub,
            "iat": now,
            "exp": now + 3600,
        }
        if email:
            claims.update(email=email, email_verified=True)
        if name:
            claims["name"] = name
        return f"{_b64url({'alg': 'none', 'typ': 'JWT'})}.{_b64url(claims)}."

    def id_token_for(self, uid: str, claims: dict[str, Any] | None = None) -> str:
        """A Firebase ID token for `uid` (created if new) via a fake custom token; provider is "custom"."""
        custom_token = json.dumps({"uid": uid, **({"claims": claims} if claims else {})})
        body = {"token": custom_token, "returnSecureToken": True}
        return str(self._post(f"{TOOLKIT}/accounts:signInWithCustomToken", body)["idToken"])


if __name__ == "__main__":  # manual smoke run: python -m local.firebase_emulator
    with FirebaseAuthEmulator() as emulator:
        print(f"Firebase Auth emulator on {emulator.host} (up in {emulator.startup_seconds:.1f}s); Ctrl-C stops")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
