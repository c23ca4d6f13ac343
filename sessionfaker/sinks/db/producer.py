"""The generating process of a parallel seed: ``python -m sessionfaker.sinks.db.producer``.

It reads a pickled ``(run, encode, batch_size)`` on stdin and writes frames
on stdout: a header of two big-endian 64-bit integers (rows, payload
length), then the pickled payload. A header of ``(0, 0)`` ends the stream;
``(-1, n)`` carries an error message. A fresh interpreter, unlike
``multiprocessing``, never re-imports the caller's ``__main__``, so seeding
works the same from a script, a notebook or standard input.
:func:`produced` is the loading side.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import subprocess
import sys
from collections.abc import Callable, Generator, Iterable
from typing import IO, Any

from ..base import batches

HEADER = struct.Struct(">qQ")
DONE = 0
ERROR = -1


def _frame(out: IO[bytes], rows: int, payload: Any) -> None:
    body = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(HEADER.pack(rows, len(body)))
    out.write(body)
    out.flush()


def produce(
    run: Iterable[dict[str, Any]],
    encode: Callable[[list[dict[str, Any]]], Any],
    size: int,
    out: IO[bytes],
) -> None:
    for batch in batches(run, size):
        _frame(out, len(batch), encode(batch))
    out.write(HEADER.pack(DONE, 0))
    out.flush()


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def produced(
    run: Iterable[dict[str, Any]], encode: Callable[[list[dict[str, Any]]], Any], size: int
) -> Generator[tuple[int, Any], None, None]:
    """``(rows, payload)`` of each batch of ``run``, generated and encoded by a
    second process; it is ended when this generator is closed."""
    from .base import SeedError  # base loads this module only when it needs it

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    proc = subprocess.Popen(
        [sys.executable, "-m", __name__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        # Ignored from its first instruction (main() is too late: a Ctrl-C
        # during start-up would print a traceback); this process ends it.
        preexec_fn=_ignore_sigint,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        pickle.dump((run, encode, size), proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        proc.stdin.close()
        while True:
            header = proc.stdout.read(HEADER.size)
            if len(header) < HEADER.size:
                raise SeedError(f"the generating process stopped (exit code {proc.wait()})")
            rows, length = HEADER.unpack(header)
            if rows == DONE:
                return
            payload = pickle.loads(proc.stdout.read(length))
            if rows == ERROR:
                raise SeedError(f"generating sessions failed: {payload}")
            yield rows, payload
    finally:
        for pipe in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                pipe.close()
        if proc.poll() is None:
            proc.terminate()
        proc.wait()


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
