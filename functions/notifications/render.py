"""Render a notification from the domain's templates: title, body, deep link, push payload, email subject,
HTML and plain text (templates/types.toml and templates/email/).

Jinja2 is imported here only: the consumer pays for it, the inbox routes never load this module.
Undefined names are errors (StrictUndefined): a message without the data its type needs is malformed and
fails, so it is retried and ends in the DLQ for someone to look at, rather than going out half-empty.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from blinkit.money import format_bill_amount, format_rupees
from blinkit.settings import get_settings

TEMPLATES = Path(__file__).resolve().parent / "templates"
BRAND_COLOURS = {"yellow": "#F8CB46", "green": "#0C831F", "ink": "#1C1C1C"}


class UnknownType(Exception):
    """No template for this notification type: a permanent failure of the message."""


class MalformedMessage(Exception):
    """The data does not fit the type's templates (a missing field, a non-integer amount)."""


@dataclass(frozen=True)
class Rendered:
    type: str
    category: str
    title: str
    body: str
    deep_link: str | None
    subject: str
    html: str
    text: str
    push_data: dict[str, str] = field(default_factory=dict)
    # Set for a type addressed by its own data (the types table's `to`): the only address it may go to, by email.
    recipient: str | None = None
    # The in-app inbox's text: the type's `inbox` (the body with more detail, e.g. the bill) or else the body.
    # A push carries the short body; the inbox has room for the rest.
    inbox: str = ""


def rupees(amount: Any) -> str:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise MalformedMessage(f"an amount must be integer paise, not {amount!r}")
    return format_rupees(amount)


def bill_amount(amount: Any) -> str:
    """A bill line's amount: '₹25.00', a discount with a minus sign, U+2212 (`blinkit.money.format_bill_amount`)."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise MalformedMessage(f"an amount must be integer paise, not {amount!r}")
    return format_bill_amount(amount)


def bill_lines(bill: Any) -> str:
    """Every line of an order's bill on one line of text (the inbox): 'Item total ₹431.50, Coupon WELCOME75
    \u2212₹75.00, Handling fee ₹4.00'."""
    return ", ".join(f"{entry['label']} {bill_amount(entry['amount'])}" for entry in bill)


def eta(minutes: Any) -> str:
    """12 → '12 minutes'; {"min": 12, "max": 17} (the order's ETA) → '12-17 minutes'."""
    if isinstance(minutes, dict):
        low, high = int(minutes["min"]), int(minutes["max"])
        return f"{low}-{high} minutes" if high != low else f"{low} minutes"
    value = int(minutes)
    return "1 minute" if value == 1 else f"{value} minutes"


def distance(metres: Any) -> str:
    value = float(metres)
    return f"{round(value)} m" if value < 1000 else f"{value / 1000:.1f} km"


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(rupees=rupees, bill_amount=bill_amount, bill_lines=bill_lines, eta=eta, distance=distance)
    return env


@cache
def types() -> dict[str, dict[str, Any]]:
    """The types table, with every string compiled once per process."""
    env = _environment()
    table = tomllib.loads((TEMPLATES / "types.toml").read_text())
    compiled: dict[str, dict[str, Any]] = {}
    for name, spec in table.items():
        compiled[name] = {key: env.from_string(value) if key != "email" else value for key, value in spec.items()}
    return compiled


def brand() -> dict[str, str]:
    base = get_settings().web_base_url.rstrip("/")
    return {**BRAND_COLOURS, "name": "Blinkit", "web_url": base, "logo_url": f"{base}/static/blinkit-logo.png",
            "preferences_url": f"{base}/account/notifications", "help_url": f"{base}/help",
            "address": "Blinkit Commerce, Gurugram, Haryana, India"}


def web_link(deep_link: str | None) -> str | None:
    """blinkit://orders/X → https://<site>/orders/X: emails open in a browser as often as on the phone."""
    if not deep_link:
        return None
    if deep_link.startswith("blinkit://"):
        return f"{get_settings().web_base_url.rstrip('/')}/{deep_link.removeprefix('blinkit://')}"
    return deep_link


def render(type_: str, data: dict[str, Any]) -> Rendered:
    spec = types().get(type_)
    if spec is None:
        raise UnknownType(type_)
    try:
        context = {"data": data}
        text = {key: " ".join(spec[key].render(context).split())
                for key in ("category", "title", "body", "subject", "deep_link")}
        inbox = " ".join(spec["inbox"].render({**context, "body": text["body"]}).split()) if "inbox" in spec \
            else text["body"]
        link = web_link(text["deep_link"])
        recipient = spec["to"].render(context).strip() if "to" in spec else None
        cta = spec["cta"].render(context) if "cta" in spec else (
            "Track your order" if "/track" in (link or "") else "Open in Blinkit")
        page = {**context, "brand": brand(), "title": text["title"], "body": text["body"],
                "subject": text["subject"], "link": link, "cta": cta}
        env = _environment()
        html = env.get_template(f"email/{spec['email']}.html").render(page)
        plain = env.get_template(f"email/{spec['email']}.txt").render(page)
    except MalformedMessage:
        raise
    except (jinja2.TemplateError, KeyError, TypeError, ValueError) as exc:
        raise MalformedMessage(f"{type_}: {exc}") from exc
    push_data = {"type": type_, "deep_link": text["deep_link"]}
    if isinstance(data.get("order_id"), str):
        push_data["order_id"] = data["order_id"]
    return Rendered(type=type_, category=text["category"], title=text["title"], body=text["body"],
                    deep_link=text["deep_link"] or None, subject=text["subject"], html=html, text=plain,
                    push_data=push_data, recipient=recipient, inbox=inbox)
