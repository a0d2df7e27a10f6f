"""Razorpay Checkout's stand-in page for the web app on the local stack (`/_razorpay-checkout`).

In AWS the app loads Razorpay's real `checkout.js` and Checkout hands the app `razorpay_order_id`,
`razorpay_payment_id` and `razorpay_signature`, which the app sends to `POST /payments/verify`. Locally there
is no Razorpay: the app goes to this page instead (its `/config.json` says `"checkout": "stand-in"`), which
shows what Razorpay's order asks (amount, currency, read from the Razorpay stand-in, never from the link) with
"Pay" and "Fail" buttons. Each button drives the stand-in's control API (`/_checkout/orders/{id}/pay|fail`,
local/razorpay.py) from the server, as Checkout would talk to Razorpay, then sends the browser back to the
order's screen in the app with Checkout's answer in the route (`/#/orders/{order_id}?razorpay_...`), where the
app verifies it. A declined attempt is also told to the API as Razorpay tells it, by the signed
`payment.failed` webhook (the order then fails PAYMENT_FAILED rather than PAYMENT_TIMEOUT at its end); a
payment's `payment.captured` webhook is not sent, so the app's verify is what completes it here. The way
back is always the app's own order route: no address from the request is followed.

Paths: `GET /_razorpay-checkout?order_id=&razorpay_order_id=` (the page), `POST /_razorpay-checkout/pay` and
`POST /_razorpay-checkout/fail` (form posts). No template route starts with `/_razorpay-checkout`
(tests/local/test_web.py checks).
"""

from __future__ import annotations

import html
import re
import sys
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx

from local.razorpay import KEY_ID, KEY_SECRET

CHECKOUT_PATH = "/_razorpay-checkout"
ORDER_ID = re.compile(r"^ord_[0-9A-HJKMNP-TV-Z]{26}$")
RAZORPAY_ORDER_ID = re.compile(r"^order_[A-Za-z0-9]{14}$")


class CheckoutRefused(ValueError):
    """The link or the form names no order this page can show (a 400 page saying so)."""


def _ids(values: dict[str, list[str]]) -> tuple[str, str]:
    order_id = (values.get("order_id") or [""])[0]
    razorpay_order_id = (values.get("razorpay_order_id") or [""])[0]
    if not ORDER_ID.match(order_id) or not RAZORPAY_ORDER_ID.match(razorpay_order_id):
        raise CheckoutRefused("This payment link is not complete: go back to the app and press Pay again.")
    return order_id, razorpay_order_id


def back_to_app(order_id: str, answer: dict[str, str]) -> str:
    """The app's order route with Checkout's answer (hash routing: the server never sees it)."""
    return f"/#/orders/{order_id}?{urlencode(answer)}"


