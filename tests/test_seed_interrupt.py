"""Ctrl-C part-way through a real seed leaves the table as it was.

A real ``sessionfaker seed`` process runs with its stderr on a pseudo
terminal, so it draws its progress bar; once the bar shows rows written,
the test sends SIGINT, as a terminal's Ctrl-C would.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sessionfaker.sinks import db

from .conftest import NOW, ROOT
from .test_seed import ENGINES, Engine, engine_for, seeded

COUNT = 5_000_000


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    eng = engine_for(request.param, tmp_path)
    yield eng
    eng.cleanup()


def _read(fd: int, until: float) -> bytes:
    r, _, _ = select.select([fd], [], [], max(0.0, until - time.monotonic()))
    if not r:
        return b""
    try:
        return os.read(fd, 65536)
    except OSError:  # the other end closed: EIO on Linux
        return b""


def interrupt_seed(url: str, table: str, mode: str) -> tuple[int, str]:
    """Start a long seed, wait for rows on the progress bar, send SIGINT."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sessionfaker",
            "seed",
            url,
            "-n",
            str(COUNT),
            "--now",
            NOW,
            "--table",
            table,
            "--if-exists",
            mode,
            "--batch-size",
            "2000",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
        cwd=ROOT,
        # SIGINT at its default even when this process ignores it (nohup, CI).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    os.close(follower)
    seen = b""
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            seen += _read(leader, deadline)
            m = re.findall(rb"(\d+)/" + str(COUNT).encode(), seen)
            if m and int(m[-1]) >= 4000:
                break
        else:
            pytest.fail(f"no progress within 60 s: {seen[-500:]!r}")
        proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            chunk = _read(leader, deadline)
            if not chunk and proc.poll() is not None:
                break
            seen += chunk
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)
    assert proc.stdout is not None
    assert proc.stdout.read() == b""
    proc.stdout.close()
    return code, seen.decode(errors="replace")


@pytest.mark.parametrize("mode", ["replace", "append"])
def test_ctrl_c_leaves_the_table_as_it_was(engine: Engine, mode: str) -> None:
    table = engine.table()
    seeded(engine, table, 40, "before")
    before = db.read_table(engine.url, table)
    code, stderr = interrupt_seed(engine.url, table, mode)
    assert code == 130, stderr
    assert stderr.rstrip().endswith(f"interrupted: nothing was written to {table}"), stderr
    assert "Traceback" not in stderr
    assert db.read_table(engine.url, table) == before
    if engine.name == "mysql":
        assert not engine.exists(table + "__sf_new")


def test_ctrl_c_before_a_new_table_is_committed_leaves_no_table(engine: Engine) -> None:
    table = engine.table()
    code, stderr = interrupt_seed(engine.url, table, "fail")
    assert code == 130, stderr
    assert not engine.exists(table)
    if engine.name == "mysql":
        assert not engine.exists(table + "__sf_new")
