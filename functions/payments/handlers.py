"""Lambda entry points of the payments domain (every route function shares `handler`; jobs have their own)."""

from blinkit.handler import make_handler, make_job
from payments import jobs
from payments.app import app

handler = make_handler(app, service="payments")
create_payment = make_job(jobs.create_payment, service="payments")
refund_worker = make_job(jobs.refund_worker, service="payments")
reconcile_payments = make_job(jobs.reconcile_payments, service="payments")
wait_for_payment = make_job(jobs.wait_for_payment, service="payments")
close_payment = make_job(jobs.close_payment, service="payments")
