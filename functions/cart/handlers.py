"""Lambda entry points of the cart domain (every route function shares `handler`; jobs have their own)."""

from blinkit.handler import make_handler, make_job
from cart import jobs
from cart.app import app

handler = make_handler(app, service="cart")
load_cart = make_job(jobs.load_cart, service="cart")
clear_cart = make_job(jobs.clear_cart, service="cart")
