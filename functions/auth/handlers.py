"""Lambda entry points of the auth domain (every route function shares `handler`)."""

from auth.app import app, authorize_event
from blinkit.handler import make_handler

handler = make_handler(app, service="auth")
authorizer = authorize_event
