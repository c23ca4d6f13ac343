"""PostgreSQL through psycopg 3, loading with ``COPY ... FROM STDIN (FORMAT csv)``.

The URL is handed to libpq as it is, so every libpq URI parameter works
(``?sslmode=require``, ``?options=-c%20search_path%3Dapp``). A session-level
advisory lock per table makes a second run into the same table wait for the
first, then find the table made.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ....errors import InvalidArgument, require_extra
from ...csv import csv_text
from ..base import Column, Encoder, SeedError, Sink, first_line, row_decoder
from ..dialects import create_table_statements, quote_ident
from ..registry import register

# SQLSTATE read_only_sql_transaction
_READ_ONLY = "25006"


def _driver() -> Any:
    require_extra("postgresql", "psycopg.errors", "postgresql://")
    return require_extra("postgresql", "psycopg", "postgresql://")


def csv_batch(batch: list[dict[str, Any]]) -> bytes:
    """Sessions as the CSV that ``COPY ... (FORMAT csv)`` reads."""
    return csv_text(batch).encode()


def _q(name: str) -> str:
    return quote_ident(name, "postgresql")


@register("postgresql", "postgres")
class PostgresqlSink(Sink):
    dialect = "postgresql"
    default_batch_size = 5_000
    parallel_pays = False

    def connect(self) -> None:
        parts = urlsplit(self.url)
        if parts.path.strip("/") == "" and "dbname" not in parse_qs(parts.query):
            raise InvalidArgument(
                f"{self.display}: no database name (postgresql://user@host/DATABASE)"
            )
        self.db = psycopg = _driver()
        try:
            self.conn = psycopg.connect(self.url, connect_timeout=10)
        except psycopg.Error as exc:
            detail = first_line(exc).removeprefix("connection failed: ")
            raise SeedError(f"cannot connect to {self.display}: {_tidy(detail)}") from None
        except ValueError as exc:  # a malformed URL, e.g. a port that is not a number
            raise SeedError(f"cannot connect to {self.display}: {exc}") from None
        self._copy: Any = None

    def close(self) -> None:
        self.conn.close()

    def columns(self, table: str) -> list[Column] | None:
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT column_name, data_type, is_nullable = 'YES', column_default IS NOT NULL "
                "FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s "
                "ORDER BY ordinal_position",
                (table,),
            )
            rows = cur.fetchall()
        self.conn.rollback()
        if not rows:
            return None
        return [Column(str(n), str(t), bool(nl), bool(d)) for n, t, nl, d in rows]

    def query_column(self, query: str, limit: int) -> list[Any]:
        # A read-only transaction; the extended protocol refuses a second
        # statement (so no COMMIT can end it early). Rows stream, so a huge
        # result is cut at ``limit`` instead of being fetched whole.
        self.conn.read_only = True
        try:
            with self.conn.cursor() as cur:
                rows = cur.stream(query.encode())
                try:
                    return [row[0] for row in itertools.islice(rows, limit)]
                finally:
                    rows.close()
        finally:
            self.conn.rollback()
            self.conn.read_only = False

    def refused_write(self, exc: BaseException) -> bool:
        return getattr(exc, "sqlstate", None) == _READ_ONLY

    @contextlib.contextmanager
    def locked(self, table: str) -> Iterator[None]:
        key = "hashtextextended('sessionfaker:' || current_schema() || '.' || %s, 0)"
        with self.conn.cursor() as cur:
            cur.execute(f"SELECT pg_advisory_lock({key})", (table,))
        self.conn.commit()
        try:
            yield
        finally:
            with contextlib.suppress(self.db.Error):
                self.conn.rollback()
                with self.conn.cursor() as cur:
                    cur.execute(f"SELECT pg_advisory_unlock({key})", (table,))
                self.conn.commit()

    def begin(self, table: str, *, exists: bool, if_exists: str) -> str:
        t = _q(table)
        with self.conn.cursor() as cur:
            if exists and if_exists == "replace":
                cur.execute(f"DROP TABLE {t}".encode())
            elif exists and if_exists == "truncate":
                cur.execute(f"TRUNCATE TABLE {t}".encode())
            if not exists or if_exists == "replace":
                for stmt in create_table_statements(table, "postgresql", self.structure):
                    cur.execute(stmt.encode())
        return table

    @contextlib.contextmanager
    def loading(self, table: str) -> Iterator[None]:
        cols = ", ".join(_q(n) for n in self.structure.names)
        with (
            self.conn.cursor() as cur,
            cur.copy(f"COPY {_q(table)} ({cols}) FROM STDIN (FORMAT csv)".encode()) as copy,
        ):
            self._copy = copy
            try:
                yield
            finally:
                self._copy = None

    def encoder(self, table: str) -> Encoder:
        return csv_batch

    def write(self, payload: Any) -> None:
        self._copy.write(payload)

    def commit(self, table: str, *, exists: bool, if_exists: str) -> None:
        self.conn.commit()

    def abort(self, table: str) -> None:
        with contextlib.suppress(self.db.Error):
            self.conn.rollback()

    def translate(self, exc: BaseException, table: str) -> SeedError | None:
        psycopg = self.db
        if isinstance(exc, psycopg.errors.UniqueViolation):
            m = re.search(r"\(id\)=\((.*)\)", exc.diag.message_detail or "")
            if m or exc.diag.constraint_name == f"{table}_pkey":
                return self.duplicate(table, m.group(1) if m else None)
        if isinstance(exc, psycopg.Error):
            return SeedError(f"{self.display}: {_tidy(first_line(exc))}")
        return None

    def read(self, table: str) -> Iterator[dict[str, Any]]:
        names = self.structure.names
        cols = ", ".join(_q(n) for n in names)
        with self.conn.cursor(name="sessionfaker_read") as cur:
            order = f'{_q("id")} COLLATE "C"'
            cur.execute(f"SELECT {cols} FROM {_q(table)} ORDER BY {order}".encode())
            yield from map(row_decoder(self.structure, json_text=False, int_booleans=False), cur)
        self.conn.rollback()


def _tidy(detail: str) -> str:
    return detail.replace("FATAL:  ", "").replace("ERROR:  ", "")
