"""Durations and instants as profiles and the command line write them."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

_UNITS_MS = {"w": 604_800_000, "d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1_000, "ms": 1}
_SHORT = re.compile(r"(?:(\d+)(ms|w|d|h|m|s))+")
_SHORT_PART = re.compile(r"(\d+)(ms|w|d|h|m|s)")
_ISO = re.compile(
    r"P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d{1,3})?)S)?)?"
)
DURATION_HINT = "expected e.g. 7d, 30m, 1h30m or ISO 8601 P7D, PT30M"
TIME_HINT = "expected ISO 8601 like 2026-11-01T00:00:00Z, epoch milliseconds, or 'now'"


def parse_duration(text: str) -> int:
    """Milliseconds in ``7d``, ``1h30m``, ``250ms``, ``P7D`` or ``PT30M``.

    >>> parse_duration("7d"), parse_duration("PT30M")
    (604800000, 1800000)
    """
    t = text.strip()
    if _SHORT.fullmatch(t):
        return sum(int(n) * _UNITS_MS[u] for n, u in _SHORT_PART.findall(t))
    m = _ISO.fullmatch(t)
    if m and t not in ("P", "PT") and not t.endswith("T"):
        parts = m.groupdict()
        ms = 0
        for unit in ("w", "d", "h", "m"):
            if parts[unit]:
                ms += int(parts[unit]) * _UNITS_MS[unit]
        if parts["s"]:
            ms += round(float(parts["s"]) * 1000)
        return ms
    raise ValueError(f"malformed duration {text!r} ({DURATION_HINT})")


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

    >>> parse_instant("2026-11-01T00:00:00Z"), parse_instant("1761955200000")
    (1793491200000, 1761955200000)
    """
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    t = str(text).strip()
    if re.fullmatch(r"\d{1,16}", t):
        return int(t)
    try:
        dt = datetime.fromisoformat(t.replace("Z", "+00:00") if t.endswith("Z") else t)
    except ValueError:
        raise ValueError(f"malformed time {text!r} ({TIME_HINT})") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return round(dt.timestamp() * 1000)


def format_instant(ms: int) -> str:
    """ISO 8601 UTC, with milliseconds only when there are some.

    >>> format_instant(1793491200000)
    '2026-11-01T00:00:00Z'
    """
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    if ms % 1000:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def wall_clock_ms() -> int:
    """The wall clock, truncated to the second (read once per run)."""
    return int(time.time()) * 1000
