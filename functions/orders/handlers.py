"""Lambda entry points of the orders domain (every route function shares `handler`; jobs have their own)."""

from blinkit.handler import make_handler, make_job
from orders import jobs
from orders.app import app

handler = make_handler(app, service="orders")
price_order = make_job(jobs.price_order, service="orders")
await_payment = make_job(jobs.await_payment, service="orders")
create_order = make_job(jobs.create_order, service="orders")
redeem_coupon = make_job(jobs.redeem_coupon, service="orders")
release_coupon = make_job(jobs.release_coupon, service="orders")
mark_order_failed = make_job(jobs.mark_order_failed, service="orders")
