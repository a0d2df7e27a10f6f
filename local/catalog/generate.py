"""Large, deterministic catalogs for benchmarks (10k-100k+ products) built from the hand-written demo data.

Each generated product is a demo product (the "base") combined with a variant: a modifier ("Organic",
"Premium", ...), an edition (pack type or a regional name such as "Mysuru Special") and a pack count.
Product i uses base i mod B and that base's (i div B)-th variant, so names stay realistic and are unique
except where two bases share a name (the same product in two sizes) and land on the same variant.
The work is linear in `n_products`; the same seed always gives the same catalog.
"""

from __future__ import annotations

import copy
import gc
import random
from typing import Any

from local.catalog.data import (
    CATEGORIES,
    CDN,
    DISCOUNTS,
    PRODUCTS,
    STORES,
    build_stock,
    discounted,
    make_id,
    slugify,
)

# (modifier, price factor in percent)
MODIFIERS: tuple[tuple[str, int], ...] = (
    ("", 100),
    ("Organic", 135),
    ("Premium", 125),
    ("Classic", 100),
    ("Select", 110),
    ("Gold", 120),
    ("Lite", 95),
    ("Pure", 105),
    ("Natural", 110),
    ("Special", 105),
    ("Royal", 130),
    ("Farm Fresh", 115),
)
# (edition, price factor in percent)
EDITIONS: tuple[tuple[str, int], ...] = (
    ("", 100),
    ("Value Pack", 95),
    ("Family Pack", 100),
    ("Festive Pack", 110),
    ("Mysuru Special", 105),
    ("Karnataka Special", 105),
    ("Kerala Style", 105),
    ("Punjabi Style", 105),
    ("Hyderabadi", 105),
    ("Rajasthani", 105),
    ("Home Style", 100),
    ("Chef's Choice", 115),
)
PACKS: tuple[int, ...] = (1, 2, 3, 4, 6)
PACK_SAVING = {1: 0, 2: 3, 3: 5, 4: 6, 6: 8}  # percent off the multiplied MRP, as multipacks usually are
MAX_TAGS = 20
_SLUGS = {text: slugify(text) for text, _ in (*MODIFIERS, *EDITIONS) if text}


def _variants(rng: random.Random) -> list[tuple[str, int, str, int, int]]:
    """Every (modifier, factor, edition, factor, pack) combination, the plain one first, the rest shuffled."""
    combos = [(m, mf, e, ef, k) for m, mf in MODIFIERS for e, ef in EDITIONS for k in PACKS]
    plain, rest = combos[0], combos[1:]
    rng.shuffle(rest)
    return [plain, *rest]


def _variant_name(name: str, brand: str, modifier: str, edition: str, pack: int, lot: int) -> str:
    if modifier:  # after the brand when the name starts with it: "Amul Organic Malai Paneer"
        branded = name.startswith(brand + " ")
        name = f"{brand} {modifier} {name[len(brand) + 1:]}" if branded else f"{modifier} {name}"
    if edition:
        name = f"{name} - {edition}"
    if pack > 1:
        name = f"{name} (Pack of {pack})"
    if lot:
        name = f"{name} #{lot + 1}"
    return name


def _base_parts(product: dict[str, Any]) -> tuple[dict[str, Any], str, str, str, str]:
    """A base product with the slugs of its name, of its name after the brand, of its brand and of its unit."""
    name, brand = product["name"], product["brand"]
    rest = name[len(brand) + 1:] if name.startswith(brand + " ") else ""
    return product, slugify(name), slugify(rest), slugify(brand), slugify(product["unit"])


def generate_catalog(n_products: int, *, seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    """A catalog of `n_products` products with the demo stores and categories and per-store stock.

    Same keys and row shapes as `local.catalog.data.catalog()`; ids are unique and depend on `seed`.
    """
    if n_products < 0:
        raise ValueError("n_products must not be negative")
    gc_was_enabled = gc.isenabled()
    gc.disable()  # hundreds of thousands of small dicts, no cycles: the collector would only slow this down
    try:
        return _generate(n_products, seed)
    finally:
        if gc_was_enabled:
            gc.enable()


def _generate(n_products: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    bases = [_base_parts(p) for p in PRODUCTS]
    rng.shuffle(bases)
    variants = _variants(rng)
    n_bases, n_variants = len(bases), len(variants)
    # Each base starts with the plain variant, then walks the others from its own offset, so bases differ
    # while one base never repeats a variant within a lot (k -> v is a bijection on 1..V-1 for each b).
    stride = 7919
    tails = {p["product_id"]: p["description"].split(": ", 1)[-1] for p in PRODUCTS}

    products: list[dict[str, Any]] = []
    seen_slugs: set[str] = set()
    choice, random_ = rng.choice, rng.random
    for i in range(n_products):
        b = i % n_bases
        lot, k = divmod(i // n_bases, n_variants)
        base, name_slug, rest_slug, brand_slug, unit_slug = bases[b]
        v = 0 if k == 0 else 1 + (k - 1 + b * stride) % (n_variants - 1)
        modifier, mod_factor, edition, ed_factor, pack = variants[v]
        name = _variant_name(base["name"], base["brand"], modifier, edition, pack, lot)
        unit = base["unit"] if pack == 1 else f"{pack} x {base['unit']}"

        # slugify(f"{name} {unit}"), assembled from pre-slugified parts (the regex is the hot spot otherwise)
        slug = name_slug
        if modifier:
            mod_slug = _SLUGS[modifier]
            slug = f"{brand_slug}-{mod_slug}-{rest_slug}" if rest_slug else f"{mod_slug}-{name_slug}"
        if edition:
            slug = f"{slug}-{_SLUGS[edition]}"
        if pack > 1:
            slug = f"{slug}-pack-of-{pack}"
        if lot:
            slug = f"{slug}-{lot + 1}"
        slug = f"{slug}-{unit_slug}" if pack == 1 else f"{slug}-{pack}-x-{unit_slug}"
        if slug in seen_slugs:
            slug = f"{slug}-{i}"
        seen_slugs.add(slug)

        mrp = base["mrp"] * pack * mod_factor * ed_factor * (100 - PACK_SAVING[pack]) // 1_000_000
        mrp = max(100, mrp - mrp % 100)  # whole rupees
        percent = 0 if random_() < 0.3 else choice(DISCOUNTS)
        tags = list(base["tags"])
        for word in (modifier.lower(), edition.lower()):
            if word and word not in tags:
                tags.append(word)
        images = [f"{CDN}/products/{slug}.jpg"]
        if random_() < 0.5:
            images.append(f"{CDN}/products/{slug}-2.jpg")
        products.append({
            "product_id": make_id("prd", f"gen{seed}:{slug}"),
            "name": name,
            "brand": base["brand"],
            "category_id": base["category_id"],
            "unit": unit,
            "mrp": mrp,
            "price": discounted(mrp, percent),
            "images": images,
            "tags": tags[:MAX_TAGS],
            "description": f"{name} ({unit}): {tails[base['product_id']]}",
            "max_per_order": max(1, base["max_per_order"] // pack),
            "is_active": True,
        })

    stores = copy.deepcopy(STORES)
    return {
        "stores": stores,
        "categories": copy.deepcopy(CATEGORIES),
        "products": products,
        "stock": build_stock(stores, [p["product_id"] for p in products], salt=f"gen:{seed}"),
    }
