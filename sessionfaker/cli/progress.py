"""Progress and summaries on stderr, only when stderr is a terminal."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import click


def on_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def progress(count: int, label: str, quiet: bool = False) -> Iterator[Callable[[int], None] | None]:
    """A progress bar of ``count`` steps on stderr when it is a terminal (stdout
    stays clean); None otherwise."""
    if quiet or count == 0 or not on_terminal():
        yield None
        return
    with click.progressbar(
        length=count, label=label, file=sys.stderr, show_pos=True, show_eta=True
    ) as bar:
        yield bar.update


def summary(text: str, quiet: bool = False) -> None:
    """A closing line on stderr, when it is a terminal."""
    if not quiet and on_terminal():
        click.echo(text, err=True)


class Stopwatch:
    def __init__(self) -> None:
        self.t0 = time.perf_counter()

    def rate(self, n: int, what: str) -> str:
        s = time.perf_counter() - self.t0
        return f"{n:,} {what} in {s:.2f} s: {n / s if s > 0 else 0:,.0f} {what}/s"


@contextmanager
def pipe_closed_is_the_end() -> Iterator[None]:
    """A reader that stops reading (``| head -1``) ends the command quietly, exit 0."""
    try:
        yield
    except BrokenPipeError:
        # Point stdout at /dev/null, so the interpreter's last flush does not
        # complain about the closed pipe either.
        with suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(0) from None
