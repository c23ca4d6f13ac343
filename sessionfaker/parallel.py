"""One run spread over processes (``--jobs``) and machines (``--shard``).

A run is the index range ``[start, start + count)`` of a (profile, seed)
pair, and session ``k`` depends on nothing but the seed, the profile and
``k``. So a run can be cut anywhere: :func:`shard_range` gives the ``i``-th
of ``k`` contiguous slices (the slices of ``k`` machines, concatenated in
order, are the single-machine output), and :func:`write_ndjson` splits its
range into units that worker processes generate side by side, writing each
unit in run order.

>>> shard_range(0, 10, 2, 3)
(3, 3)
>>> [shard_range(0, 10, i, 3) for i in (1, 2, 3)]
[(0, 3), (3, 3), (6, 4)]
"""

from __future__ import annotations

import io
import multiprocessing
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from multiprocessing import reduction
from typing import IO, Any, TypeVar

from .errors import InvalidArgument
from .generator import BATCH, Generator
from .profile import Profile

# Sessions per task: large enough that handing out tasks costs nothing
# measurable, small enough that a worker holds only a few MB of output.
UNIT = 8 * BATCH

_T = TypeVar("_T")


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


def parse_shard(text: str) -> tuple[int, int]:
    """A ``--shard`` value ``I/K``: slice ``I`` (1 to K) of ``K``.

    >>> parse_shard("2/8")
    (2, 8)
    >>> parse_shard("3/2")
    Traceback (most recent call last):
    ...
    sessionfaker.errors.InvalidArgument: --shard: expected I/K with 1 <= I <= K, such as 2/8 ('3/2')
    """
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
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


def units(start: int, count: int, size: int = UNIT) -> list[tuple[int, int]]:
    """``(first, n)`` pieces of ``size`` sessions covering the run, in order."""
    stop = start + count
    return [(first, min(size, stop - first)) for first in range(start, stop, size)]


def write_ndjson(
    stream: IO[bytes],
    profile: Profile,
    seed: int | str = 0,
    *,
    start: int = 0,
    count: int,
    jobs: int = 1,
    int64_as_string: bool = False,
) -> int:
    """Write sessions ``start`` to ``start + count - 1`` as NDJSON to
    ``stream`` with ``jobs`` worker processes; returns the count.

    The bytes are the same for every ``jobs``. With one job the sessions are
    made in this process. With more, each worker makes units of
    :data:`UNIT` sessions; when ``stream`` is backed by a file descriptor
    (a file, a pipe, stdout) each worker writes its units to it itself, in
    run order, so this process copies nothing; otherwise (an in-memory
    stream) the units come back here and are written in order.

    >>> import io
    >>> from sessionfaker.profile import load_profile
    >>> p = load_profile(now="2026-11-01T00:00:00Z")
    >>> out = io.BytesIO()
    >>> write_ndjson(out, p, seed=1, count=3)
    3
    >>> out.getvalue().count(b"\\n")
    3
    """
    jobs = parse_jobs(jobs)
    if start < 0 or count < 0:
        raise InvalidArgument(f"expected start >= 0 and count >= 0 ({start}, {count})")
    tasks = units(start, count)
    jobs = min(jobs, len(tasks))
    if jobs <= 1:
        for chunk in Generator(profile, seed).ndjson(start, count, int64_as_string=int64_as_string):
            stream.write(chunk)
        return count
    fd = _fileno(stream)
    ctx = multiprocessing.get_context("spawn")
    if fd is None:
        with ProcessPoolExecutor(
            jobs, mp_context=ctx, initializer=_init, initargs=(profile, seed, int64_as_string)
        ) as pool:
            for chunks in _ordered(pool, _make_unit, tasks, 2 * jobs):
                for chunk in chunks:
                    stream.write(chunk)
        return count
    stream.flush()
    turn = ctx.Condition()
    next_unit = ctx.Value("q", 0, lock=False)
    pool = ProcessPoolExecutor(
        jobs,
        mp_context=ctx,
        initializer=_init,
        initargs=(profile, seed, int64_as_string, _Fd(fd), turn, next_unit),
    )
    numbered = list(enumerate(tasks))
    try:
        for _ in _ordered(pool, _write_unit, numbered, 2 * jobs):
            pass
    except BaseException:
        # Workers waiting for their turn give up; none writes past the failure.
        with turn:
            next_unit.value = -1
            turn.notify_all()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return count


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _fileno(stream: IO[bytes]) -> int | None:
    if os.name != "posix":  # descriptors are passed to workers the POSIX way
        return None
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None
    return fd if isinstance(fd, int) and fd >= 0 else None


