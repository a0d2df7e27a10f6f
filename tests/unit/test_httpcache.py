"""`blinkit.httpcache`: strong ETags of the body, `If-None-Match` read as RFC 9110 says (`*`, lists, weak
prefixes, commas inside tags), 304s that repeat the validators, and the route class on a small FastAPI app."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from blinkit.httpcache import Freshness, Policy, cacheable, caching_route, entity_tags, etag_for, none_match

# The characters RFC 9110 allows inside an entity-tag's quotes (etagc, without obs-text).
ETAGC = st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters='"')
OPAQUE = st.text(ETAGC, max_size=30).map(lambda text: f'"{text}"')


def test_an_etag_is_strong_quoted_and_the_same_for_the_same_bytes():
    tag = etag_for(b'{"a":1}')
    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith("W/")
    assert tag == etag_for(b'{"a":1}') and tag != etag_for(b'{"a":2}')


@given(st.lists(st.tuples(st.booleans(), OPAQUE), min_size=1, max_size=6), st.sampled_from([",", ", ", " ,\t"]))
def test_a_list_of_tags_is_read_tag_by_tag_with_weak_prefixes_dropped(tags, separator):
    header = separator.join(("W/" if weak else "") + tag for weak, tag in tags)
    assert entity_tags(header) == [tag for _, tag in tags]


@given(OPAQUE, st.lists(OPAQUE, max_size=4), st.booleans())
def test_if_none_match_names_the_current_tag_weakly_compared(current, others, weak):
    header = ", ".join([*others, ("W/" if weak else "") + current])
    assert none_match(header, current)
    assert none_match(", ".join(others), current) == (current in others)


def test_star_matches_any_representation_and_nothing_else_does_by_default():
    assert none_match("*", '"x"') and none_match(" * ", '"x"')
    assert not none_match(None, '"x"') and not none_match("", '"x"')


def test_a_comma_inside_a_tag_is_part_of_the_tag():
    assert entity_tags('"a,b", "c"') == ['"a,b"', '"c"']
    assert none_match('"a,b"', '"a,b"') and not none_match('"a,b"', '"a"')


def test_a_malformed_header_is_ignored_not_matched():
    for header in ('x', '"unterminated', 'W/x', '"a" "b"', '"a",,', '*, "a"'):
        assert entity_tags(header) is None
        assert not none_match(header, '"a"')


def test_cache_control_and_the_shortest_freshness_of_the_query_parameters_present():
    assert Freshness(30, 30).header() == "public, max-age=30, stale-while-revalidate=30"
    assert Freshness(60).header() == "public, max-age=60"
    policy = Policy(Freshness(30, 30), {"store_id": Freshness(10, 10)})
    assert policy.for_query({}) == Freshness(30, 30)
    assert policy.for_query({"store_id": ""}) == Freshness(30, 30)
    assert policy.for_query({"store_id": "sto_1"}) == Freshness(10, 10)


def _app() -> tuple[TestClient, list[str]]:
    writes: list[str] = []
    router = APIRouter(route_class=caching_route(after_write=lambda request: writes.append(request.url.path)))
    state = {"value": 1}

    @router.get("/thing")
    @cacheable(Freshness(30, 30), store_id=Freshness(10))
    async def thing(store_id: str | None = None):
        return {"value": state["value"], "store_id": store_id}

    @router.get("/missing")
    @cacheable(Freshness(30))
    async def missing():
        from blinkit.errors import NotFound

        raise NotFound("No such thing")

    @router.get("/plain")
    async def plain():
        return {"plain": True}

    @router.put("/thing")
    async def change(request: Request):
        state["value"] += 1
        return {"value": state["value"]}

    app = FastAPI()
    from blinkit.errors import install_problem_handlers

    install_problem_handlers(app)
    app.include_router(router)
    return TestClient(app), writes


def test_a_cacheable_route_answers_its_etag_and_304_to_it_until_the_body_changes():
    client, writes = _app()
    first = client.get("/thing")
    assert first.status_code == 200 and first.json() == {"value": 1, "store_id": None}
    etag = first.headers["etag"]
    assert etag == etag_for(first.content)
    assert first.headers["cache-control"] == "public, max-age=30, stale-while-revalidate=30"

    again = client.get("/thing", headers={"if-none-match": f'"other", W/{etag}'})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and again.headers["cache-control"] == first.headers["cache-control"]
    assert client.get("/thing", headers={"if-none-match": "*"}).status_code == 304

    assert client.put("/thing").status_code == 200 and writes == ["/thing"]
    changed = client.get("/thing", headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed.json()["value"] == 2 and changed.headers["etag"] != etag

    with_stock = client.get("/thing", params={"store_id": "sto_1"})
    assert with_stock.headers["cache-control"] == "public, max-age=10"


def test_problems_and_unmarked_routes_carry_no_cache_headers():
    client, writes = _app()
    missing = client.get("/missing", headers={"if-none-match": "*"})
    assert missing.status_code == 404 and "etag" not in missing.headers and "cache-control" not in missing.headers
    plain = client.get("/plain", headers={"if-none-match": "*"})
    assert plain.status_code == 200 and "etag" not in plain.headers and "cache-control" not in plain.headers
    assert writes == []


def test_the_openapi_documents_304_on_cacheable_routes_only():
    client, _ = _app()
    paths = client.app.openapi()["paths"]
    assert "304" in paths["/thing"]["get"]["responses"]
    assert "304" not in paths["/plain"]["get"]["responses"] and "304" not in paths["/thing"]["put"]["responses"]
