"""Durations and instants as profiles and the command line write them."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

_UNITS_MS = {"w": 604_800_000, "d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1_000, "ms": 1}
_SHORT = re.compile(r"(?:(\d+)(ms|w|d|h|m|s))+")
_SHORT_PART = re.compile(r"(\d+)(ms|w|d|h|m|s)")
_ISO = re.compile(
    r"P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d{1,3})?)S)?)?"
)
DURATION_HINT = "expected e.g. 7d, 30m, 1h30m or ISO 8601 P7D, PT30M"
TIME_HINT = "expected ISO 8601 like 2026-11-01T00:00:00Z, epoch milliseconds, or 'now'"
INSTANT_MIN = -62_135_596_800_000
"""0001-01-01T00:00:00Z in epoch milliseconds: the earliest instant accepted."""
INSTANT_MAX = 253_402_300_799_999
"""9999-12-31T23:59:59.999Z: the latest instant accepted."""
DURATION_MAX = INSTANT_MAX - INSTANT_MIN
"""The longest duration accepted: from the earliest instant to the latest."""
_MAX_DIGITS = 20


def parse_duration(text: str) -> int:
    """Milliseconds in ``7d``, ``1h30m``, ``250ms``, ``P7D`` or ``PT30M``.

    >>> parse_duration("7d"), parse_duration("PT30M")
    (604800000, 1800000)
    """
    t = text.strip()
    if _SHORT.fullmatch(t):
        ms = sum(_digits(n, text) * _UNITS_MS[u] for n, u in _SHORT_PART.findall(t))
        return _bounded(ms, text)
    m = _ISO.fullmatch(t)
    if m and t not in ("P", "PT") and not t.endswith("T"):
        parts = m.groupdict()
        ms = 0
        for unit in ("w", "d", "h", "m"):
            if parts[unit]:
                ms += _digits(parts[unit], text) * _UNITS_MS[unit]
        if parts["s"]:
            whole, _, frac = parts["s"].partition(".")
            ms += _digits(whole, text) * 1000 + int(frac.ljust(3, "0") or 0)
        return _bounded(ms, text)
    raise ValueError(f"malformed duration {_shown(text)} ({DURATION_HINT})")


def _digits(number: str, text: str) -> int:
    if len(number) > _MAX_DIGITS:
        raise ValueError(f"duration {_shown(text)} is too long (at most 10,000 years)")
    return int(number)


def _bounded(ms: int, text: str) -> int:
    if ms > DURATION_MAX:
        raise ValueError(f"duration {_shown(text)} is too long (at most 10,000 years)")
    return ms


def _shown(text: object) -> str:
    """``repr`` of a value in a message, cut short when it is long."""
    r = repr(text)
    return r if len(r) <= 60 else r[:50] + "..." + r[-7:]


def format_duration(ms: int) -> str:
    """The shortest ``7d``/``1h30m`` spelling of ``ms``.

    >>> format_duration(604800000), format_duration(5400000), format_duration(0)
    ('7d', '1h30m', '0s')
    """
    if ms == 0:
        return "0s"
    out = []
    rest = ms
    for unit in ("d", "h", "m", "s", "ms"):
        n, rest = divmod(rest, _UNITS_MS[unit])
        if n:
            out.append(f"{n}{unit}")
    return "".join(out)


def parse_instant(text: str | int) -> int:
    """Epoch milliseconds of an ISO 8601 time (naive means UTC) or of an integer.

    Instants from year 1 to year 9999 are accepted; others raise ValueError.

    >>> parse_instant("2026-11-01T00:00:00Z"), parse_instant("1761955200000")
    (1793491200000, 1761955200000)
    >>> parse_instant("9999999999999999")
    Traceback (most recent call last):
    ...
    ValueError: time '9999999999999999' is out of range (0001-01-01T00:00:00Z to ...)
    """
    if isinstance(text, int) and not isinstance(text, bool):
        return _in_range(text, text)
    t = str(text).strip()
    if re.fullmatch(r"\d{1,16}", t):
        return _in_range(int(t), text)
    try:
        dt = datetime.fromisoformat(t.replace("Z", "+00:00") if t.endswith("Z") else t)
    except ValueError:
        raise ValueError(f"malformed time {_shown(text)} ({TIME_HINT})") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    delta = dt - datetime(1970, 1, 1, tzinfo=UTC)
    return _in_range(delta // timedelta(milliseconds=1), text)


def _in_range(ms: int, text: object) -> int:
    if not INSTANT_MIN <= ms <= INSTANT_MAX:
        raise ValueError(
            f"time {_shown(str(text))} is out of range ({format_instant(INSTANT_MIN)} to "
            f"{format_instant(INSTANT_MAX)})"
        )
    return ms


def parse_now(text: str | int) -> int:
    """:func:`parse_instant`, or the wall clock (:func:`wall_clock_ms`) for ``now``."""
    if isinstance(text, str) and text.strip() == "now":
        return wall_clock_ms()
    return parse_instant(text)


def format_instant(ms: int) -> str:
    """ISO 8601 UTC, with milliseconds only when there are some.

    An instant outside years 1 to 9999 is written as epoch milliseconds.

    >>> format_instant(1793491200000), format_instant(-10**17)
    ('2026-11-01T00:00:00Z', '-100000000000000000 ms since the epoch')
    """
    if not INSTANT_MIN <= ms <= INSTANT_MAX:
        return f"{ms} ms since the epoch"
    dt = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms - ms % 1000)
    text = f"{dt.year:04d}-" + dt.strftime("%m-%dT%H:%M:%S")
    return f"{text}.{ms % 1000:03d}Z" if ms % 1000 else f"{text}Z"


def wall_clock_ms() -> int:
    """The wall clock, truncated to the second (read once per run)."""
    return int(time.time()) * 1000
