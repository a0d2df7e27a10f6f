"""The service client against a real HTTP server on loopback that each test breaks on purpose (503, 404,
slow, refused), with the breaker's state in the real Redis: retries, timeouts, correlation ids, the
breaker opening, skipping the network, the half-open trial, and Redis being down."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import redis

import blinkit.service_client as service_client
from blinkit.breaker import CircuitBreaker
from blinkit.context import request_id_var
from blinkit.service_client import CircuitOpen, ServiceClient, UpstreamUnavailable
from tests.plugins.stack import flush_keeping_claim


class Upstream:
    """A switchable upstream: mode is "ok", "503", "404" or "slow"; `fail_next` 503s come first."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.fail_next = 0
        self.delay = 0.0
        self.hits: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._server = self._serve(0)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def _serve(self, port: int) -> ThreadingHTTPServer:
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the pooled client expects from real services

            def do_GET(self) -> None:
                upstream.handle(self)

            do_POST = do_GET

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.daemon_threads = True
        self._stopped.clear()
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return server

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        if self._stopped.is_set():  # a kept-alive connection to a "dead" service
            request.close_connection = True
            return
        length = int(request.headers.get("content-length") or 0)
        body = request.rfile.read(length) if length else b""
        with self._lock:
            self.hits.append({"method": request.command, "path": request.path,
                              "headers": {k.lower(): v for k, v in request.headers.items()}, "body": body})
            failing = self.fail_next > 0
            self.fail_next -= 1 if failing else 0
        status = 503 if failing or self.mode == "503" else 404 if self.mode == "404" else 200
        if self.mode == "slow":
            self._stopped.wait(self.delay)
        payload = json.dumps({"path": request.path, "body": body.decode() or None}).encode()
        try:
            request.send_response(status)
            request.send_header("content-type", "application/json")
            request.send_header("content-length", str(len(payload)))
            request.end_headers()
            request.wfile.write(payload)
        except OSError:  # the client gave up (timeout) before the slow reply
            request.close_connection = True

    def stop(self) -> None:
        """Refuse connections from now on (and drop kept-alive ones)."""
        self._stopped.set()
        self._server.shutdown()
        self._server.server_close()

    def start(self) -> None:
        self._server = self._serve(self.port)


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    yield server
    if not server._stopped.is_set():
        server.stop()


@pytest.fixture
def rds(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    flush_keeping_claim(redis_url)  # the run's claim on this database must survive
    yield client
    client.close()


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """The backoff delays the client chose (it still sleeps them)."""
    chosen: list[float] = []

    def recording_sleep(seconds: float) -> None:
        chosen.append(seconds)
        time.sleep(seconds)

    monkeypatch.setattr(service_client, "_sleep", recording_sleep)
    return chosen


def breaker_for(rds: redis.Redis, name: str, **kw: Any) -> CircuitBreaker:
    options: dict[str, Any] = {"failure_threshold": 3, "window_seconds": 5.0, "cooldown_seconds": 0.5} | kw
    return CircuitBreaker(name, redis_client=rds, **options)


def client_for(upstream: Upstream, breaker: CircuitBreaker, **kw: Any) -> ServiceClient:
    return ServiceClient(breaker.name, upstream.url, timeout_seconds=kw.pop("timeout_seconds", 1.0),
                         breaker=breaker, **kw)


def new_name() -> str:
    return f"products-{uuid.uuid4().hex[:8]}"


def opened_metrics(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if '"BreakerOpened"' in line and '"_aws"' in line]


def test_healthy_calls_forward_the_request_id_and_name_the_caller(upstream, rds):
    client = client_for(upstream, breaker_for(rds, new_name()))
    token = request_id_var.set("req-123")
    try:
        got = client.get("/internal/products/p1", params={"store_id": "s1"})
        posted = client.post("internal/products/batch", json={"ids": ["p1", "p2"]}, headers={"x-extra": "1"})
    finally:
        request_id_var.reset(token)
    assert got.status_code == 200 and got.json()["path"] == "/internal/products/p1?store_id=s1"
    assert posted.status_code == 200 and json.loads(posted.json()["body"]) == {"ids": ["p1", "p2"]}
    first, second = upstream.hits
    assert first["headers"]["x-request-id"] == second["headers"]["x-request-id"] == "req-123"
    assert first["headers"]["user-agent"].startswith("blinkit-") and second["headers"]["x-extra"] == "1"


def test_iam_signing_sends_a_sigv4_signature_that_verifies(upstream, rds, monkeypatch):
    import botocore.auth
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    # The client signs with whatever credentials the environment holds at call time; pin them, so that a
    # test elsewhere on this worker (moto swaps in its own keys while it runs) cannot change what is signed.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    client = client_for(upstream, breaker_for(rds, new_name()), sign_iam=True)
    assert client.post("/internal/cart/merge", json={"user_id": "u1"}).status_code == 200
    headers = upstream.hits[0]["headers"]
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert "/ap-south-1/execute-api/aws4_request" in headers["authorization"]
    assert headers["x-amz-security-token"] == "testing"
    # Re-sign the request as received, at the same timestamp: API Gateway would compute this signature.
    creds = Credentials("testing", "testing", "testing")
    signed = headers["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    replay = AWSRequest(method="POST", url=upstream.url + "/internal/cart/merge", data=upstream.hits[0]["body"],
                        headers={k: v for k, v in headers.items() if k in signed})
    # add_auth stamps the request with the clock's now, not the context's timestamp: under load the replay can
    # fall in a later second than the client's signing, so the signer is given the received instant instead.
    received_at = datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ")
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: received_at)
    SigV4Auth(creds, "execute-api", "ap-south-1").add_auth(replay)
    assert replay.headers["X-Amz-Date"] == headers["x-amz-date"]
    expected = replay.headers["Authorization"].split("Signature=")[1]
    assert headers["authorization"].split("Signature=")[1] == expected


