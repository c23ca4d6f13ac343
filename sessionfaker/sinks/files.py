"""Output targets: regular files appear atomically, special files are written in place.

:func:`atomic_output` makes a regular file appear only once it is complete:
an interrupted or failed run leaves the previous file (or none), and no
temporary file. A character device (``/dev/null``, a terminal), a FIFO or
a socket is opened and written in place, never replaced by a regular file;
a symlink is followed, so its target is written and the link stays. Every
failure is one :class:`~sessionfaker.errors.OutputError` line naming the
path the user gave, never a temporary name.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ..errors import InvalidArgument, OutputError


def _new_file_mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _failed(shown: str, exc: OSError) -> OutputError:
    return OutputError(f"{shown}: cannot write ({exc.strerror or type(exc).__name__})")


@contextlib.contextmanager
def _guarded(shown: str) -> Iterator[None]:
    try:
        yield
    except (OutputError, BrokenPipeError):
        raise  # a reader that went away is the caller's to judge
    except OSError as exc:
        raise _failed(shown, exc) from None


@contextlib.contextmanager
def atomic_output(path: str | Path | None) -> Iterator[IO[bytes]]:
    """A binary stream to ``path`` (stdout when None or ``-``).

    A regular file (new or existing) is replaced only when the block
    finishes without an exception; anything else that exists there (a
    device, a FIFO) is written in place.
    """
    if path is None or str(path) == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    shown = str(path)
    # Follow a symlink: its target is what the user means to write.
    target = Path(os.path.realpath(path))
    with _guarded(shown):
        try:
            mode = os.stat(target).st_mode
        except FileNotFoundError:
            mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise InvalidArgument(f"{shown}: is a directory")
    if mode is not None and not stat.S_ISREG(mode):
        with _guarded(shown), open(target, "wb") as special:
            yield special
        return
    with _guarded(shown):
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with _guarded(shown):
            # mkstemp makes the file 0600: give it the mode a plain open() would.
            os.fchmod(fd, _new_file_mode(target))
            with os.fdopen(fd, "wb") as f:
                yield f
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
