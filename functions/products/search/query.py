"""Matching, ranking, filters, sorting and paging over a `SearchIndex` (pure: no I/O but `stock_lookup`).

Score of a product for one query word = the best over the indexed words that word reaches of
    kind (exact 100 > prefix 60 minus letters still untyped, at most 10 > fuzzy 35 / 25 for 1 / 2 edits)
  + field (name 8 > brand 6 > category name 4 > tags 2) + 1 per further field the word is in.
A product's score is the sum over the query's words. Every word must match; when none does for all,
the products matching the most words are kept, and a word that matched nothing may still add a
small bonus to those candidates when one of their words is one edit away (ranking only, so "amul mlk"
puts Amul milk first without letting 3-letter words match fuzzily on their own).
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from heapq import nlargest
from typing import Any, Literal

from products.search.index import (
    BRAND,
    CATEGORY,
    FIELD_BITS,
    NAME,
    TAGS,
    SearchIndex,
    brand_key,
    deletes,
    edit_distance,
    max_edits,
    tokenize,
)

Sort = Literal["relevance", "price_asc", "price_desc", "discount"]

EXACT, PREFIX = 100, 60
FUZZY = {1: 35, 2: 25}
RESCUE = 15  # an unmatched word one edit away from a candidate's word (ranking only)
FIELD_SCORE = {NAME: 8, BRAND: 6, CATEGORY: 4, TAGS: 2}
PREFIX_EXPANSIONS = 64  # a short prefix reaches at most this many words (the most frequent ones)
MAX_QUERY_WORDS = 8
RESCUE_CANDIDATES = 200
STOCK_CHUNK = 100  # one BatchGetItem
MAX_STOCK_CHUNKS = 3  # in_stock scans at most this many chunks per page, then returns a cursor


_TOP_FIELD = [max((bit for bit in FIELD_SCORE if mask & bit), key=FIELD_SCORE.__getitem__, default=NAME)
              for mask in range(FIELD_BITS)]
_FIELD_COUNT = [bin(mask).count("1") for mask in range(FIELD_BITS)]


@dataclass(frozen=True)
class Query:
    q: str
    category_id: str | None = None
    brand: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    sort: Sort = "relevance"
    store_id: str | None = None
    in_stock: bool | None = None

    def fingerprint(self) -> str:
        """What a cursor is bound to: the same query, filters and sort (not the page size)."""
        raw = json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


@dataclass
class Hit:
    doc: int
    score: int
    available: int | None = None


@dataclass
class Page:
    hits: list[Hit]
    total: int
    next_offset: int | None
    stock_calls: int = 0
    words: list[str] = field(default_factory=list)


# ---- matching ---------------------------------------------------------------------------------


def expand(index: SearchIndex, word: str) -> dict[int, int]:
    """Vocabulary words a query word reaches → the kind score of the best way it reaches them."""
    reached: dict[int, int] = {}
    exact = index.word_ids.get(word)
    if exact is not None:
        reached[exact] = EXACT
    vocab = index.vocab
    lo = bisect_left(vocab, word)
    hi = bisect_left(vocab, word + "\U0010ffff", lo)
    prefixed = [wid for wid in range(lo, hi) if wid != exact]
    if len(prefixed) > PREFIX_EXPANSIONS:
        prefixed = nlargest(PREFIX_EXPANSIONS, prefixed, key=lambda wid: (len(index.postings[wid]), -wid))
    for wid in prefixed:
        reached[wid] = PREFIX - min(10, len(vocab[wid]) - len(word))
    limit = max_edits(word)
    if limit:
        for variant in deletes(word, limit):
            for wid in index.deletes.get(variant, ()):
                if wid in reached:
                    continue
                distance = edit_distance(word, vocab[wid], limit)
                if distance <= limit:
                    reached[wid] = FUZZY[distance]
    return reached


def word_scores(index: SearchIndex, word: str) -> dict[int, int]:
    """doc → best score of one query word in that product."""
    best: dict[int, int] = {}
    fields: dict[int, int] = {}
    postings = index.postings
    for wid, kind in expand(index, word).items():
        for entry in postings[wid]:
            doc, mask = divmod(entry, FIELD_BITS)
            score = kind + FIELD_SCORE[_TOP_FIELD[mask]]
            if score > best.get(doc, 0):
                best[doc] = score
            fields[doc] = fields.get(doc, 0) | mask
    # +1 for every further field the word reaches in the product, by whichever indexed word.
    return {doc: score + _FIELD_COUNT[fields[doc]] - 1 for doc, score in best.items()}


def _rescue(index: SearchIndex, word: str, doc: int) -> int:
    """A small bonus when a word that matched nothing is one edit from one of the product's words."""
    if len(word) < 3:
        return 0
    for bit, text in ((NAME, index.names[doc]), (BRAND, index.brands[doc]), (TAGS, " ".join(index.tags[doc]))):
        if any(edit_distance(word, token, 1) <= 1 for token in tokenize(text)):
            return RESCUE + FIELD_SCORE[bit]
    return 0


