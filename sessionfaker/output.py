"""Writing sessions: formats that stream, and files that appear atomically.

A format is a writer class registered in :data:`FORMATS`; each takes a
binary stream and writes sessions one at a time (or one bounded batch at a
time), so memory stays flat whatever the count. Each format reads back:
:func:`read_file` yields the same sessions that were written (SQL reads back
through its engine, see :mod:`sessionfaker.db`). :func:`atomic_output` makes
a file appear only once it is complete: an interrupted run leaves the
previous file (or none).

Formats: ``ndjson`` and ``json`` (Clerk's wire format), ``csv`` (a header
row, strings quoted, null as an empty unquoted field, nested objects as JSON
text: PostgreSQL's ``COPY ... CSV`` reads it as is), ``sql`` (a
``CREATE TABLE IF NOT EXISTS`` and multi-row ``INSERT`` statements in one
transaction, for SQLite, PostgreSQL or MySQL/MariaDB) and ``parquet`` (the
``parquet`` extra; nested objects are JSON text in columns of Arrow's
``arrow.json`` type, which Parquet stores as ``JSON`` logical-type strings).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any, ClassVar

import orjson

from . import sql
from .errors import InputError, InvalidArgument, require_extra
from .reader import read_sessions
from .schema import Field, Structure, int64_as_strings, load_structure


class Writer:
    """Base class of the streaming format writers."""

    name: ClassVar[str] = ""
    suffix: ClassVar[str] = ""

    def __init__(self, stream: IO[bytes], *, int64_as_string: bool = False, **_: Any) -> None:
        self.stream = stream
        self.int64_as_string = int64_as_string
        self.structure: Structure = load_structure()

    def encode(self, session: dict[str, Any]) -> bytes:
        if self.int64_as_string:
            session = int64_as_strings(session, self.structure)
        return orjson.dumps(session)

    def open(self) -> None:
        """Write whatever comes before the first session."""

    def write(self, session: dict[str, Any]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Write whatever comes after the last session."""

    def write_all(self, sessions: Iterable[dict[str, Any]]) -> int:
        self.open()
        n = 0
        for s in sessions:
            self.write(s)
            n += 1
        self.close()
        return n


class NdjsonWriter(Writer):
    name = "ndjson"
    suffix = ".ndjson"

    def write(self, session: dict[str, Any]) -> None:
        self.stream.write(self.encode(session) + b"\n")

    def write_all(self, sessions: Iterable[dict[str, Any]]) -> int:
        # The hot path: one join per chunk instead of one write per session.
        enc = self.encode
        n = 0
        chunk: list[bytes] = []
        for s in sessions:
            chunk.append(enc(s))
            if len(chunk) == 1024:
                self.stream.write(b"\n".join(chunk) + b"\n")
                n += len(chunk)
                chunk = []
        if chunk:
            self.stream.write(b"\n".join(chunk) + b"\n")
            n += len(chunk)
        return n


class JsonWriter(Writer):
    """A JSON array, one session per line (``pretty`` indents each session)."""

    name = "json"
    suffix = ".json"

    def __init__(self, stream: IO[bytes], *, pretty: bool = False, **kw: Any) -> None:
        super().__init__(stream, **kw)
        self.pretty = pretty
        self._first = True

    def open(self) -> None:
        self.stream.write(b"[")

    def write(self, session: dict[str, Any]) -> None:
        if self.pretty:
            body = orjson.dumps(
                int64_as_strings(session, self.structure) if self.int64_as_string else session,
                option=orjson.OPT_INDENT_2,
            )
            body = b"  " + body.replace(b"\n", b"\n  ")
        else:
            body = self.encode(session)
        self.stream.write((b"\n" if self._first else b",\n") + body)
        self._first = False

    def close(self) -> None:
        self.stream.write(b"]\n" if self._first else b"\n]\n")


def _no_int64_as_string(name: str, int64_as_string: bool) -> None:
    if int64_as_string:
        raise InvalidArgument(f"int64_as_string applies to the ndjson and json formats, not {name}")


