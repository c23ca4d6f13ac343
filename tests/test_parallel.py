"""--jobs and --shard: any number of processes or machines write the bytes
of the single-process run, in order."""

from __future__ import annotations

import doctest
import io
import itertools
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sessionfaker.cli import cli
from sessionfaker.errors import InvalidArgument
from sessionfaker.generator import Generator
from sessionfaker.runs import UNIT, parse_jobs, parse_shard, shard_range
from sessionfaker.sinks import write_ndjson

from .conftest import NOW, profile

# Enough sessions for several units, so that workers take turns.
N = 2 * UNIT + 777
ARGS = ["-n", str(N), "-p", "support", "--seed", "4", "--now", NOW]


@pytest.fixture(scope="module")
def single() -> bytes:
    return b"".join(Generator(profile("support"), 4).ndjson(0, N))


def _cli(*args: str) -> bytes:
    return subprocess.run(
        [sys.executable, "-m", "sessionfaker", "generate", *args],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout


def test_jobs_to_a_pipe_and_to_a_file_write_the_single_process_bytes(
    single: bytes, tmp_path: Path
) -> None:
    assert _cli(*ARGS, "--jobs", "1") == single
    # stdout is a pipe here: the workers write to it themselves.
    assert _cli(*ARGS, "--jobs", "2") == single
    out = tmp_path / "s.ndjson"
    _cli(*ARGS, "--jobs", "3", "-o", str(out))
    assert out.read_bytes() == single
    assert [p.name for p in tmp_path.iterdir()] == ["s.ndjson"]


def test_jobs_into_an_in_memory_stream_relays_through_the_parent(single: bytes) -> None:
    out = io.BytesIO()
    assert write_ndjson(out, profile("support"), 4, count=N, jobs=2) == N
    assert out.getvalue() == single
    result = CliRunner().invoke(cli, ["generate", *ARGS, "--jobs", "2", "--int64-as-string"])
    assert result.exit_code == 0, result.output
    expected = b"".join(Generator(profile("support"), 4).ndjson(0, N, int64_as_string=True))
    assert result.stdout_bytes == expected


def test_workers_append_after_what_the_stream_already_holds(single: bytes, tmp_path: Path) -> None:
    path = tmp_path / "mixed.ndjson"
    with path.open("wb") as f:
        f.write(b"before\n")
        write_ndjson(f, profile("support"), 4, start=100, count=N - 100, jobs=2)
        f.write(b"after\n")
    lines = single.splitlines(keepends=True)
    assert path.read_bytes() == b"before\n" + b"".join(lines[100:]) + b"after\n"


def test_a_failing_worker_stops_the_run_without_hanging() -> None:
    code = (
        "import os, sys\n"
        "from sessionfaker.sinks import write_ndjson\n"
        "from sessionfaker.profile import load_profile\n"
        "r, w = os.pipe()\n"
        "os.close(r)\n"
        "with os.fdopen(w, 'wb') as f:\n"
        "    try:\n"
        f"        write_ndjson(f, load_profile(now='{NOW}'), count=200000, jobs=2)\n"
        "    except BrokenPipeError:\n"
        "        print('broken pipe')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.stdout == "broken pipe\n", out.stderr


@pytest.mark.parametrize("k", [1, 3, 7])
def test_shards_put_together_are_the_whole_run(single: bytes, k: int) -> None:
    runner = CliRunner()
    parts = []
    for i in range(1, k + 1):
        result = runner.invoke(cli, ["generate", *ARGS, "--shard", f"{i}/{k}"])
        assert result.exit_code == 0, result.output
        parts.append(result.stdout_bytes)
    assert b"".join(parts) == single
    sizes = [p.count(b"\n") for p in parts]
    assert max(sizes) - min(sizes) <= 1


def test_a_shard_of_a_slice_is_that_part_of_the_slice(single: bytes) -> None:
    result = CliRunner().invoke(
        cli, ["generate", *ARGS[2:], "--start", "10", "-n", "90", "--shard", "2/3"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b"".join(single.splitlines(keepends=True)[40:70])


def test_shards_and_jobs_combine(single: bytes) -> None:
    out = _cli(*ARGS, "--shard", "2/2", "--jobs", "2")
    assert out == b"".join(single.splitlines(keepends=True)[N // 2 :])


SHARD = "Error: --shard: expected I/K with 1 <= I <= K, such as 2/8"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--jobs", "0"], "Error: --jobs: expected a number of processes >= 1 ('0')\n"),
        (["--jobs", "-3"], "Error: --jobs: expected a number of processes >= 1 ('-3')\n"),
        (["--jobs", "two"], "Error: --jobs: expected a number of processes >= 1 ('two')\n"),
        (["--shard", "3/2"], f"{SHARD} ('3/2')\n"),
        (["--shard", "x"], f"{SHARD} ('x')\n"),
        (["--shard", "0/4"], f"{SHARD} ('0/4')\n"),
        (["--shard", "1/0"], f"{SHARD} ('1/0')\n"),
        (
            ["--jobs", "2", "--format", "json"],
            "Error: --jobs: only the ndjson format is written in parallel (json)\n",
        ),
    ],
)
def test_bad_values_are_one_line_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["generate", "-n", "3", *args])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)


def test_the_library_refuses_what_the_cli_refuses() -> None:
    with pytest.raises(InvalidArgument, match="--jobs"):
        parse_jobs(0)
    with pytest.raises(InvalidArgument, match="--shard"):
        parse_shard("2/1")
    with pytest.raises(InvalidArgument, match="shard 4 of 3 does not exist"):
        shard_range(0, 10, 4, 3)
    with pytest.raises(InvalidArgument, match="count >= 0"):
        write_ndjson(io.BytesIO(), profile("default"), count=-1)


@given(start=st.integers(0, 10**12), count=st.integers(0, 10**6), k=st.integers(1, 64))
def test_shard_ranges_tile_the_run(start: int, count: int, k: int) -> None:
    ranges = [shard_range(start, count, i, k) for i in range(1, k + 1)]
    assert ranges[0][0] == start
    for (a, n), (b, _) in itertools.pairwise(ranges):
        assert a + n == b
    assert sum(n for _, n in ranges) == count
    assert max(n for _, n in ranges) - min(n for _, n in ranges) <= 1


@pytest.mark.parametrize("count", [0, 5])
def test_a_run_smaller_than_a_unit_is_written_whatever_jobs_says(
    tmp_path: Path, count: int
) -> None:
    out = tmp_path / "small.ndjson"
    with out.open("wb") as f:
        assert write_ndjson(f, profile("default"), 1, count=count, jobs=8) == count
    assert out.read_bytes() == b"".join(Generator(profile("default"), 1).ndjson(0, count))


def test_the_docstring_examples_run() -> None:
    import sessionfaker.runs
    import sessionfaker.sinks.ndjson

    attempted = 0
    for module in (sessionfaker.runs, sessionfaker.sinks.ndjson):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0
        attempted += result.attempted
    assert attempted > 5
