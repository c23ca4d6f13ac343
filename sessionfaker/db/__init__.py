"""Seeding databases: SQLite, PostgreSQL and MySQL/MariaDB.

:func:`seed` generates sessions and loads them into a table named by a URL
(``sqlite:///path.db``, ``postgresql://...``, ``mysql://...`` or
``mariadb://...``), in one transaction: on any error, or Ctrl-C, the table
is left as it was. The table is created when missing, with the DDL of
:mod:`sessionfaker.sql`; an existing table is checked for compatibility
before any row is written. Each engine is a :class:`Sink` in its own module.

>>> from sessionfaker.profile import load_profile
>>> p = load_profile("default", now="2026-11-01T00:00:00Z")
>>> seed("sqlite:///:memory:", p, 100, seed=1).rows
100
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from ..errors import InvalidArgument, SessionfakerError
from ..generator import Generator
from ..profile import Profile
from ..schema import Structure, load_structure
from ..sql import check_table_name, column_type

IF_EXISTS = ("fail", "append", "replace", "truncate")
SCHEMES = {
    "sqlite": "sqlite",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
}

Progress = Callable[[int], None]


class SeedError(SessionfakerError, RuntimeError):
    """Seeding failed: the database refused, or the table does not fit.

    The message is one line, and nothing was written.
    """


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
class Column:
    """A column of an existing table, as the database describes it."""

    name: str
    type: str
    nullable: bool
    has_default: bool


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def dialect_of(url: str) -> str:
    """``sqlite``, ``postgresql`` or ``mysql``, from the URL's scheme."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    dialect = SCHEMES.get(scheme.split("+", 1)[0])
    if dialect is None:
        raise InvalidArgument(
            f"unsupported database URL {redact(url)!r}: expected sqlite:///PATH, "
            "postgresql://..., mysql://... or mariadb://..."
        )
    return dialect


def connect(url: str) -> Sink:
    """An open :class:`Sink` for ``url``; close it (or use it as a context manager)."""
    dialect = dialect_of(url)
    sink: Sink
    if dialect == "sqlite":
        from .sqlite import SqliteSink

        sink = SqliteSink(url)
    elif dialect == "postgresql":
        from .postgresql import PostgresqlSink

        sink = PostgresqlSink(url)
    else:
        from .mysql import MysqlSink

        sink = MysqlSink(url)
    sink.connect()
    return sink


