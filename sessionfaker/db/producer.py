"""The generating process of a parallel seed: ``python -m sessionfaker.db.producer``.

It reads a pickled ``(run, encode, batch_size)`` on stdin and writes frames
on stdout: a header of two big-endian 64-bit integers (rows, payload
length), then the pickled payload. A header of ``(0, 0)`` ends the stream;
``(-1, n)`` carries an error message. A fresh interpreter, unlike
``multiprocessing``, never re-imports the caller's ``__main__``, so seeding
works the same from a script, a notebook or standard input.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
from collections.abc import Callable
from itertools import islice
from typing import IO, Any

HEADER = struct.Struct(">qQ")
DONE = 0
ERROR = -1


def _frame(out: IO[bytes], rows: int, payload: Any) -> None:
    body = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(HEADER.pack(rows, len(body)))
    out.write(body)
    out.flush()


def produce(
    run: Any, encode: Callable[[list[dict[str, Any]]], Any], size: int, out: IO[bytes]
) -> None:
    it = iter(run)
    while batch := list(islice(it, size)):
        _frame(out, len(batch), encode(batch))
    out.write(HEADER.pack(DONE, 0))
    out.flush()


def main() -> None:
    # Ctrl-C reaches the whole process group: the parent decides what to do,
    # and this process stops when the parent closes the pipe or ends it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = sys.stdout.buffer
    try:
        run, encode, size = pickle.load(sys.stdin.buffer)
        produce(run, encode, size, out)
    except BrokenPipeError:
        pass
    except Exception as exc:
        with contextlib.suppress(OSError):
            _frame(out, ERROR, f"{type(exc).__name__}: {exc}")
    # Skip interpreter teardown, which would flush into a closed pipe.
    os._exit(0)


if __name__ == "__main__":
    main()
