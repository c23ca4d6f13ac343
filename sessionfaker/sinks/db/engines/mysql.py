"""MySQL and MariaDB through PyMySQL, loading with multi-row ``INSERT``.

MySQL commits DDL on the spot, so a new or replaced table is loaded under a
shadow name and renamed into place only once every row is in: until then
the real table is untouched. Appending and truncating (``DELETE``, which
InnoDB rolls back) run in one transaction on the table itself. A named lock
per table (``GET_LOCK``) makes a second run into the same table wait for
the first, so shadows never clash and a shadow found while holding the lock
is a killed run's leftover.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ....errors import InvalidArgument, require_extra
from ..base import Column, Encoder, SeedError, Sink, redact, row_decoder
from ..dialects import InsertStatement, create_table_statements, insert_prefix, quote_ident
from ..registry import register

SHADOW = "__sf_new"
RETIRED = "__sf_old"
# Seconds a run waits for another run into the same table to finish.
LOCK_WAIT = 3600
# ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
_READ_ONLY = 1792


def _driver() -> Any:
    return require_extra("mysql", "pymysql", "mysql://")


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


@register("mysql", "mariadb")
class MysqlSink(Sink):
    dialect = "mysql"
    default_batch_size = 1_000

    def connect(self) -> None:
        args = connect_args(self.url)
        self.db = pymysql = _driver()
        try:
            # No CLIENT.MULTI_STATEMENTS (PyMySQL's default): one statement per call.
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
        with contextlib.suppress(self.db.Error):
            self.conn.close()

    def describe(self, exc: BaseException) -> str:
        args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
        if len(args) >= 2 and isinstance(args[1], str) and args[1]:
            return args[1].splitlines()[0]
        return super().describe(exc)

    def columns(self, table: str) -> list[Column] | None:
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

    def query_column(self, query: str, limit: int) -> list[Any]:
        # Read-only for the session, not just the transaction: DDL, which
        # commits implicitly, would otherwise end the transaction and run.
        self._run("SET SESSION TRANSACTION READ ONLY")
        try:
            self._run("START TRANSACTION READ ONLY")
            with self.conn.cursor(self.db.cursors.SSCursor) as cur:
                cur.execute(query)
                return [row[0] for row in cur.fetchmany(limit)]
        finally:
            self.conn.rollback()
            self._run("SET SESSION TRANSACTION READ WRITE")

    def refused_write(self, exc: BaseException) -> bool:
        args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
        return bool(args) and args[0] == _READ_ONLY

    def _run(self, statement: str, args: Any = None) -> Any:
        with self.conn.cursor() as cur:
            cur.execute(statement, args)
            return cur.fetchone()

    @contextlib.contextmanager
    def locked(self, table: str) -> Iterator[None]:
        name = "CONCAT('sessionfaker:', MD5(CONCAT(DATABASE(), '.', %s)))"
        got = self._run(f"SELECT GET_LOCK({name}, %s)", (table, LOCK_WAIT))
        if not got or got[0] != 1:
            raise SeedError(f"table {table}: another run is still loading it")
        try:
            yield
        finally:
            with contextlib.suppress(self.db.Error):
                self._run(f"SELECT RELEASE_LOCK({name})", (table,))

    def begin(self, table: str, *, exists: bool, if_exists: str) -> str:
        target = table
        if not exists or if_exists == "replace":
            target = table + SHADOW
            # Under the lock, a shadow can only be a killed run's leftover.
            if self.columns(target) is not None:
                self._run(f"DROP TABLE {_q(target)}")
            self._shadow = target
            for stmt in create_table_statements(
                target, "mysql", self.structure, index_prefix=table
            ):
                self._run(stmt)
        if exists and if_exists == "replace" and self.columns(table + RETIRED) is not None:
            self._run(f"DROP TABLE {_q(table + RETIRED)}")
        self._run("START TRANSACTION")
        if exists and if_exists == "truncate":
            self._run(f"DELETE FROM {_q(table)}")
        self._prefix = insert_prefix(target, "mysql", self.structure.names) + "\n"
        return target

    def encoder(self, table: str) -> Encoder:
        return InsertStatement(self._prefix, "mysql", self.structure)

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
            self._run(f"RENAME TABLE {_q(table)} TO {_q(retired)}, {_q(shadow)} TO {_q(table)}")
            self._shadow = None
            self._run(f"DROP TABLE {_q(retired)}")
        else:
            self._run(f"RENAME TABLE {_q(shadow)} TO {_q(table)}")
            self._shadow = None

    def abort(self, table: str) -> None:
        shadow, self._shadow = self._shadow, None
        try:
            self.conn.rollback()
            if shadow is not None:
                self._run(f"DROP TABLE IF EXISTS {_q(shadow)}")
        except Exception:
            # Ctrl-C cut a statement in half and the connection is unusable:
            # end it (the server rolls its transaction back) and drop the
            # shadow from a fresh one.
            with contextlib.suppress(Exception):
                self.conn.close()
            if shadow is not None:
                with contextlib.suppress(Exception):
                    fresh = self.db.connect(**connect_args(self.url), connect_timeout=10)
                    try:
                        with fresh.cursor() as cur:
                            cur.execute("SET SESSION lock_wait_timeout = 60")
                            cur.execute(f"DROP TABLE IF EXISTS {_q(shadow)}")
                    finally:
                        fresh.close()

    def translate(self, exc: BaseException, table: str) -> SeedError | None:
        pymysql = self.db
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
        with self.conn.cursor(self.db.cursors.SSCursor) as cur:
            cur.execute(f"SELECT {cols} FROM {_q(table)} ORDER BY {_q('id')}")
            yield from map(row_decoder(s, json_text=True, int_booleans=True), cur)
        self.conn.rollback()
