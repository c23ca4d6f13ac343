"""The worker processes of ``write_ndjson(..., jobs=J)``.

Each worker makes units of :data:`~sessionfaker.runs.UNIT` sessions. When the
stream is backed by a file descriptor (a file, a pipe, stdout) each worker
writes its units to it itself, in run order, so this process copies
nothing; otherwise (an in-memory stream) the units come back here and are
written in order. Units are handed out lazily, a few ahead of the writer,
so a run of any length starts at once. Workers ignore Ctrl-C: this process
stops them, and says so once.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from multiprocessing import reduction
from typing import IO, Any, TypeVar

from ..generator import Generator
from ..profile import Profile
from .base import uninterrupted

_T = TypeVar("_T")


def write_parallel(
    stream: IO[bytes],
    profile: Profile,
    seed: int | str,
    tasks: Iterator[tuple[int, int]],
    jobs: int,
    int64_as_string: bool,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write ``tasks`` (``(first, n)`` units, in run order) with ``jobs`` workers."""
    fd = _fileno(stream)
    ctx = multiprocessing.get_context("spawn")
    if fd is None:
        with ProcessPoolExecutor(
            jobs, mp_context=ctx, initializer=_init, initargs=(profile, seed, int64_as_string)
        ) as pool:
            for n, chunks in _ordered(pool, _make_unit, tasks, 2 * jobs):
                for chunk in chunks:
                    stream.write(chunk)
                if progress is not None:
                    progress(n)
        return
    stream.flush()
    turn = ctx.Condition()
    next_unit = ctx.Value("q", 0, lock=False)
    pool = ProcessPoolExecutor(
        jobs,
        mp_context=ctx,
        initializer=_init,
        initargs=(profile, seed, int64_as_string, _Fd(fd), turn, next_unit),
    )
    try:
        for n in _ordered(pool, _write_unit, enumerate(tasks), 2 * jobs):
            if progress is not None:
                progress(n)
    except BaseException:
        # Workers waiting for their turn give up; none writes past the failure.
        with turn:
            next_unit.value = -1
            turn.notify_all()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _fileno(stream: IO[bytes]) -> int | None:
    if os.name != "posix":  # descriptors are passed to workers the POSIX way
        return None
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None
    return fd if isinstance(fd, int) and fd >= 0 else None


def _ordered(
    pool: ProcessPoolExecutor, fn: Callable[[Any], _T], tasks: Iterable[Any], window: int
) -> Iterator[_T]:
    """``map(fn, tasks)`` on the pool, in order, with at most ``window``
    tasks in flight (so results waiting to be written stay few)."""
    it: Iterable[Any] = iter(tasks)
    # The first submissions start the workers: with SIGINT blocked from their
    # first instruction (a Ctrl-C during their start-up would print a
    # traceback each). Blocked, not ignored: a Ctrl-C that lands meanwhile
    # stays pending here and stops the run once they are started. Spawned
    # workers inherit the mask; _init ignores SIGINT, then unblocks it.
    with uninterrupted(swallow=False):
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
    # Ctrl-C reaches the whole process group: the parent stops the run.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _worker.update(
        generator=Generator(profile, seed),
        int64_as_string=int64_as_string,
        fd=fd,
        turn=turn,
        next_unit=next_unit,
    )


def _make_unit(task: tuple[int, int]) -> tuple[int, list[bytes]]:
    first, n = task
    g: Generator = _worker["generator"]
    return n, list(g.ndjson(first, n, int64_as_string=_worker["int64_as_string"]))


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
