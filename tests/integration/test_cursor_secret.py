"""A list route pages with the cursor key the stack keeps in Secrets Manager (issue 18, item 11).

In AWS every function's environment names the secret (`CURSOR_SECRET_ARN: !Ref CursorSigningSecret`) and the
list functions read it through Powertools. The local stack leaves the name unset (the plain `CURSOR_SECRET`
signs), so here the secret is made in the stack's moto and named, as the template does in AWS.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.integration.products_helpers import assert_problem, make_category, make_product
from tests.unit.test_cursor import signed


@pytest.fixture
def cursor_secret(project_stack: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from blinkit import aws, cursor
    from blinkit.settings import get_settings

    client = boto3.client("secretsmanager")
    arn = client.create_secret(Name=f"CursorSigningSecret-{time.time_ns()}", SecretString="stack-key-one")["ARN"]
    monkeypatch.setenv("CURSOR_SECRET_ARN", arn)
    monkeypatch.setenv("CURSOR_KEY_MAX_AGE_SECONDS", "0.5")
    get_settings.cache_clear()
    aws.reset()
    cursor.KEYS.reset()
    yield lambda value: client.put_secret_value(SecretId=arn, SecretString=value)
    monkeypatch.undo()
    get_settings.cache_clear()
    cursor.KEYS.reset()


def _page(api: Any, cursor: str | None = None) -> Any:
    return api.get("/products", query="limit=1" + (f"&cursor={cursor}" if cursor else ""))


def _position(cursor: str) -> Any:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    return json.loads(raw[12:])["k"]


def test_a_list_pages_with_the_secrets_key_and_its_cursors_survive_a_rotation(
        api: Any, admin: Any, cursor_secret: Any) -> None:
    category = make_category(api, admin)["category_id"]
    made = [make_product(api, admin, category)["product_id"] for _ in range(3)]

    first = _page(api).json()
    position = {"s": "products:all", "k": _position(first["next_cursor"])}
    assert first["next_cursor"] == signed(position, "stack-key-one")  # the secret's value signs, not the setting
    assert_problem(_page(api, signed(position, "local-cursor-secret")), 400, "invalid-cursor")
    second = _page(api, first["next_cursor"])
    assert second.status == 200, second.body

    cursor_secret("stack-key-two")
    time.sleep(0.6)  # past CURSOR_KEY_MAX_AGE_SECONDS: the function reads the rotated key
    assert _page(api).json()["next_cursor"] == signed(position, "stack-key-two")
    held = _page(api, first["next_cursor"])  # a cursor a client held across the rotation still pages
    assert held.status == 200 and held.json()["products"] == second.json()["products"]
    third = _page(api, second.json()["next_cursor"]).json()
    pages = first["products"] + second.json()["products"] + third["products"]
    assert sorted(p["product_id"] for p in pages) == sorted(made)
