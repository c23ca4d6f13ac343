"""Reading sessions files: NDJSON, a JSON array, or Clerk's ``{"data": [...]}``.

Every record comes with the line it starts on, so messages can point at it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .errors import InputError

_WS = " \t\r\n"


def _label(source: str | Path) -> str:
    return "<stdin>" if str(source) == "-" else str(source)


def read_sessions(source: str | Path | IO[str]) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, record)`` for each record of an NDJSON or JSON file (``-`` is stdin).

    NDJSON streams line by line; a JSON document is read whole.
    """
    if isinstance(source, str | Path):
        label = _label(source)
        if str(source) == "-":
            yield from _read_stream(sys.stdin, label)
            return
        try:
            with open(source, encoding="utf-8") as f:
                yield from _read_stream(f, label)
        except FileNotFoundError:
            raise InputError(f"{label}: no such file") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{label}: not UTF-8 text ({exc.reason})") from None
    else:
        yield from _read_stream(source, getattr(source, "name", "<stream>"))


def _read_stream(f: IO[str], label: str) -> Iterator[tuple[int, Any]]:
    first = ""
    lineno = 0
    buffered: list[str] = []
    for line in f:
        lineno += 1
        buffered.append(line)
        if line.strip():
            first = line.lstrip(_WS)[:1]
            break
    if not first:
        raise InputError(f"{label}: empty input: no sessions")
    if first == "[" or (first == "{" and not _is_one_line_object(buffered[-1])):
        text = "".join(buffered) + f.read()
        yield from _read_document(text, label)
        return
    start = lineno
    yield from _ndjson_lines(buffered[-1:], start, label)
    yield from _ndjson_lines(f, start + 1, label)


def _is_one_line_object(line: str) -> bool:
    """A session on one line (NDJSON), not a one-line ``{"data": [...]}`` response."""
    try:
        doc = json.loads(line)
    except json.JSONDecodeError:
        return False
    return isinstance(doc, dict) and not (isinstance(doc.get("data"), list) and "object" not in doc)


def _ndjson_lines(lines: Any, start: int, label: str) -> Iterator[tuple[int, Any]]:
    for n, line in enumerate(lines, start):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{label}: line {n}: not valid JSON ({exc.msg})") from None


def _read_document(text: str, label: str) -> Iterator[tuple[int, Any]]:
    decoder = json.JSONDecoder()
    try:
        doc, _ = decoder.raw_decode(text, len(text) - len(text.lstrip(_WS)))
    except json.JSONDecodeError as exc:
        raise InputError(f"{label}: line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if isinstance(doc, dict) and isinstance(doc.get("data"), list):
        body_start = text.index("[", text.index('"data"'))
    elif isinstance(doc, list):
        body_start = text.index("[")
    else:
        raise InputError(f"{label}: expected NDJSON, a JSON array, or an object with a data array")
    # Walk the array again to know the line each element starts on.
    pos = body_start + 1
    line, counted = 1, 0
    while True:
        while pos < len(text) and text[pos] in _WS + ",":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            return
        obj, end = decoder.raw_decode(text, pos)
        line += text.count("\n", counted, pos)
        counted = pos
        yield line, obj
        pos = end
