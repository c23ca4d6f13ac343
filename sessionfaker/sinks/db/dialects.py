"""SQL for the three engines: table DDL, identifier and literal quoting, INSERTs.

Column names and types come from the :class:`~sessionfaker.schema.Structure`:
integer fields (epoch milliseconds) are ``BIGINT``, object and array fields
are ``JSONB`` (PostgreSQL), ``JSON`` (MySQL/MariaDB) or JSON text (SQLite),
and nullability follows the descriptor. ``id`` is the primary key; ``user_id``
and ``status`` are indexed.

>>> print(create_table_sql("sessions", "sqlite").splitlines()[0])
CREATE TABLE "sessions" (
>>> literal("it's", "postgresql")
"'it''s'"
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from ...errors import InvalidArgument
from ...schema import Field, Structure, load_structure

DIALECTS = ("sqlite", "postgresql", "mysql")
PRIMARY_KEY = "id"
INDEXED = ("user_id", "status")
# Short enough that "<table>_user_id_idx" and MySQL's "<table>__sf_new" fit
# the 63/64-character limits of PostgreSQL and MySQL.
MAX_TABLE_NAME = 48
_MAX_IDENT = 63
_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

_TYPES: dict[str, dict[str, str]] = {
    "sqlite": {
        "string": "TEXT",
        "integer": "BIGINT",
        "number": "REAL",
        "boolean": "INTEGER",
        "object": "TEXT",
        "array": "TEXT",
    },
    "postgresql": {
        "string": "TEXT",
        "integer": "BIGINT",
        "number": "DOUBLE PRECISION",
        "boolean": "BOOLEAN",
        "object": "JSONB",
        "array": "JSONB",
    },
    "mysql": {
        # VARCHAR, not TEXT: MySQL indexes TEXT only by prefix. The table's
        # binary collation keeps KSUIDs case-sensitive.
        "string": "VARCHAR(255)",
        "integer": "BIGINT",
        "number": "DOUBLE",
        "boolean": "BOOLEAN",
        "object": "JSON",
        "array": "JSON",
    },
}
MYSQL_TABLE_OPTIONS = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"


def check_dialect(dialect: str) -> str:
    if dialect not in DIALECTS:
        raise InvalidArgument(
            f"unknown SQL dialect {dialect!r} (expected one of {', '.join(DIALECTS)})"
        )
    return dialect


def check_table_name(name: str, max_length: int = MAX_TABLE_NAME) -> str:
    """``name`` if it is a plain identifier; anything else raises :class:`InvalidArgument`.

    >>> check_table_name("x; DROP TABLE users")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sessionfaker.errors.InvalidArgument: table name 'x; DROP TABLE users' is not valid: ...
    """
    if not _TABLE_NAME.match(name) or len(name) > max_length:
        raise InvalidArgument(
            f"table name {name!r} is not valid: use letters, digits and underscores, "
            f"not starting with a digit, at most {max_length} characters"
        )
    return name


def quote_ident(name: str, dialect: str) -> str:
    """An identifier quoted for ``dialect`` (quotes inside are doubled)."""
    if dialect == "mysql":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def column_type(f: Field, dialect: str) -> str:
    return _TYPES[dialect][f.type]


def create_table_statements(
    table: str,
    dialect: str,
    structure: Structure | None = None,
    *,
    if_not_exists: bool = False,
    index_prefix: str | None = None,
) -> list[str]:
    """The statements (without a trailing ``;``) that create ``table`` and its indexes.

    Indexes are named ``<index_prefix>_<column>_idx``, ``index_prefix``
    defaulting to the table's name.
    """
    check_dialect(dialect)
    prefix = check_table_name(index_prefix or table)
    check_table_name(table, _MAX_IDENT)
    s = structure or load_structure()
    q = quote_ident
    cols = [
        f"  {q(f.name, dialect)} {column_type(f, dialect)}"
        + ("" if f.nullable and f.name != PRIMARY_KEY else " NOT NULL")
        for f in s.fields
    ]
    if PRIMARY_KEY in s.by_name:
        cols.append(f"  PRIMARY KEY ({q(PRIMARY_KEY, dialect)})")
    indexed = [c for c in INDEXED if c in s.by_name]
    exists = "IF NOT EXISTS " if if_not_exists else ""
    if dialect == "mysql":
        cols.extend(f"  KEY {q(f'{prefix}_{c}_idx', dialect)} ({q(c, dialect)})" for c in indexed)
        return [
            f"CREATE TABLE {exists}{q(table, dialect)} (\n"
            + ",\n".join(cols)
            + f"\n) {MYSQL_TABLE_OPTIONS}"
        ]
    out = [f"CREATE TABLE {exists}{q(table, dialect)} (\n" + ",\n".join(cols) + "\n)"]
    out.extend(
        f"CREATE INDEX {exists}{q(f'{prefix}_{c}_idx', dialect)} "
        f"ON {q(table, dialect)} ({q(c, dialect)})"
        for c in indexed
    )
    return out


def create_table_sql(
    table: str = "sessions",
    dialect: str = "sqlite",
    structure: Structure | None = None,
    *,
    if_not_exists: bool = False,
) -> str:
    """The DDL of :func:`create_table_statements` as one script."""
    stmts = create_table_statements(table, dialect, structure, if_not_exists=if_not_exists)
    return "".join(s + ";\n" for s in stmts)


def _string_literal(dialect: str) -> Callable[[str], str]:
    if dialect == "mysql":
        # MySQL's default sql_mode treats backslash as an escape character.
        def mysql(v: str) -> str:
            return "'" + v.replace("\\", "\\\\").replace("'", "''").replace("\0", "\\0") + "'"

        return mysql

    def standard(v: str) -> str:
        return "'" + v.replace("'", "''") + "'"

    return standard


def literal(value: Any, dialect: str) -> str:
    """``value`` as an SQL literal; dicts and lists become JSON text."""
    return literal_encoders(None, dialect)[0](value)


def literal_encoders(structure: Structure | None, dialect: str) -> list[Callable[[Any], str]]:
    """One function per field of ``structure`` turning a value into its SQL literal
    (one generic encoder when ``structure`` is None)."""
    check_dialect(dialect)
    string = _string_literal(dialect)
    true, false = ("1", "0") if dialect == "sqlite" else ("TRUE", "FALSE")

    def generic(v: Any) -> str:
        if v is None:
            return "NULL"
        if v is True:
            return true
        if v is False:
            return false
        if isinstance(v, int | float):
            return repr(v)
        if isinstance(v, str):
            return string(v)
        return string(orjson.dumps(v).decode())

    def text(v: Any) -> str:
        return "NULL" if v is None else string(v)

    def integer(v: Any) -> str:
        return "NULL" if v is None else str(int(v))

    if structure is None:
        return [generic]
    by_type: dict[str, Callable[[Any], str]] = {"string": text, "integer": integer}
    return [by_type.get(f.type, generic) for f in structure.fields]


def insert_prefix(table: str, dialect: str, columns: Sequence[str]) -> str:
    """``INSERT INTO "table" ("a", "b") VALUES`` for ``dialect``."""
    check_table_name(table, _MAX_IDENT)
    cols = ", ".join(quote_ident(c, dialect) for c in columns)
    return f"INSERT INTO {quote_ident(table, dialect)} ({cols}) VALUES"


class InsertStatement:
    """Makes one multi-row ``INSERT`` of a batch of sessions: ``prefix`` (from
    :func:`insert_prefix`) and a row of literals per session, without the
    trailing ``;``. Picklable (the encoders are rebuilt where it runs), so a
    second process can build the statements."""

    def __init__(self, prefix: str, dialect: str, structure: Structure | None = None) -> None:
        self.prefix = prefix
        self.dialect = check_dialect(dialect)
        self.structure = structure or load_structure()
        self._pairs = self._plan()

    def _plan(self) -> list[tuple[str, Callable[[Any], str]]]:
        s = self.structure
        return list(zip(s.names, literal_encoders(s, self.dialect), strict=True))

    def __getstate__(self) -> dict[str, Any]:
        return {"prefix": self.prefix, "dialect": self.dialect, "structure": self.structure}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._pairs = self._plan()

    def __call__(self, batch: Sequence[dict[str, Any]]) -> str:
        pairs = self._pairs
        return self.prefix + ",\n".join(
            "(" + ", ".join([enc(row[name]) for name, enc in pairs]) + ")" for row in batch
        )
