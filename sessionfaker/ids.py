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

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

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
# For ksuid_chars: a 160-bit KSUID is T * 62**21 + L with L below 62**21, so
# its text is T's 6 digits then L's 21. _SPAN values of T fall in each second.
_LOW_DIGITS = 21
_SPAN = 2**PAYLOAD_BITS / 62**_LOW_DIGITS
ENTROPY_WORDS = _LOW_DIGITS + 1
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


def ksuid_chars(
    seconds: npt.NDArray[np.int64], entropy: npt.NDArray[np.uint16]
) -> npt.NDArray[np.uint8]:
    """Many KSUIDs at once, as an ``(n, 27)`` array of ASCII codes.

    Row ``i`` is a KSUID whose second is ``seconds[i]`` (since the KSUID
    epoch, ``0 <= seconds < 2**32``) and whose payload is picked by the
    :data:`ENTROPY_WORDS` 16-bit values ``entropy[i]``; the same inputs give
    the same text. ``decode_ksuid`` gives back ``seconds[i]``.

    No 160-bit arithmetic is needed. Any value V with ``s * 2**128 <= V <
    (s + 1) * 2**128`` is a KSUID of second ``s``. Take ``V = T * 62**21 + L``
    with ``L < 62**21`` made of 21 random base62 digits and ``T = floor(s *
    SPAN) + 2 + q``, ``SPAN = 2**128 / 62**21 ~ 7.79`` and ``q`` in 0..3. The
    float product is off by far less than 1, so ``floor`` is within one of
    the true ``floor(s * SPAN)``; then ``T >= s * SPAN`` puts V at or above
    ``s * 2**128``, and ``T + 1 <= s * SPAN + 7 < (s + 1) * SPAN`` keeps it
    below the next second. The text is T's 6 digits followed by L's 21.
    The payload is therefore not uniform over all 2**128 values, only over a
    range of about 2**127: ample for uniqueness.

    >>> import numpy as np
    >>> e = np.arange(ENTROPY_WORDS, dtype=np.uint16)[None, :]
    >>> text = ksuid_chars(np.array([359_000_000]), e).tobytes().decode()
    >>> decode_ksuid(text)[0]
    359000000
    """
    import numpy as np

    n = len(seconds)
    if n and (int(seconds.min()) < 0 or int(seconds.max()) > MAX_TIMESTAMP):
        raise ValueError("KSUID seconds out of range")
    alphabet, digits = _digit_tables()
    top = np.floor(seconds.astype(np.float64) * _SPAN).astype(np.int64)
    top += 2 + (entropy[:, _LOW_DIGITS] & 3).astype(np.int64)
    out = np.empty((n, KSUID_LENGTH), dtype=np.uint8)
    high = KSUID_LENGTH - _LOW_DIGITS
    for k in range(high):
        out[:, high - 1 - k] = alphabet[top % 62]
        top //= 62
    out[:, high:] = digits.take(entropy[:, :_LOW_DIGITS])
    return out


@functools.cache
def _digit_tables() -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """The alphabet, and the digit of every 16-bit value (``v % 62``: the
    first two digits are 1 in 65,536 more likely than the others)."""
    import numpy as np

    alphabet = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
    return alphabet, alphabet[np.arange(1 << 16) % 62]


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
