"""Seeding databases: SQLite, PostgreSQL and MySQL/MariaDB.

:func:`seed` generates sessions and loads them into a table named by a URL
(``sqlite:///path.db``, ``postgresql://...``, ``mysql://...`` or
``mariadb://...``), in one transaction: on any error, or Ctrl-C, the table
is left as it was. The table is created when missing, with the DDL of
:mod:`.dialects`; an existing table is checked for compatibility before any
row is written. Each engine is a :class:`Sink` in its own module under
:mod:`.engines`, found by URL scheme (:mod:`.registry`).

>>> from sessionfaker.profile import load_profile
>>> p = load_profile("default", now="2026-11-01T00:00:00Z")
>>> seed("sqlite:///:memory:", p, 100, seed=1).rows
100
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...lazy import lazy_getattr

if TYPE_CHECKING:
    from .base import (
        IF_EXISTS,
        PARALLEL_MIN,
        Column,
        Progress,
        SeedError,
        Sink,
        check_compatible,
        redact,
    )
    from .registry import connect, dialect_of, register
    from .seeding import GeneratedRun, SeedResult, read_table, seed, seed_sessions
    from .user_ids import read_user_ids, with_user_ids

# The names load on first use (see sessionfaker.sinks).
_LAZY = {
    **dict.fromkeys(
        (
            "IF_EXISTS",
            "PARALLEL_MIN",
            "Column",
            "Progress",
            "SeedError",
            "Sink",
            "check_compatible",
            "redact",
        ),
        "base",
    ),
    **dict.fromkeys(("connect", "dialect_of", "register"), "registry"),
    **dict.fromkeys(
        ("GeneratedRun", "SeedResult", "read_table", "seed", "seed_sessions"), "seeding"
    ),
    **dict.fromkeys(("read_user_ids", "with_user_ids"), "user_ids"),
}


__getattr__ = lazy_getattr(__name__, _LAZY, globals())


__all__ = [
    "IF_EXISTS",
    "PARALLEL_MIN",
    "Column",
    "GeneratedRun",
    "Progress",
    "SeedError",
    "SeedResult",
    "Sink",
    "check_compatible",
    "connect",
    "dialect_of",
    "read_table",
    "read_user_ids",
    "redact",
    "register",
    "seed",
    "seed_sessions",
    "with_user_ids",
]