def _batches(sessions: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    it = iter(sessions)
    while batch := list(islice(it, size)):
        yield batch


# -- CSV ---------------------------------------------------------------------


def _csv_string(v: str) -> str:
    return '"' + v.replace('"', '""') + '"'


def csv_encoders(structure: Structure | None = None) -> list[Callable[[Any], str]]:
    """One function per field turning a value into its CSV text.

    Strings and JSON are always quoted and null is an empty unquoted field,
    so an empty string and null stay apart (PostgreSQL's CSV convention).
    """
    s = structure or load_structure()

    def text(v: Any) -> str:
        return "" if v is None else '"' + v.replace('"', '""') + '"'

    def integer(v: Any) -> str:
        return "" if v is None else str(int(v))

    def number(v: Any) -> str:
        return "" if v is None else repr(v)

    def boolean(v: Any) -> str:
        return "" if v is None else ("true" if v else "false")

    def nested(v: Any) -> str:
        return "" if v is None else '"' + orjson.dumps(v).decode().replace('"', '""') + '"'

    by_type = {
        "string": text,
        "integer": integer,
        "number": number,
        "boolean": boolean,
        "object": nested,
        "array": nested,
    }
    return [by_type[f.type] for f in s.fields]


def csv_rows(
    sessions: Iterable[dict[str, Any]], structure: Structure | None = None
) -> Iterator[str]:
    """Each session as one CSV record, newline included."""
    s = structure or load_structure()
    pairs = list(zip(s.names, csv_encoders(s), strict=True))
    for session in sessions:
        yield ",".join([enc(session[name]) for name, enc in pairs]) + "\n"


class CsvWriter(Writer):
    """A header row, then one record per session (see :func:`csv_encoders`)."""

    name = "csv"
    suffix = ".csv"

    def __init__(self, stream: IO[bytes], *, int64_as_string: bool = False, **kw: Any) -> None:
        _no_int64_as_string(self.name, int64_as_string)
        super().__init__(stream, **kw)

    def open(self) -> None:
        self.stream.write((",".join(self.structure.names) + "\n").encode())

    def write(self, session: dict[str, Any]) -> None:
        self.write_batch([session])

    def write_batch(self, sessions: list[dict[str, Any]]) -> None:
        self.stream.write("".join(csv_rows(sessions, self.structure)).encode())

    def write_all(self, sessions: Iterable[dict[str, Any]]) -> int:
        self.open()
        n = 0
        for batch in _batches(sessions, 1024):
            self.write_batch(batch)
            n += len(batch)
        return n


_CSV_FIELD = re.compile(r'"((?:[^"]|"")*)"|([^,"\r\n]*)')


def _split_csv(record: str, label: str, line: int) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    pos, end = 0, len(record)
    while True:
        m = _CSV_FIELD.match(record, pos)
        assert m is not None  # the second branch matches the empty string
        quoted, bare = m.group(1), m.group(2)
        out.append((quoted.replace('""', '"'), True) if quoted is not None else (bare, False))
        pos = m.end()
        if pos == end:
            return out
        if record[pos] != ",":
            raise InputError(f"{label}: line {line}: malformed CSV field at column {pos + 1}")
        pos += 1


def _csv_decoder(f: Field, label: str) -> Callable[[str, bool, int], Any]:
    def decode(text: str, quoted: bool, line: int) -> Any:
        if not quoted and text == "":
            return None
        try:
            if f.type == "string":
                return text
            if f.type == "integer":
                return int(text)
            if f.type == "number":
                return float(text)
            if f.type == "boolean":
                if text in ("true", "false"):
                    return text == "true"
                raise ValueError(text)
            return orjson.loads(text)
        except (ValueError, orjson.JSONDecodeError):
            raise InputError(
                f"{label}: line {line}: {f.name}: not a valid {f.type} ({text[:40]!r})"
            ) from None

    return decode


def read_csv(
    stream: IO[str], label: str = "<csv>", structure: Structure | None = None
) -> Iterator[dict[str, Any]]:
    """The sessions of a CSV file written by :class:`CsvWriter`, in order."""
    s = structure or load_structure()
    header = stream.readline().rstrip("\r\n")
    if header.split(",") != list(s.names):
        raise InputError(f"{label}: line 1: expected the header {','.join(s.names)}")
    decoders = [(f.name, _csv_decoder(f, label)) for f in s.fields]
    line = 1
    pending: list[str] = []
    start = 2
    for raw in stream:
        line += 1
        if not pending:
            start = line
        pending.append(raw)
        record = "".join(pending)
        if record.count('"') % 2:
            continue  # a quoted field goes on to the next line
        pending = []
        record = record.rstrip("\r\n")
        if not record:
            continue
        fields = _split_csv(record, label, start)
        if len(fields) != len(decoders):
            raise InputError(
                f"{label}: line {start}: expected {len(decoders)} fields, found {len(fields)}"
            )
        yield {
            name: dec(text, quoted, start)
            for (name, dec), (text, quoted) in zip(decoders, fields, strict=True)
        }
    if pending:
        raise InputError(f"{label}: line {start}: unterminated quoted field")


# -- SQL ---------------------------------------------------------------------


class SqlWriter(Writer):
    """A script for one engine: ``CREATE TABLE IF NOT EXISTS``, its indexes, then
    multi-row ``INSERT`` statements of ``batch_size`` rows, in one transaction."""

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
        _no_int64_as_string(self.name, int64_as_string)
        super().__init__(stream, **kw)
        self.dialect = sql.check_dialect(dialect)
        self.table = sql.check_table_name(table)
        if batch_size < 1:
            raise InvalidArgument(f"batch_size must be at least 1 ({batch_size})")
        self.batch_size = batch_size
        self._prefix = sql.insert_prefix(table, dialect, self.structure.names) + "\n"
        self._pairs = list(
            zip(self.structure.names, sql.literal_encoders(self.structure, dialect), strict=True)
        )

    def open(self) -> None:
        head = []
        if self.dialect == "mysql":
            head.append("SET NAMES utf8mb4;\n")
        head.append(
            sql.create_table_sql(self.table, self.dialect, self.structure, if_not_exists=True)
        )
        head.append("START TRANSACTION;\n" if self.dialect == "mysql" else "BEGIN;\n")
        self.stream.write("".join(head).encode())

    def write(self, session: dict[str, Any]) -> None:
        self.write_batch([session])

    def write_batch(self, sessions: list[dict[str, Any]]) -> None:
        pairs = self._pairs
        rows = ",\n".join(
            "(" + ", ".join([enc(s[name]) for name, enc in pairs]) + ")" for s in sessions
        )
        self.stream.write((self._prefix + rows + ";\n").encode())

    def close(self) -> None:
        self.stream.write(b"COMMIT;\n")

    def write_all(self, sessions: Iterable[dict[str, Any]]) -> int:
        self.open()
        n = 0
        for batch in _batches(sessions, self.batch_size):
            self.write_batch(batch)
            n += len(batch)
        self.close()
        return n


# -- Parquet -----------------------------------------------------------------


def _pyarrow() -> Any:
    require_extra("parquet", "pyarrow.parquet", "the parquet format")
    return require_extra("parquet", "pyarrow", "the parquet format")


def arrow_schema(structure: Structure | None = None) -> Any:
    """The Arrow schema of a sessions table: nested fields as ``arrow.json`` text."""
    pa = _pyarrow()
    s = structure or load_structure()
    types = {
        "string": pa.string(),
        "integer": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
        "object": pa.json_(pa.string()),
        "array": pa.json_(pa.string()),
    }
    return pa.schema(
        [pa.field(f.name, types[f.type], nullable=f.nullable) for f in s.fields],
        metadata={"sessionfaker.nested": "json"},
    )


class ParquetWriter(Writer):
    """A Parquet file, one row group per ``row_group_size`` sessions."""

    name = "parquet"
    suffix = ".parquet"

    def __init__(
        self,
        stream: IO[bytes],
        *,
        row_group_size: int = 16384,
        int64_as_string: bool = False,
        **kw: Any,
    ) -> None:
        _no_int64_as_string(self.name, int64_as_string)
        super().__init__(stream, **kw)
        self.pa = _pyarrow()
        self.schema = arrow_schema(self.structure)
        self.row_group_size = row_group_size
        self._writer: Any = None
        self._nested = {f.name for f in self.structure.fields if f.type in ("object", "array")}

    def open(self) -> None:
        self._writer = self.pa.parquet.ParquetWriter(self.stream, self.schema, compression="zstd")

    def write(self, session: dict[str, Any]) -> None:
        self.write_batch([session])

    def write_batch(self, sessions: list[dict[str, Any]]) -> None:
        pa = self.pa
        columns = []
        for f, ftype in zip(self.structure.fields, self.schema.types, strict=True):
            values = [s[f.name] for s in sessions]
            if f.name in self._nested:
                values = [None if v is None else orjson.dumps(v).decode() for v in values]
            columns.append(pa.array(values, type=ftype))
        self._writer.write_batch(
            pa.record_batch(columns, schema=self.schema), row_group_size=self.row_group_size
        )

    def close(self) -> None:
        self._writer.close()

    def write_all(self, sessions: Iterable[dict[str, Any]]) -> int:
        self.open()
        n = 0
        for batch in _batches(sessions, self.row_group_size):
            self.write_batch(batch)
            n += len(batch)
        self.close()
        return n


def read_parquet(
    source: str | Path | IO[bytes], structure: Structure | None = None
) -> Iterator[dict[str, Any]]:
    """The sessions of a Parquet file written by :class:`ParquetWriter`, in order."""
    pa = _pyarrow()
    s = structure or load_structure()
    nested = [f.name for f in s.fields if f.type in ("object", "array")]
    try:
        pf = pa.parquet.ParquetFile(source)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"{source}: not a Parquet file ({exc})") from None
    missing = [n for n in s.names if n not in pf.schema_arrow.names]
    if missing:
        raise InputError(f"{source}: missing columns {', '.join(missing)}")
    for batch in pf.iter_batches(batch_size=4096, columns=list(s.names)):
        for row in batch.to_pylist():
            for name in nested:
                v = row[name]
                if v is not None:
                    row[name] = orjson.loads(v)
            yield row


