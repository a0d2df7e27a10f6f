"""Lambda entry points of the products domain (every route function shares `handler`; jobs have their own)."""

from blinkit.handler import make_handler, make_job
from products import jobs
from products.app import app

handler = make_handler(app, service="products")
reserve_stock = make_job(jobs.reserve_stock, service="products")
release_stock = make_job(jobs.release_stock, service="products")
