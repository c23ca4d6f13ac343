"""The sessions a server starts with: generated from a profile, or read
from a table that ``sessionfaker seed`` wrote."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice

import orjson

from ..db import SeedError, connect, first_line, redact
from ..errors import InvalidArgument, SessionfakerError
from ..generator import Generator
from ..profile import Profile
from .state import Sessions, wall_clock_ms
from .store import Store

# Sessions per piece of text handed to the store: large enough that
# numpy's per-call cost vanishes.
CHUNK = 2048


def from_profile(
    profile: Profile,
    count: int,
    *,
    seed: int | str = 0,
    clock: Callable[[], int] = wall_clock_ms,
) -> Sessions:
    """Sessions ``0`` to ``count - 1`` of ``(profile, seed)``, byte for byte
    what ``generate`` writes for the same options."""
    if count < 0:
        raise InvalidArgument(f"count must be >= 0 ({count})")
    store = Store.build(Generator(profile, seed).ndjson(0, count, chunk=CHUNK))
    return Sessions(store, profile, seed=seed, clock=clock)


def from_table(
    url: str,
    profile: Profile,
    *,
    table: str = "sessions",
    seed: int | str = 0,
    clock: Callable[[], int] = wall_clock_ms,
) -> Sessions:
    """The sessions in ``table`` at ``url`` (as ``sessionfaker seed`` wrote
    them); ``profile`` gives sessions created later their lifetimes."""
    try:
        with connect(url) as sink:
            if sink.columns(table) is None:
                raise SeedError(f"no table {table} at {redact(url)}")
            store = Store.build(_ndjson(sink.read(table)))
    except SessionfakerError:
        raise
    except ValueError as exc:
        raise SeedError(f"table {table} at {redact(url)}: {exc}") from None
    except Exception as exc:
        raise SeedError(f"reading {table} at {redact(url)}: {first_line(exc)}") from None
    return Sessions(store, profile, seed=seed, clock=clock)


def _ndjson(sessions: Iterator[dict[str, object]]) -> Iterator[bytes]:
    while batch := list(islice(sessions, CHUNK)):
        yield b"".join(orjson.dumps(s, option=orjson.OPT_APPEND_NEWLINE) for s in batch)
