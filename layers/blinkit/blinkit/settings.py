"""Typed settings, read once per process from the environment.

The template sets these variables in AWS; `local/` sets the same names on one machine, so production
code never knows where it runs.

Each field is read from the environment variable of its name (or its alias), case-insensitively; arguments to
`Settings(...)` win over the environment, which wins over the defaults. pydantic validates and converts the
strings (a bad value fails the cold start, not a request). A plain pydantic model does this rather than
pydantic-settings, whose import (with python-dotenv) was about 7% of the request authorizer's init, which runs before
every protected request: every field is a string, a number or a choice, so its sources, parsers and .env files
have nothing to do here.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Stage = Literal["local", "test", "dev", "prod"]


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _from_the_environment(cls, given: Any) -> Any:
        environment = {name.lower(): value for name, value in os.environ.items()}
        found = {}
        for name, field in cls.model_fields.items():
            key = field.alias or name
            if key.lower() in environment:
                found[key] = environment[key.lower()]
        return {**found, **(given if isinstance(given, dict) else {})}

    stage: Stage = "local"
    service_name: str = Field("blinkit", alias="POWERTOOLS_SERVICE_NAME")
    aws_region: str = Field("ap-south-1", alias="AWS_REGION")

    # Tables and caches (names come from the template).
    users_table: str = "UsersTable"
    catalog_table: str = "CatalogTable"
    stock_table: str = "StockTable"
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_timeout_seconds: float = 0.5
    # In AWS: the Secrets Manager secret holding the cache's AUTH token (blinkit.redis_client reads it at run
    # time). Empty (local, tests): Redis takes no password.
    redis_auth_secret_arn: str = ""

    # Sessions.
    session_absolute_days: int = Field(30, ge=1)
    session_idle_days: int = Field(7, ge=1)
    session_touch_seconds: int = Field(60, ge=1)  # last_seen_at is written at most this often

    # Login rate limits (fixed windows in Redis).
    login_rate_per_ip: int = Field(30, ge=1)
    login_rate_per_user: int = Field(10, ge=1)
    login_rate_window_seconds: int = Field(60, ge=1)

    # Other domains' HTTP APIs, reached through blinkit.upstreams.
    products_service_url: str = "http://127.0.0.1:3000"
    cart_service_url: str = "http://127.0.0.1:3000"
    auth_service_url: str = "http://127.0.0.1:3000"
    # In AWS the functions cannot be given the API's own URL (the HttpApi depends on every function, so a
    # function referencing it would be a circular dependency): the template stores it in this SSM
    # parameter and blinkit.endpoints reads it (cached). Empty (local): the *_service_url values apply.
    internal_api_url_parameter: str = ""

    # How every domain calls each upstream domain (blinkit.upstreams), named after the upstream: a timeout per
    # attempt, retries after a failed attempt (0-2), and the fleet-wide breaker (blinkit.breaker) that opens
    # after `*_breaker_failures` failed attempts within the window and stays open for the cool-down.
    # Call-specific choices stay with the call: the guest-cart merge never retries (it is not idempotent)
    # and notifications reads contacts with `contact_timeout_seconds`.
    products_timeout_seconds: float = Field(1.5, gt=0)
    products_retries: int = Field(2, ge=0, le=2)
    products_breaker_failures: int = Field(5, ge=1)
    products_breaker_window_seconds: float = Field(30.0, gt=0)
    products_breaker_cooldown_seconds: float = Field(30.0, gt=0)
    auth_timeout_seconds: float = Field(1.5, gt=0)
    auth_retries: int = Field(2, ge=0, le=2)
    auth_breaker_failures: int = Field(5, ge=1)
    auth_breaker_window_seconds: float = Field(30.0, gt=0)
    auth_breaker_cooldown_seconds: float = Field(30.0, gt=0)
    cart_timeout_seconds: float = Field(2.0, gt=0)
    cart_retries: int = Field(0, ge=0, le=2)  # its one caller, the guest-cart merge, is not idempotent
    cart_breaker_failures: int = Field(5, ge=1)
    cart_breaker_window_seconds: float = Field(30.0, gt=0)
    cart_breaker_cooldown_seconds: float = Field(30.0, gt=0)
    orders_timeout_seconds: float = Field(1.5, gt=0)
    orders_retries: int = Field(2, ge=0, le=2)
    orders_breaker_failures: int = Field(5, ge=1)
    orders_breaker_window_seconds: float = Field(30.0, gt=0)
    orders_breaker_cooldown_seconds: float = Field(30.0, gt=0)

    # Cart (functions/cart): the table and the view cache.
    carts_table: str = "CartsTable"
    cart_view_cache_seconds: int = Field(300, ge=1)

    # Orders (functions/orders): the tables (orders, coupons), the saga, the notifications queue and the stock
    # compensation that a cancel runs (the products domain's ReleaseStock job function).
    orders_table: str = "OrdersTable"
    coupons_table: str = "CouponsTable"
    order_saga_arn: str = ""
    notifications_queue_url: str = ""
    release_stock_function: str = "ReleaseStockFunction"
    load_cart_function: str = "LoadCartFunction"
    orders_service_url: str = "http://127.0.0.1:3000"

    # Delivery (functions/delivery): partners, assignments and routes; the assignment queue (orders puts a
    # message on it when an order is PACKED); how long a PACKED order may wait for a free partner before
    # the UnassignedOrders alarm; Supabase Realtime for live rider locations (the key comes from SSM).
    delivery_table: str = "DeliveryTable"
    delivery_assignment_queue_url: str = ""
    assignment_timeout_seconds: int = Field(600, ge=1)
    location_history_days: int = Field(30, ge=1)
    supabase_url: str = "http://127.0.0.1:54321"
    supabase_key: str = ""  # locally a fake value; in AWS read from supabase_key_parameter
    supabase_key_parameter: str = ""
    supabase_timeout_seconds: float = Field(0.5, gt=0)

    # Notifications (functions/notifications): the table, the email and push senders, and how long a
    # consumer keeps a user's contact (email, device tokens) read from auth. In AWS the Resend key is an
    # SSM SecureString and FCM uses the Firebase service account (FIREBASE_CREDENTIALS_SECRET); locally
    # `local/` points RESEND_API_URL and FCM_ENDPOINT at loopback receivers with fake credentials.
    notifications_table: str = "NotificationsTable"
    resend_api_url: str = "https://api.resend.com"
    resend_api_key: str = ""
    resend_api_key_parameter: str = ""
    email_from: str = "Blinkit <orders@blinkit.example>"
    fcm_endpoint: str = ""  # empty: FCM itself
    fcm_service_account_file: str = ""  # local only: a fake service account whose token_uri is the receiver
    notification_send_timeout_seconds: float = Field(5.0, gt=0)
    contact_cache_seconds: float = Field(30.0, ge=0)
    contact_timeout_seconds: float = Field(3.0, gt=0)  # auth's contact route, per attempt
    web_base_url: str = "https://blinkit.example"

    # Payments (functions/payments): the table, Razorpay's REST API (the SDK's base URL; locally the loopback
    # stand-in in local/razorpay.py), the key id (public: Checkout shows it) and the two secrets. In AWS the key
    # secret and the webhook secret are SSM SecureStrings named by the *_parameter settings, read at run time;
    # locally the plain values apply. Calls get a timeout each and the fleet-wide "razorpay" breaker.
    payments_table: str = "PaymentsTable"
    razorpay_api_url: str = "https://api.razorpay.com"
    razorpay_key_id: str = ""
    razorpay_key_secret: str = ""
    razorpay_key_secret_parameter: str = ""
    razorpay_webhook_secret: str = ""
    razorpay_webhook_secret_parameter: str = ""
    razorpay_timeout_seconds: float = Field(5.0, gt=0)
    razorpay_breaker_failures: int = Field(5, ge=1)
    razorpay_breaker_window_seconds: float = Field(30.0, gt=0)
    razorpay_breaker_cooldown_seconds: float = Field(30.0, gt=0)
    # How long Checkout may take: the saga's WaitForPayment timeout (template parameter PaymentTimeoutSeconds; tests
    # set a few seconds to play a timeout).
    payment_timeout_seconds: int = Field(600, ge=1)
    payment_event_days: int = Field(30, ge=1)  # webhook event ids are remembered this long (Razorpay retries ~24 h)
    # Refunds (payments): the queue the refund worker consumes (orders puts a cancelled paid order there too);
    # the reconciler looks at payments and refunds unchanged for longer than `payment_reconcile_after_seconds`.
    refunds_queue_url: str = ""
    payment_reconcile_after_seconds: int = Field(300, ge=0)
    refund_stuck_seconds: int = Field(3600, ge=60)  # a refund open this long counts as stuck (metric, alarm)

    # Request limits.
    max_body_bytes: int = Field(16 * 1024, ge=1024)

    # Signs pagination cursors (blinkit.cursor). In AWS the template names a generated per-stack Secrets
    # Manager secret, read on first use per container and cached for the max age (a rotation is picked up
    # within it); without one (locally) `cursor_secret` itself is the key.
    cursor_secret_arn: str = ""
    cursor_key_max_age_seconds: float = Field(300.0, gt=0)
    cursor_secret: str = "local-cursor-secret"

    # Product search: the bucket holding the published index, how often a warm search function asks
    # Redis whether a newer index exists (0 = on every request), and the indexer function a search or
    # health check asks for a rebuild when no index is published (products.search.readiness).
    search_index_bucket: str = "search-index-bucket"
    search_version_check_seconds: float = Field(1.0, ge=0)
    search_indexer_function: str = "SearchIndexerFunction"

    # Firebase. In AWS the service account JSON lives in Secrets Manager; the web API key (needed for
    # Identity Toolkit's signInWithIdp) in SSM. Locally the emulator needs neither.
    firebase_project_id: str = "demo-blinkit"
    firebase_auth_emulator_host: str | None = None
    firebase_credentials_secret: str | None = None
    firebase_web_api_key_parameter: str | None = None
    firebase_web_api_key: str = "local-emulator-key"

    @model_validator(mode="after")
    def _no_local_stand_ins_in_prod(self) -> Settings:
        if self.stage == "prod" and self.firebase_auth_emulator_host:
            raise ValueError("FIREBASE_AUTH_EMULATOR_HOST must not be set when STAGE is prod")
        if self.stage == "prod" and not self.cursor_secret_arn:
            # The plain default key is public: anyone could sign cursors with it.
            raise ValueError("CURSOR_SECRET_ARN must name the cursor signing secret when STAGE is prod")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
