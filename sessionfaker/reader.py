"""Reading sessions files: NDJSON, a JSON array, or Clerk's ``{"data": [...]}``,
and (through :mod:`sessionfaker.sinks`) the CSV and Parquet that ``generate`` writes.

Every record comes with the line (or row) it starts on, so messages can point at it.
Text is UTF-8 whatever the locale; input built to exhaust memory or the stack
(an endless line, nesting thousands deep) fails with one line.
"""

from __future__ import annotations

import io
import itertools
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from .errors import InputError

_WS = " \t\r\n"
MAX_LINE = 16 << 20
"""The longest line of NDJSON read (a session is about 1 KB); a JSON document may be longer."""


def source_label(source: str | Path) -> str:
    return "<stdin>" if str(source) == "-" else str(source)


FORMATS = ("ndjson", "json", "csv", "parquet")
"""What :func:`read_records` reads (and ``sinks.formats.READABLE``, the same tuple):
ndjson and json are told apart by content."""
_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def file_format(source: str | Path, fmt: str | None = None) -> str:
    """``fmt`` when given, else the format a file name says: CSV and Parquet by
    suffix, anything else NDJSON or JSON (``json``).

    >>> file_format("out.parquet"), file_format("x.csv", "json"), file_format("-")
    ('parquet', 'json', 'json')
    """
    if fmt is not None:
        return fmt
    return _SUFFIXES.get(Path(str(source)).suffix.lower(), "json")


def read_records(source: str | Path, fmt: str | None = None) -> Iterator[tuple[int, Any]]:
    """``(position, record)`` of every session in a file of any format
    ``generate`` writes, ``-`` being stdin: the line for NDJSON and JSON (as
    :func:`read_sessions`), the row for CSV and Parquet (see :func:`position_word`)."""
    kind = file_format(source, fmt)
    if kind not in ("csv", "parquet"):
        return read_sessions(source)
    _check_name(source)
    from .sinks import read_csv, read_file  # the sinks write what this module reads

    if str(source) != "-":
        return _numbered(read_file(source, kind), str(source))
    if kind == "parquet":
        raise InputError("<stdin>: Parquet is read from a file, not from stdin")
    return _numbered(_csv_stdin(read_csv), "<stdin>")


def _csv_stdin(read_csv: Any) -> Iterator[Any]:
    with _stdin(newline="") as stream:
        yield from read_csv(stream, "<stdin>")


@contextmanager
def _stdin(newline: str | None = None) -> Iterator[IO[str]]:
    """stdin as UTF-8 text whatever the locale (a BOM skipped), left open afterwards."""
    stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline=newline)
    try:
        yield stream
    finally:
        stream.detach()


def _numbered(records: Iterator[Any], label: str) -> Iterator[tuple[int, Any]]:
    try:
        yield from enumerate(records, 1)
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: not UTF-8 text ({exc.reason})") from None
    except IsADirectoryError:
        raise InputError(f"{label}: is a directory, not a sessions file") from None


def position_word(source: str | Path, fmt: str | None = None) -> str:
    """``line`` or ``row``: what the positions :func:`read_records` yields count."""
    return "row" if file_format(source, fmt) in ("csv", "parquet") else "line"


def _check_name(source: str | Path) -> None:
    if "\0" in str(source):  # open() would raise ValueError
        raise InputError(f"{source_label(source)!r}: not a file name (it contains a NUL byte)")