def checkout_routes(razorpay_url: str) -> list[Any]:
    """Starlette routes for the page and its two buttons, talking to the Razorpay stand-in at `razorpay_url`."""
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, RedirectResponse, Response
    from starlette.routing import Route

    async def control(method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=30, auth=(KEY_ID, KEY_SECRET)) as client:
                reply = await client.request(method, f"{razorpay_url}{path}", json=body)
        except httpx.HTTPError:
            raise CheckoutRefused("Razorpay could not be reached: try again.") from None
        if reply.status_code != 200:
            detail = reply.json().get("error", {}).get("description", reply.text[:200])
            raise CheckoutRefused(f"Razorpay refused: {detail}")
        return dict(reply.json())

    async def page(request: Request) -> Response:
        try:
            order_id, razorpay_order_id = _ids({k: request.query_params.getlist(k) for k in request.query_params})
            order = await control("GET", f"/v1/orders/{razorpay_order_id}")
        except CheckoutRefused as refused:
            return HTMLResponse(_page("Payment not possible", f"<p role='alert'>{html.escape(str(refused))}</p>"
                                      "<p><a href='/#/orders'>Back to your orders</a></p>"), status_code=400)
        return HTMLResponse(_checkout_page(order_id, order), headers={"Cache-Control": "no-store"})

    async def act(request: Request) -> Response:
        action = request.path_params["action"]
        if action not in ("pay", "fail"):
            return HTMLResponse(_page("Not found", "<p>Not found.</p>"), status_code=404)
        try:
            order_id, razorpay_order_id = _ids(parse_qs((await request.body()).decode(errors="replace")))
            answer = await control("POST", f"/_checkout/orders/{razorpay_order_id}/{action}", {})
            if action == "fail":  # Razorpay tells the merchant of a declined attempt by its webhook
                await _tell_merchant(control, f"{request.base_url}payments/webhook", answer["id"])
        except CheckoutRefused as refused:
            return HTMLResponse(_page("Payment not possible", f"<p role='alert'>{html.escape(str(refused))}</p>"
                                      "<p><a href='/#/orders'>Back to your orders</a></p>"), status_code=400)
        if action == "pay":
            handed = {key: answer[key] for key in ("razorpay_order_id", "razorpay_payment_id", "razorpay_signature")}
        else:  # Checkout tells the client that the attempt failed, and why
            handed = {"payment": "failed", "reason": str(answer.get("error_description") or "Payment failed")}
        return RedirectResponse(back_to_app(order_id, handed), status_code=303)

    return [Route(CHECKOUT_PATH, page, methods=["GET"]),
            Route(CHECKOUT_PATH + "/{action:str}", act, methods=["POST"])]


async def _tell_merchant(control: Any, webhook_url: str, payment_id: str) -> None:
    """The signed `payment.failed` webhook to the API. Its delivery failing does not stop Checkout's answer
    (Razorpay retries webhooks; the order then ends PAYMENT_TIMEOUT instead of PAYMENT_FAILED)."""
    try:
        await control("POST", "/_checkout/webhooks", {"url": webhook_url, "event": "payment.failed",
                                                       "payment_id": payment_id})
    except CheckoutRefused as refused:
        print(f"checkout stand-in: payment.failed webhook not delivered: {refused}", file=sys.stderr)


def _checkout_page(order_id: str, order: dict[str, Any]) -> str:
    amount = int(order["amount"])
    rupees = f"₹{amount // 100:,}" + (f".{amount % 100:02d}" if amount % 100 else "")
    fields = (f"<input type='hidden' name='order_id' value='{html.escape(order_id)}'>"
              f"<input type='hidden' name='razorpay_order_id' value='{html.escape(order['id'])}'>")
    paid = order.get("status") == "paid"
    body = f"""<p class="who">Blinkit Clone</p>
<p class="amount">Pay <strong>{html.escape(rupees)}</strong> {html.escape(str(order.get("currency", "INR")))}</p>
<p class="hint">Razorpay order <code>{html.escape(order["id"])}</code> · local stand-in: no money moves.</p>
{"<p role='status'>This order is already paid.</p>" if paid else ""}
<form method="post" action="{CHECKOUT_PATH}/pay">{fields}<button type="submit" class="pay">Pay</button></form>
<form method="post" action="{CHECKOUT_PATH}/fail">{fields}<button type="submit" class="fail">Fail</button></form>
<p><a href="/#/orders/{html.escape(order_id)}">Back without paying</a></p>"""
    return _page("Razorpay Checkout (local stand-in)", body)


def _page(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 24rem; margin: 2rem auto; padding: 0 1rem; color: #1f1f1f; }}
h1 {{ font-size: 1.2rem; color: #072654; }} .amount {{ font-size: 1.4rem; }} .hint {{ color: #545b62; }}
button {{ font: inherit; width: 100%; padding: 0.8rem; margin: 0.4rem 0; border-radius: 8px; cursor: pointer; }}
.pay {{ background: #072654; color: #fff; border: 0; font-weight: 600; }}
.fail {{ background: #fff; color: #b3261e; border: 1px solid #b3261e; }}
a {{ color: #0a5bd3; }} :focus-visible {{ outline: 3px solid #1a56db; outline-offset: 2px; }}
</style></head>
<body><main><h1>{html.escape(title)}</h1>
{body}
</main></body></html>
"""
