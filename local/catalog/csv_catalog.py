"""A catalog from a CSV file, for `python -m local seed --csv FILE`: one row per product.

Columns (a header row first; order free; `tags` and `stock` may be left out or empty):

category     top-level category (created if the stack lacks it), e.g. `Dairy, Bread & Eggs`
subcategory  the category the product is listed in, a child of `category`, e.g. `Milk`
name         product name, e.g. `Amul Taaza Toned Milk`
brand        brand, e.g. `Amul`
unit         pack size as shown, e.g. `500 ml`
mrp          maximum retail price in integer **paise**: `2800` is ₹28
price        selling price in integer paise, at most `mrp`
stock        units on the shelf per dark store: `STORE_ID=UNITS` pairs joined by `;` (`sto_Q46C...=40;sto_151M...=25`)
tags         search synonyms joined by `|` (`doodh|toned milk`)

Ids come from slugs as the demo catalog makes them (`make_id("cat", slug)`, `make_id("prd", slug of name and
unit)`), so loading the same file twice creates nothing new, and a category named as a demo one is that one.
Every row is checked against the products domain's own request schemas (`CategoryIn`, `ProductIn`,
`StockIn`) before anything is sent, and every problem is reported with its line number: a file with errors
loads nothing. The stores named in `stock` must exist in the stack (`GET /stores`); `seed` checks that too
before it writes.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from local.catalog.data import make_id, slugify
from local.config import use_functions

REQUIRED = ("category", "subcategory", "name", "brand", "unit", "mrp", "price")
OPTIONAL = ("stock", "tags")


class CatalogFileError(ValueError):
    """Every problem of a CSV catalog, one `line N: reason` each."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} problem(s), nothing loaded:\n  " + "\n  ".join(problems))


def read_catalog_csv(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The catalog in `path` as `seed_catalog_over_http` takes it (no stores: they must exist already)."""
    use_functions()
    from products.schemas import CategoryIn, ProductIn, StockIn

    problems: list[str] = []
    categories: dict[str, dict[str, Any]] = {}  # by id: a category named on many rows is made once
    products: list[dict[str, Any]] = []
    stock: list[dict[str, Any]] = []
    seen_products: dict[str, int] = {}  # product id -> the line that defined it
    with path.open(newline="", encoding="utf-8-sig") as handle:  # -sig: spreadsheets save a BOM
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in REQUIRED if c not in header]
        unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
        if missing or unknown:
            why = "; ".join(filter(None, [missing and f"missing column(s) {', '.join(missing)}",
                                          unknown and f"unknown column(s) {', '.join(unknown)}"]))
            raise CatalogFileError(path, [f"line 1: {why} (columns: {', '.join(REQUIRED + OPTIONAL)})"])
        reader.fieldnames = header
        rows = 0
        for raw in reader:
            line = reader.line_num
            rows += 1
            row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
            if None in raw:
                problems.append(f"line {line}: {len(raw[None])} value(s) more than the header has columns")
                continue
            before = len(problems)
            top = _category(row["category"], None, CategoryIn, line, problems)
            sub = _category(row["subcategory"], top and top["category_id"], CategoryIn, line, problems)
            product = _product(row, sub, ProductIn, line, problems)
            shelves = _stock(row.get("stock", ""), product, StockIn, line, problems)
            if len(problems) > before or top is None or sub is None or product is None:
                continue
            if product["product_id"] in seen_products:
                problems.append(f"line {line}: {row['name']} ({row['unit']}) is already on line "
                                f"{seen_products[product['product_id']]}")
                continue
            for category in (top, sub):
                known = categories.setdefault(category["category_id"], category)
                if known["parent_id"] != category["parent_id"]:
                    problems.append(f"line {line}: category {category['name']!r} is under another parent on an "
                                    "earlier line")
            seen_products[product["product_id"]] = line
            products.append(product)
            stock.extend(shelves)
    if not rows:
        problems.append("line 2: no products (the file has a header only)")
    if problems:
        raise CatalogFileError(path, problems)
    return {"stores": [], "categories": list(categories.values()), "products": products, "stock": stock}


def _category(name: str, parent_id: str | None, schema: Any, line: int, problems: list[str]) -> dict[str, Any] | None:
    what = "subcategory" if parent_id else "category"
    if not name:
        problems.append(f"line {line}: {what} is empty")
        return None
    slug = slugify(name)
    body = {"category_id": make_id("cat", slug), "name": name, "slug": slug, "parent_id": parent_id}
    return _checked(schema, body, line, problems, what)


def _product(row: dict[str, str], sub: dict[str, Any] | None, schema: Any, line: int,
             problems: list[str]) -> dict[str, Any] | None:
    amounts: dict[str, int] = {}
    for column in ("mrp", "price"):
        try:
            amounts[column] = int(row[column])
        except ValueError:
            problems.append(f"line {line}: {column} must be a whole number of paise (₹28 is 2800), got "
                            f"{row[column]!r}")
    if sub is None or len(amounts) < 2:
        return None
    tags = [t.strip() for t in row.get("tags", "").split("|") if t.strip()]
    body = {"product_id": make_id("prd", slugify(f"{row['name']} {row['unit']}")), "name": row["name"],
            "brand": row["brand"], "category_id": sub["category_id"], "unit": row["unit"], **amounts, "tags": tags}
    return _checked(schema, body, line, problems, "product")


def _stock(text: str, product: dict[str, Any] | None, schema: Any, line: int,
           problems: list[str]) -> list[dict[str, Any]]:
    shelves: list[dict[str, Any]] = []
    for pair in filter(None, (p.strip() for p in text.split(";"))):
        store_id, sep, units = (part.strip() for part in pair.partition("="))
        if not sep or not store_id.startswith("sto_"):
            problems.append(f"line {line}: stock entry {pair!r} is not STORE_ID=UNITS (e.g. sto_...=40)")
            continue
        try:
            count = int(units)
        except ValueError:
            problems.append(f"line {line}: stock for {store_id} must be a whole number of units, got {units!r}")
            continue
        if _checked(schema, {"available": count}, line, problems, f"stock for {store_id}") and product:
            shelves.append({"store_id": store_id, "product_id": product["product_id"], "available": count})
    return shelves


def _checked(schema: Any, body: dict[str, Any], line: int, problems: list[str], what: str) -> dict[str, Any] | None:
    """`body` if the domain's schema accepts it; else each of its complaints, as the API would word them."""
    try:
        schema.model_validate(body)
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"]) or what
            problems.append(f"line {line}: {what} {field}: {error['msg']}")
        return None
    return body
