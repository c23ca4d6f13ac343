"""The seed API: generate sessions and load them into a table named by a URL."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ...errors import InvalidArgument
from ...generator import Generator
from ...profile import Profile
from ...runs import check_range
from .base import Progress, redact
from .dialects import check_table_name
from .registry import connect
from .user_ids import check_user_ids, query_user_ids, with_user_ids


@dataclass(frozen=True)
class SeedResult:
    """What :func:`seed` did."""

    rows: int
    seconds: float
    table: str
    url: str

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        return (
            f"seeded {self.rows:,} sessions into {self.table} ({self.url}) "
            f"in {self.seconds:.2f} s: {self.rate:,.0f} rows/s"
        )


@dataclass(frozen=True)
class GeneratedRun:
    """Sessions ``start`` to ``start + count - 1`` of a (profile, seed) run,
    with user ids drawn from ``user_ids`` when given: picklable, so a second
    process can generate them."""

    profile: Profile
    seed: int | str
    start: int
    count: int
    user_ids: tuple[str, ...] | None = None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        sessions: Iterable[dict[str, Any]] = Generator(self.profile, self.seed).generate(
            self.start, self.count
        )
        if self.user_ids is not None:
            sessions = with_user_ids(sessions, self.user_ids)
        return iter(sessions)


def seed_sessions(
    url: str,
    sessions: Iterable[dict[str, Any]],
    *,
    table: str = "sessions",
    if_exists: str = "fail",
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> SeedResult:
    """Load any iterable of sessions into the table ``table`` at ``url``."""
    check_table_name(table)
    t0 = time.perf_counter()
    with connect(url) as sink:
        n = sink.load(
            sessions, table=table, if_exists=if_exists, batch_size=batch_size, progress=progress
        )
    return SeedResult(n, time.perf_counter() - t0, table, redact(url))


def seed(
    url: str,
    profile: Profile,
    count: int,
    *,
    seed: int | str = 0,
    start: int = 0,
    table: str = "sessions",
    if_exists: str = "fail",
    batch_size: int | None = None,
    user_ids: Sequence[str] | None = None,
    user_ids_query: str | None = None,
    progress: Progress | None = None,
    parallel: bool | None = None,
) -> SeedResult:
    """Generate ``count`` sessions and load them into ``table`` at ``url``.

    ``user_ids`` (or the first column of ``user_ids_query``, run read-only
    against the same database: a query that would write is refused) replaces
    the generated user ids, see :func:`~sessionfaker.sinks.db.user_ids.with_user_ids`.
    """
    check_table_name(table)
    if count < 0:
        raise InvalidArgument(f"count must be >= 0 ({count})")
    check_range(start, count)
    if user_ids is not None and user_ids_query is not None:
        raise InvalidArgument("give user ids from a file or from a query, not both")
    if user_ids is not None and not user_ids:
        raise InvalidArgument("user_ids is empty")
    pool = None if user_ids is None else check_user_ids(list(user_ids), "user_ids")
    t0 = time.perf_counter()
    with connect(url) as sink:
        if user_ids_query is not None:
            pool = query_user_ids(sink, user_ids_query)
        run = GeneratedRun(profile, seed, start, count, None if pool is None else tuple(pool))
        n = sink.load(
            run,
            table=table,
            if_exists=if_exists,
            batch_size=batch_size,
            progress=progress,
            parallel=parallel,
        )
    return SeedResult(n, time.perf_counter() - t0, table, redact(url))


def read_table(url: str, table: str = "sessions") -> list[dict[str, Any]]:
    """Every session in ``table`` at ``url``, ordered by id, as Clerk's wire format."""
    check_table_name(table)
    with connect(url) as sink, sink._translated(table):
        return list(sink.read(table))
