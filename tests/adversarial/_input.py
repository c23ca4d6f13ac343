"""What the input adversarial tests share.

Every case states its whole outcome: the exit code, stdout, the one line on
stderr, and that the folder it ran in holds exactly the files it started
with, byte for byte (nothing written, nothing removed).
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from sessionfaker.cli import cli

runner = CliRunner()
BUILTIN = "b2b, consumer-mobile, default, edge-cases, support"


def run(args: list[str], stdin: bytes | str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli, args, input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def outcome(
    folder: Path, files: dict[str, bytes], args: list[str], stdin: bytes | str | None = None
) -> tuple[int, str, str]:
    """Run ``args`` in ``folder`` holding ``files``; the files must be untouched."""
    for name, content in files.items():
        (folder / name).write_bytes(content)
    before = snapshot(folder)
    result = run(args, stdin)
    assert snapshot(folder) == before
    return result


def three_sessions() -> list[str]:
    """Three generated sessions, one NDJSON line each."""
    from ..conftest import NOW

    return run(["generate", "-n", "3", "--now", NOW])[1].splitlines()
