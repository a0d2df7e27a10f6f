"""Demo catalog data for the products domain: dark stores, categories, products and stock.

data      a hand-written, realistic Bengaluru catalog (`STORES`, `CATEGORIES`, `PRODUCTS`, `STOCK`, `catalog()`)
generate  `generate_catalog(n_products, seed=...)`: large, deterministic catalogs for benchmarks

Pure Python, deterministic, no I/O. Money is integer paise; ids are `sto_`/`cat_`/`prd_` + 26 Crockford
base32 characters derived from a SHA-256 of the slug, so they are stable from run to run.
"""

from local.config import use_shared_layer

use_shared_layer()  # the catalog takes its fee defaults and id encoding from the shared layer

from local.catalog.data import CATEGORIES, PRODUCTS, STOCK, STORES, catalog  # noqa: E402 (after the layer)
from local.catalog.generate import generate_catalog  # noqa: E402

__all__ = ["CATEGORIES", "PRODUCTS", "STOCK", "STORES", "catalog", "generate_catalog"]
