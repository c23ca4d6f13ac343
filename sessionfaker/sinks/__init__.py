"""Sinks: where generated sessions go.

File formats stream (memory stays flat whatever the count) and each one
reads back to the same sessions; :func:`write_sessions` writes through
:func:`~sessionfaker.sinks.files.atomic_output`, so a file appears only once
it is complete. Databases are :mod:`sessionfaker.sinks.db`; fixture sets
are :mod:`sessionfaker.sinks.fixture_files`.

- ``ndjson`` and ``json``: Clerk's wire format (:mod:`.ndjson`);
- ``csv``: stdlib :mod:`csv`, null an empty unquoted field, nested values
  as JSON text (:mod:`.csv`);
- ``sql``: a script for SQLite, PostgreSQL or MySQL/MariaDB (:mod:`.sql`);
- ``parquet``: the ``parquet`` extra (:mod:`.parquet`).

A new format is a :class:`~sessionfaker.sinks.base.Writer` subclass in its
own module, listed in :data:`FORMATS` (and in :func:`read_file` when it
reads back).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_getattr

if TYPE_CHECKING:
    from .base import Writer
    from .csv import CsvWriter, read_csv
    from .files import atomic_output
    from .formats import FORMATS, READABLE, read_file, write_sessions
    from .ndjson import JsonWriter, NdjsonWriter, write_ndjson
    from .parquet import ParquetWriter, arrow_schema, read_parquet
    from .sql import SqlWriter

# The names load on first use: a command that needs only the SQL dialects
# (``schema``) never loads the generator and numpy.
_LAZY = {
    "Writer": "base",
    "CsvWriter": "csv",
    "read_csv": "csv",
    "atomic_output": "files",
    "FORMATS": "formats",
    "READABLE": "formats",
    "read_file": "formats",
    "write_sessions": "formats",
    "JsonWriter": "ndjson",
    "NdjsonWriter": "ndjson",
    "write_ndjson": "ndjson",
    "ParquetWriter": "parquet",
    "arrow_schema": "parquet",
    "read_parquet": "parquet",
    "SqlWriter": "sql",
}


__getattr__ = lazy_getattr(__name__, _LAZY, globals())


__all__ = [
    "FORMATS",
    "READABLE",
    "CsvWriter",
    "JsonWriter",
    "NdjsonWriter",
    "ParquetWriter",
    "SqlWriter",
    "Writer",
    "arrow_schema",
    "atomic_output",
    "read_csv",
    "read_file",
    "read_parquet",
    "write_ndjson",
    "write_sessions",
]
