"""Timestamps (blinkit.clock): one form written and answered everywhere, UTC with milliseconds and `Z`; any
ISO-8601 form read, so what an older version stored (sessions in Redis, pynamodb's own format) still loads."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel

from auth.sessions import Session
from blinkit.attributes import TimestampAttribute
from blinkit.clock import Timestamp, from_ms, iso, now, now_iso, parse

ONE_FORM = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
IST = timezone(timedelta(hours=5, minutes=30))


@pytest.mark.parametrize(("moment", "text"), [
    (datetime(2026, 12, 5, 5, 16, 30, 123456, tzinfo=UTC), "2026-12-05T05:16:30.123Z"),  # truncated, not rounded
    (datetime(2026, 12, 5, 5, 16, 30, 999999, tzinfo=UTC), "2026-12-05T05:16:30.999Z"),
    (datetime(2026, 12, 5, 5, 16, 30, tzinfo=UTC), "2026-12-05T05:16:30.000Z"),  # a whole second keeps its .000
    (datetime(2026, 12, 5, 10, 46, 30, 123000, tzinfo=IST), "2026-12-05T05:16:30.123Z"),  # any offset → UTC
    (datetime(2026, 12, 5, 5, 16, 30, 123000), "2026-12-05T05:16:30.123Z"),  # naive is UTC
])
def test_iso_writes_one_form(moment: datetime, text: str):
    assert iso(moment) == text and ONE_FORM.match(text)


def test_now_is_aware_utc_and_now_iso_is_in_the_one_form():
    assert now().tzinfo is UTC
    assert ONE_FORM.match(now_iso())
    assert abs(parse(now_iso()) - now()) < timedelta(seconds=5)


def test_from_ms_is_exact_and_what_the_inbox_wrote_before():
    assert from_ms(1_764_912_990_123) == "2025-12-05T05:36:30.123Z"
    assert from_ms(1_764_912_990_001) == "2025-12-05T05:36:30.001Z"
    assert from_ms(0) == "1970-01-01T00:00:00.000Z"
    for ms in range(1_796_450_190_000, 1_796_450_190_000 + 5_000, 7):  # notifications' own strftime, replaced
        old = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}Z"
        assert from_ms(ms) == old


@pytest.mark.parametrize("text", [
    "2026-12-05T05:16:30.123Z",  # what is written now
    "2026-12-05T05:16:30.123000+00:00",  # datetime.isoformat(): sessions in Redis, products' records
    "2026-12-05T05:16:30.123000Z",  # orders' microseconds
    "2026-12-05T05:16:30.123000+0000",  # pynamodb's UTCDateTimeAttribute (auth's records until now)
    "2026-12-05T10:46:30.123+05:30",
])
def test_parse_reads_every_form_as_the_same_instant(text: str):
    assert parse(text) == datetime(2026, 12, 5, 5, 16, 30, 123000, tzinfo=UTC)
    assert parse(text).tzinfo is UTC


def test_parse_takes_a_naive_timestamp_as_utc_and_refuses_garbage():
    assert parse("2026-12-05T05:16:30") == datetime(2026, 12, 5, 5, 16, 30, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse("yesterday")


def test_the_one_form_sorts_as_the_instants_it_names():
    moments = [datetime(2026, 12, 5, 5, 16, 30, tzinfo=UTC) + timedelta(milliseconds=n) for n in (0, 1, 999, 1000,
                                                                                                  59_999, 86_400_000)]
    assert sorted(iso(m) for m in moments) == [iso(m) for m in sorted(moments)]


def test_a_timestamp_field_answers_in_the_one_form_and_documents_itself():
    class Out(BaseModel):
        created_at: Timestamp

    out = Out(created_at=datetime(2026, 12, 5, 5, 16, 30, 123456, tzinfo=UTC))
    assert out.model_dump(mode="json") == {"created_at": "2026-12-05T05:16:30.123Z"}
    assert out.model_dump()["created_at"] == out.created_at  # a datetime inside Python
    schema = Out.model_json_schema(mode="serialization")["properties"]["created_at"]
    assert schema["type"] == "string" and schema["format"] == "date-time"


def test_the_dynamodb_attribute_writes_the_one_form_and_reads_the_old_one():
    attribute = TimestampAttribute()
    moment = datetime(2026, 12, 5, 5, 16, 30, 123456, tzinfo=UTC)
    assert attribute.serialize(moment) == "2026-12-05T05:16:30.123Z"
    assert attribute.deserialize("2026-12-05T05:16:30.123Z") == moment.replace(microsecond=123000)
    assert attribute.deserialize("2026-12-05T05:16:30.123456+0000") == moment  # written by UTCDateTimeAttribute


def test_sessions_written_to_redis_by_an_older_version_still_load():
    old = {"session_id": "ses_1", "uid": "u1", "created_at": "2026-11-01T12:00:00.123456+00:00",
           "last_seen_at": "2026-11-02T08:30:00+00:00", "expires_at": "2026-12-01T12:00:00.123456+00:00",
           "device_name": "Pixel", "platform": "android", "roles": "customer", "store_id": ""}
    session = Session.from_redis(old)
    assert session.created_at == datetime(2026, 11, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert session.last_seen_at == datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
    written = session.to_redis()
    assert all(ONE_FORM.match(written[k]) for k in ("created_at", "last_seen_at", "expires_at"))
    assert written["created_at"] == "2026-11-01T12:00:00.123Z"
