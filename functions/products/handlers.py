"""Lambda entry points of the products domain (every route function shares `handler`; jobs have their own)."""

from blinkit.handler import make_handler
from products import jobs
from products.app import app

handler = make_handler(app, service="products")
reserve_stock = jobs.reserve_stock
release_stock = jobs.release_stock
