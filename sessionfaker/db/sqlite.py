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

from ..errors import InvalidArgument
from ..schema import load_structure
from ..sql import create_table_statements, insert_prefix, quote_ident
from . import Column, SeedError, Sink, json_fields


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
        if f.type in ("object", "array"):
            parts.append(f"None if (v := s[{key}]) is None else dumps(v).decode()")
        elif f.type == "boolean":
            parts.append(f"None if (v := s[{key}]) is None else int(v)")
        else:
            parts.append(f"s[{key}]")
    source = "def rows(batch):\n    return [(" + ", ".join(parts) + ",) for s in batch]\n"
    namespace: dict[str, Any] = {"dumps": orjson.dumps}
    exec(compile(source, "<sessionfaker.db.sqlite rows>", "exec"), namespace)
    built: Callable[[list[dict[str, Any]]], list[tuple[Any, ...]]] = namespace["rows"]
    return built


def parameter_rows(batch: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Sessions as ``executemany`` parameters: JSON as text, booleans as 0 or 1."""
    return _row_builder()(batch)


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

    def query_strings(self, query: str) -> list[str]:
        return [str(row[0]) for row in self.conn.execute(query)]

    def begin(self, table: str, *, exists: bool, if_exists: str) -> str:
        t = quote_ident(table, "sqlite")
        self.conn.execute("BEGIN IMMEDIATE")
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

    def encoder(self, table: str) -> Callable[[list[dict[str, Any]]], Any]:
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
        js, bools = json_fields(s), [i for i, f in enumerate(s.fields) if f.type == "boolean"]
        for row in cur:
            values = list(row)
            for i in js:
                if values[i] is not None:
                    values[i] = orjson.loads(values[i])
            for i in bools:
                if values[i] is not None:
                    values[i] = bool(values[i])
            yield dict(zip(s.names, values, strict=True))
