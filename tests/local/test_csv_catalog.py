"""`python -m local seed --csv`: the CSV catalog format, good files and every kind of bad row."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.catalog.csv_catalog import CatalogFileError, read_catalog_csv
from local.catalog.data import CATEGORIES, STORES, make_id, slugify

SAMPLE = Path(__file__).resolve().parents[2] / "local" / "catalog" / "sample.csv"
HEADER = "category,subcategory,name,brand,unit,mrp,price,stock,tags\n"
KORAMANGALA = STORES[0]["store_id"]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalog.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(CatalogFileError) as caught:
        read_catalog_csv(_write(tmp_path, text))
    assert "nothing loaded" in str(caught.value)
    return caught.value.problems


def test_the_shipped_sample_reads_into_categories_products_and_stock() -> None:
    data = read_catalog_csv(SAMPLE)
    assert data["stores"] == []
    assert len(data["products"]) == 5 and len(data["stock"]) == 7
    names = {c["name"]: c for c in data["categories"]}
    # A category named as a demo one is that one (same slug, same id); a new one gets its own.
    dairy = next(c for c in CATEGORIES if c["name"] == "Dairy, Bread & Eggs")
    assert names["Dairy, Bread & Eggs"]["category_id"] == dairy["category_id"]
    assert names["Sweets"]["parent_id"] == names["Festive Specials"]["category_id"]
    # Parents come first, so seeding creates them before their children.
    order = [c["category_id"] for c in data["categories"]]
    assert order.index(names["Festive Specials"]["category_id"]) < order.index(names["Sweets"]["category_id"])
    peda = next(p for p in data["products"] if p["name"] == "Dharwad Peda")
    assert peda == {"product_id": make_id("prd", slugify("Dharwad Peda 250 g")), "name": "Dharwad Peda",
                    "brand": "Babusingh Thakur", "category_id": names["Sweets"]["category_id"], "unit": "250 g",
                    "mrp": 18000, "price": 18000, "tags": ["peda", "mithai"]}
    assert {"store_id": KORAMANGALA, "product_id": peda["product_id"], "available": 3} in data["stock"]


def test_optional_columns_may_be_left_out_and_a_bom_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("\ufeffname,brand,unit,mrp,price,category,subcategory\nRagi Flour,Pristine,1 kg,9000,8500,"
                    "Atta & Grains,Flours\n", encoding="utf-8")
    data = read_catalog_csv(path)
    assert [p["price"] for p in data["products"]] == [8500]
    assert data["stock"] == [] and data["products"][0]["tags"] == []


def test_a_header_without_a_required_column_or_with_an_unknown_one_is_refused(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "category,subcategory,name,brand,unit,price,colour\nA,B,C,D,1 kg,100,red\n")
    assert problems == ["line 1: missing column(s) mrp; unknown column(s) colour "
                        "(columns: category, subcategory, name, brand, unit, mrp, price, stock, tags)"]


def test_every_bad_row_is_reported_with_its_line_and_reason(tmp_path: Path) -> None:
    text = HEADER + "\n".join([
        f"Snacks,Chips,Good Chips,Crispo,100 g,2000,1800,{KORAMANGALA}=10,",       # line 2: fine
        "Snacks,Chips,Rupee Chips,Crispo,100 g,20.50,18,,",                            # 3: rupees, not paise
        "Snacks,Chips,Dear Chips,Crispo,100 g,1000,1500,,",                            # 4: price above mrp
        f"Snacks,Chips,Stocked Chips,Crispo,50 g,1000,900,{KORAMANGALA}:10,",         # 5: not STORE=UNITS
        f"Snacks,Chips,Minus Chips,Crispo,75 g,1000,900,{KORAMANGALA}=-1,",           # 6: negative stock
        ",Chips,Orphan Chips,Crispo,100 g,1000,900,,",                                 # 7: no category
        f"Snacks,Chips,Good Chips,Crispo,100 g,2000,1800,{KORAMANGALA}=10,",          # 8: a repeat of line 2
        "Snacks,Chips,Extra Chips,Crispo,100 g,2000,1800,,,surplus",                   # 9: one value too many
    ]) + "\n"
    problems = _problems(tmp_path, text)
    assert [p.split(":")[0] for p in problems] == ["line 3", "line 4", "line 5", "line 6", "line 7", "line 8",
                                                    "line 9"]
    assert "mrp must be a whole number of paise (₹28 is 2800), got '20.50'" in problems[0]
    assert "price must not exceed mrp" in problems[1]
    assert "is not STORE_ID=UNITS" in problems[2]
    assert "stock for " + KORAMANGALA in problems[3] and "greater than or equal to 0" in problems[3]
    assert problems[4] == "line 7: category is empty"
    assert problems[5] == "line 8: Good Chips (100 g) is already on line 2"
    assert problems[6] == "line 9: 1 value(s) more than the header has columns"


def test_a_file_with_a_header_only_loads_nothing(tmp_path: Path) -> None:
    assert _problems(tmp_path, HEADER) == ["line 2: no products (the file has a header only)"]
