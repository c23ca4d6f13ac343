"""What every database engine shares: the :class:`Sink` base class and its
load sequence, table compatibility, row decoding and GC tuning.

An engine is one module in :mod:`sessionfaker.sinks.db.engines` holding a
:class:`Sink` subclass registered for its URL schemes (see
:mod:`sessionfaker.sinks.db.registry`).
"""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import orjson

from ...errors import InvalidArgument, SessionfakerError
from ...schema import Structure, load_structure
from ..base import batches, uninterrupted
from .dialects import check_table_name, column_type

IF_EXISTS = ("fail", "append", "replace", "truncate")
# From this many sessions a parallel-paying engine generates in a second process.
PARALLEL_MIN = 50_000

Progress = Callable[[int], None]
Encoder = Callable[[list[dict[str, Any]]], Any]


class SeedError(SessionfakerError, RuntimeError):
    """Seeding failed: the database refused, or the table does not fit.

    The message is one line, and nothing was written.
    """


@dataclass(frozen=True)
class Column:
    """A column of an existing table, as the database describes it."""

    name: str
    type: str
    nullable: bool
    has_default: bool


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***`` (a malformed URL too)."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)
    if password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def first_line(exc: BaseException) -> str:
    """The first line of a driver's message, without PostgreSQL's severity prefix."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return re.sub(r"\b(FATAL|ERROR):\s+", "", text).strip()


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


def row_decoder(
    structure: Structure, *, json_text: bool, int_booleans: bool
) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """A function turning a row of ``structure``'s columns into a session:
    JSON text parsed (``json_text``), 0/1 made booleans (``int_booleans``)."""
    names = structure.names
    js = [i for i, f in enumerate(structure.fields) if json_text and f.nested]
    bools = [i for i, f in enumerate(structure.fields) if int_booleans and f.type == "boolean"]

    def decode(row: Sequence[Any]) -> dict[str, Any]:
        values = list(row)
        for i in js:
            if values[i] is not None:
                values[i] = orjson.loads(values[i])
        for i in bools:
            if values[i] is not None:
                values[i] = bool(values[i])
        return dict(zip(names, values, strict=True))

    return decode


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
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


class Sink:
    """One database connection that loads sessions into a table.

    A subclass connects, describes tables, runs the engine's DDL and writes
    batches; :meth:`load` holds the sequence that every engine shares. A
    batch is turned into what the engine takes by the sink's
    :meth:`encoder`, a picklable callable, so that a
    :class:`~sessionfaker.sinks.db.seeding.GeneratedRun` can be generated
    and encoded in a second process while this one writes.
    """

    dialect: ClassVar[str]
    schemes: ClassVar[tuple[str, ...]] = ()
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

    def query_column(self, query: str, limit: int) -> list[Any]:
        """The first column of at most ``limit`` rows of ``query``, run so that it
        cannot write (a read-only transaction or connection); nothing is kept."""
        raise NotImplementedError

    def refused_write(self, exc: BaseException) -> bool:
        """Whether ``exc`` is the engine refusing a write in :meth:`query_column`."""
        return False

    def locked(self, table: str) -> contextlib.AbstractContextManager[None]:
        """Holds off other loads into ``table`` from the existence check to the
        commit, so that of two runs creating it, the second finds it made."""
        return contextlib.nullcontext()

    def begin(self, table: str, *, exists: bool, if_exists: str) -> str:
        """Open the transaction and prepare the table; return the table to load into."""
        raise NotImplementedError

    def loading(self, table: str) -> contextlib.AbstractContextManager[None]:
        """Wraps the writing of every batch (PostgreSQL's COPY)."""
        return contextlib.nullcontext()

    def encoder(self, table: str) -> Encoder:
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

        A :class:`~sessionfaker.sinks.db.seeding.GeneratedRun` is generated in a
        second process when ``parallel`` is true (by default, from
        :data:`PARALLEL_MIN` sessions where
        that pays, see :attr:`parallel_pays`).
        """
        # Not at the top: ``python -m ...producer`` must find it not yet imported.
        from .producer import produced

        check_table_name(table)
        if if_exists not in IF_EXISTS:
            raise InvalidArgument(
                f"if_exists must be one of {', '.join(IF_EXISTS)} ({if_exists!r})"
            )
        size = batch_size or self.default_batch_size
        if size < 1:
            raise InvalidArgument(f"batch size must be at least 1 ({size})")
        count = getattr(sessions, "count", None)
        if parallel is None:
            parallel = self.parallel_pays and isinstance(count, int) and count >= PARALLEL_MIN
        # Only a run (something with a count, picklable) is generated elsewhere.
        parallel = parallel and isinstance(count, int)
        with self._translated(table), self.locked(table):
            existing = self.columns(table)
            exists = existing is not None
            if existing is not None:
                if if_exists == "fail":
                    raise SeedError(
                        f"table {table} already exists "
                        "(use --if-exists append, replace or truncate)"
                    )
                if if_exists in ("append", "truncate"):
                    check_compatible(table, existing, self.dialect, self.structure)
            try:
                with fewer_collections():
                    with uninterrupted(swallow=False):  # DDL whole, or not at all
                        target = self.begin(table, exists=exists, if_exists=if_exists)
                    encode = self.encoder(target)
                    source: Generator[tuple[int, Any], None, None] = (
                        produced(sessions, encode, size)
                        if parallel
                        else ((len(b), encode(b)) for b in batches(sessions, size))
                    )
                    n = 0
                    with contextlib.closing(source), self.loading(target):
                        for rows, payload in source:
                            self.write(payload)
                            n += rows
                            if progress is not None:
                                progress(rows)
                    with uninterrupted(swallow=True):
                        self.commit(table, exists=exists, if_exists=if_exists)
            except BaseException:
                with uninterrupted(swallow=False):
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
