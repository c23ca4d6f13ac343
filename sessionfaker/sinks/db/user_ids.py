"""Real user ids for seeded sessions: from a file or a read-only query.

A generated user always maps to the same real id (a hash of it picks one),
so the profile's skew survives: a user with many sessions keeps them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ...errors import InvalidArgument
from .base import SeedError, Sink

# More than this many ids from a query is a query missing its LIMIT.
MAX_USER_IDS = 1_000_000
# What a reading query starts with, after comments and parentheses.
_READING_START = ("select", "with", "values", "table")
_LEAD = re.compile(r"(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/|\()*", re.S)


def read_user_ids(path: str | Path) -> list[str]:
    """The user ids in a UTF-8 file, one a line (blank lines skipped)."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidArgument(f"{path}: not UTF-8 text (byte {exc.start + 1})") from None
    except OSError as exc:
        raise InvalidArgument(f"{path}: cannot read user ids ({exc.strerror})") from None
    found = [line.strip() for line in text.splitlines() if line.strip()]
    if not found:
        raise InvalidArgument(f"{path}: no user ids")
    return found


def check_user_ids(values: Sequence[Any], source: str) -> list[str]:
    """``values`` if they are user ids: non-empty text, at most :data:`MAX_USER_IDS`."""
    if not values:
        raise SeedError(f"{source} returned no rows")
    if len(values) > MAX_USER_IDS:
        raise SeedError(f"{source} returned more than {MAX_USER_IDS:,} rows (add a LIMIT)")
    for row, v in enumerate(values, 1):
        if v is None:
            raise SeedError(f"{source} returned NULL in row {row}: user ids must be text")
        if not isinstance(v, str):
            raise SeedError(
                f"{source} returned {type(v).__name__} {str(v)[:40]!r} in row {row}: "
                "user ids must be text"
            )
        if not v.strip():
            raise SeedError(f"{source} returned an empty user id in row {row}")
    return list(values)


def _refused(why: str) -> InvalidArgument:
    return InvalidArgument(f"user ids query must only read: refused, nothing was changed ({why})")


def check_reading(query: str, dialect: str) -> None:
    """Refuse, before it runs, a query that could write where a read-only
    transaction does not stop it: anything but ``SELECT``, ``WITH``,
    ``VALUES`` or ``TABLE`` (PostgreSQL's ``COPY ... TO`` a file runs in
    one), and on MySQL ``SELECT ... INTO`` (``OUTFILE`` writes a file)."""
    word = re.match(r"[A-Za-z]*", query[_LEAD.match(query).end() :])  # type: ignore[union-attr]
    first = word.group(0).lower() if word else ""
    if first not in _READING_START:
        raise _refused(f"it starts with {first.upper() or query.strip()[:20]!r}, not SELECT")
    if dialect == "mysql" and re.search(r"\binto\b", query, re.I):
        raise _refused("SELECT ... INTO writes")


def query_user_ids(sink: Sink, query: str) -> list[str]:
    """The user ids in the first column of ``query``, run read-only on ``sink``."""
    check_reading(query, sink.dialect)
    try:
        values = sink.query_column(query, MAX_USER_IDS + 1)
    except Exception as exc:
        if sink.refused_write(exc):
            raise InvalidArgument(
                "user ids query must only read: refused, nothing was changed "
                f"({sink.describe(exc)})"
            ) from None
        raise SeedError(f"user ids query failed: {sink.describe(exc)}") from None
    if not values:
        raise SeedError(f"user ids query returned no rows: {query}")
    return check_user_ids(values, "user ids query")


def with_user_ids(
    sessions: Iterable[dict[str, Any]], user_ids: Sequence[str]
) -> Iterator[dict[str, Any]]:
    """``sessions`` with each ``user_id`` replaced by one of ``user_ids``."""
    pool = list(user_ids)
    n = len(pool)
    chosen: dict[str, str] = {}
    for s in sessions:
        generated = s["user_id"]
        real = chosen.get(generated)
        if real is None:
            h = hashlib.blake2b(generated.encode(), digest_size=8).digest()
            real = chosen[generated] = pool[int.from_bytes(h, "big") % n]
        yield {**s, "user_id": real}
