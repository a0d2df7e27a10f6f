"""Loopback stand-ins for Resend and FCM: the real SDKs talk to them, and they keep what they were sent.

    with Receivers(outbox=Path(".local/outbox")) as receivers:
        env = receivers.environment()          # RESEND_API_URL, FCM_ENDPOINT, FCM_SERVICE_ACCOUNT_FILE, keys
        receivers.fail_next("email", 500)      # the next email answers 500 (then normal again)
        receivers.fail_next("email", 429, count=2, match="a@example.com")
        receivers.unregister("token-123")      # FCM answers UNREGISTERED for this token from now on
        receivers.delay = 0.05                 # every answer waits 50 ms (the benchmark)
        receivers.emails, receivers.pushes     # what was accepted

Endpoints (one ThreadingHTTPServer on a free port):
    POST /emails                               Resend: `{"id"}`; the HTML is written to the outbox folder
    POST /token                                the fake service account's OAuth token endpoint
    POST /v1/projects/{project}/messages:send  FCM HTTP v1: `{"name"}` or FCM's error JSON
    GET  /outbox                               what `GET /local/outbox` of `make run` shows
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Self

from local.loopback import JsonHandler, LoopbackServer

FCM_SEND = re.compile(r"^/v1/projects/([^/]+)/messages:send$")
RESEND_API_KEY = "re_local_not_a_real_key"


@dataclass
class _Fault:
    kind: str  # "email" | "push"
    status: int
    count: int
    match: str | None


@dataclass
class _State:
    emails: list[dict[str, Any]] = field(default_factory=list)
    pushes: list[dict[str, Any]] = field(default_factory=list)
    faults: list[_Fault] = field(default_factory=list)
    unregistered: set[str] = field(default_factory=set)
    calls: dict[str, int] = field(default_factory=lambda: {"email": 0, "push": 0, "token": 0})


class Receivers(LoopbackServer):
    thread_name = "local-receivers"

    def __init__(self, outbox: Path | None = None) -> None:
        super().__init__()
        self._own_dir = tempfile.mkdtemp(prefix="blinkit-receivers-") if outbox is None else None
        self.outbox = Path(outbox) if outbox is not None else Path(self._own_dir) / "outbox"  # type: ignore[arg-type]
        self.delay = 0.0
        self._lock = threading.Lock()
        self._state = _State()
        self.service_account_file = (Path(self._own_dir) if self._own_dir else self.outbox.parent) / \
            "fake-firebase-service-account.json"

    # ---- lifecycle ---------------------------------------------------------------------------

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)

    def start(self) -> Self:
        if self._server is None:
            self.outbox.mkdir(parents=True, exist_ok=True)
            super().start()
            self._write_service_account()
        return self

    def stop(self) -> None:
        super().stop()
        if self._own_dir:
            shutil.rmtree(self._own_dir, ignore_errors=True)

    def environment(self) -> dict[str, str]:
        """What the sending functions need to reach these receivers with the real SDKs."""
        return {"RESEND_API_URL": self.url, "RESEND_API_KEY": RESEND_API_KEY, "RESEND_API_KEY_PARAMETER": "",
                "FCM_ENDPOINT": self.url, "FCM_SERVICE_ACCOUNT_FILE": str(self.service_account_file)}

    def _write_service_account(self) -> None:
        """A service account with a throwaway key whose token_uri is our /token (google-auth signs with it)."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        self.service_account_file.parent.mkdir(parents=True, exist_ok=True)
        self.service_account_file.write_text(json.dumps({
            "type": "service_account", "project_id": "demo-blinkit", "private_key_id": uuid.uuid4().hex,
            "private_key": pem, "client_email": "push@demo-blinkit.iam.gserviceaccount.com",
            "client_id": "1", "token_uri": f"{self.url}/token",
        }))

    # ---- controls for tests ------------------------------------------------------------------

    def fail_next(self, kind: str, status: int, *, count: int = 1, match: str | None = None) -> None:
        """The next `count` calls of `kind` ("email" or "push") answer `status`; `match` narrows them to one
        recipient address or device token."""
        if kind not in ("email", "push"):
            raise ValueError("kind is email or push")
        with self._lock:
            self._state.faults.append(_Fault(kind, status, count, match))

    def unregister(self, token: str) -> None:
        with self._lock:
            self._state.unregistered.add(token)

    def reset(self) -> None:
        with self._lock:
            self._state = _State()
        self.delay = 0.0

    @property
    def emails(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._state.emails)

    @property
    def pushes(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._state.pushes)

    def calls(self, kind: str) -> int:
        with self._lock:
            return self._state.calls[kind]

    def outbox_listing(self) -> dict[str, Any]:
        with self._lock:
            emails = [{k: e[k] for k in ("id", "to", "subject", "from", "received_at", "file")}
                      for e in self._state.emails]
            pushes = [dict(p) for p in self._state.pushes]
        return {"outbox_folder": str(self.outbox), "emails": emails, "pushes": pushes}

    # ---- what the handler calls --------------------------------------------------------------

    def _fault(self, kind: str, target: str) -> int | None:
        with self._lock:
            self._state.calls[kind] += 1
            for fault in self._state.faults:
                if fault.kind == kind and fault.count > 0 and (fault.match is None or fault.match == target):
                    fault.count -= 1
                    return fault.status
        return None

    def _email(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        to = payload.get("to")
        recipients = to if isinstance(to, list) else [to]
        status = self._fault("email", str(recipients[0]))
        if status is not None:
            names = {422: "validation_error", 429: "rate_limit_exceeded", 400: "validation_error"}
            return status, {"statusCode": status, "name": names.get(status, "internal_server_error"),
                            "message": f"injected failure {status}"}
        if not payload.get("from") or not recipients or not payload.get("subject"):
            return 422, {"statusCode": 422, "name": "validation_error", "message": "from, to and subject are required"}
        email_id = str(uuid.uuid4())
        now = datetime.now(UTC)
        safe = re.sub(r"[^A-Za-z0-9@._-]", "_", str(recipients[0]))[:60]
        path = self.outbox / f"{now:%Y%m%dT%H%M%S.%f}-{safe}-{email_id[:8]}.html"
        path.write_text(str(payload.get("html") or f"<pre>{payload.get('text', '')}</pre>"), encoding="utf-8")
        record = {"id": email_id, "to": recipients, "from": payload.get("from"), "subject": payload.get("subject"),
                  "html": payload.get("html"), "text": payload.get("text"), "tags": payload.get("tags"),
                  "received_at": now.isoformat(), "file": str(path)}
        with self._lock:
            self._state.emails.append(record)
        return 200, {"id": email_id}

    def _push(self, project: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        message = payload.get("message") or {}
        token = str(message.get("token") or "")
        status = self._fault("push", token)
        with self._lock:
            dead = token in self._state.unregistered
        if dead:
            return 404, _fcm_error(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED")
        if status is not None:
            codes = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 400: "INVALID_ARGUMENT"}
            fcm = {429: "QUOTA_EXCEEDED", 500: "INTERNAL", 503: "UNAVAILABLE", 400: "INVALID_ARGUMENT"}
            return status, _fcm_error(status, codes.get(status, "INTERNAL"), "injected failure",
                                      fcm.get(status, "INTERNAL"))
        name = f"projects/{project}/messages/{uuid.uuid4().hex}"
        with self._lock:
            self._state.pushes.append({"name": name, "token": token, "notification": message.get("notification"),
                                       "data": message.get("data"), "received_at": datetime.now(UTC).isoformat()})
        return 200, {"name": name}


def _fcm_error(status: int, code: str, message: str, fcm_code: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "status": code, "details": [
        {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": fcm_code}]}}


def _handler_for(receivers: Receivers) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            if "json" in (self.headers.get("content-type") or ""):
                parsed = json.loads(raw or b"{}")
                return parsed if isinstance(parsed, dict) else {}
            return {}

        def do_GET(self) -> None:
            if self.path.split("?")[0] == "/outbox":
                self._answer(200, receivers.outbox_listing())
            else:
                self._answer(404, {"message": "not found"})

        def do_POST(self) -> None:
            path = self.path.split("?")[0]
            body = self._body()
            if receivers.delay:
                time.sleep(receivers.delay)
            if path == "/emails":
                if self.headers.get("authorization") != f"Bearer {RESEND_API_KEY}":
                    self._answer(401, {"statusCode": 401, "name": "missing_api_key", "message": "bad key"})
                    return
                self._answer(*receivers._email(body))
            elif path == "/token":
                with receivers._lock:
                    receivers._state.calls["token"] += 1
                self._answer(200, {"access_token": f"local-{uuid.uuid4().hex}", "expires_in": 3600,
                                   "token_type": "Bearer"})
            elif found := FCM_SEND.match(path):
                if not (self.headers.get("authorization") or "").startswith("Bearer local-"):
                    self._answer(401, {"error": {"code": 401, "message": "no token", "status": "UNAUTHENTICATED"}})
                    return
                self._answer(*receivers._push(found.group(1), body))
            else:
                self._answer(404, {"message": "not found"})

    return Handler


# ---- Supabase Realtime ------------------------------------------------------------------------------

SUPABASE_KEY = "sb_local_not_a_real_service_key"
SUPABASE_BROADCAST = "/realtime/v1/api/broadcast"


class SupabaseReceiver(LoopbackServer):
    """Supabase's REST broadcast endpoint on loopback: keeps every message in arrival order.

        with SupabaseReceiver() as supabase:
            supabase.environment()        # SUPABASE_URL, SUPABASE_KEY (SUPABASE_KEY_PARAMETER off)
            supabase.down = 503           # every broadcast answers 503 (None: normal again)
            supabase.broadcasts           # [{topic, event, payload, private, received_at}]

    `POST /realtime/v1/api/broadcast` with `apikey` and `Authorization: Bearer` headers and
    `{"messages": [{topic, event, payload, private}]}` answers 202 like Supabase; a bad key 401, a message
    without topic or event 400.
    """

    thread_name = "local-supabase"

    def __init__(self) -> None:
        super().__init__()
        self.down: int | None = None
        self._lock = threading.Lock()
        self._broadcasts: list[dict[str, Any]] = []
        self.calls = 0

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _supabase_handler(self)

    def environment(self) -> dict[str, str]:
        return {"SUPABASE_URL": self.url, "SUPABASE_KEY": SUPABASE_KEY, "SUPABASE_KEY_PARAMETER": ""}

    @property
    def broadcasts(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._broadcasts)

    def reset(self) -> None:
        with self._lock:
            self._broadcasts.clear()
            self.calls = 0
        self.down = None

    def _receive(self, headers: Any, body: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
        with self._lock:
            self.calls += 1
        if self.down:
            return self.down, {"message": "injected outage"}
        if headers.get("apikey") != SUPABASE_KEY or headers.get("authorization") != f"Bearer {SUPABASE_KEY}":
            return 401, {"message": "Invalid API key"}
        messages = body.get("messages")
        if not isinstance(messages, list) or not all(isinstance(m, dict) and m.get("topic") and m.get("event")
                                                     for m in messages):
            return 400, {"message": "messages[] with topic and event are required"}
        now = datetime.now(UTC).isoformat()
        with self._lock:
            self._broadcasts.extend({"topic": m["topic"], "event": m["event"], "payload": m.get("payload"),
                                     "private": bool(m.get("private")), "received_at": now} for m in messages)
        return 202, None


def _supabase_handler(receiver: SupabaseReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.path.split("?")[0] != SUPABASE_BROADCAST:
                self._answer(404, {"message": "not found"})
                return
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                self._answer(400, {"message": "invalid JSON"})
                return
            self._answer(*receiver._receive(self.headers, body if isinstance(body, dict) else {}))

        def do_GET(self) -> None:
            if self.path.split("?")[0] == "/broadcasts":  # for `make run` users peeking at what was sent
                self._answer(200, {"broadcasts": receiver.broadcasts})
            else:
                self._answer(404, {"message": "not found"})

    return Handler