def _ordered(
    pool: ProcessPoolExecutor, fn: Callable[[Any], _T], tasks: Sequence[Any], window: int
) -> Iterator[_T]:
    """``map(fn, tasks)`` on the pool, in order, with at most ``window``
    tasks in flight (so results waiting to be written stay few)."""
    it: Iterable[Any] = iter(tasks)
    pending: deque[Future[_T]] = deque(pool.submit(fn, t) for t in islice(it, window))
    while pending:
        result = pending.popleft().result()
        for t in islice(it, 1):
            pending.append(pool.submit(fn, t))
        yield result


class _Fd:
    """A file descriptor that a spawned worker receives as the same open file."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __reduce__(self) -> tuple[Callable[..., int], tuple[Any]]:
        # DupFd passes the descriptor itself to the child being spawned
        # (the way multiprocessing passes its own pipes).
        return _detach, (reduction.DupFd(self.fd),)


def _detach(dup: Any) -> int:
    return int(dup.detach())


# -- in the worker processes


class _Stopped(Exception):
    """This worker's turn will not come: the run failed elsewhere."""


_worker: dict[str, Any] = {}


def _init(
    profile: Profile,
    seed: int | str,
    int64_as_string: bool,
    fd: Any = None,  # an int once received (an _Fd when sent)
    turn: Any = None,
    next_unit: Any = None,
) -> None:
    _worker.update(
        generator=Generator(profile, seed),
        int64_as_string=int64_as_string,
        fd=fd,
        turn=turn,
        next_unit=next_unit,
    )


def _make_unit(task: tuple[int, int]) -> list[bytes]:
    first, n = task
    g: Generator = _worker["generator"]
    return list(g.ndjson(first, n, int64_as_string=_worker["int64_as_string"]))


def _write_unit(task: tuple[int, tuple[int, int]]) -> int:
    number, (first, n) = task
    g: Generator = _worker["generator"]
    buffer: _Buffer = _worker.setdefault("buffer", _Buffer())
    buffer.clear()
    for chunk in g.ndjson(first, n, int64_as_string=_worker["int64_as_string"]):
        buffer.add(chunk)
    turn, next_unit = _worker["turn"], _worker["next_unit"]
    with turn:
        while next_unit.value != number:
            if next_unit.value < 0:
                raise _Stopped("another worker failed")
            turn.wait(1.0)
    _write_all(_worker["fd"], buffer.view())
    with turn:
        next_unit.value = number + 1
        turn.notify_all()
    return n


class _Buffer:
    """A unit's output, held until the worker's turn comes, in memory that
    is reused from unit to unit: fresh pages for every unit would cost more
    than the generation saves (about 2 µs a page on these machines)."""

    def __init__(self) -> None:
        self.data = bytearray(1 << 20)
        self.size = 0

    def clear(self) -> None:
        self.size = 0

    def add(self, chunk: bytes) -> None:
        end = self.size + len(chunk)
        if end > len(self.data):
            self.data.extend(bytes(max(end, 2 * len(self.data)) - len(self.data)))
        self.data[self.size : end] = chunk
        self.size = end

    def view(self) -> memoryview:
        return memoryview(self.data)[: self.size]


def _write_all(fd: int, data: memoryview) -> None:
    """Write all of ``data``, however short each write turns out."""
    while data:
        data = data[os.write(fd, data) :]
