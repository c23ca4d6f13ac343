"""The downstream-style suite in examples/ passes, run as a user would run it:
pytest on the folder, the plugin loaded through its entry point."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

EXAMPLES = ROOT / "examples"


def run_examples(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # From a scratch directory, so Hypothesis keeps its example database there.
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(EXAMPLES), "-q", "-p", "no:cacheprovider", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_examples_pass(tmp_path: Path) -> None:
    result = run_examples(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    tests = len(re.findall(r"^def test_", (EXAMPLES / "test_access.py").read_text(), re.M))
    assert f"{tests} passed" in result.stdout


def test_the_examples_catch_a_broken_access_check(tmp_path: Path) -> None:
    # The suite is not vacuous: an access check that forgets impersonation,
    # and a parser that lets unknown statuses through, both fail it.
    broken = tmp_path / "broken"
    broken.mkdir()
    source = (EXAMPLES / "access.py").read_text()
    for check in (
        'if session["actor"] is not None and not allow_impersonation:',
        'if not isinstance(payload["status"], str) or payload["status"] not in STATUSES:',
    ):
        assert check in source
        source = source.replace(check, "if False:")
    (broken / "access.py").write_text(source)
    for name in ("test_access.py", "conftest.py"):
        (broken / name).write_text((EXAMPLES / name).read_text())
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(broken), "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1, result.stdout
    assert "test_impersonation_needs_permission FAILED" in result.stdout or re.search(
        r"FAILED .*test_impersonation_needs_permission", result.stdout
    ), result.stdout
    assert re.search(r"FAILED .*test_malformed_sessions_are_rejected", result.stdout)
    # Without the status check, a bad status (unknown, of another type, or
    # null) gets through; Hypothesis reports whichever it found first.
    assert re.search(r"breaks (status|type|null)\b", result.stdout), result.stdout
