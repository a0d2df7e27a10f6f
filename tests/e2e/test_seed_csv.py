"""`python -m local seed --url --token --csv` against a live stack: a CSV that names a store the stack lacks
loads nothing; a good one loads through the admin API, and again without duplicates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from local.catalog.data import STORES, make_id, slugify
from local.config import ROOT

pytestmark = pytest.mark.e2e
HEADER = "category,subcategory,name,brand,unit,mrp,price,stock,tags\n"


def _seed(server: dict[str, Any], token: str, csv_file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "local", "seed", "--url", server["api"] + "/", "--token", token,
                           "--csv", str(csv_file)], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "BLINKIT_LOCAL_STATE": str(ROOT / "no-such-state.json")}, check=False)


@pytest.fixture(scope="module")
def admin_token(server: dict[str, Any]) -> str:
    done = subprocess.run([sys.executable, "-m", "local", "token", "--user", "admin"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "BLINKIT_LOCAL_STATE": server["state_file"]},
                          check=True)
    return done.stdout.strip()


def test_a_csv_naming_an_unknown_store_loads_nothing(server, admin_token, tmp_path) -> None:
    unknown = make_id("sto", "nowhere")
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + f"Pantry,Pickles,Avakaya Pickle,Priya Foods,300 g,15000,14000,{unknown}=5,\n")
    done = _seed(server, admin_token, path)
    assert done.returncode == 1
    assert f"stock names store(s) the stack has no active store for: {unknown}" in done.stderr
    product = make_id("prd", slugify("Avakaya Pickle 300 g"))
    assert httpx.get(f"{server['api']}/products/{product}", timeout=10).status_code == 404
    category = make_id("cat", slugify("Pickles"))
    tree = httpx.get(f"{server['api']}/categories", timeout=10).json()["categories"]
    assert category not in json.dumps(tree)


def test_a_good_csv_loads_through_the_admin_api_and_again_without_duplicates(server, admin_token, tmp_path) -> None:
    shop = STORES[1]["store_id"]
    path = tmp_path / "good.csv"
    path.write_text(HEADER + f"Pantry,Pickles,Avakaya Pickle,Priya Foods,300 g,15000,14000,{shop}=5,aavakaya\n")
    first = _seed(server, admin_token, path)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == {"stores": 0, "categories": 2, "products": 1, "stock": 1, "existing": 0}
    product = make_id("prd", slugify("Avakaya Pickle 300 g"))
    got = httpx.get(f"{server['api']}/products/{product}", params={"store_id": shop}, timeout=10).json()
    assert (got["name"], got["price"], got["mrp"], got["available"]) == ("Avakaya Pickle", 14000, 15000, 5)
    again = _seed(server, admin_token, path)
    assert json.loads(again.stdout) == {"stores": 0, "categories": 0, "products": 0, "stock": 1, "existing": 3}


def test_url_without_a_token_is_refused(server) -> None:
    done = subprocess.run([sys.executable, "-m", "local", "seed", "--url", server["api"]], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "--url needs --token" in done.stderr
