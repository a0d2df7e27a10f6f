"""The request authorizer's Lambda entry point, apart from `auth.handlers` so that its cold start imports no
FastAPI app (`auth.verdict` holds what it decides with)."""

from auth.verdict import authorize_event
from blinkit.handler import make_authorizer

handler = make_authorizer(authorize_event, service="auth")
