"""Identifiers (blinkit.ids): one Crockford base32 encoder, the ULID layout, and ids that must not change.

The pinned values below were computed with the encoders this one replaced (notifications' own loop over the
private alphabet, the demo catalog's byte table); the same inputs must give the same ids byte for byte: in-app
notification ids are how a redelivered message finds its earlier delivery, and the catalog's ids are fixed in
every seeded stack."""

from __future__ import annotations

import re
import time

import pytest

from blinkit.ids import ALPHABET, ENTROPY_BITS, TIME_BITS, crockford, new_id, ulid
from local.catalog.data import STORES, make_id
from notifications.pipeline import notification_id

ULID = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")  # 128 bits: the first character carries only 3


def decode(text: str) -> int:
    value = 0
    for char in text:
        value = value * 32 + ALPHABET.index(char)
    return value


def test_crockford_is_base32_most_significant_first_with_fixed_width():
    assert ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ" and len(set(ALPHABET)) == 32
    assert crockford(0) == "0" * 26
    assert crockford(31, 2) == "0Z" and crockford(32, 2) == "10"
    assert crockford((1 << 130) - 1) == "Z" * 26
    for value in (1, 12345678901234567890, (1 << 128) - 1):
        assert decode(crockford(value)) == value
    with pytest.raises(ValueError):
        crockford(1 << 130)
    with pytest.raises(ValueError):
        crockford(-1)


def test_a_ulid_is_48_bits_of_milliseconds_then_80_bits_of_entropy():
    ms, entropy = 1_764_912_990_123, 0xABCDEF0123456789ABCD
    made = ulid(ms, entropy, "ord_")
    assert made.startswith("ord_") and ULID.match(made[4:])
    assert decode(made[4:]) == ms << 80 | entropy
    assert decode(made[4:14]) == ms  # the first 10 characters are the time (50 bits, the top 2 zero)
    assert (TIME_BITS, ENTROPY_BITS) == (48, 80)
    assert ulid(ms, 0) < ulid(ms, 1) < ulid(ms + 1, 0)  # sorts by time, then entropy
    for bad in ((-1, 0), (1 << 48, 0), (0, -1), (0, 1 << 80)):
        with pytest.raises(ValueError):
            ulid(*bad)


def test_new_ids_carry_the_current_time_and_sort_by_it():
    before = time.time_ns() // 1_000_000
    made = new_id("prd_")
    after = time.time_ns() // 1_000_000
    assert made.startswith("prd_") and ULID.match(made[4:])
    assert before <= decode(made[4:14]) <= after
    assert new_id() != new_id()


def test_notification_ids_are_byte_identical_to_the_old_encoder():
    assert notification_id("ord_1:PLACED", 1_739_341_815_123) == "ntf_01JKWDKQAKPH6RWN08Y19YPTT5"
    assert notification_id("ord_01KAXQ9Z3M7V2B8N4C6D1E5F0G:DELIVERED", 1_764_912_990_123) == (
        "ntf_01KBPG61XBQC5RXJJYW40S97FS")


def test_catalog_ids_are_byte_identical_to_the_old_encoder():
    # Not ULIDs (26 characters from a SHA-256, any first character), but the same alphabet and encoder.
    assert make_id("sto", "koramangala") == "sto_Q46CRZXZX896E15VFPQ3GVM8WN"
    assert make_id("sto", "bellandur") == "sto_KVN1Y5QVT1T5P769E76CZ6869W"
    assert make_id("cat", "dairy-bread-and-eggs") == "cat_G8VZP4NYGSS8Q29TNWZK0K8384"
    assert make_id("prd", "amul-taaza-toned-milk-500-ml") == "prd_7PHVN03EZPGX6XTYMMT6CHF7ET"
    assert [s["store_id"] for s in STORES] == ["sto_Q46CRZXZX896E15VFPQ3GVM8WN", "sto_151MTBG54D98SK9KF50X9DKV2D",
                                               "sto_CKS5YDADB8FAXKZMG2H5K3DVZ0", "sto_KVN1Y5QVT1T5P769E76CZ6869W"]
