"""CSV: a header row, then one record per session, through the stdlib :mod:`csv`.

Strings and nested values (JSON text) are quoted, numbers and booleans
(``true``/``false``) are bare, and null is an empty unquoted field, so an
empty string (``""``) and null stay apart: PostgreSQL's ``COPY ... (FORMAT
csv)`` reads the file as it is. Reading back, an empty field is null where
the field is nullable and an empty string where it is not.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from ..errors import InputError
from ..schema import Field, Structure, load_structure
from .base import Writer, no_int64_as_string


class _Bare(str):
    """Text that ``QUOTE_NONNUMERIC`` writes unquoted: :mod:`csv` quotes every
    field that is not a number, and this one says it is (``__float__``)."""

    __slots__ = ()

    def __float__(self) -> float:  # pragma: no cover - only its presence matters
        return 0.0


_TRUE = _Bare("true")
_FALSE = _Bare("false")


def _cell(f: Field, null: _Bare) -> Callable[[Any], Any]:
    if f.nested:
        return lambda v: null if v is None else orjson.dumps(v).decode()
    if f.type == "boolean":
        return lambda v: null if v is None else (_TRUE if v else _FALSE)
    if f.type == "integer":
        return lambda v: null if v is None else int(v)
    return lambda v: null if v is None else v


def csv_cells(
    structure: Structure | None = None, null: str = ""
) -> Callable[[dict[str, Any]], list[Any]]:
    """A function turning a session into the cells of its CSV record; null is
    written as ``null``, unquoted (MySQL's ``LOAD DATA`` wants ``NULL``)."""
    s = structure or load_structure()
    pairs = [(f.name, _cell(f, _Bare(null))) for f in s.fields]
    return lambda session: [cell(session[name]) for name, cell in pairs]


def csv_text(
    sessions: Iterable[dict[str, Any]], structure: Structure | None = None, null: str = ""
) -> str:
    """The CSV records of ``sessions`` (no header), as PostgreSQL's COPY reads them."""
    buf = io.StringIO()
    cells = csv_cells(structure, null)
    csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(
        map(cells, sessions)
    )
    return buf.getvalue()


class CsvWriter(Writer):
    """A header row, then one record per session (see the module's docstring)."""

    name = "csv"
    suffix = ".csv"

    def __init__(self, stream: IO[bytes], *, int64_as_string: bool = False, **kw: Any) -> None:
        no_int64_as_string(self.name, int64_as_string)
        super().__init__(stream, **kw)

    def open(self) -> None:
        self.stream.write((",".join(self.structure.names) + "\n").encode())

    def write_batch(self, sessions: list[dict[str, Any]]) -> None:
        self.stream.write(csv_text(sessions, self.structure).encode())


def _decoder(f: Field, label: str) -> Callable[[str, int], Any]:
    def decode(text: str, line: int) -> Any:
        if text == "":
            return None if f.nullable else ("" if f.type == "string" else _bad(text, line))
        if f.type == "string":
            return text
        try:
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
            return _bad(text, line)

    def _bad(text: str, line: int) -> Any:
        raise InputError(f"{label}: line {line}: {f.name}: not a valid {f.type} ({text[:40]!r})")

    return decode


def read_csv(
    stream: IO[str], label: str = "<csv>", structure: Structure | None = None
) -> Iterator[dict[str, Any]]:
    """The sessions of a CSV file written by :class:`CsvWriter`, in order.

    ``stream`` is opened with ``newline=""``; errors name ``label`` and the
    line a record starts on.
    """
    s = structure or load_structure()
    reader = csv.reader(stream, strict=True)
    try:
        header = next(reader, None)
        if header != list(s.names):
            raise InputError(f"{label}: line 1: expected the header {','.join(s.names)}")
        decoders = [(f.name, _decoder(f, label)) for f in s.fields]
        start = reader.line_num + 1
        for record in reader:
            if record:
                if len(record) != len(decoders):
                    raise InputError(
                        f"{label}: line {start}: expected {len(decoders)} fields, "
                        f"found {len(record)}"
                    )
                yield {
                    name: dec(text, start)
                    for (name, dec), text in zip(decoders, record, strict=True)
                }
            start = reader.line_num + 1
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise InputError(f"{label}: line {start}: unterminated quoted field") from None
        raise InputError(f"{label}: line {start}: malformed CSV ({exc})") from None


def read_csv_path(path: str | Path) -> Iterator[dict[str, Any]]:
    """The sessions of the CSV file at ``path`` (see :func:`read_csv`)."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            yield from read_csv(f, str(path))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
