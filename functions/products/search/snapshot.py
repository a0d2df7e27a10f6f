"""Where the published index lives and how a search function keeps its copy fresh.

Storage: one object `search/index.json.z` in the versioned `SearchIndexBucket`; each publish is a new
S3 object version, and old versions expire by lifecycle rule. The *pointer* names the current one:
`<version>@<s3 version id>`, where `<version>` starts with the build time in milliseconds so pointers
compare in time order. It is kept in Redis (`products:search:version`, what readers ask) and durably
in S3 (`search/CURRENT`, what readers fall back to when Redis is down or has lost the key).

Publishing is a compare-and-set on the Redis pointer (a Lua script): an incremental publish
succeeds only if the pointer is still the one its changes were applied to; a full rebuild only if
it is newer than the pointer. The indexer retries a lost race from the new pointer.

Reading: `IndexCache.current()` returns the decoded index kept in this container, asking Redis for
the pointer at most every `search_version_check_seconds` and downloading only when it changed; with no
index published anywhere it raises `NoIndexPublished`.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

import redis

from blinkit import aws
from blinkit.observability import logger
from blinkit.redis_client import get_redis
from blinkit.settings import get_settings
from products.search.index import SearchIndex

VERSION_KEY = "products:search:version"
INDEX_KEY = "search/index.json.z"
POINTER_KEY = "search/CURRENT"

# KEYS[1] pointer; ARGV[1] new pointer; ARGV[2] the base it was built on, or '*' for "if newer".
# A missing key accepts anything (Redis lost it; S3 still has the durable pointer).
_PUBLISH = """
local current = redis.call('GET', KEYS[1])
if current then
  if ARGV[2] == '*' then
    if current >= ARGV[1] then return current end
  elseif current ~= ARGV[2] then
    return current
  end
end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
"""


class NoIndexPublished(Exception):
    """No search index has been published yet (a fresh stack, or one whose index was lost)."""


class IndexLost(NoIndexPublished):
    """The pointer names an index object S3 does not have: it was lost, or the pointer in Redis was written by
    another stack sharing that Redis (a local one). Treated as no index: searches answer 503 and a rebuild is
    asked for, which publishes a new index over the dangling pointer."""


# What S3 answers for an object or object version that is not there (AccessDenied: see read_durable_pointer).
_MISSING = ("NoSuchKey", "NoSuchVersion", "AccessDenied")


class PublishConflict(Exception):
    """Someone published another index since the base this one was built on."""

    def __init__(self, current: str) -> None:
        super().__init__(f"the search index pointer moved to {current}")
        self.current = current


def s3() -> Any:
    return aws.client("s3")


def new_version() -> str:
    """`<13-digit epoch ms>-<random>`: sorts by build start time; two builds in one ms still differ."""
    return f"{int(time.time() * 1000):013d}-{secrets.token_hex(4)}"


def split_pointer(pointer: str) -> tuple[str, str | None]:
    version, _, s3_version = pointer.partition("@")
    return version, s3_version or None


# ---- the pointer --------------------------------------------------------------------------------


def read_pointer() -> str | None:
    """Redis first (one GET); the durable S3 copy when Redis is down or empty."""
    try:
        value = get_redis().get(VERSION_KEY)
        if value:
            return str(value)
    except redis.RedisError as exc:
        logger.warning("search pointer: Redis unavailable, reading S3", error=str(exc))
    return read_durable_pointer()


def read_durable_pointer() -> str | None:
    from botocore.exceptions import ClientError

    try:
        body = s3().get_object(Bucket=get_settings().search_index_bucket, Key=POINTER_KEY)["Body"].read()
    except ClientError as exc:
        # S3 names a missing key NoSuchKey only to callers allowed s3:ListBucket on the bucket; the functions
        # are granted object actions alone (least privilege), and to them a missing key is 403 AccessDenied.
        # Both mean: nothing published yet (a fresh stack), and search and health then have one built.
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "AccessDenied"):
            return None
        raise
    return body.decode().strip() or None


# ---- publishing ---------------------------------------------------------------------------------


def publish(index: SearchIndex, *, base: str | None) -> str:
    """Upload the index and move the pointer to it. `base` None means "only if newer" (full rebuild).

    Raises PublishConflict when an incremental publish lost a race.
    """
    blob = index.to_bytes()
    bucket = get_settings().search_index_bucket
    put = s3().put_object(Bucket=bucket, Key=INDEX_KEY, Body=blob, ContentType="application/zlib",
                          Metadata={"search-version": index.version})
    pointer = f"{index.version}@{put.get('VersionId') or ''}".rstrip("@")
    try:
        moved = str(get_redis().eval(_PUBLISH, 1, VERSION_KEY, pointer, base or "*"))
    except redis.RedisError as exc:
        # Without Redis there is no compare-and-set: last writer wins on the durable pointer. The
        # search functions read that pointer while Redis is down, so the edit is still served.
        logger.warning("search publish without Redis", error=str(exc))
        moved = pointer
    if moved != pointer:
        raise PublishConflict(moved)
    s3().put_object(Bucket=bucket, Key=POINTER_KEY, Body=pointer.encode(), ContentType="text/plain")
    CACHE.remember(index, pointer)
    logger.info("search index published", version=index.version, products=len(index), bytes=len(blob))
    return pointer


def load(pointer: str) -> SearchIndex:
    """The index the pointer names; IndexLost if S3 does not have it."""
    from botocore.exceptions import ClientError

    _, s3_version = split_pointer(pointer)
    kwargs = {"VersionId": s3_version} if s3_version else {}
    try:
        blob = s3().get_object(Bucket=get_settings().search_index_bucket, Key=INDEX_KEY, **kwargs)["Body"].read()
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in _MISSING:
            raise IndexLost(f"the search index {pointer} is not in the bucket ({code})") from exc
        raise
    return SearchIndex.from_bytes(blob)


# ---- the per-container copy -----------------------------------------------------------------------


class IndexCache:
    """The decoded index of this container, refreshed when the published pointer changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.index: SearchIndex | None = None
        self.pointer: str | None = None
        self.checked_at = float("-inf")
        self.loads = 0
        self.clock = time.monotonic

    def current(self) -> SearchIndex:
        interval = get_settings().search_version_check_seconds
        with self._lock:
            now = self.clock()
            if self.index is not None and now - self.checked_at < interval:
                return self.index
            pointer = read_pointer()
            if pointer is None and self.index is None:
                # Nothing to serve (the caller answers 503 and has one built: products.search.readiness);
                # nothing remembered either, so the next request looks again.
                raise NoIndexPublished()
            self.checked_at = now
            if pointer is None:
                return self.index  # keep serving the copy this container has
            if pointer != self.pointer or self.index is None:
                try:
                    loaded = load(pointer)
                except IndexLost:
                    if self.index is None:
                        self.checked_at = float("-inf")  # look again on the next request: a rebuild is coming
                        raise
                    logger.warning("search index pointer names a lost object; serving this container's copy",
                                   pointer=pointer, serving=self.pointer)
                    return self.index
                self.index, self.pointer = loaded, pointer
                self.loads += 1
            return self.index

    def remember(self, index: SearchIndex, pointer: str) -> None:
        """Keep an index this process just published (the indexer loads its base from here)."""
        with self._lock:
            self.index, self.pointer = index, pointer

    def forget(self) -> None:
        with self._lock:
            self.index, self.pointer, self.checked_at = None, None, float("-inf")


CACHE = IndexCache()
