"""Lambda entry points of the orders domain (every route function shares `handler`; jobs have their own)."""

from blinkit.handler import make_handler
from orders import jobs
from orders.app import app

handler = make_handler(app, service="orders")
price_order = jobs.price_order
create_order = jobs.create_order
mark_order_failed = jobs.mark_order_failed
