"""The search index: tokenizing, building from product documents, and (de)serialising.

A `SearchIndex` holds
  * the documents as columns (ids, names, brands, units, first image, mrp, price, category, tags),
    which is everything a search result shows and everything an incremental rebuild needs;
  * `vocab`: every indexed word, sorted (exact lookup and prefix ranges by bisect);
  * `postings[w]`: for vocabulary word w, the documents containing it as `doc * 16 + fields`, where
    `fields` is a bit mask of NAME | BRAND | CATEGORY | TAGS;
  * `deletes`: the SymSpell deletion neighbourhood of the vocabulary: a string obtained by deleting
    up to 2 letters of a word → the words it came from. Fuzzy lookup of a query word generates its
    own deletes and meets the vocabulary's in this map, then verifies the real edit distance.

Serialised form: zlib-compressed compact JSON (stdlib only, decoded by C code: fast cold loads).
"""

from __future__ import annotations

import json
import re
import unicodedata
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

FORMAT = 1

NAME, BRAND, CATEGORY, TAGS = 1, 2, 4, 8
FIELD_BITS = 16  # postings pack doc * FIELD_BITS + field mask
FIELDS = ((NAME, "name"), (BRAND, "brand"), (CATEGORY, "category"), (TAGS, "tags"))

# Words that only glue a product name together; matching them would match half the catalog.
STOP_WORDS = frozenset({"and", "of", "the", "with", "for", "in", "a", "an", "n"})

_APOSTROPHES = re.compile("['\u2019`]")
# Letters and digits; Indic vowel signs and viramas are combining marks, not \w, so they are added.
_WORD = re.compile(r"(?:[^\W_]|[\u0900-\u0DFF])+")


