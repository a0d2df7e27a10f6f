"""HTTP caching of public GET answers: `Cache-Control`, a strong `ETag`, and 304 to `If-None-Match`.

A route opts in with `@cacheable(Freshness(...))` under its `@router.get(...)`, on a router made with
`APIRouter(route_class=CachingRoute)`. After the route has answered (FastAPI has validated and serialised the
body), the route class hashes the bytes into the ETag, adds `Cache-Control`, and answers 304 with no body when
the request's `If-None-Match` names that ETag. Only 200s are marked: a problem (404, 422, 503) carries no
`Cache-Control`, so no cache keeps it longer than its own default.

Only answers that are the same for every caller may use this (`public`): browsers, and the CDN in front of the
catalog (template.yaml's CatalogDistribution), share them between users. A route whose answer depends on who
asks must not.

Why a strong ETag of the bytes rather than a version number: the answers are small JSON documents built from
several items (a category tree, a page of products with stock), and hashing the body needs no bookkeeping of
what went into it; the same bytes give the same tag on every container, so a CDN's or browser's revalidation
against any container answers 304.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# An entity-tag (RFC 9110 §8.8.3): an optional weakness prefix, then any visible character but a quote (and
# obs-text) between quotes. Commas may appear inside a tag, so a list is read tag by tag, not split on commas.
_ENTITY_TAG = re.compile(r'\s*(W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')


@dataclass(frozen=True)
class Freshness:
    """How long a shared cache may serve the answer without asking (`max_age`), and how much longer it may serve
    it while it asks again in the background (`stale_while_revalidate`), in seconds."""

    max_age: int
    stale_while_revalidate: int = 0

    def header(self) -> str:
        value = f"public, max-age={self.max_age}"
        if self.stale_while_revalidate:
            value += f", stale-while-revalidate={self.stale_while_revalidate}"
        return value


@dataclass(frozen=True)
class Policy:
    """A route's freshness, and a shorter one for requests that carry any of the named query parameters (a
    `store_id` adds stock, which changes far more often than the catalog)."""

    fresh: Freshness
    by_query: Mapping[str, Freshness]

    def for_query(self, params: Mapping[str, str]) -> Freshness:
        chosen = self.fresh
        for name, fresh in self.by_query.items():
            if params.get(name) and fresh.max_age < chosen.max_age:
                chosen = fresh
        return chosen


_ATTRIBUTE = "__http_cache_policy__"
NOT_MODIFIED: dict[str, Any] = {"description": "Not Modified: `If-None-Match` names the current `ETag` (no body)"}


def cacheable(fresh: Freshness, **by_query: Freshness) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a GET route's answers as public and cacheable for `fresh` (or the shorter `by_query[name]` when the
    request carries the query parameter `name`). Returns the route function itself: FastAPI still reads its
    signature."""

    def mark(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        setattr(endpoint, _ATTRIBUTE, Policy(fresh, dict(by_query)))
        return endpoint

    return mark


def policy_of(endpoint: Callable[..., Any]) -> Policy | None:
    return getattr(endpoint, _ATTRIBUTE, None)


def etag_for(body: bytes) -> str:
    """A strong entity-tag of the bytes: equal bytes, equal tag, on every container."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def entity_tags(header: str) -> list[str] | None:
    """The opaque tags of an `If-None-Match` value (weakness prefixes dropped: it compares weakly, RFC 9110
    §13.1.2), `["*"]` for `*`, or None when the value is not a valid list (then the condition is ignored)."""
    value = header.strip()
    if value == "*":
        return ["*"]
    tags, position = [], 0
    while position < len(value):
        found = _ENTITY_TAG.match(value, position)
        if found is None or found.end() == position:
            return None
        tags.append(found.group(2))
        position = found.end()
    return tags or None


def none_match(header: str | None, etag: str) -> bool:
    """Whether `If-None-Match: header` names the current representation `etag` (so the answer is 304)."""
    if header is None:
        return False
    tags = entity_tags(header)
    if tags is None:
        return False
    bare = etag[2:] if etag.startswith("W/") else etag
    return tags == ["*"] or bare in tags


def conditional(request_headers: Mapping[str, str], response: Response, fresh: Freshness) -> Response:
    """`response` (a 200 with its body rendered) marked with its ETag and `fresh`, or a bodiless 304 with the
    same two headers when the request already holds it (RFC 9110 §15.4.5: a 304 repeats them)."""
    etag = etag_for(bytes(response.body))
    headers = {"ETag": etag, "Cache-Control": fresh.header()}
    if none_match(request_headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response


class CachingRoute(APIRoute):
    """An APIRoute that applies its endpoint's `cacheable` policy to successful GETs and, after a successful
    unsafe request (POST, PUT, PATCH, DELETE), calls `after_write` (a class attribute: see `caching_route`), so
    an in-process cache can forget what the write changed."""

    after_write: Callable[[Request], None] | None = None

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        if policy_of(endpoint) is not None:  # the OpenAPI says so (and the fuzz checks accept it)
            self.responses = {**self.responses, 304: NOT_MODIFIED}

    def get_route_handler(self) -> Callable[[Request], Any]:
        handle = super().get_route_handler()
        policy = policy_of(self.endpoint)
        after_write = type(self).after_write

        async def route(request: Request) -> Response:
            response = await handle(request)
            if request.method in SAFE_METHODS:
                if policy is not None and response.status_code == 200 and hasattr(response, "body"):
                    return conditional(request.headers, response, policy.for_query(request.query_params))
            elif after_write is not None and 200 <= response.status_code < 300:
                after_write(request)
            return response

        return route


def caching_route(after_write: Callable[[Request], None] | None = None) -> type[CachingRoute]:
    """A `CachingRoute` class whose successful writes call `after_write(request)`."""
    return type("CachingRoute", (CachingRoute,), {"after_write": staticmethod(after_write) if after_write else None})
