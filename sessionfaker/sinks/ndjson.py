"""NDJSON and JSON: Clerk's wire format.

:func:`write_ndjson` is the one way a run is written as NDJSON, whether by
this process, by ``--jobs`` worker processes (:mod:`.jobs`) or by a Dask
partition (:mod:`sessionfaker.dask`): it streams
:meth:`~sessionfaker.generator.Generator.ndjson`, which encodes straight
from the generator's columns. :class:`NdjsonWriter` writes any iterable of
session dicts (user ids remapped, sessions read from elsewhere) in the same
bytes.

>>> import io
>>> from sessionfaker.profile import load_profile
>>> p = load_profile(now="2026-11-01T00:00:00Z")
>>> out = io.BytesIO()
>>> write_ndjson(out, p, seed=1, count=3)
3
>>> out.getvalue().count(b"\\n")
3
"""

from __future__ import annotations

from typing import IO, Any

import orjson

from ..generator import Generator
from ..profile import Profile
from ..runs import check_range, parse_jobs, units, worker_count
from ..schema import int64_as_strings
from .base import Progress, Writer


def write_ndjson(
    stream: IO[bytes],
    profile: Profile,
    seed: int | str = 0,
    *,
    start: int = 0,
    count: int,
    jobs: int = 1,
    int64_as_string: bool = False,
    progress: Progress | None = None,
) -> int:
    """Write sessions ``start`` to ``start + count - 1`` as NDJSON to
    ``stream``; returns the count.

    The bytes are the same for every ``jobs``. With more than one, units of
    :data:`~sessionfaker.runs.UNIT` sessions are made by worker processes
    (no more than the CPUs available, see :func:`~sessionfaker.runs.worker_count`)
    and written in run order. The units are cut lazily: output starts at
    once, and memory stays flat, whatever ``count``. ``progress`` is called
    with each number of sessions written.
    """
    jobs = parse_jobs(jobs)
    check_range(start, count)
    workers = worker_count(jobs, count)
    if workers <= 1:
        for chunk in Generator(profile, seed).ndjson(start, count, int64_as_string=int64_as_string):
            stream.write(chunk)
            if progress is not None:
                progress(chunk.count(b"\n"))
        return count
    from .jobs import write_parallel

    write_parallel(stream, profile, seed, units(start, count), workers, int64_as_string, progress)
    return count


class NdjsonWriter(Writer):
    """One session per line: the bytes :func:`write_ndjson` writes, from dicts."""

    name = "ndjson"
    suffix = ".ndjson"

    def write_batch(self, sessions: list[dict[str, Any]]) -> None:
        enc = self.encode
        self.stream.write(b"\n".join([enc(s) for s in sessions]) + b"\n")


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

    def write_batch(self, sessions: list[dict[str, Any]]) -> None:
        for session in sessions:
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
