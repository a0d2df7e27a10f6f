"""Razorpay's REST API through the official SDK (`razorpay`, layers/payments), and the two secrets.

The SDK talks to `RAZORPAY_API_URL` (Razorpay itself in AWS; locally the stand-in in local/razorpay.py, by
configuration only). Every call has a timeout (the SDK sets none) and goes through the fleet-wide
"razorpay" circuit breaker: a timeout, a refused connection or a 5xx counts as a failure and is raised as
`PaymentProviderUnavailable`, which the saga catches by name; Razorpay's 4xx (`BadRequestError`) is
`PaymentRefused`, the call's own fault, and never opens the breaker.

The key id is configuration (Checkout shows it to every customer); the key secret and the webhook secret
are SSM SecureStrings in AWS, read at run time through Powertools Parameters and cached for an hour.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from blinkit.breaker import CircuitBreaker, CircuitOpen
from blinkit.errors import ServiceUnavailable
from blinkit.observability import logger
from blinkit.parameters import secure_string
from blinkit.settings import get_settings

if TYPE_CHECKING:  # the SDK (and requests) load on the first Razorpay call: the saga's wait and close never make one
    import razorpay

SECRET_MAX_AGE_SECONDS = 3600


class PaymentProviderUnavailable(ServiceUnavailable):
    """Razorpay did not answer (timeout, connection refused, 5xx) or the breaker is open. Retryable."""

    def __init__(self, detail: str = "The payment provider is unavailable", **kw: Any) -> None:
        super().__init__(detail, **kw)


class PaymentRefused(Exception):
    """Razorpay refused the request (4xx): retrying the same request cannot help."""


_lock = threading.Lock()
_state: dict[str, Any] = {}


def key_id() -> str:
    return get_settings().razorpay_key_id


def key_secret() -> str:
    s = get_settings()
    return secure_string(s.razorpay_key_secret_parameter, s.razorpay_key_secret, max_age=SECRET_MAX_AGE_SECONDS)


def webhook_secret() -> str:
    s = get_settings()
    return secure_string(s.razorpay_webhook_secret_parameter, s.razorpay_webhook_secret,
                         max_age=SECRET_MAX_AGE_SECONDS)


def _parts() -> tuple[razorpay.Client, CircuitBreaker]:
    """The SDK client and the breaker, built on first use. The secret is asked for on every call (Powertools
    caches it for an hour), so a rotated key secret replaces the client within that hour, no cold start needed."""
    import razorpay
    import requests

    secret = key_secret()
    with _lock:
        if not _state or _state["secret"] != secret:
            s = get_settings()
            if _state.get("client"):
                _state["client"].session.close()
            session = requests.Session()
            session.trust_env = False  # no proxy settings from the environment between us and Razorpay
            client = razorpay.Client(session=session, auth=(s.razorpay_key_id, secret),
                                     base_url=s.razorpay_api_url.rstrip("/"))
            client.set_app_details({"title": "blinkit-clone"})
            breaker = _state.get("breaker") or CircuitBreaker(
                "razorpay", failure_threshold=s.razorpay_breaker_failures,
                window_seconds=s.razorpay_breaker_window_seconds, cooldown_seconds=s.razorpay_breaker_cooldown_seconds)
            _state.update(client=client, breaker=breaker, secret=secret)
        return _state["client"], _state["breaker"]


def reset() -> None:
    """Forget the client (tests point RAZORPAY_API_URL elsewhere, or change keys)."""
    with _lock:
        if _state.get("client"):
            _state["client"].session.close()
        _state.clear()


def _call(what: str, call: Callable[[razorpay.Client, float], dict[str, Any]]) -> dict[str, Any]:
    import requests
    from razorpay.errors import BadRequestError, GatewayError, ServerError

    try:
        client, breaker = _parts()
        permit = breaker.acquire()
    except CircuitOpen as exc:
        raise PaymentProviderUnavailable(retry_after=exc.retry_after) from exc
    try:
        answer = call(client, get_settings().razorpay_timeout_seconds)
    except BadRequestError as exc:
        breaker.record_success(permit)  # Razorpay is up: it answered, and refused
        raise PaymentRefused(f"{what}: {exc}") from exc
    except (ServerError, GatewayError, requests.RequestException, ValueError) as exc:
        # ValueError: a 5xx whose body is not JSON (a proxy's page) fails the SDK's response.json().
        breaker.record_failure(permit)
        logger.warning("Razorpay call failed", extra={"call": what, "error": type(exc).__name__})
        raise PaymentProviderUnavailable() from exc
    breaker.record_success(permit)
    return answer


def create_order(amount: int, currency: str, receipt: str, notes: dict[str, str]) -> dict[str, Any]:
    return _call("create order", lambda c, t: c.order.create(
        {"amount": amount, "currency": currency, "receipt": receipt, "notes": notes}, timeout=t))


def orders_with_receipt(receipt: str) -> list[dict[str, Any]]:
    """Razorpay's orders carrying this receipt (`GET /v1/orders?receipt=`): how a retried creation finds the
    order an earlier attempt made before it could record it."""
    answer = _call("find orders", lambda c, t: c.order.all({"receipt": receipt}, timeout=t))
    return list(answer.get("items") or [])


def fetch_payment(payment_id: str) -> dict[str, Any]:
    return _call("fetch payment", lambda c, t: c.payment.fetch(payment_id, timeout=t))


def capture_payment(payment_id: str, amount: int, currency: str) -> dict[str, Any]:
    return _call("capture payment", lambda c, t: c.payment.capture(payment_id, amount, {"currency": currency},
                                                                    timeout=t))


def payments_of_order(razorpay_order_id: str) -> list[dict[str, Any]]:
    """Every payment attempt of a Razorpay order (`GET /v1/orders/{id}/payments`): what the reconciler asks
    when a webhook may have been missed."""
    answer = _call("order payments", lambda c, t: c.order.payments(razorpay_order_id, timeout=t))
    return list(answer.get("items") or [])


def create_refund(payment_id: str, amount: int, receipt: str, notes: dict[str, str]) -> dict[str, Any]:
    """`POST /v1/payments/{id}/refund`: `receipt` is our refund id, so a refund Razorpay made for an attempt
    we did not hear back from is found again (`refunds_of_payment`) instead of being asked for twice."""
    return _call("create refund", lambda c, t: c.payment.refund(
        payment_id, {"amount": amount, "receipt": receipt, "notes": notes, "speed": "normal"}, timeout=t))


def refunds_of_payment(payment_id: str) -> list[dict[str, Any]]:
    answer = _call("payment refunds", lambda c, t: c.payment.fetch_multiple_refund(payment_id, timeout=t))
    return list(answer.get("items") or [])


def fetch_refund(refund_id: str) -> dict[str, Any]:
    return _call("fetch refund", lambda c, t: c.refund.fetch(refund_id, timeout=t))
