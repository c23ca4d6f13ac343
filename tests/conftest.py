from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from sessionfaker.profile import Profile, builtin_names, load_profile

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-01T00:00:00Z"
NOW_MS = 1793491200000
BUILTINS = builtin_names()


def profile(name: str) -> Profile:
    """A built-in profile at the fixed reference time (edge-cases keeps its own)."""
    return load_profile(name) if name == "edge-cases" else load_profile(name, now=NOW)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
def tmp_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def seed_text() -> str | None:
    """The project's seed document, when the shared folder sits beside the checkout."""
    for candidate in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        seed = candidate / "seeds" / "clerk-session-structure.txt"
        if seed.exists():
            return seed.read_text(encoding="utf-8")
    return None


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def child(args: list[str], **options: Any) -> Iterator[subprocess.Popen[bytes]]:
    """A child process for a test: SIGINT at its default in the child (a parent
    that ignores it, under nohup or as a background job, must not make the
    child immune to Ctrl-C), and killed and reaped on the way out, whatever
    the test did."""
    proc = subprocess.Popen(args, preexec_fn=_default_sigint, **options)
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()
