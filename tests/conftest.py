"""Shared test set-up: every test runs against moto, a real Redis and (where marked) the Firebase emulator."""

import os

# Never let a test reach real AWS, whatever the developer's shell holds.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="ap-south-1",
    AWS_REGION="ap-south-1",
    STAGE="test",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_METRICS_NAMESPACE="Blinkit",
)
for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
    os.environ.pop(var, None)

pytest_plugins = ["tests.plugins.firebase", "tests.plugins.stack", "tests.plugins.parallel", "tests.plugins.budget"]
