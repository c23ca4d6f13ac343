"""The format registry: a name per writer, writing through atomic files,
and reading each format back."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InvalidArgument
from ..reader import FORMATS as _READ_FORMATS
from ..reader import read_sessions
from .base import Progress, Writer
from .csv import CsvWriter, read_csv_path
from .files import atomic_output
from .ndjson import JsonWriter, NdjsonWriter
from .parquet import ParquetWriter, read_parquet
from .sql import SqlWriter

READABLE = _READ_FORMATS
"""The formats :func:`read_file` reads back: :data:`sessionfaker.reader.FORMATS`."""

FORMATS: dict[str, type[Writer]] = {
    w.name: w for w in (NdjsonWriter, JsonWriter, CsvWriter, SqlWriter, ParquetWriter)
}


def read_file(path: str | Path, fmt: str) -> Iterator[dict[str, Any]]:
    """The sessions of a file written in format ``fmt``, in order.

    SQL output is read back through its engine (:func:`sessionfaker.sinks.db.read_table`).
    """
    if fmt in ("ndjson", "json"):
        return (record for _, record in read_sessions(path))
    if fmt == "csv":
        return read_csv_path(path)
    if fmt == "parquet":
        return read_parquet(path)
    raise InvalidArgument(
        f"cannot read format {fmt!r} from a file (readable: {', '.join(READABLE)})"
    )


def write_sessions(
    sessions: Iterable[dict[str, Any]],
    path: str | Path | None,
    fmt: str = "ndjson",
    *,
    progress: Progress | None = None,
    **options: Any,
) -> int:
    """Write ``sessions`` to ``path`` (stdout when None) in format ``fmt``; returns the count."""
    writer_cls = FORMATS.get(fmt)
    if writer_cls is None:
        raise InvalidArgument(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    with atomic_output(path) as stream:
        return writer_cls(stream, **options).write_all(sessions, progress)
