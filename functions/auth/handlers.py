"""Lambda entry points of the auth domain's routes (every route function shares `handler`). The authorizer has
its own module, `auth.authorizer`, so that its cold start imports no FastAPI."""

from auth.app import app
from blinkit.handler import make_handler

handler = make_handler(app, service="auth")