FORMATS: dict[str, type[Writer]] = {
    w.name: w for w in (NdjsonWriter, JsonWriter, CsvWriter, SqlWriter, ParquetWriter)
}
READABLE = ("ndjson", "json", "csv", "parquet")


def read_file(path: str | Path, fmt: str) -> Iterator[dict[str, Any]]:
    """The sessions of a file written in format ``fmt``, in order.

    SQL output is read back through its engine (:func:`sessionfaker.db.read_table`).
    """
    if fmt in ("ndjson", "json"):
        return (record for _, record in read_sessions(path))
    if fmt == "csv":
        return _read_csv_path(Path(path))
    if fmt == "parquet":
        return read_parquet(path)
    raise InvalidArgument(
        f"cannot read format {fmt!r} from a file (readable: {', '.join(READABLE)})"
    )


def _read_csv_path(path: Path) -> Iterator[dict[str, Any]]:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            yield from read_csv(f, str(path))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None


def _new_file_mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_output(path: str | Path | None) -> Iterator[IO[bytes]]:
    """A binary stream to ``path`` (stdout when None or ``-``) that replaces
    the target only when the block finishes without an exception."""
    if path is None or str(path) == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent or ".")
    try:
        # mkstemp makes the file 0600: give it the mode a plain open() would.
        os.fchmod(fd, _new_file_mode(target))
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_sessions(
    sessions: Iterable[dict[str, Any]],
    path: str | Path | None,
    fmt: str = "ndjson",
    **options: Any,
) -> int:
    """Write ``sessions`` to ``path`` (stdout when None) in format ``fmt``; returns the count."""
    writer_cls = FORMATS[fmt]
    with atomic_output(path) as stream:
        return writer_cls(stream, **options).write_all(sessions)
