"""The durable search pointer as S3 answers it to a function granted object actions only (no s3:ListBucket)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError
from botocore.response import StreamingBody
from botocore.stub import Stubber

from blinkit import aws
from products.search import snapshot


@pytest.fixture(autouse=True)
def _own_client() -> Iterator[None]:
    """A client of these tests' own: the cached one is shared with the tests that run on moto."""
    aws.reset()
    yield
    aws.reset()


@pytest.mark.parametrize(("code", "status"), [("NoSuchKey", 404), ("AccessDenied", 403)])
def test_a_missing_pointer_is_none_whether_s3_says_404_or_403(code: str, status: int) -> None:
    # Without s3:ListBucket, S3 answers a missing key with 403 AccessDenied: on a fresh stack that is "no index
    # yet", which search and health answer with 503 and a rebuild, not with a 500.
    with Stubber(snapshot.s3()) as s3:
        s3.add_client_error("get_object", service_error_code=code, http_status_code=status)
        assert snapshot.read_durable_pointer() is None
        s3.assert_no_pending_responses()


def test_other_s3_errors_are_raised() -> None:
    with Stubber(snapshot.s3()) as s3, pytest.raises(ClientError):
        s3.add_client_error("get_object", service_error_code="SlowDown", http_status_code=503)
        snapshot.read_durable_pointer()


def test_a_published_pointer_is_read() -> None:
    pointer = b"1764910000000-0a1b2c3d@v1\n"
    with Stubber(snapshot.s3()) as s3:
        s3.add_response("get_object", {"Body": StreamingBody(io.BytesIO(pointer), len(pointer))})
        assert snapshot.read_durable_pointer() == "1764910000000-0a1b2c3d@v1"
