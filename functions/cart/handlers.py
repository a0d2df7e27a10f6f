"""Lambda entry points of the cart domain: every route function shares `handler`, each job has its own.

`handler` is built when Lambda looks it up (`routes_on_demand`), so a job's cold start imports no FastAPI and none
of the domain's routes."""

from blinkit.handler import make_job, routes_on_demand
from cart import jobs

__getattr__ = routes_on_demand("cart.app", service="cart")

load_cart = make_job(jobs.load_cart, service="cart")
clear_cart = make_job(jobs.clear_cart, service="cart")
