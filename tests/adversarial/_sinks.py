"""What the sinks adversarial tests share: running the CLI, and the state of
a folder (each entry's kind and bytes) before and after."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from click.testing import CliRunner

from sessionfaker.cli import cli

from ..conftest import NOW

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    """``sessionfaker ARGS`` in this process: exit code, stdout, stderr."""
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def state(folder: Path) -> dict[str, tuple[str, bytes | str]]:
    """Every entry under ``folder``: its kind and its bytes (a link: its target)."""
    out: dict[str, tuple[str, bytes | str]] = {}
    for root, dirs, files in os.walk(folder):
        for name in sorted(dirs + files):
            p = Path(root, name)
            rel = str(p.relative_to(folder))
            mode = p.lstat().st_mode
            if stat.S_ISLNK(mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISDIR(mode):
                out[rel] = ("dir", b"")
            elif stat.S_ISFIFO(mode):
                out[rel] = ("fifo", b"")
            else:
                out[rel] = ("file", p.read_bytes())
    return out


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    return env


def _default_sigint() -> None:
    # The parent may ignore SIGINT (nohup, a CI runner): the child must not.
    # A group of its own, so a Ctrl-C sent to it reaches its workers, not pytest.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.setpgid(0, 0)


def spawn(
    args: Sequence[str], *, stdout: int | IO[Any] | None, stderr: int | IO[Any] | None
) -> subprocess.Popen[bytes]:
    """``sessionfaker ARGS`` as a child process, with SIGINT at its default."""
    return subprocess.Popen(
        [sys.executable, "-m", "sessionfaker", *args],
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        env=child_env(),
        preexec_fn=_default_sigint,
    )


GEN = ("generate", "--now", NOW)
