"""The commands, through click's CliRunner and, where it matters, a real process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sessionfaker.cli import cli

from .conftest import NOW

runner = CliRunner()


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_generate_writes_ndjson_to_stdout() -> None:
    code, out, err = run("generate", "-n", "3", "--now", NOW, "--seed", "4")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 3
    assert all(json.loads(line)["object"] == "session" for line in lines)


def test_generate_is_byte_identical_for_the_same_seed_and_slices() -> None:
    full = run("generate", "-n", "600", "--now", NOW, "--seed", "s")[1]
    again = run("generate", "-n", "600", "--now", NOW, "--seed", "s")[1]
    part = run("generate", "--start", "250", "-n", "300", "--now", NOW, "--seed", "s")[1]
    assert full == again
    assert part.splitlines() == full.splitlines()[250:550]
    other = run("generate", "-n", "600", "--now", NOW, "--seed", "t")[1]
    assert other != full


def test_json_format_is_one_array() -> None:
    code, out, _ = run("generate", "-n", "3", "--now", NOW, "--format", "json")
    assert code == 0
    assert [s["object"] for s in json.loads(out)] == ["session"] * 3
    pretty = run("generate", "-n", "2", "--now", NOW, "--format", "json", "--pretty")[1]
    assert json.loads(pretty) == json.loads(
        run("generate", "-n", "2", "--now", NOW, "-f", "json")[1]
    )
    assert '\n    "object": "session",' in pretty
    assert run("generate", "-n", "0", "--format", "json")[1] == "[]\n"


def test_int64_as_string() -> None:
    out = run("generate", "-n", "1", "--now", NOW, "--int64-as-string")[1]
    s = json.loads(out)
    assert isinstance(s["created_at"], str) and int(s["created_at"]) > 0


def test_set_overrides_a_profile_key() -> None:
    out = run("generate", "-n", "200", "--now", NOW, "--set", "actor.rate=1.0")[1]
    assert all(json.loads(line)["actor"] is not None for line in out.splitlines())
    out = run(
        "generate",
        "-n",
        "50",
        "--now",
        NOW,
        "--set",
        "status.weights={ revoked = 1 }",
        "--set",
        "status.weights.active=0",
    )[1]
    statuses = {json.loads(line)["status"] for line in out.splitlines()}
    assert statuses <= {
        "revoked",
        "pending",
        "ended",
        "removed",
        "expired",
        "abandoned",
        "replaced",
    }
    assert "active" not in statuses


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "actor.rate=2"], "Error: --set: actor.rate: rate must be between 0 and 1 (2)\n"),
        (["--set", "actor.rate"], "Error: --set: expected KEY=VALUE ('actor.rate')\n"),
        (
            ["--set", "actor.rat=0.1"],
            "Error: --set: actor.rat: unknown key (did you mean 'actor.rate'?)\n",
        ),
        (
            ["--now", "yesterday"],
            "Error: --now: malformed time 'yesterday' (expected ISO 8601 like "
            "2026-11-01T00:00:00Z, epoch milliseconds, or 'now')\n",
        ),
        (
            ["-p", "defualt"],
            "Error: defualt: no built-in profile named 'defualt' (did you mean "
            "'default'?) (built-in: b2b, consumer-mobile, default, edge-cases, support)\n",
        ),
        (
            ["-p", "edge-cases", "--now", "2025-01-01T00:00:00Z"],
            "Error: --now: time.now: reference time 2025-01-01T00:00:00Z is before the end of the "
            "creation window (2026-01-01T00:00:00Z)\n",
        ),
    ],
)
def test_generate_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    code, out, err = run("generate", "-n", "1", *args)
    assert (code, out, err) == (2, "", message)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pretty"], "Error: --pretty goes with --format json (not ndjson)\n"),
        (["-f", "csv", "--pretty"], "Error: --pretty goes with --format json (not csv)\n"),
        (["--dialect", "mysql"], "Error: --dialect goes with --format sql (not ndjson)\n"),
        (["-f", "json", "--table", "t"], "Error: --table goes with --format sql (not json)\n"),
    ],
)
def test_format_options_need_their_format(args: list[str], message: str) -> None:
    assert run("generate", "-n", "1", *args) == (2, "", message)


def test_click_usage_errors_exit_2() -> None:
    code, _, err = run("generate", "-n", "-1")
    assert code == 2
    assert "Invalid value for '-n': -1 is not in the range x>=0." in err
    assert run("generate", "--format", "xml")[0] == 2


def test_output_file_is_written_whole(tmp_cwd: Path) -> None:
    code, out, _ = run("generate", "-n", "5", "--now", NOW, "-o", "s.ndjson")
    assert code == 0 and out == ""
    assert len(Path("s.ndjson").read_text().splitlines()) == 5
    assert sorted(p.name for p in tmp_cwd.iterdir()) == ["s.ndjson"]


def test_an_interrupted_run_leaves_no_partial_file(tmp_cwd: Path) -> None:
    Path("keep.ndjson").write_text("previous\n")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sessionfaker",
            "generate",
            "-n",
            "100000000",
            "--now",
            NOW,
            "-o",
            "keep.ndjson",
        ],
        stderr=subprocess.DEVNULL,
        # SIGINT at its default even when this process ignores it (nohup, CI).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 30
        while not any(p.name.endswith(".part") for p in tmp_cwd.iterdir()):
            assert time.monotonic() < deadline, "the run never started writing"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
    finally:
        if proc.poll() is None:  # never leave a run writing gigabytes behind
            proc.kill()
            proc.wait()
    assert Path("keep.ndjson").read_text() == "previous\n"
    assert sorted(p.name for p in tmp_cwd.iterdir()) == ["keep.ndjson"]


def test_validate_accepts_generated_output(tmp_cwd: Path) -> None:
    run("generate", "-n", "500", "-p", "edge-cases", "-o", "s.ndjson")
    code, out, err = run(
        "validate", "s.ndjson", "--strict", "-p", "edge-cases", "--now", "2026-01-01T00:00:00Z"
    )
    assert (code, out, err) == (0, "", "500 sessions checked: all pass\n")


def test_validate_reports_each_violation_with_its_line(tmp_cwd: Path) -> None:
    lines = run("generate", "-n", "3", "--now", NOW, "--seed", "1")[1].splitlines()
    second = json.loads(lines[1])
    second["status"] = "actve"
    second["created_at"] = second["created_at"] // 1000
    lines[1] = json.dumps(second)
    Path("bad.ndjson").write_text("\n".join([lines[0], "", lines[1], lines[2]]) + "\n")
    code, out, err = run("validate", "bad.ndjson")
    assert code == 1
    assert out.splitlines() == [
        'line 3: status: status ("actve")',
        f"line 3: created_at: timestamp.ms ({second['created_at']})",
    ]
    assert err == "3 sessions checked: 1 breaks rules (2 violations: status 1, timestamp.ms 1)\n"


def test_validate_reads_json_arrays_and_clerk_list_responses(tmp_cwd: Path) -> None:
    sessions = json.loads(run("generate", "-n", "2", "--now", NOW, "-f", "json")[1])
    sessions[1]["object"] = "client"
    Path("a.json").write_text(json.dumps(sessions, indent=2))
    code, out, _ = run("validate", "a.json")
    assert code == 1
    start_of_second = json.dumps(sessions, indent=2).splitlines().index("  {", 2) + 1
    assert out == f'line {start_of_second}: object: object ("client")\n'
    Path("c.json").write_text(json.dumps({"data": sessions[:1], "total_count": 1}))
    assert run("validate", "c.json")[0] == 0


def test_validate_now_and_strict(tmp_cwd: Path) -> None:
    run("generate", "-n", "200", "--now", NOW, "-o", "s.ndjson")
    assert run("validate", "s.ndjson", "--now", NOW)[0] == 0
    code, out, _ = run("validate", "s.ndjson", "--now", "2026-10-01T00:00:00Z")
    assert code == 1 and "now.future" in out
    run("generate", "-n", "300", "--now", NOW, "--set", "actor.rate=1", "-o", "a.ndjson")
    assert run("validate", "a.ndjson", "--strict")[0] == 0
    code, out, _ = run("validate", "a.ndjson", "--strict", "-p", "consumer-mobile")
    assert code == 1 and "policy.actor_allowed" in out


def test_validate_reads_stdin() -> None:
    data = run("generate", "-n", "20", "--now", NOW)[1]
    assert run("validate", "-", input=data)[0] == 0


def test_validate_unreadable_input(tmp_cwd: Path) -> None:
    first = run("generate", "-n", "1", "--now", NOW)[1]
    cases = [
        ("", 2, "", "Error: x.ndjson: empty input: no sessions\n"),
        (
            first + "{oops\n",
            2,
            "",
            "Error: x.ndjson: line 2: not valid JSON (Expecting property name enclosed in double "
            "quotes)\n",
        ),
        (
            '{\n  "sessions": []\n}\n',
            2,
            "",
            "Error: x.ndjson: expected NDJSON, a JSON array, or an object with a data array\n",
        ),
        ("[1,\n", 2, "", "Error: x.ndjson: line 2: not valid JSON (Expecting value)\n"),
        (
            "42\n",
            1,
            "line 1: *: type (42)\n",
            "1 session checked: 1 breaks rules (1 violation: type 1)\n",
        ),
    ]
    for content, code, out, err in cases:
        Path("x.ndjson").write_text(content)
        assert run("validate", "x.ndjson") == (code, out, err), content


def test_validate_missing_file() -> None:
    assert run("validate", "nope.ndjson") == (2, "", "Error: nope.ndjson: no such file\n")


def test_profiles_list_show_check(tmp_cwd: Path) -> None:
    code, out, _ = run("profiles", "list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [
        "b2b",
        "consumer-mobile",
        "default",
        "edge-cases",
        "support",
    ]
    shown = run("profiles", "show", "b2b", "--now", NOW)[1]
    assert 'name = "b2b"' in shown and "rate = 0.9" in shown
    Path("shown.toml").write_text(shown)
    assert run("profiles", "check", "shown.toml") == (0, "shown.toml: ok\n", "")
    Path("bad.toml").write_text("[actor]\nrate = 3\n")
    assert run("profiles", "check", "bad.toml") == (
        2,
        "",
        "Error: bad.toml: actor.rate: rate must be between 0 and 1 (3)\n",
    )


def test_profiles_reference_is_the_shipped_doc() -> None:
    ref = Path(__file__).resolve().parent.parent / "docs" / "profiles.md"
    assert run("profiles", "reference")[1] == ref.read_text(encoding="utf-8")


def test_schema_formats() -> None:
    structure = json.loads(run("schema")[1])
    assert structure["entity"] == "Session"
    assert json.loads(run("schema", "--format", "json-schema")[1])["additionalProperties"] is False
    assert json.loads(run("schema", "-f", "json-structure")[1])["name"] == "Session"


def test_python_dash_m_and_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "sessionfaker", "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out == "sessionfaker, version 0.1.0\n"