def read_sessions(source: str | Path | IO[str]) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, record)`` for each record of an NDJSON or JSON file (``-`` is stdin).

    NDJSON streams line by line; a JSON document is read whole, and must be
    the only thing in the file. Text is UTF-8 (a byte order mark is skipped).
    """
    if isinstance(source, str | Path):
        label = source_label(source)
        _check_name(source)
        try:
            if str(source) == "-":
                with _stdin() as stream:
                    yield from _read_stream(stream, label)
                return
            with open(source, encoding="utf-8-sig") as f:
                yield from _read_stream(f, label)
        except FileNotFoundError:
            raise InputError(f"{label}: no such file") from None
        except IsADirectoryError:
            raise InputError(f"{label}: is a directory, not a sessions file") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{label}: not UTF-8 text ({exc.reason})") from None
    else:
        yield from _read_stream(source, getattr(source, "name", "<stream>"))


def _read_stream(f: IO[str], label: str) -> Iterator[tuple[int, Any]]:
    first = ""
    lineno = 0
    line = ""
    while line := f.readline(MAX_LINE + 1):
        lineno += 1
        if lineno == 1:
            line = line.removeprefix("\ufeff")
        if line.strip(_WS):
            first = line.lstrip(_WS)[:1]
            break
    if not first:
        raise InputError(f"{label}: empty input: no sessions")
    if first == "[" or (first == "{" and not _is_one_line_object(line)):
        # A document, perhaps on one long line: read whole.
        yield from _read_document(line + f.read(), label, lineno)
        return
    yield from _ndjson_lines(itertools.chain([line], _lines(f)), lineno, label)


def _lines(f: IO[str]) -> Iterator[str]:
    """The lines of ``f``, each cut at :data:`MAX_LINE` + 1 characters
    (``/dev/zero`` is one endless line)."""
    while line := f.readline(MAX_LINE + 1):
        yield line


def _loads(text: str, label: str, line: int) -> Any:
    """One JSON value, with every way it can fail as an InputError."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"{label}: line {line + exc.lineno - 1}"
        if exc.msg == "Extra data":
            raise InputError(
                f"{where}: more JSON after the document ended (a file holds one JSON "
                "document, or NDJSON: one session per line)"
            ) from None
        raise InputError(f"{where}: not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise InputError(f"{label}: line {line}: nested too deeply") from None
    except ValueError:  # Python's limit on int("9" * 4301)
        raise InputError(f"{label}: line {line}: integer of more than 4300 digits") from None


def _is_one_line_object(line: str) -> bool:
    """A session on one line (NDJSON), not a one-line ``{"data": [...]}`` response."""
    try:
        doc = json.loads(line)
    except (ValueError, RecursionError):
        return False
    envelope = isinstance(doc, dict) and isinstance(doc.get("data"), list)
    return isinstance(doc, dict) and not (envelope and doc.get("object") != "session")


def _ndjson_lines(lines: Iterator[str], start: int, label: str) -> Iterator[tuple[int, Any]]:
    for n, line in enumerate(lines, start):
        if len(line) > MAX_LINE:
            raise InputError(
                f"{label}: line {n}: longer than {MAX_LINE >> 20} MiB: not a line of NDJSON"
            )
        if line.strip(_WS):
            yield n, _loads(line, label, n)


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    return pos


def _read_document(text: str, label: str, first: int) -> Iterator[tuple[int, Any]]:
    """The elements of a JSON array, or of the ``data`` array of an object,
    in ``text`` that starts on line ``first`` of the file."""
    doc = _loads(text, label, first)  # the whole document must parse, alone
    if isinstance(doc, dict) and isinstance(doc.get("data"), list):
        body_start = _data_array(text, label, first)
    elif isinstance(doc, list):
        body_start = _skip_ws(text, 0)
    else:
        raise InputError(f"{label}: expected NDJSON, a JSON array, or an object with a data array")
    del doc
    # Walk the array again to know the line each element starts on.
    decoder = json.JSONDecoder()
    pos = body_start + 1
    line, counted = first, 0
    while True:
        pos = _skip_ws(text, pos)
        if text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
        if text[pos] == "]":
            return
        obj, end = decoder.raw_decode(text, pos)
        line += text.count("\n", counted, pos)
        counted = pos
        yield line, obj
        pos = end


def _data_array(text: str, label: str, first: int) -> int:
    """Where the ``data`` array of a (valid) top-level object starts: its
    keys are decoded, so ``"\\u0064ata"`` is ``data`` too, and any keys may come first."""
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, _skip_ws(text, 0) + 1)
    found = -1
    while text[pos] != "}":
        key, pos = decoder.raw_decode(text, pos)
        pos = _skip_ws(text, _skip_ws(text, pos) + 1)  # past the colon
        if key == "data":
            if found >= 0:
                line = text.count("\n", 0, pos) + first
                raise InputError(f"{label}: line {line}: the key 'data' appears twice")
            found = pos
        _, pos = decoder.raw_decode(text, pos)
        pos = _skip_ws(text, pos)
        if text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
    return found
