"""Every ```console block in README.md and docs/*.md runs, and prints what it shows.

A block is a list of commands (lines starting with ``$ ``), each followed by
the output it prints, stdout and stderr together as a terminal shows them.
A line that is only ``...`` stands for any run of lines (none included); a
``...`` inside a line stands for any text (timings, for instance). The
blocks of one file run in order in one fresh temporary folder, so a later
block may read what an earlier one wrote; ``$?`` is the exit code of the
previous command. ``sessionfaker`` is the one installed beside the running
Python. Commands shown without output belong in ```sh blocks, which are not run.

When generated output changes on purpose, refresh the shown output with::

    python -m tests.test_docs --update [FILE ...]

which rewrites each command's output that no longer matches (keeping the
lines around a ``...`` elision, and any line that still matches its pattern)
and prints which files changed; review the diff before committing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ELLIPSIS = "..."
PROMPT = "$ "
TIMEOUT_S = 300


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclass
class Command:
    """One ``$ command`` of a block, the output shown under it, and where."""

    text: str
    expected: list[str]
    first_line: int  # index in the file's lines of the "$ " line
    end_line: int  # index just past its expected output


@dataclass
class Block:
    commands: list[Command] = field(default_factory=list)


def parse(text: str) -> list[Block]:
    """The console blocks of a Markdown text.

    >>> [c.text for b in parse("```console\\n$ echo hi\\nhi\\n```\\n") for c in b.commands]
    ['echo hi']
    """
    lines = text.split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```console":
            i += 1
            continue
        block = Block()
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            if not lines[i].startswith(PROMPT):
                raise ValueError(f"line {i + 1}: output before any command in a console block")
            start = i
            i += 1
            while i < len(lines) and lines[i].strip() != "```" and not lines[i].startswith(PROMPT):
                i += 1
            command = lines[start][len(PROMPT) :]
            block.commands.append(Command(command, lines[start + 1 : i], start, i))
        blocks.append(block)
        i += 1
    return blocks


def _line_pattern(expected: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in expected.rstrip().split(ELLIPSIS)))


def line_matches(expected: str, actual: str) -> bool:
    return _line_pattern(expected).fullmatch(actual.rstrip()) is not None


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` fits ``expected``, whose ``...`` lines elide any lines.

    >>> matches(["a", "...", "z"], ["a", "b", "c", "z"]), matches(["a"], ["a", "b"])
    (True, False)
    """
    exp = _trim(expected)
    act = _trim(actual)
    # reachable[j]: the expected lines so far can account for act[:j]
    reachable = [True] + [False] * len(act)
    for line in exp:
        if line.strip() == ELLIPSIS:
            for j in range(1, len(act) + 1):
                reachable[j] = reachable[j] or reachable[j - 1]
            continue
        nxt = [False] * (len(act) + 1)
        for j in range(len(act)):
            if reachable[j] and line_matches(line, act[j]):
                nxt[j + 1] = True
        reachable = nxt
    return reachable[len(act)]


def _trim(lines: list[str]) -> list[str]:
    out = [line.rstrip() for line in lines]
    while out and not out[-1]:
        out.pop()
    return out


def environment() -> dict[str, str]:
    """The venv's ``sessionfaker`` first on PATH; nothing from the caller's
    terminal (width, colours) that could change what is printed."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR")}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONUNBUFFERED"] = "1"  # stdout and stderr interleave as written
    env["NO_COLOR"] = "1"
    return env


def run_command(command: str, cwd: Path, previous_rc: int) -> tuple[int, list[str]]:
    """Run one command with bash in ``cwd``; ``$?`` is ``previous_rc``."""
    proc = subprocess.run(
        ["bash", "-c", f"(exit {previous_rc}); {command}"],
        cwd=cwd,
        env=environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT_S,
    )
    return proc.returncode, proc.stdout.split("\n")


def run_file(path: Path, cwd: Path) -> list[tuple[Command, list[str]]]:
    """Each command of the file's console blocks with the output it printed."""
    results = []
    rc = 0
    for block in parse(path.read_text(encoding="utf-8")):
        for command in block.commands:
            rc, output = run_command(command.text, cwd, rc)
            results.append((command, _trim(output)))
    return results


