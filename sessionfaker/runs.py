"""A run and its slices: the index range ``[start, start + count)`` of a
(profile, seed) pair, cut for machines (``--shard``), processes (``--jobs``)
and Dask partitions.

Session ``k`` depends on nothing but the seed, the profile and ``k``, so a
run can be cut anywhere: :func:`shard_range` gives the ``i``-th of ``k``
contiguous slices (the slices of ``k`` machines, concatenated in order, are
the single-machine output), and :func:`units` cuts a range into pieces,
lazily, so a run of 10**12 sessions starts at once.

>>> shard_range(0, 10, 2, 3)
(3, 3)
>>> [shard_range(0, 10, i, 3) for i in (1, 2, 3)]
[(0, 3), (3, 3), (6, 4)]
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from .errors import InvalidArgument
from .generator import BATCH

# Sessions per task: large enough that handing out tasks costs nothing
# measurable, small enough that a worker holds only a few MB of output.
UNIT = 8 * BATCH
# Session indices are 64-bit in the generator's columns.
MAX_INDEX = 2**63 - 1


def check_range(start: int, count: int) -> None:
    """Refuse a run that does not fit the generator's 64-bit session indices.

    >>> check_range(0, 10**30)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sessionfaker.errors.InvalidArgument: -n 1000...000: too many sessions: ...
    """
    if start < 0 or count < 0:
        raise InvalidArgument(f"expected start >= 0 and count >= 0 ({start}, {count})")
    if start + count > MAX_INDEX:
        raise InvalidArgument(
            f"-n {count}: too many sessions: --start + -n must be at most {MAX_INDEX}"
        )


def parse_jobs(text: str | int) -> int:
    """A ``--jobs`` value: a whole number of worker processes, at least 1.

    >>> parse_jobs("0")
    Traceback (most recent call last):
    ...
    sessionfaker.errors.InvalidArgument: --jobs: expected a number of processes >= 1 ('0')
    """
    value = text if isinstance(text, int) else _int(str(text))
    if value is None or value < 1:
        raise InvalidArgument(f"--jobs: expected a number of processes >= 1 ({str(text)!r})")
    return value


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask where there is one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def worker_count(jobs: int, count: int, size: int = UNIT) -> int:
    """The processes worth starting for ``jobs`` over ``count`` sessions:
    no more than the CPUs available, nor than the units of work."""
    return max(1, min(jobs, available_cpus(), -(-count // size)))


def parse_shard(text: str) -> tuple[int, int]:
    """A ``--shard`` value ``I/K``: slice ``I`` (1 to K) of ``K``.

    >>> parse_shard("2/8")
    (2, 8)
    >>> parse_shard("3/2")
    Traceback (most recent call last):
    ...
    sessionfaker.errors.InvalidArgument: --shard: expected I/K with 1 <= I <= K, such as 2/8 ('3/2')
    """
    m = re.fullmatch(r"\s*(\d{1,18})\s*/\s*(\d{1,18})\s*", text)
    if m is None or not 1 <= int(m[1]) <= int(m[2]):
        raise InvalidArgument(f"--shard: expected I/K with 1 <= I <= K, such as 2/8 ({text!r})")
    return int(m[1]), int(m[2])


def shard_range(start: int, count: int, index: int, of: int) -> tuple[int, int]:
    """``(first, n)`` of slice ``index`` (1 to ``of``) of the run
    ``[start, start + count)``: contiguous slices whose sizes differ by at
    most one, in order, that together are the whole run."""
    if not 1 <= index <= of:
        raise InvalidArgument(f"shard {index} of {of} does not exist (expected 1 to {of})")
    if start < 0 or count < 0:
        raise InvalidArgument(f"expected start >= 0 and count >= 0 ({start}, {count})")
    lo = (index - 1) * count // of
    hi = index * count // of
    return start + lo, hi - lo


def units(start: int, count: int, size: int = UNIT) -> Iterator[tuple[int, int]]:
    """``(first, n)`` pieces of ``size`` sessions covering the run, in order, lazily."""
    stop = start + count
    for first in range(start, stop, size):
        yield first, min(size, stop - first)


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None
