"""What every file format shares: the streaming :class:`Writer` and batching."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import IO, Any, ClassVar, TypeVar

import orjson

from ..errors import InvalidArgument
from ..schema import Structure, int64_as_strings, load_structure

T = TypeVar("T")
Progress = Callable[[int], None]


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter), lazily."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


class Writer:
    """Base class of the streaming format writers.

    A writer takes a binary stream and writes sessions one bounded batch at a
    time, so memory stays flat whatever the count. A new format is a subclass
    with a ``name`` and a ``suffix``, listed in :data:`sessionfaker.sinks.FORMATS`.
    """

    name: ClassVar[str] = ""
    suffix: ClassVar[str] = ""
    batch_size: int = 1024

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

    def write_batch(self, sessions: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def write(self, session: dict[str, Any]) -> None:
        self.write_batch([session])

    def close(self) -> None:
        """Write whatever comes after the last session."""

    def write_all(
        self, sessions: Iterable[dict[str, Any]], progress: Progress | None = None
    ) -> int:
        self.open()
        n = 0
        for batch in batches(sessions, self.batch_size):
            self.write_batch(batch)
            n += len(batch)
            if progress is not None:
                progress(len(batch))
        self.close()
        return n


def no_int64_as_string(name: str, int64_as_string: bool) -> None:
    if int64_as_string:
        raise InvalidArgument(f"int64_as_string applies to the ndjson and json formats, not {name}")


@contextlib.contextmanager
def uninterrupted(*, swallow: bool) -> Iterator[None]:
    """Hold Ctrl-C off while the block runs (a commit, a clean-up), so it is
    never cut in half. A Ctrl-C that came meanwhile is then delivered, or
    dropped with ``swallow`` (the commit it would have interrupted is done)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        if swallow and signal.SIGINT in signal.sigpending():
            signal.sigtimedwait({signal.SIGINT}, 0)
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
