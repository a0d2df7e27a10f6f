"""What the local stack sets where AWS would: template parameters and environment overrides.

Everything else (table names, queue URLs, state machine ARNs) is resolved from template.yaml.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from local.razorpay import KEY_ID as RAZORPAY_KEY_ID

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
STATE_DIR = ROOT / ".local"  # ports of a running `make run`, the email outbox, logs (git-ignored)
SHARED_LAYER = ROOT / "layers" / "blinkit"


def use_shared_layer() -> None:
    """Put the shared layer (`blinkit`) on sys.path, as Lambda's /opt/python, for local code that applies its
    rules outside a running stack (the demo catalog's fee defaults and ids, `python -m local seed`)."""
    if str(SHARED_LAYER) not in sys.path:
        sys.path.append(str(SHARED_LAYER))  # appended: a stack's own layer folders still come first


def use_functions() -> None:
    """Put the domains' code (`functions/`) on sys.path too, for local code that checks data against a domain's
    own request schemas before sending it (`python -m local seed --csv`)."""
    use_shared_layer()
    if str(ROOT / "functions") not in sys.path:
        sys.path.append(str(ROOT / "functions"))


PARAMETERS: dict[str, str] = {
    "Stage": "dev",
    "VpcId": "vpc-local",
    "PrivateSubnetIds": "subnet-local-a,subnet-local-b",
    "FirebaseProjectId": "demo-blinkit",
    "FirebaseCredentialsSecretArn": "arn:aws:secretsmanager:ap-south-1:123456789012:secret:local-firebase",
    "RazorpayKeyId": RAZORPAY_KEY_ID,  # the stand-in's test key (its secrets come with its environment())
    # Two minutes to pay an online order instead of ten: enough to run `local pay` by hand, short enough to
    # watch an unpaid order fail (`local pay --fail`, `--late`) without a long wait. The browser tests, which
    # watch a declined payment end FAILED, set BLINKIT_PAYMENT_TIMEOUT_SECONDS to the template's minimum (60).
    "PaymentTimeoutSeconds": os.environ.get("BLINKIT_PAYMENT_TIMEOUT_SECONDS", "120"),
}


def local_environment(*, redis_url: str, firebase_emulator_host: str, stage: str = "local",
                      api_url: str | None = None) -> dict[str, str]:
    """Overrides for values that only exist in AWS (the cache endpoint, secrets) or differ locally.

    `api_url` is where the local gateway listens: services call each other through it (cart → products,
    auth → cart, orders → auth and products), as they call the HttpApi in AWS. In AWS that URL comes from
    an SSM parameter (a function cannot reference its own API in the template); locally the parameter is off
    and the URLs are direct.
    """
    services = {"PRODUCTS_SERVICE_URL": api_url, "CART_SERVICE_URL": api_url,
                "AUTH_SERVICE_URL": api_url, "ORDERS_SERVICE_URL": api_url} if api_url else {}
    return {
        **services,
        "INTERNAL_API_URL_PARAMETER": "",
        "STAGE": stage,
        "REDIS_URL": redis_url,
        "REDIS_AUTH_SECRET_ARN": "",  # the local Redis takes no password
        "FIREBASE_AUTH_EMULATOR_HOST": firebase_emulator_host,
        "FIREBASE_PROJECT_ID": PARAMETERS["FirebaseProjectId"],
        # The emulator needs neither the service account nor the web API key.
        "FIREBASE_CREDENTIALS_SECRET": "",
        "FIREBASE_WEB_API_KEY_PARAMETER": "",
        # No cursor signing secret in Secrets Manager: the setting CURSOR_SECRET (its default) signs cursors.
        "CURSOR_SECRET_ARN": "",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
    }
