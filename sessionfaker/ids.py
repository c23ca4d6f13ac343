"""Clerk identifiers: ``prefix_`` plus a 27-character base62 Segment KSUID.

A KSUID is 20 bytes: a 4-byte big-endian count of seconds since
1,400,000,000 (2014-05-13T16:53:20Z), then 16 random bytes, written as one
big-endian integer in base62 (``0-9A-Za-z``) left-padded with ``0``.

>>> encode_ksuid(0, 0)
'000000000000000000000000000'
>>> decode_ksuid(encode_ksuid(359_000_000, 12345))
(359000000, 12345)
"""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KSUID_EPOCH = 1_400_000_000
KSUID_LENGTH = 27
PAYLOAD_BITS = 128
MAX_TIMESTAMP = 2**32 - 1
MAX_KSUID = 2**160 - 1

PREFIXES = {
    "session": "sess_",
    "user": "user_",
    "client": "client_",
    "organization": "org_",
    "session_activity": "sess_activity_",
}

_INDEX = {c: i for i, c in enumerate(ALPHABET)}
# 62**2 = 3844 two-character digits: one divmod emits two characters.
_PAIRS = [a + b for a in ALPHABET for b in ALPHABET]
_P9 = 62**9
_P18 = 62**18
_KSUID_RE = re.compile(r"[0-9A-Za-z]{27}")


def _nine(n: int) -> str:
    # n < 62**9, a machine-sized int: 4 pair lookups and one single digit.
    a, b = divmod(n, 3844)
    a, c = divmod(a, 3844)
    a, d = divmod(a, 3844)
    a, e = divmod(a, 3844)
    return ALPHABET[a] + _PAIRS[e] + _PAIRS[d] + _PAIRS[c] + _PAIRS[b]


def encode_ksuid(seconds: int, payload: int) -> str:
    """Encode KSUID seconds (since the KSUID epoch) and a 128-bit payload."""
    value = (seconds << PAYLOAD_BITS) | payload
    hi, rest = divmod(value, _P18)
    mid, lo = divmod(rest, _P9)
    return _nine(hi) + _nine(mid) + _nine(lo)


def decode_ksuid(text: str) -> tuple[int, int]:
    """Return ``(seconds, payload)`` of a 27-character KSUID string.

    Raises ``ValueError`` for a string that is not a KSUID.
    """
    if not _KSUID_RE.fullmatch(text):
        raise ValueError(f"not a 27-character base62 KSUID: {text!r}")
    value = 0
    for ch in text:
        value = value * 62 + _INDEX[ch]
    if value > MAX_KSUID:
        raise ValueError(f"KSUID out of range: {text!r}")
    return value >> PAYLOAD_BITS, value & ((1 << PAYLOAD_BITS) - 1)


def make_id(prefix: str, unix_seconds: int, payload: int) -> str:
    """An id such as ``sess_...`` whose KSUID encodes ``unix_seconds``."""
    return prefix + encode_ksuid(unix_seconds - KSUID_EPOCH, payload)


def id_unix_seconds(identifier: str, prefix: str) -> int:
    """The Unix second a prefixed id encodes; ``ValueError`` if malformed."""
    if not identifier.startswith(prefix):
        raise ValueError(f"expected prefix {prefix!r}: {identifier!r}")
    seconds, _ = decode_ksuid(identifier[len(prefix) :])
    return seconds + KSUID_EPOCH


def is_id(value: object, prefix: str) -> bool:
    """True when ``value`` is ``prefix`` followed by a valid KSUID."""
    if not isinstance(value, str) or not value.startswith(prefix):
        return False
    try:
        decode_ksuid(value[len(prefix) :])
    except ValueError:
        return False
    return True
