"""Base URLs of other domains' HTTP APIs, for `blinkit.service_client.ServiceClient`.

Locally (and in tests) the settings carry the URLs (`PRODUCTS_SERVICE_URL`, `CART_SERVICE_URL`). In AWS
a function cannot be given its own API's URL through the template: the HttpApi depends on every route
function, so a function environment referencing the HttpApi is a circular dependency. The template
therefore writes the URL into an SSM parameter (`INTERNAL_API_URL_PARAMETER` names it) and this module
reads it once per process through Powertools Parameters (cached), only when a call is first made.
"""

from __future__ import annotations

from blinkit.settings import get_settings

_PARAMETER_MAX_AGE_SECONDS = 3600


def _internal_api_url() -> str | None:
    name = get_settings().internal_api_url_parameter
    if not name:
        return None
    from aws_lambda_powertools.utilities import parameters

    return str(parameters.get_parameter(name, max_age=_PARAMETER_MAX_AGE_SECONDS)).rstrip("/")


def products_service_url() -> str:
    return _internal_api_url() or get_settings().products_service_url


def cart_service_url() -> str:
    return _internal_api_url() or get_settings().cart_service_url


def auth_service_url() -> str:
    return _internal_api_url() or get_settings().auth_service_url


def orders_service_url() -> str:
    return _internal_api_url() or get_settings().orders_service_url
