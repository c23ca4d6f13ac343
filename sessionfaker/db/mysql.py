"""MySQL and MariaDB through PyMySQL, loading with multi-row ``INSERT``.

MySQL commits DDL on the spot, so a new or replaced table is loaded under a
shadow name and renamed into place only once every row is in: until then
the real table is untouched. Appending and truncating (``DELETE``, which
InnoDB rolls back) run in one transaction on the table itself.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import orjson

from ..errors import InvalidArgument, require_extra
from ..schema import load_structure
from ..sql import create_table_statements, insert_prefix, literal_encoders, quote_ident
from . import Column, SeedError, Sink, json_fields, redact

try:
    import pymysql
except ImportError:  # pragma: no cover - the mysql extra is missing
    pymysql = None  # type: ignore[assignment]

SHADOW = "__sf_new"
RETIRED = "__sf_old"


@functools.cache
def _literal_plan() -> list[tuple[str, Callable[[Any], str]]]:
    s = load_structure()
    return list(zip(s.names, literal_encoders(s, "mysql"), strict=True))


def insert_statement(prefix: str, batch: list[dict[str, Any]]) -> str:
    """One multi-row ``INSERT``: ``prefix`` (``INSERT INTO ... VALUES``) and a row per session."""
    pairs = _literal_plan()
    return prefix + ",\n".join(
        "(" + ", ".join([enc(s[name]) for name, enc in pairs]) + ")" for s in batch
    )


def _q(name: str) -> str:
    return quote_ident(name, "mysql")


def connect_args(url: str) -> dict[str, Any]:
    """PyMySQL's ``connect`` arguments for a ``mysql://`` or ``mariadb://`` URL."""
    parts = urlsplit(url)
    shown = redact(url)
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise InvalidArgument(f"{shown}: no database name (mysql://user@host/DATABASE)")
    try:
        port = parts.port or 3306
    except ValueError:
        raise InvalidArgument(f"{shown}: the port is not a number") from None
    args: dict[str, Any] = {
        "host": parts.hostname or "localhost",
        "port": port,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "database": database,
    }
    for key, value in parse_qsl(parts.query):
        if key == "unix_socket":
            args["unix_socket"] = value
        else:
            raise InvalidArgument(f"{shown}: unknown URL parameter {key!r} (known: unix_socket)")
    return args


class MysqlSink(Sink):
    dialect = "mysql"
    default_batch_size = 1_000

    def connect(self) -> None:
        require_extra("mysql", "pymysql", "mysql://")
        args = connect_args(self.url)
        try:
            self.conn = pymysql.connect(
                **args, charset="utf8mb4", autocommit=False, connect_timeout=10
            )
            with self.conn.cursor() as cur:
                # Strict: a value that does not fit is an error, never a silent
                # truncation; and backslash escapes on, as the literals assume.
                cur.execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'")
        except pymysql.Error as exc:
            raise SeedError(f"cannot connect to {self.display}: {self.describe(exc)}") from None
        self._prefix = ""
        self._shadow: str | None = None

    def close(self) -> None:
        with contextlib.suppress(pymysql.Error):
            self.conn.close()

    def describe(self, exc: BaseException) -> str:
        args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
        if len(args) >= 2 and isinstance(args[1], str) and args[1]:
            return args[1].splitlines()[0]
        return super().describe(exc)

    def _columns(self, table: str) -> list[Column] | None:
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT column_name, column_type, is_nullable = 'YES', column_default IS NOT NULL "
                "FROM information_schema.columns "
                "WHERE table_schema = DATABASE() AND table_name = %s "
                "ORDER BY ordinal_position",
                (table,),
            )
            rows = cur.fetchall()
        if not rows:
            return None
        # MariaDB reports a JSON column as longtext (with a json_valid check).
        return [Column(str(n), str(t), bool(nl), bool(d)) for n, t, nl, d in rows]

    def columns(self, table: str) -> list[Column] | None:
        return self._columns(table)

    def query_strings(self, query: str) -> list[str]:
        try:
            with self.conn.cursor() as cur:
                cur.execute(query)
                return [str(row[0]) for row in cur.fetchall()]
        finally:
            self.conn.rollback()

    def _run(self, statement: str) -> None:
        with self.conn.cursor() as cur:
            cur.execute(statement)

    def begin(self, table: str, *, exists: bool, if_exists: str) -> str:
        target = table
        if not exists or if_exists == "replace":
            target = table + SHADOW
            if self._columns(target) is not None:
                self._run(f"DROP TABLE {_q(target)}")  # left by a killed run
            self._shadow = target
            for stmt in create_table_statements(
                target, "mysql", self.structure, index_prefix=table
            ):
                self._run(stmt)
        self._run("START TRANSACTION")
        if exists and if_exists == "truncate":
            self._run(f"DELETE FROM {_q(table)}")
        self._prefix = insert_prefix(target, "mysql", self.structure.names) + "\n"
        return target

    def encoder(self, table: str) -> Callable[[list[dict[str, Any]]], Any]:
        return functools.partial(insert_statement, self._prefix)

    def write(self, payload: Any) -> None:
        with self.conn.cursor() as cur:
            cur.execute(payload)

    def commit(self, table: str, *, exists: bool, if_exists: str) -> None:
        self.conn.commit()
        if self._shadow is None:
            return
        shadow = self._shadow
        if exists:
            retired = table + RETIRED
            if self._columns(retired) is not None:
                self._run(f"DROP TABLE {_q(retired)}")
            self._run(f"RENAME TABLE {_q(table)} TO {_q(retired)}, {_q(shadow)} TO {_q(table)}")
            self._shadow = None
            self._run(f"DROP TABLE {_q(retired)}")
        else:
            self._run(f"RENAME TABLE {_q(shadow)} TO {_q(table)}")
            self._shadow = None

    def abort(self, table: str) -> None:
        with contextlib.suppress(pymysql.Error):
            self.conn.rollback()
        if self._shadow is not None:
            with contextlib.suppress(pymysql.Error):
                self._run(f"DROP TABLE IF EXISTS {_q(self._shadow)}")
            self._shadow = None

    def translate(self, exc: BaseException, table: str) -> SeedError | None:
        if isinstance(exc, pymysql.err.IntegrityError) and exc.args and exc.args[0] == 1062:
            m = re.search(r"Duplicate entry '(.*)' for key", self.describe(exc))
            return self.duplicate(table, m.group(1) if m else None)
        if isinstance(exc, pymysql.Error):
            # Name the table the user asked for, not its shadow.
            detail = self.describe(exc).replace(f"`{table}{SHADOW}`", f"`{table}`")
            return SeedError(f"{self.display}: {detail}")
        return None

    def read(self, table: str) -> Iterator[dict[str, Any]]:
        s = self.structure
        cols = ", ".join(_q(n) for n in s.names)
        js = json_fields(s)
        bools = [i for i, f in enumerate(s.fields) if f.type == "boolean"]
        with self.conn.cursor(pymysql.cursors.SSCursor) as cur:
            cur.execute(f"SELECT {cols} FROM {_q(table)} ORDER BY {_q('id')}")
            for row in cur:
                values = list(row)
                for i in js:
                    if values[i] is not None:
                        values[i] = orjson.loads(values[i])
                for i in bools:
                    if values[i] is not None:
                        values[i] = bool(values[i])
                yield dict(zip(s.names, values, strict=True))
        self.conn.rollback()