def test_unsigned_by_default(upstream, rds):
    client_for(upstream, breaker_for(rds, new_name())).get("/x")
    assert "authorization" not in upstream.hits[0]["headers"]


def test_no_request_id_header_outside_a_request(upstream, rds):
    client_for(upstream, breaker_for(rds, new_name())).get("/x")
    assert "x-request-id" not in upstream.hits[0]["headers"]


def test_4xx_is_an_answer_never_retried_or_counted(upstream, rds, sleeps):
    upstream.mode = "404"
    client = client_for(upstream, breaker_for(rds, new_name()))
    for _ in range(6):  # twice the breaker's threshold
        assert client.get("/internal/products/missing").status_code == 404
    assert len(upstream.hits) == 6 and sleeps == []
    assert not client.breaker.acquire().trial  # still closed


def test_5xx_is_retried_twice_with_jittered_backoff(upstream, rds, sleeps):
    upstream.mode = "503"
    client = client_for(upstream, breaker_for(rds, new_name(), failure_threshold=10), backoff_seconds=0.05)
    with pytest.raises(UpstreamUnavailable) as failed:
        client.get("/internal/products/p1")
    assert len(upstream.hits) == 3  # one call and two retries, no more
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 0.05 and 0 <= sleeps[1] <= 0.1
    assert failed.value.status == 503 and failed.value.headers["Retry-After"] == "1"


def test_a_transient_5xx_is_absorbed_by_a_retry(upstream, rds, sleeps):
    upstream.fail_next = 2
    client = client_for(upstream, breaker_for(rds, new_name()))
    assert client.get("/internal/products/p1").status_code == 200
    assert len(upstream.hits) == 3 and len(sleeps) == 2


def test_a_slow_upstream_times_out_per_attempt_and_is_retried(upstream, rds):
    upstream.mode, upstream.delay = "slow", 5.0
    client = client_for(upstream, breaker_for(rds, new_name(), failure_threshold=10), timeout_seconds=0.2)
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable):
        client.get("/internal/products/p1")
    elapsed = time.monotonic() - started
    assert len(upstream.hits) == 3
    assert 0.6 <= elapsed < 1.5  # three 0.2 s attempts plus at most 0.3 s of backoff


def test_per_call_timeout_overrides_the_default(upstream, rds):
    upstream.mode, upstream.delay = "slow", 0.3
    client = client_for(upstream, breaker_for(rds, new_name()), timeout_seconds=0.1, retries=0)
    assert client.get("/slow", timeout_seconds=2.0).status_code == 200


def test_connection_refused_counts_and_opens_the_breaker(upstream, rds):
    upstream.stop()
    client = client_for(upstream, breaker_for(rds, new_name()))
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable) as failed:
        client.get("/internal/products/p1")
    assert failed.value.headers["Retry-After"] == "1"  # the cool-down, 0.5 s, rounded up
    with pytest.raises(CircuitOpen):
        client.get("/internal/products/p1")
    assert time.monotonic() - started < 1


