"""HTTP calls to another domain's API: per-call timeout, bounded retries, a fleet-wide circuit breaker.

    products = ServiceClient("products", get_settings().products_service_url, timeout_seconds=1.5)
    reply = products.get("/internal/products/p1")   # 2xx/3xx/4xx come back as answers

Domains do not build clients themselves: `blinkit.upstreams.upstream("products")` gives the process-wide
client of an upstream domain, configured from that upstream's own settings.

Rules:
- An attempt fails on a timeout, a transport error (refused, reset) or a 5xx. Each failed attempt counts
  for the breaker and is retried at most twice, after a full-jitter backoff. 4xx are answers: returned,
  never retried, never counted.
- After the last failed attempt: `UpstreamUnavailable` (503 with Retry-After). Breaker open, or another
  caller holds the half-open trial: `CircuitOpen` (503 with the remaining cool-down), without any network
  call. Both are `ServiceUnavailable`, so a route that lets them escape answers problem+json 503.
- POSTs are retried like GETs: use this client for reads (batch lookups); commands travel by the saga.
- `timeout_seconds` bounds connecting and each read (httpx semantics), not a slow trickle of bytes.
- The current correlation id goes out as `x-request-id`, and the user-agent names the calling service.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from blinkit.breaker import CircuitBreaker, CircuitOpen
from blinkit.context import REQUEST_ID_HEADER, request_id_var
from blinkit.errors import ServiceUnavailable
from blinkit.observability import logger
from blinkit.settings import get_settings

if TYPE_CHECKING:  # imported on the first call: a route that calls no other domain never loads httpx (cold start)
    import httpx

__all__ = ["CircuitOpen", "ServiceClient", "UpstreamUnavailable"]

MAX_RETRIES = 2
_sleep = time.sleep  # module attribute so tests can observe the backoff

_http: httpx.Client | None = None
_http_lock = threading.Lock()


class UpstreamUnavailable(ServiceUnavailable):
    """Every attempt failed (timeout, transport error or 5xx)."""

    def __init__(self, service: str, retry_after_seconds: float) -> None:
        self.service = service
        self.retry_after = max(1, math.ceil(retry_after_seconds))
        super().__init__(f"The {service} service is temporarily unavailable", retry_after=self.retry_after)


def _check_retries(retries: int) -> int:
    if not 0 <= retries <= MAX_RETRIES:
        raise ValueError(f"retries must be between 0 and {MAX_RETRIES}")
    return retries


def _pooled_client() -> httpx.Client:
    """One connection pool per process, shared by every ServiceClient, so warm calls reuse connections."""
    global _http
    with _http_lock:
        if _http is None:
            import httpx

            # trust_env=False: calls between our own services never go through an environment proxy.
            _http = httpx.Client(limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
                                 follow_redirects=False, trust_env=False)
        return _http


def _json_bytes(payload: Any) -> bytes:
    import json as jsonlib

    return jsonlib.dumps(payload, separators=(",", ":"), default=str).encode()


def _sigv4_headers(method: str, url: str, body: bytes, headers: dict[str, str]) -> dict[str, str]:
    """Headers with an AWS SigV4 signature for API Gateway's IAM authorization (no-op without credentials)."""
    import botocore.session
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    credentials = botocore.session.get_session().get_credentials()
    if credentials is None:
        return headers
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(credentials.get_frozen_credentials(), "execute-api", get_settings().aws_region).add_auth(request)
    return dict(request.headers.items())