def fold(text: str) -> str:
    """Lower-case and strip Latin accents (crème → creme); other scripts are kept as they are."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    out: list[str] = []
    for ch in decomposed:
        if unicodedata.combining(ch) and out and out[-1] < "\u0250":
            continue  # an accent on a Latin letter
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def tokenize(text: str | None) -> list[str]:
    """Words of `text`, folded, in order, without stop words ("Haldiram's Bhujia" → haldirams, bhujia)."""
    if not text:
        return []
    return [w for w in _WORD.findall(_APOSTROPHES.sub("", fold(text))) if w not in STOP_WORDS]


def max_edits(word: str) -> int:
    """How many edits a query word may be away from an indexed word: 0 up to 3 letters, 1 up to 7, else 2."""
    n = len(word)
    if n <= 3 or any(ch.isdigit() for ch in word):
        return 0
    return 1 if n <= 7 else 2


def _vocab_depth(word: str) -> int:
    """Deletes to store for an indexed word so every allowed query edit can meet it.

    A query word q of length n may be d = max_edits(q) edits away; that needs up to d deletes from each
    side. An indexed word of length L is reachable by queries of length L-d..L+d, so words of 1-3
    letters need none (only a query's own deletes reach them), 4-5 letters one, 6+ two.
    """
    if any(ch.isdigit() for ch in word):
        return 0
    n = len(word)
    return 0 if n <= 3 else 1 if n <= 5 else 2


def deletes(word: str, depth: int) -> set[str]:
    """The word and every string made by deleting 1..depth of its letters."""
    found = {word}
    for k in range(1, min(depth, len(word) - 1) + 1):
        for drop in combinations(range(len(word)), k):
            found.add("".join(ch for i, ch in enumerate(word) if i not in drop))
    return found


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment (Damerau-Levenshtein) distance, or limit + 1 once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, prev2[j - 2] + 1)
            cur[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1] if prev[-1] <= limit else limit + 1


@dataclass
class SearchIndex:
    version: str
    ids: list[str]
    names: list[str]
    brands: list[str]
    units: list[str]
    images: list[str | None]
    mrps: list[int]
    prices: list[int]
    category_ids: list[str]
    tags: list[list[str]]
    categories: dict[str, list[Any]]  # category_id -> [name, parent_id or None]
    vocab: list[str]
    postings: list[list[int]]
    deletes: dict[str, list[int]]
    built_at: str = ""
    brand_keys: list[str] = field(default_factory=list)  # folded brands, for the brand filter
    word_ids: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.brand_keys:
            self.brand_keys = [brand_key(b) for b in self.brands]
        if not self.word_ids:
            self.word_ids = {w: i for i, w in enumerate(self.vocab)}

    def __len__(self) -> int:
        return len(self.ids)

    def discount_percent(self, doc: int) -> int:
        return discount_percent(self.mrps[doc], self.prices[doc])

    # ---- back to documents (incremental rebuilds) ----------------------------------------------

    def products(self) -> dict[str, dict[str, Any]]:
        return {
            pid: {
                "product_id": pid, "name": self.names[i], "brand": self.brands[i], "unit": self.units[i],
                "images": [self.images[i]] if self.images[i] else [], "mrp": self.mrps[i],
                "price": self.prices[i], "category_id": self.category_ids[i], "tags": self.tags[i],
                "is_active": True,
            }
            for i, pid in enumerate(self.ids)
        }

    # ---- serialising ---------------------------------------------------------------------------

    def to_bytes(self, level: int = 6) -> bytes:
        doc = {
            "format": FORMAT, "version": self.version, "built_at": self.built_at,
            "docs": [self.ids, self.names, self.brands, self.units, self.images, self.mrps, self.prices,
                     self.category_ids, self.tags],
            "categories": self.categories, "vocab": self.vocab, "postings": self.postings,
            "deletes": self.deletes,
        }
        return zlib.compress(json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode(), level)

    @classmethod
    def from_bytes(cls, blob: bytes) -> SearchIndex:
        doc = json.loads(zlib.decompress(blob))
        if doc.get("format") != FORMAT:
            raise ValueError(f"unknown search index format {doc.get('format')!r}")
        ids, names, brands, units, images, mrps, prices, category_ids, tags = doc["docs"]
        return cls(
            version=doc["version"], built_at=doc.get("built_at", ""), ids=ids, names=names, brands=brands,
            units=units, images=images, mrps=mrps, prices=prices, category_ids=category_ids, tags=tags,
            categories=doc["categories"], vocab=doc["vocab"], postings=doc["postings"], deletes=doc["deletes"],
        )


def brand_key(brand: str | None) -> str:
    return " ".join(tokenize(brand))


def discount_percent(mrp: int, price: int) -> int:
    """Whole percent off the MRP, rounded down (never claims more discount than there is)."""
    return (mrp - price) * 100 // mrp if mrp > 0 and price < mrp else 0


def category_names(categories: Mapping[str, list[Any]], category_id: str) -> str:
    """A category's name and its parent's ("Paneer & Tofu Dairy, Bread & Eggs"): both are searchable."""
    names, seen = [], set()
    while category_id and category_id in categories and category_id not in seen:
        seen.add(category_id)
        name, parent = categories[category_id]
        names.append(str(name))
        category_id = parent or ""
    return " ".join(names)


def category_map(categories: Iterable[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Category items (or dicts) → {category_id: [name, parent_id]}."""
    return {str(c["category_id"]): [str(c["name"]), c.get("parent_id") or None] for c in categories}


def build(
    products: Iterable[Mapping[str, Any]],
    categories: Mapping[str, list[Any]],
    *,
    version: str,
    built_at: str = "",
) -> SearchIndex:
    """Index every active product. `categories` is `category_map(...)`: names (and parents') are searchable.

    Documents are ordered by product id, so a given catalog always yields the same index.
    """
    active = sorted((p for p in products if p.get("is_active", True)), key=lambda p: str(p["product_id"]))
    ids, names, brands, units, images, mrps, prices, category_ids, tags = ([] for _ in range(9))
    words: dict[str, dict[int, int]] = {}
    for doc, product in enumerate(active):
        ids.append(str(product["product_id"]))
        names.append(str(product["name"]))
        brands.append(str(product.get("brand") or ""))
        units.append(str(product.get("unit") or ""))
        product_images = list(product.get("images") or [])
        images.append(str(product_images[0]) if product_images else None)
        mrps.append(int(product["mrp"]))
        prices.append(int(product["price"]))
        category_ids.append(str(product.get("category_id") or ""))
        product_tags = [str(t) for t in product.get("tags") or []]
        tags.append(product_tags)
        texts = (
            (NAME, product["name"]),
            (BRAND, product.get("brand")),
            (CATEGORY, category_names(categories, category_ids[-1])),
            (TAGS, " ".join(product_tags)),
        )
        for bit, text in texts:
            for word in tokenize(text):
                per_doc = words.setdefault(word, {})
                per_doc[doc] = per_doc.get(doc, 0) | bit
    vocab = sorted(words)
    postings = [[d * FIELD_BITS + m for d, m in sorted(words[w].items())] for w in vocab]
    neighbourhood: dict[str, list[int]] = {}
    for wid, word in enumerate(vocab):
        for variant in deletes(word, _vocab_depth(word)):
            neighbourhood.setdefault(variant, []).append(wid)
    return SearchIndex(
        version=version, built_at=built_at, ids=ids, names=names, brands=brands, units=units, images=images,
        mrps=mrps, prices=prices, category_ids=category_ids, tags=tags,
        categories={k: list(v) for k, v in categories.items()}, vocab=vocab, postings=postings, deletes=neighbourhood,
    )
