"""Lambda entry points of the payments domain: every route function shares `handler`, each job has its own.

`handler` is built when Lambda looks it up (`routes_on_demand`), so a job's cold start imports no FastAPI and none
of the domain's routes."""

from blinkit.handler import make_job, routes_on_demand
from payments import jobs

__getattr__ = routes_on_demand("payments.app", service="payments")

create_payment = make_job(jobs.create_payment, service="payments")
refund_worker = make_job(jobs.refund_worker, service="payments")
reconcile_payments = make_job(jobs.reconcile_payments, service="payments")
wait_for_payment = make_job(jobs.wait_for_payment, service="payments")
close_payment = make_job(jobs.close_payment, service="payments")