def test_opens_after_the_configured_failures_then_skips_the_network(upstream, rds, capsys):
    upstream.mode = "503"
    client = client_for(upstream, breaker_for(rds, new_name(), failure_threshold=5, cooldown_seconds=3.0))
    with pytest.raises(UpstreamUnavailable):
        client.get("/p")  # three failed attempts: still closed
    assert len(upstream.hits) == 3 and opened_metrics(capsys.readouterr().out) == []
    with pytest.raises(UpstreamUnavailable) as failed:
        client.get("/p")  # the fifth failure opens it; no third attempt is made
    assert len(upstream.hits) == 5 and failed.value.headers["Retry-After"] == "3"
    for _ in range(5):
        with pytest.raises(CircuitOpen) as refused:
            client.get("/p")
        assert refused.value.headers["Retry-After"] in {"2", "3"}
    assert len(upstream.hits) == 5  # the server saw none of the refused calls
    blobs = opened_metrics(capsys.readouterr().out)
    assert len(blobs) == 1 and blobs[0]["breaker"] == client.name


def test_another_instance_sees_the_open_breaker_without_calling(upstream, rds):
    upstream.mode = "503"
    name = new_name()
    first = client_for(upstream, breaker_for(rds, name))
    second = client_for(upstream, breaker_for(rds, name))  # another Lambda instance: its own breaker object
    with pytest.raises(UpstreamUnavailable):
        first.get("/p")
    with pytest.raises(CircuitOpen):
        second.get("/p")
    assert len(upstream.hits) == 3


def test_half_open_sends_one_trial_among_ten_concurrent_callers_then_closes(upstream, rds):
    upstream.mode = "503"
    name = new_name()
    with pytest.raises(UpstreamUnavailable):
        client_for(upstream, breaker_for(rds, name)).get("/p")
    upstream.mode, upstream.delay = "slow", 0.3  # healthy again, slow enough for the trial to be in flight
    time.sleep(0.55)  # the 0.5 s cool-down
    hits_before = len(upstream.hits)
    clients = [client_for(upstream, breaker_for(rds, name)) for _ in range(10)]
    barrier = threading.Barrier(10)
    outcomes: list[str] = []

    def call(client: ServiceClient) -> None:
        barrier.wait()
        try:
            outcomes.append(str(client.get("/p").status_code))
        except CircuitOpen:
            outcomes.append("refused")

    threads = [threading.Thread(target=call, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["200"] + ["refused"] * 9
    assert len(upstream.hits) == hits_before + 1
    upstream.mode = "ok"
    assert all(c.get("/p").status_code == 200 for c in clients)  # closed for everyone


def test_a_failed_trial_reopens_for_another_cool_down(upstream, rds, capsys):
    upstream.mode = "503"
    client = client_for(upstream, breaker_for(rds, new_name()))
    with pytest.raises(UpstreamUnavailable):
        client.get("/p")
    time.sleep(0.55)
    with pytest.raises(UpstreamUnavailable):
        client.get("/p")  # the trial: one attempt, no retries once it re-opens
    assert len(upstream.hits) == 4
    with pytest.raises(CircuitOpen):
        client.get("/p")
    assert len(upstream.hits) == 4
    assert len(opened_metrics(capsys.readouterr().out)) == 2


def test_recovery_after_the_service_comes_back(upstream, rds):
    upstream.stop()
    client = client_for(upstream, breaker_for(rds, new_name()))
    with pytest.raises(UpstreamUnavailable):
        client.get("/p")
    upstream.start()
    time.sleep(0.55)
    assert client.get("/p").status_code == 200
    assert client.get("/p").status_code == 200


def test_redis_down_calls_still_work_and_the_fallback_breaker_opens(upstream, capsys):
    down = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2, socket_timeout=0.2)
    client = client_for(upstream, breaker_for(down, new_name()))
    assert client.get("/p").status_code == 200
    upstream.mode = "503"
    with pytest.raises(UpstreamUnavailable):
        client.get("/p")
    with pytest.raises(CircuitOpen):
        client.get("/p")
    assert len(upstream.hits) == 4
    assert len(opened_metrics(capsys.readouterr().out)) == 1


def test_the_base_url_comes_from_settings(monkeypatch):
    from blinkit.settings import Settings

    monkeypatch.setenv("PRODUCTS_SERVICE_URL", "https://products.internal.example")
    assert Settings().products_service_url == "https://products.internal.example"


def test_retries_are_bounded():
    with pytest.raises(ValueError):
        ServiceClient("products", "http://127.0.0.1:9", retries=3)