class ServiceClient:
    """Calls one upstream service. Create it once per process (module level) and reuse it."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        timeout_seconds: float = 2.0,
        retries: int = MAX_RETRIES,
        breaker: CircuitBreaker | None = None,
        backoff_seconds: float = 0.1,
        sign_iam: bool = False,
        sign_prefix: str | None = None,
    ) -> None:
        """`sign_iam`: sign every request with the function's AWS credentials (SigV4, service
        execute-api), as the IAM-authorized `/internal/...` routes require in AWS. `sign_prefix`: sign only
        requests whose path starts with it (`/internal/`), so one client also reaches public routes."""
        _check_retries(retries)
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self.retries = retries
        self.breaker = breaker or CircuitBreaker(name)
        self.backoff_seconds = backoff_seconds
        self.sign_iam = sign_iam
        self.sign_prefix = sign_prefix

    # `timeout_seconds` and `retries` override the client's own for one call (e.g. no retries for a call
    # that is not idempotent).
    def get(self, path: str, *, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
            timeout_seconds: float | None = None, retries: int | None = None) -> httpx.Response:
        return self._request("GET", path, params=params, headers=headers, timeout_seconds=timeout_seconds,
                             retries=retries)

    def post(self, path: str, *, json: Any = None, headers: Mapping[str, str] | None = None,
             timeout_seconds: float | None = None, retries: int | None = None) -> httpx.Response:
        return self._request("POST", path, json=json, headers=headers, timeout_seconds=timeout_seconds,
                             retries=retries)

    def delete(self, path: str, *, headers: Mapping[str, str] | None = None,
               timeout_seconds: float | None = None, retries: int | None = None) -> httpx.Response:
        return self._request("DELETE", path, headers=headers, timeout_seconds=timeout_seconds, retries=retries)

    def signs(self, path: str) -> bool:
        """Whether a request to `path` carries a SigV4 signature."""
        if self.sign_iam:
            return True
        return self.sign_prefix is not None and ("/" + path.lstrip("/")).startswith(self.sign_prefix)

    def _request(self, method: str, path: str, *, headers: Mapping[str, str] | None, timeout_seconds: float | None,
                 retries: int | None, params: Mapping[str, Any] | None = None, json: Any = None) -> httpx.Response:
        import httpx

        attempts = 1 + (self.retries if retries is None else _check_retries(retries))
        sign = self.signs(path)
        url = str(httpx.URL(self.base_url + "/" + path.lstrip("/"), params=params))
        body = _json_bytes(json) if json is not None else b""
        base_headers = self._headers(headers)
        if json is not None:
            base_headers.setdefault("content-type", "application/json")
        timeout = httpx.Timeout(timeout_seconds or self.timeout_seconds)
        breaker_open = False
        for attempt in range(attempts):
            if attempt:
                # Full jitter: retries from many instances spread out instead of arriving together.
                _sleep(random.uniform(0, self.backoff_seconds * 2 ** (attempt - 1)))
            permit = self.breaker.acquire()  # raises CircuitOpen, also between retries
            started = time.monotonic()
            # Signed per attempt: a SigV4 signature carries its own timestamp.
            sent = _sigv4_headers(method, url, body, base_headers) if sign else base_headers
            try:
                reply = _pooled_client().request(method, url, content=body or None, headers=sent,
                                                 timeout=timeout)
            except httpx.TransportError as exc:  # timeouts, refused and reset connections, protocol errors
                failure = type(exc).__name__
            else:
                if reply.status_code < 500:
                    self.breaker.record_success(permit)
                    return reply
                failure = f"HTTP {reply.status_code}"
            breaker_open = self.breaker.record_failure(permit)
            logger.warning("upstream call failed", extra={
                "upstream": self.name, "method": method, "path": path, "attempt": attempt + 1,
                "failure": failure, "elapsed_ms": round((time.monotonic() - started) * 1000),
            })
            if breaker_open:
                break  # the next acquire would refuse anyway; say so with the cool-down as Retry-After
        raise UpstreamUnavailable(self.name, self.breaker.cooldown_seconds if breaker_open else 1)

    def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        sent = {"user-agent": f"blinkit-{get_settings().service_name} (service-client)",
                "accept": "application/json"}
        request_id = request_id_var.get()
        if request_id:
            sent[REQUEST_ID_HEADER] = request_id
        sent.update(extra or {})
        return sent
