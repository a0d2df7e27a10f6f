"""Lambda entry points of the products domain: every route function shares `handler`, each job has its own.

`handler` is built when Lambda looks it up (`routes_on_demand`), so a job's cold start imports no FastAPI and none
of the domain's routes."""

from blinkit.handler import make_job, routes_on_demand
from products import jobs

__getattr__ = routes_on_demand("products.app", service="products")

reserve_stock = make_job(jobs.reserve_stock, service="products")
release_stock = make_job(jobs.release_stock, service="products")
