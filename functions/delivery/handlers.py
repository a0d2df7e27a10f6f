"""Lambda entry points of the delivery domain (every route function shares `handler`; jobs have their own)."""

from blinkit.handler import make_handler, make_job
from delivery import jobs
from delivery.app import app

handler = make_handler(app, service="delivery")
assign_partner = make_job(jobs.assign_partner, service="delivery")
