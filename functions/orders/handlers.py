"""Lambda entry points of the orders domain: every route function shares `handler`, each job has its own.

`handler` is built when Lambda looks it up (`routes_on_demand`), so a job's cold start imports no FastAPI and none
of the domain's routes."""

from blinkit.handler import make_job, routes_on_demand
from orders import jobs

__getattr__ = routes_on_demand("orders.app", service="orders")

price_order = make_job(jobs.price_order, service="orders")
await_payment = make_job(jobs.await_payment, service="orders")
create_order = make_job(jobs.create_order, service="orders")
redeem_coupon = make_job(jobs.redeem_coupon, service="orders")
release_coupon = make_job(jobs.release_coupon, service="orders")
mark_order_failed = make_job(jobs.mark_order_failed, service="orders")
