"""The sessions a server starts with: generated from a profile, or read
from a table that ``sessionfaker seed`` wrote."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from multiprocessing import get_context

import orjson

from ..errors import InputError, InvalidArgument, SessionfakerError
from ..generator import BATCH, Generator
from ..profile import Profile
from ..schema import load_structure
from ..sinks.db.base import SeedError, first_line, redact
from ..sinks.db.registry import connect
from .state import Sessions, clock_ms
from .store import Part, Store, release_free_memory, write_part

# Sessions a part holds at least, and a part's size is a multiple of.
CHUNK = 2048


# From this many sessions on, several processes generate and read them.
PARALLEL_MIN = 200_000


def from_profile(
    profile: Profile,
    count: int,
    *,
    seed: int | str = 0,
    clock: Callable[[], int] = clock_ms,
    jobs: int | None = None,
) -> Sessions:
    """Sessions ``0`` to ``count - 1`` of ``(profile, seed)``, byte for byte
    what ``generate`` writes for the same options, made by ``jobs``
    processes (by default one per core from :data:`PARALLEL_MIN` sessions)."""
    if count < 0:
        raise InvalidArgument(f"count must be >= 0 ({count})")
    if jobs is None:
        jobs = min(os.cpu_count() or 1, 8) if count >= PARALLEL_MIN else 1
    if jobs < 1:
        raise InvalidArgument(f"jobs must be >= 1 ({jobs})")
    sessions = Sessions(_generated(profile, seed, count, jobs), profile, seed=seed, clock=clock)
    release_free_memory()  # what building them used and freed
    return sessions


def _part(profile: Profile, seed: int | str, start: int, count: int, directory: str) -> Part:
    # A generator batch per bytes object: no regrouping copy (see whole_lines).
    return write_part(Generator(profile, seed).ndjson(start, count, chunk=BATCH), directory)


def _generated(profile: Profile, seed: int | str, count: int, jobs: int) -> Store:
    """The store of a generated run, cut into ``jobs`` parts made at once: this
    process makes the last one while ``jobs - 1`` others make the rest."""
    step = -(-count // jobs // CHUNK) * CHUNK or CHUNK
    ranges = [(a, min(step, count - a)) for a in range(0, count, step)] or [(0, 0)]
    directory = tempfile.mkdtemp(prefix="sessionfaker-serve-")
    try:
        if len(ranges) == 1:
            return Store.from_parts([_part(profile, seed, 0, count, directory)])
        # fork is fast, but only safe while this process runs no other thread.
        method = "fork" if threading.active_count() == 1 else "spawn"
        with ProcessPoolExecutor(len(ranges) - 1, mp_context=get_context(method)) as pool:
            futures = [pool.submit(_part, profile, seed, a, n, directory) for a, n in ranges[:-1]]
            try:
                last = _part(profile, seed, *ranges[-1], directory)
                parts = [f.result() for f in futures] + [last]
            except BaseException:
                pool.shutdown(cancel_futures=True)
                raise
        return Store.from_parts(parts)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def from_table(
    url: str,
    profile: Profile,
    *,
    table: str = "sessions",
    seed: int | str = 0,
    clock: Callable[[], int] = clock_ms,
) -> Sessions:
    """The sessions in ``table`` at ``url`` (as ``sessionfaker seed`` wrote
    them); ``profile`` gives sessions created later their lifetimes."""
    try:
        with connect(url) as sink:
            columns = sink.columns(table)
            if columns is None:
                raise InputError(f"no table {table} at {redact(url)}")
            have = {c.name for c in columns}
            missing = [name for name in load_structure().names if name not in have]
            if missing:
                raise InputError(
                    f"table {table} at {redact(url)} does not hold sessions: "
                    f"no column {', '.join(missing)}"
                )
            store = Store.build(_ndjson(sink.read(table)))
    except SessionfakerError:
        raise
    except ValueError as exc:
        raise InputError(f"table {table} at {redact(url)}: {exc}") from None
    except Exception as exc:
        raise SeedError(f"reading {table} at {redact(url)}: {first_line(exc)}") from None
    sessions = Sessions(store, profile, seed=seed, clock=clock)
    release_free_memory()
    return sessions


def _ndjson(sessions: Iterator[dict[str, object]]) -> Iterator[bytes]:
    while batch := list(islice(sessions, CHUNK)):
        yield b"".join(orjson.dumps(s, option=orjson.OPT_APPEND_NEWLINE) for s in batch)
