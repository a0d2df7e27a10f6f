"""Lambda entry points of the delivery domain: every route function shares `handler`, each job has its own.

`handler` is built when Lambda looks it up (`routes_on_demand`), so a job's cold start imports no FastAPI and none
of the domain's routes."""

from blinkit.handler import make_job, routes_on_demand
from delivery import jobs

__getattr__ = routes_on_demand("delivery.app", service="delivery")

assign_partner = make_job(jobs.assign_partner, service="delivery")
