"""PostgreSQL through psycopg 3, loading with ``COPY ... FROM STDIN (FORMAT csv)``.

The URL is handed to libpq as it is, so every libpq URI parameter works
(``?sslmode=require``, ``?options=-c%20search_path%3Dapp``).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import require_extra
from ..output import csv_rows
from ..sql import create_table_statements, quote_ident
from . import Column, SeedError, Sink, first_line

try:
    import psycopg
    from psycopg import errors as pg_errors
except ImportError:  # pragma: no cover - the postgresql extra is missing
    psycopg = None  # type: ignore[assignment]


def csv_batch(batch: list[dict[str, Any]]) -> bytes:
    """Sessions as the CSV that ``COPY ... (FORMAT csv)`` reads."""
    return "".join(csv_rows(batch)).encode()


def _q(name: str) -> str:
    return quote_ident(name, "postgresql")


class PostgresqlSink(Sink):
    dialect = "postgresql"
    default_batch_size = 5_000
    parallel_pays = False

    def connect(self) -> None:
        require_extra("postgresql", "psycopg", "postgresql://")
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

    def query_strings(self, query: str) -> list[str]:
        try:
            with self.conn.cursor() as cur:
                cur.execute(query.encode())
                return [str(row[0]) for row in cur.fetchall()]
        finally:
            self.conn.rollback()

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

    def encoder(self, table: str) -> Callable[[list[dict[str, Any]]], Any]:
        return csv_batch

    def write(self, payload: Any) -> None:
        self._copy.write(payload)

    def commit(self, table: str, *, exists: bool, if_exists: str) -> None:
        self.conn.commit()

    def abort(self, table: str) -> None:
        with contextlib.suppress(psycopg.Error):
            self.conn.rollback()

    def translate(self, exc: BaseException, table: str) -> SeedError | None:
        if isinstance(exc, pg_errors.UniqueViolation):
            m = re.search(r"\(id\)=\((.*)\)", exc.diag.message_detail or "")
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
            for row in cur:
                yield dict(zip(names, row, strict=True))
        self.conn.rollback()


def _tidy(detail: str) -> str:
    return detail.replace("FATAL:  ", "").replace("ERROR:  ", "")
