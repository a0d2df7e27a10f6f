"""Lambda entry points of the auth domain (every route function shares `handler`; the authorizer has its own)."""

from auth.app import app, authorize_event
from blinkit.handler import make_authorizer, make_handler

handler = make_handler(app, service="auth")
authorizer = make_authorizer(authorize_event, service="auth")