def refreshed(command: Command, actual: list[str]) -> list[str]:
    """What to show under ``command`` now that it prints ``actual``.

    Without an elision, ``actual`` itself; with some, the same number of
    first and last lines as before, and each fragment between elisions that
    is still printed (in order), so a shown excerpt stays an excerpt. Expected
    lines that still match their place (``...`` in a line) are kept as written.
    """
    expected = _trim(command.expected)
    if matches(expected, actual):
        return command.expected
    segments: list[list[str]] = [[]]
    for line in expected:
        if line.strip() == ELLIPSIS:
            segments.append([])
        else:
            segments[-1].append(line)
    head, *middle, tail = segments if len(segments) > 1 else [expected, []]
    if len(segments) == 1 or len(head) + len(tail) >= len(actual):
        return _keep(expected, actual)
    end = len(actual) - len(tail)
    out = _keep(head, actual[: len(head)])
    pos = len(head)
    for segment in middle:
        at = _find(segment, actual, pos, end)
        if at is not None:
            out += [ELLIPSIS, *segment]
            pos = at + len(segment)
    return [*out, ELLIPSIS, *_keep(tail, actual[end:])]


def _find(segment: list[str], actual: list[str], start: int, end: int) -> int | None:
    """Where ``segment`` matches a run of ``actual[start:end]``, if it does."""
    for at in range(start, end - len(segment) + 1):
        if all(line_matches(e, a) for e, a in zip(segment, actual[at:], strict=False)):
            return at
    return None


def _keep(expected: list[str], actual: list[str]) -> list[str]:
    """``actual``, except where the expected line in the same place still matches it."""
    return [
        expected[i]
        if i < len(expected) and expected[i].strip() != ELLIPSIS and line_matches(expected[i], line)
        else line
        for i, line in enumerate(actual)
    ]


def update(path: Path) -> bool:
    """Rewrite the shown output of ``path``'s commands that no longer match."""
    lines = path.read_text(encoding="utf-8").split("\n")
    with tempfile.TemporaryDirectory() as tmp:
        results = run_file(path, Path(tmp))
    changed = False
    for command, actual in reversed(results):
        new = refreshed(command, actual)
        if new != command.expected:
            lines[command.first_line + 1 : command.end_line] = new
            changed = True
    if changed:
        path.write_text("\n".join(lines), encoding="utf-8")
    return changed


def _describe(command: Command, actual: list[str], path: Path) -> str:
    return (
        f"{path.relative_to(ROOT)}:{command.first_line + 1}: $ {command.text}\n"
        "--- shown\n" + "\n".join(command.expected) + "\n--- printed\n" + "\n".join(actual) + "\n"
        "(refresh with: python -m tests.test_docs --update)"
    )


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_console_blocks_print_what_they_show(path: Path, tmp_path: Path) -> None:
    for command, actual in run_file(path, tmp_path):
        if not matches(command.expected, actual):
            pytest.fail(_describe(command, actual, path), pytrace=False)


def test_the_matcher_elides_lines_and_text() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "...", "b"], ["a", "b"])
    assert not matches(["a", "...", "d"], ["a", "b", "c"])
    assert matches(["took ... s"], ["took 1.2 s"])
    assert not matches(["took ... s"], ["took 1.2 ms!"])
    assert matches(["x  "], ["x", ""])
    assert not matches([], ["x"])
    assert matches(["...", "b", "...", "d", "..."], ["a", "b", "c", "d", "e"])
    assert not matches(["...", "d", "...", "b", "..."], ["a", "b", "c", "d", "e"])


def test_refresh_keeps_elisions_and_patterns() -> None:
    command = Command("x", ["head", "...", "in ... s", "tail"], 0, 5)
    assert refreshed(command, ["head", "1", "in 2 s", "tail"]) == command.expected
    assert refreshed(command, ["new", "1", "2", "in 3 s", "tail"]) == [
        "new",
        "...",
        "in ... s",
        "tail",
    ]
    assert refreshed(Command("x", ["a", "b"], 0, 3), ["a", "c", "d"]) == ["a", "c", "d"]
    assert refreshed(Command("x", ["a", "...", "z"], 0, 4), ["a"]) == ["a"]
    excerpt = Command("x", ["h", "...", "m1", "m2", "...", "gone", "...", "t"], 0, 9)
    assert refreshed(excerpt, ["H", "x", "m1", "m2", "y", "t"]) == [
        "H",
        "...",
        "m1",
        "m2",
        "...",
        "t",
    ]


def test_a_command_sees_the_previous_exit_code(tmp_path: Path) -> None:
    assert run_command("echo $?", tmp_path, 3) == (0, ["3", ""])
    assert run_command("sessionfaker --version", tmp_path, 0)[1][0].startswith("sessionfaker")


def main(argv: list[str]) -> int:
    if argv[:1] != ["--update"]:
        print("usage: python -m tests.test_docs --update [FILE ...]", file=sys.stderr)
        return 2
    paths = [Path(a).resolve() for a in argv[1:]] or doc_files()
    for path in paths:
        if update(path):
            print(f"updated {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
