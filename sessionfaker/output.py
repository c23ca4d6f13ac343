"""Writing sessions: formats that stream, and files that appear atomically.

A format is a writer class registered in :data:`FORMATS`; each takes a
binary stream and writes sessions one at a time, so memory stays flat
whatever the count. :func:`atomic_output` makes a file appear only once it
is complete: an interrupted run leaves the previous file (or none).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, ClassVar

import orjson

from .schema import Structure, int64_as_strings, load_structure


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


FORMATS: dict[str, type[Writer]] = {w.name: w for w in (NdjsonWriter, JsonWriter)}


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
