"""SQL scripts: ``CREATE TABLE IF NOT EXISTS``, its indexes, then multi-row
``INSERT`` statements in one transaction, for SQLite, PostgreSQL or
MySQL/MariaDB (the DDL and literals of :mod:`sessionfaker.sinks.db.dialects`)."""

from __future__ import annotations

from typing import IO, Any

from ..errors import InvalidArgument
from .base import Writer, no_int64_as_string
from .db import dialects


class SqlWriter(Writer):
    """A script for one engine, ``batch_size`` rows per ``INSERT``."""

    name = "sql"
    suffix = ".sql"

    def __init__(
        self,
        stream: IO[bytes],
        *,
        dialect: str = "sqlite",
        table: str = "sessions",
        batch_size: int = 500,
        int64_as_string: bool = False,
        **kw: Any,
    ) -> None:
        no_int64_as_string(self.name, int64_as_string)
        super().__init__(stream, **kw)
        self.dialect = dialects.check_dialect(dialect)
        self.table = dialects.check_table_name(table)
        if batch_size < 1:
            raise InvalidArgument(f"batch_size must be at least 1 ({batch_size})")
        self.batch_size = batch_size
        self._insert = dialects.InsertStatement(
            dialects.insert_prefix(table, dialect, self.structure.names) + "\n",
            dialect,
            self.structure,
        )

    def open(self) -> None:
        head = []
        if self.dialect == "mysql":
            head.append("SET NAMES utf8mb4;\n")
        head.append(
            dialects.create_table_sql(self.table, self.dialect, self.structure, if_not_exists=True)
        )
        head.append("START TRANSACTION;\n" if self.dialect == "mysql" else "BEGIN;\n")
        self.stream.write("".join(head).encode())

    def write_batch(self, sessions: list[dict[str, Any]]) -> None:
        self.stream.write((self._insert(sessions) + ";\n").encode())

    def close(self) -> None:
        self.stream.write(b"COMMIT;\n")
