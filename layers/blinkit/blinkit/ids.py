"""Identifiers: the one Crockford base32 encoder and the ULID layout (48-bit milliseconds + 80 bits).

- `new_id(prefix)`: a new id that sorts by creation time (`ord_01J...`);
- `ulid(ms, entropy, prefix)`: the id for a given time and entropy, for ids that must come out the same
  every time they are derived (notifications' in-app ids stay the same across redeliveries);
- `crockford(value, length)`: the encoding itself, for ids laid out otherwise (the demo catalog's ids,
  26 characters from a SHA-256, are not ULIDs but must stay byte-identical).
"""

from __future__ import annotations

import secrets
import time

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
ULID_LENGTH = 26  # 128 bits in 5-bit characters (the first one carries 3)
TIME_BITS = 48
ENTROPY_BITS = 80


def crockford(value: int, length: int = ULID_LENGTH) -> str:
    """`value` as exactly `length` Crockford base32 characters, most significant first."""
    if not 0 <= value < 1 << (5 * length):
        raise ValueError(f"{value} does not fit in {length} base32 characters")
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(ALPHABET[rem])
    return "".join(reversed(chars))


def ulid(ms: int, entropy: int, prefix: str = "") -> str:
    """`prefix` + the ULID of Unix time `ms` (milliseconds) and `entropy` (80 bits): same inputs, same id."""
    if not 0 <= ms < 1 << TIME_BITS:
        raise ValueError(f"the time must fit in {TIME_BITS} bits of milliseconds, not {ms}")
    if not 0 <= entropy < 1 << ENTROPY_BITS:
        raise ValueError(f"the entropy must fit in {ENTROPY_BITS} bits, not {entropy}")
    return prefix + crockford(ms << ENTROPY_BITS | entropy)


def new_id(prefix: str = "") -> str:
    """A 26-character id that sorts by creation time; `prefix` makes ids self-describing (`ord_...`)."""
    return ulid(time.time_ns() // 1_000_000, secrets.randbits(ENTROPY_BITS), prefix)