def match(index: SearchIndex, text: str) -> tuple[list[str], dict[int, int]]:
    """The query's words and doc → score of every product it matches."""
    words = list(dict.fromkeys(tokenize(text)))[:MAX_QUERY_WORDS]
    if not words:
        return words, {}
    per_word = [word_scores(index, w) for w in words]
    by_size = sorted(range(len(words)), key=lambda i: len(per_word[i]))
    common = set(per_word[by_size[0]])
    for i in by_size[1:]:
        common &= per_word[i].keys()
        if not common:
            break
    if common:
        return words, {doc: sum(scores[doc] for scores in per_word) for doc in common}
    # Nobody matches every word: keep the products that match the most of them.
    counts: dict[int, int] = {}
    for scores in per_word:
        for doc in scores:
            counts[doc] = counts.get(doc, 0) + 1
    if not counts:
        return words, {}
    best = max(counts.values())
    kept = {doc: sum(s.get(doc, 0) for s in per_word) for doc, n in counts.items() if n == best}
    top = nlargest(RESCUE_CANDIDATES, kept, key=lambda d: (kept[d], -d))
    for doc in top:
        kept[doc] += sum(_rescue(index, w, doc) for w, s in zip(words, per_word, strict=True) if doc not in s)
    return words, kept


# ---- filters and order -----------------------------------------------------------------------


def _in_category(index: SearchIndex, doc_category: str, wanted: str) -> bool:
    seen: set[str] = set()
    category: str | None = doc_category
    while category and category not in seen:
        if category == wanted:
            return True
        seen.add(category)
        parent = index.categories.get(category)
        category = parent[1] if parent else None
    return False


def filtered(index: SearchIndex, scores: dict[int, int], query: Query) -> dict[int, int]:
    wanted_brand = brand_key(query.brand) if query.brand else None
    out = {}
    for doc, score in scores.items():
        price = index.prices[doc]
        if query.min_price is not None and price < query.min_price:
            continue
        if query.max_price is not None and price > query.max_price:
            continue
        if wanted_brand is not None and index.brand_keys[doc] != wanted_brand:
            continue
        if query.category_id and not _in_category(index, index.category_ids[doc], query.category_id):
            continue
        out[doc] = score
    return out


def ordered(index: SearchIndex, scores: dict[int, int], sort: Sort) -> list[int]:
    ids, names, prices = index.ids, index.names, index.prices
    if sort == "price_asc":
        key: Callable[[int], Any] = lambda d: (prices[d], -scores[d], ids[d])  # noqa: E731
    elif sort == "price_desc":
        key = lambda d: (-prices[d], -scores[d], ids[d])  # noqa: E731
    elif sort == "discount":
        key = lambda d: (-index.discount_percent(d), -scores[d], ids[d])  # noqa: E731
    else:
        key = lambda d: (-scores[d], len(names[d]), ids[d])  # noqa: E731
    return sorted(scores, key=key)


def rank(index: SearchIndex, query: Query) -> tuple[list[str], list[int], dict[int, int]]:
    """The query's words, every matching product in order, and their scores."""
    words, scores = match(index, query.q)
    scores = filtered(index, scores, query)
    return words, ordered(index, scores, query.sort), scores


# ---- one page ---------------------------------------------------------------------------------

StockLookup = Callable[[str, list[str]], dict[str, int]]


def search(
    index: SearchIndex,
    query: Query,
    *,
    limit: int,
    offset: int = 0,
    stock_lookup: StockLookup | None = None,
) -> Page:
    """One page of results. Stock is read only for the page's candidates: one BatchGetItem of at most
    `limit` ids, or with `in_stock`, up to MAX_STOCK_CHUNKS chunks of STOCK_CHUNK candidates; a page
    that found fewer than `limit` in-stock products within that budget still carries a cursor."""
    words, order, scores = rank(index, query)
    total = len(order)
    if not query.store_id or stock_lookup is None:
        chosen = order[offset : offset + limit]
        hits = [Hit(doc, scores[doc]) for doc in chosen]
        end = offset + len(chosen)
        return Page(hits, total, end if end < total else None, words=words)
    if not query.in_stock:
        chosen = order[offset : offset + limit]
        stock = stock_lookup(query.store_id, [index.ids[d] for d in chosen]) if chosen else {}
        hits = [Hit(d, scores[d], stock.get(index.ids[d], 0)) for d in chosen]
        end = offset + len(chosen)
        return Page(hits, total, end if end < total else None, stock_calls=1 if chosen else 0, words=words)
    hits, position, calls = [], offset, 0
    while len(hits) < limit and position < total and calls < MAX_STOCK_CHUNKS:
        chunk = order[position : position + STOCK_CHUNK]
        stock = stock_lookup(query.store_id, [index.ids[d] for d in chunk])
        calls += 1
        for i, doc in enumerate(chunk):
            available = stock.get(index.ids[doc], 0)
            if available > 0:
                hits.append(Hit(doc, scores[doc], available))
                if len(hits) == limit:
                    position += i + 1
                    break
        else:
            position += len(chunk)
    return Page(hits, total, position if position < total else None, stock_calls=calls, words=words)


def item(index: SearchIndex, hit: Hit, *, with_score: bool, with_stock: bool) -> dict[str, Any]:
    doc = hit.doc
    out: dict[str, Any] = {
        "product_id": index.ids[doc], "name": index.names[doc], "brand": index.brands[doc],
        "unit": index.units[doc], "image": index.images[doc], "mrp": index.mrps[doc],
        "price": index.prices[doc], "discount_percent": index.discount_percent(doc),
        "category_id": index.category_ids[doc],
    }
    if with_score:
        out["score"] = hit.score
    if with_stock:
        out["available"] = hit.available or 0
        out["in_stock"] = (hit.available or 0) > 0
    return out


def names(index: SearchIndex, page: Page | Sequence[Hit]) -> list[str]:
    """Product names of a page, for tests and the benchmark."""
    hits = page.hits if isinstance(page, Page) else page
    return [index.names[h.doc] for h in hits]
