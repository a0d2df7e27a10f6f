"""Secrets that live in SSM as SecureStrings in AWS and as plain settings locally (Resend, Supabase, Razorpay).

A setting pair names them: `<x>_parameter` (the SSM name; set in AWS by the template) and `<x>` (the value;
set locally by `local/`). Powertools caches what it reads for `max_age` seconds, so a rotated value is picked
up within that time without a cold start; callers ask on every use for that reason.
"""

from __future__ import annotations


def secure_string(parameter: str, plain: str, *, max_age: int) -> str:
    """The decrypted SSM parameter `parameter` when one is named (AWS), else `plain` (locally)."""
    if not parameter:
        return plain
    from aws_lambda_powertools.utilities import parameters  # only where a parameter is read: cold starts

    return str(parameters.get_parameter(parameter, decrypt=True, max_age=max_age))
