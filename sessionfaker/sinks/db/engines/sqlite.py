"""SQLite through the standard library's :mod:`sqlite3`.

``sqlite:///relative.db``, ``sqlite:////absolute.db`` or ``sqlite:///:memory:``;
a query string is passed on as SQLite URI parameters (``?mode=ro``).
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import orjson

from ....errors import InvalidArgument
from ....schema import load_structure
from ..base import Column, Encoder, SeedError, Sink, row_decoder
from ..dialects import create_table_statements, insert_prefix, quote_ident
from ..registry import register

# What a --user-ids-query may do: read tables and call functions, nothing else.
_READING = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION}
_READING.add(getattr(sqlite3, "SQLITE_RECURSIVE", 33))
_REFUSED = ("not authorized", "authorization denied", "readonly")


def sqlite_path(url: str) -> tuple[str, str]:
    """The database path and the URI query of a ``sqlite://`` URL."""
    parts = urlsplit(url)
    if parts.netloc:
        raise InvalidArgument(
            f"{url}: a SQLite URL has no host: use sqlite:///relative.db or sqlite:////abs.db"
        )
    path = parts.path[1:] if parts.path.startswith("/") else parts.path
    if not path:
        raise InvalidArgument(f"{url}: no database path (sqlite:///path.db)")
    return path, parts.query


@functools.cache
def _row_builder() -> Callable[[list[dict[str, Any]]], list[tuple[Any, ...]]]:
    # One comprehension written out from the structure: a tuple display
    # with a subscript per field costs half of a generic loop over fields,
    # and this runs once per session.
    parts = []
    for f in load_structure().fields:
        key = repr(f.name)
        if f.nested:
            parts.append(f"None if (v := s[{key}]) is None else dumps(v).decode()")
        elif f.type == "boolean":
            parts.append(f"None if (v := s[{key}]) is None else int(v)")
        else:
            parts.append(f"s[{key}]")
    source = "def rows(batch):\n    return [(" + ", ".join(parts) + ",) for s in batch]\n"
    namespace: dict[str, Any] = {"dumps": orjson.dumps}
    exec(compile(source, "<sessionfaker sqlite rows>", "exec"), namespace)
    built: Callable[[list[dict[str, Any]]], list[tuple[Any, ...]]] = namespace["rows"]
    return built


def parameter_rows(batch: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Sessions as ``executemany`` parameters: JSON as text, booleans as 0 or 1."""
    return _row_builder()(batch)


def _only_reading(action: int, *_: Any) -> int:
    return sqlite3.SQLITE_OK if action in _READING else sqlite3.SQLITE_DENY


@register("sqlite")
class SqliteSink(Sink):
    dialect = "sqlite"
    default_batch_size = 10_000
    # Handing rows to this process costs about what generating them does.
    parallel_pays = False

    def connect(self) -> None:
        path, query = sqlite_path(self.url)
        try:
            if query:
                self.conn = sqlite3.connect(
                    f"file:{quote(path)}?{query}", uri=True, isolation_level=None
                )
            else:
                self.conn = sqlite3.connect(path, isolation_level=None)
            # Session settings only: a bigger page cache keeps the index
            # B-trees in memory while a large batch loads.
            self.conn.execute("PRAGMA cache_size = -262144")
        except sqlite3.Error as exc:
            raise SeedError(f"cannot open {self.display}: {exc}") from None
        self._insert = ""

    def close(self) -> None:
        self.conn.close()

    def columns(self, table: str) -> list[Column] | None:
        rows = self.conn.execute(
            'SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)', (table,)
        ).fetchall()
        if not rows:
            return None
        return [
            Column(name, type_ or "", not notnull and not pk, default is not None)
            for name, type_, notnull, default, pk in rows
        ]

    def query_column(self, query: str, limit: int) -> list[Any]:
        # The authorizer denies anything but reading while the query is
        # prepared and run; query_only backs it up at the engine level.
        self.conn.execute("PRAGMA query_only = ON")
        self.conn.set_authorizer(_only_reading)
        try:
            cur = self.conn.execute(query)
            return [row[0] for row in cur.fetchmany(limit)]
        finally:
            self.conn.set_authorizer(None)
            self.conn.execute("PRAGMA query_only = OFF")

    def refused_write(self, exc: BaseException) -> bool:
        text = str(exc)
        return isinstance(exc, sqlite3.DatabaseError) and any(r in text for r in _REFUSED)

    @contextlib.contextmanager
    def locked(self, table: str) -> Iterator[None]:
        # The write lock, taken before the table is looked at: a second run
        # waits here, then finds the table the first one made.
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            if self.conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")

    def begin(self, table: str, *, exists: bool, if_exists: str) -> str:
        t = quote_ident(table, "sqlite")
        if exists and if_exists == "replace":
            self.conn.execute(f"DROP TABLE {t}")
        elif exists and if_exists == "truncate":
            self.conn.execute(f"DELETE FROM {t}")
        if not exists or if_exists == "replace":
            for stmt in create_table_statements(table, "sqlite", self.structure):
                self.conn.execute(stmt)
        marks = ", ".join("?" * len(self.structure.names))
        self._insert = f"{insert_prefix(table, 'sqlite', self.structure.names)} ({marks})"
        return table

    def encoder(self, table: str) -> Encoder:
        return parameter_rows

    def write(self, payload: Any) -> None:
        self.conn.executemany(self._insert, payload)

    def commit(self, table: str, *, exists: bool, if_exists: str) -> None:
        self.conn.execute("COMMIT")

    def abort(self, table: str) -> None:
        if self.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def translate(self, exc: BaseException, table: str) -> SeedError | None:
        if isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc):
            return self.duplicate(table, None)
        if isinstance(exc, sqlite3.Error):
            return SeedError(f"{self.display}: {exc}")
        return None

    def read(self, table: str) -> Iterator[dict[str, Any]]:
        s = self.structure
        cols = ", ".join(quote_ident(n, "sqlite") for n in s.names)
        cur = self.conn.execute(f'SELECT {cols} FROM {quote_ident(table, "sqlite")} ORDER BY "id"')
        yield from map(row_decoder(s, json_text=True, int_booleans=True), cur)
