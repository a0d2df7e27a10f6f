"""The checkout's OpenAPI says what a replay answers: the order as it is now, marked `Idempotent-Replayed`."""

from __future__ import annotations

from typing import Any

from blinkit.idempotency import HEADER, REPLAYED_HEADER


def _openapi() -> dict[str, Any]:
    from orders.app import app

    return dict(app.openapi())


def _checkout() -> dict[str, Any]:
    return dict(_openapi()["paths"]["/orders"]["post"])


def test_the_202_documents_the_replay_header() -> None:
    header = _checkout()["responses"]["202"]["headers"][REPLAYED_HEADER]
    assert header["schema"] == {"type": "string", "enum": ["true"]} and HEADER in header["description"]


def test_the_description_says_a_replay_answers_the_current_state() -> None:
    operation = _checkout()
    assert "as it is now" in operation["description"] and REPLAYED_HEADER in operation["description"]
    ref = operation["responses"]["202"]["content"]["application/json"]["schema"]["$ref"]
    schema = _openapi()["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"order_id", "status", "status_url", "reason", "reason_detail", "payment"} == set(schema["properties"])
    assert "current status" in schema["properties"]["status"]["description"]