def _batches(sessions: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    it = iter(sessions)
    while batch := list(islice(it, size)):
        yield batch


def _fits(field_type: str, declared: str, dialect: str) -> bool:
    t = declared.lower()
    if dialect == "sqlite" and t == "":
        return True  # no declared type: SQLite stores anything
    if field_type == "integer":
        return (
            "bigint" in t
            or "numeric" in t
            or "decimal" in t
            or (dialect == "sqlite" and "int" in t)
        )
    if field_type == "number":
        return any(k in t for k in ("real", "floa", "doub", "numeric", "decimal"))
    if field_type == "boolean":
        return "bool" in t or "int" in t
    if field_type == "string":
        return any(k in t for k in ("char", "text", "clob"))
    return any(k in t for k in ("json", "text", "clob", "char"))


def check_compatible(
    table: str, columns: Sequence[Column], dialect: str, structure: Structure | None = None
) -> None:
    """Raise :class:`SeedError` unless sessions can be inserted into ``columns``."""
    s = structure or load_structure()
    by_name = {c.name: c for c in columns}
    problems: list[str] = []
    missing = [f.name for f in s.fields if f.name not in by_name]
    if missing:
        problems.append("no column " + ", ".join(missing))
    for f in s.fields:
        c = by_name.get(f.name)
        if c is None:
            continue
        if not _fits(f.type, c.type, dialect):
            expected = column_type(f, dialect)
            problems.append(f"{f.name} is {c.type or 'untyped'}, expected {expected}")
        elif f.nullable and not c.nullable:
            problems.append(f"{f.name} is NOT NULL, but sessions have null there")
    extra = [
        c.name for c in columns if c.name not in s.by_name and not c.nullable and not c.has_default
    ]
    if extra:
        problems.append("NOT NULL column without a default: " + ", ".join(extra))
    if problems:
        raise SeedError(
            f"table {table} does not fit sessions: "
            + "; ".join(problems)
            + " (use --if-exists replace, or another --table)"
        )


class Sink:
    """One database connection that loads sessions into a table.

    A subclass connects, describes tables, runs the engine's DDL and writes
    batches; :meth:`load` holds the sequence that every engine shares. A
    batch is turned into what the engine takes by the sink's
    :meth:`encoder`, a picklable callable, so that a :class:`GeneratedRun`
    can be generated and encoded in a second process while this one writes.
    """

    dialect: ClassVar[str]
    default_batch_size: ClassVar[int] = 10_000
    # Whether a second, generating process pays off, measured per engine: it
    # does where the server answers each batch before the next is sent
    # (MySQL); PostgreSQL's COPY already overlaps with generation, and SQLite
    # spends as long taking rows out of a pipe as generating them.
    parallel_pays: ClassVar[bool] = True

    def __init__(self, url: str) -> None:
        self.url = url
        self.display = redact(url)
        self.structure = load_structure()

    # -- what each engine provides

    def connect(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def columns(self, table: str) -> list[Column] | None:
        """The columns of ``table``, or None when there is no such table."""
        raise NotImplementedError

    def query_strings(self, query: str) -> list[str]:
        """The first column of ``query``'s rows, as text."""
        raise NotImplementedError

    def begin(self, table: str, *, exists: bool, if_exists: str) -> str:
        """Open the transaction and prepare the table; return the table to load into."""
        raise NotImplementedError

    def loading(self, table: str) -> contextlib.AbstractContextManager[None]:
        """Wraps the writing of every batch (PostgreSQL's COPY)."""
        return contextlib.nullcontext()

    def encoder(self, table: str) -> Callable[[list[dict[str, Any]]], Any]:
        """A picklable callable turning a batch into what :meth:`write` sends."""
        raise NotImplementedError

    def write(self, payload: Any) -> None:
        """Send one encoded batch."""
        raise NotImplementedError

    def commit(self, table: str, *, exists: bool, if_exists: str) -> None:
        raise NotImplementedError

    def abort(self, table: str) -> None:
        """Undo everything since :meth:`begin`; never raises."""
        raise NotImplementedError

    def translate(self, exc: BaseException, table: str) -> SeedError | None:
        """A one-line :class:`SeedError` for a driver error, or None to re-raise it."""
        return None

    def duplicate(self, table: str, session_id: str | None) -> SeedError:
        what = f"session {session_id}" if session_id else "one of these session ids"
        return SeedError(
            f"table {table} already has {what}: nothing was written "
            "(use another --seed, or --if-exists replace or truncate)"
        )

    def describe(self, exc: BaseException) -> str:
        """The driver's message for ``exc``, on one line."""
        return first_line(exc)

    def read(self, table: str) -> Iterator[dict[str, Any]]:
        """The sessions in ``table``, ordered by id."""
        raise NotImplementedError

    # -- shared

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(
        self,
        sessions: Iterable[dict[str, Any]],
        *,
        table: str = "sessions",
        if_exists: str = "fail",
        batch_size: int | None = None,
        progress: Progress | None = None,
        parallel: bool | None = None,
    ) -> int:
        """Load ``sessions`` into ``table`` in one transaction; return the count.

        A :class:`GeneratedRun` is generated in a second process when
        ``parallel`` is true (by default, from :data:`PARALLEL_MIN` sessions
        where that pays, see :attr:`parallel_pays`).
        """
        check_table_name(table)
        if if_exists not in IF_EXISTS:
            raise InvalidArgument(
                f"if_exists must be one of {', '.join(IF_EXISTS)} ({if_exists!r})"
            )
        size = batch_size or self.default_batch_size
        if size < 1:
            raise InvalidArgument(f"batch size must be at least 1 ({size})")
        if parallel is None:
            parallel = (
                self.parallel_pays
                and isinstance(sessions, GeneratedRun)
                and sessions.count >= PARALLEL_MIN
            )
        with self._translated(table):
            existing = self.columns(table)
        exists = existing is not None
        if existing is not None:
            if if_exists == "fail":
                raise SeedError(
                    f"table {table} already exists (use --if-exists append, replace or truncate)"
                )
            if if_exists in ("append", "truncate"):
                check_compatible(table, existing, self.dialect, self.structure)
        try:
            with self._translated(table), _fewer_collections():
                target = self.begin(table, exists=exists, if_exists=if_exists)
                encode = self.encoder(target)
                with self.loading(target):
                    if parallel and isinstance(sessions, GeneratedRun):
                        n = self._load_produced(sessions, encode, size, progress)
                    else:
                        n = self._load_inline(sessions, encode, size, progress)
                self.commit(table, exists=exists, if_exists=if_exists)
        except BaseException:
            self.abort(table)
            raise
        return n

    @contextlib.contextmanager
    def _translated(self, table: str) -> Iterator[None]:
        try:
            yield
        except SessionfakerError:
            raise
        except Exception as exc:
            err = self.translate(exc, table)
            if err is None:
                raise
            raise err from None

    def _load_inline(
        self,
        sessions: Iterable[dict[str, Any]],
        encode: Callable[[list[dict[str, Any]]], Any],
        size: int,
        progress: Progress | None,
    ) -> int:
        n = 0
        for batch in _batches(sessions, size):
            self.write(encode(batch))
            n += len(batch)
            if progress is not None:
                progress(len(batch))
        return n

    def _load_produced(
        self,
        run: GeneratedRun,
        encode: Callable[[list[dict[str, Any]]], Any],
        size: int,
        progress: Progress | None,
    ) -> int:
        from . import producer

        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        proc = subprocess.Popen(
            [sys.executable, "-m", "sessionfaker.db.producer"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        assert proc.stdin is not None and proc.stdout is not None
        n = 0
        try:
            pickle.dump((run, encode, size), proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.close()
            while True:
                header = proc.stdout.read(producer.HEADER.size)
                if len(header) < producer.HEADER.size:
                    raise SeedError(f"the generating process stopped (exit code {proc.wait()})")
                rows, length = producer.HEADER.unpack(header)
                if rows == producer.DONE:
                    break
                payload = pickle.loads(proc.stdout.read(length))
                if rows == producer.ERROR:
                    raise SeedError(f"generating sessions failed: {payload}")
                self.write(payload)
                n += rows
                if progress is not None:
                    progress(rows)
        finally:
            for pipe in (proc.stdin, proc.stdout):
                with contextlib.suppress(OSError):
                    pipe.close()
            if proc.poll() is None:
                proc.terminate()
            proc.wait()
        return n


PARALLEL_MIN = 50_000


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect the young generation less often while a load runs.

    Sessions hold no reference cycles, yet building hundreds of thousands of
    dicts a second sets off a collection every 700 allocations: measured at
    about 15% of a SQLite seed. The threshold goes back afterwards.
    """
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], 100_000), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


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


def read_user_ids(path: str | Path) -> list[str]:
    """The user ids in a file, one a line (blank lines skipped)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidArgument(f"{path}: cannot read user ids ({exc.strerror})") from None
    found = [line.strip() for line in text.splitlines() if line.strip()]
    if not found:
        raise InvalidArgument(f"{path}: no user ids")
    return found


def with_user_ids(
    sessions: Iterable[dict[str, Any]], user_ids: Sequence[str]
) -> Iterator[dict[str, Any]]:
    """``sessions`` with each ``user_id`` replaced by one of ``user_ids``.

    A generated user always maps to the same id (a hash of it picks one), so
    the profile's skew survives: a user with many sessions keeps them.
    """
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

    ``user_ids`` (or the first column of ``user_ids_query``, run against the
    same database) replaces the generated user ids, see :func:`with_user_ids`.
    """
    check_table_name(table)
    if count < 0:
        raise InvalidArgument(f"count must be >= 0 ({count})")
    if user_ids is not None and user_ids_query is not None:
        raise InvalidArgument("give user ids from a file or from a query, not both")
    if user_ids is not None and not user_ids:
        raise InvalidArgument("user_ids is empty")
    t0 = time.perf_counter()
    with connect(url) as sink:
        pool = list(user_ids) if user_ids is not None else None
        if user_ids_query is not None:
            try:
                pool = sink.query_strings(user_ids_query)
            except Exception as exc:
                raise SeedError(f"user ids query failed: {sink.describe(exc)}") from None
            if not pool:
                raise SeedError(f"user ids query returned no rows: {user_ids_query}")
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


def json_fields(structure: Structure) -> list[int]:
    """Positions of the fields stored as JSON."""
    return [i for i, f in enumerate(structure.fields) if f.type in ("object", "array")]


def first_line(exc: BaseException) -> str:
    """The first line of a driver's message, without PostgreSQL's severity prefix."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return re.sub(r"\b(FATAL|ERROR):\s+", "", text).strip()


__all__ = [
    "IF_EXISTS",
    "PARALLEL_MIN",
    "Column",
    "GeneratedRun",
    "SeedError",
    "SeedResult",
    "Sink",
    "check_compatible",
    "connect",
    "dialect_of",
    "read_table",
    "read_user_ids",
    "redact",
    "seed",
    "seed_sessions",
    "with_user_ids",
]
