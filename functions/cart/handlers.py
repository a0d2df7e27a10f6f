"""Lambda entry points of the cart domain (every route function shares `handler`; jobs have their own)."""

from blinkit.handler import make_handler
from cart import jobs
from cart.app import app

handler = make_handler(app, service="cart")
load_cart = jobs.load_cart
clear_cart = jobs.clear_cart
