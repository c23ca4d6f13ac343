"""Hostile input to what sessionfaker reads, issue 9: the command line and Ctrl-C.

Each case states its whole outcome (see ``_input.outcome``).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import NOW, child
from ._input import outcome, run, runner, three_sessions


@pytest.fixture(scope="module")
def sessions() -> list[str]:
    return three_sessions()


# ---------------------------------------------------------------- the command line


def python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )


HEAVY = ("numpy", "pyarrow", "scipy", "rich", "yaml", "pandas")


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["--version"],
        ["validate", "--help"],
        ["profiles", "list"],
        ["profiles", "check", "default"],
        ["schema"],
    ],
    ids=" ".join,
)
def test_light_commands_do_not_load_heavy_modules(argv: list[str]) -> None:
    code = (
        "import sys\n"
        "from sessionfaker.cli import cli\n"
        "try:\n    cli(sys.argv[1:], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    result = python(code, *argv)
    assert result.returncode == 0 and result.stderr == "[]\n"


def test_the_listed_help_is_each_commands_own() -> None:
    from sessionfaker.cli import COMMANDS, SHORT_HELP, cli

    ctx = cli.make_context("sessionfaker", ["--version"], resilient_parsing=True)
    for name, (_, short) in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.get_short_help_str(SHORT_HELP) == short, name


def test_profiles_infer_is_the_command_and_profile_infer_a_deprecated_alias(
    tmp_cwd: Path, sessions: list[str]
) -> None:
    data = "\n".join(sessions) + "\n"
    listed = run(["--help"])[1]
    assert "profiles " in listed and "profile " not in listed.replace("profiles ", "")
    assert "infer " in run(["profiles", "--help"])[1]
    new = outcome(tmp_cwd, {}, ["profiles", "infer", "-", "--now", NOW], data)
    old = outcome(tmp_cwd, {}, ["profile", "infer", "-", "--now", NOW], data)
    assert new[0] == 0 and new[2] == ""
    assert old == (
        0,
        new[1],
        "warning: 'sessionfaker profile infer' is deprecated: use 'sessionfaker profiles infer'\n",
    )


@pytest.mark.parametrize("command", ["generate", "schema", "validate", "stats"])
def test_format_options_say_what_they_choose(command: str) -> None:
    from sessionfaker.cli import cli

    ctx = cli.make_context("sessionfaker", ["--version"], resilient_parsing=True)
    sub = cli.get_command(ctx, command)
    assert sub is not None
    (option,) = [p for p in sub.params if "--format" in p.opts]
    assert isinstance(option, __import__("click").Option) and option.help


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param(
            "import sys; sys.modules['hypothesis'] = None\nimport sessionfaker.strategies",
            "sessionfaker.errors.MissingExtraError: sessionfaker.strategies needs hypothesis, "
            "from the 'hypothesis' "
            "extra: pip install 'sessionfaker[hypothesis]'",
            id="strategies-without-hypothesis",
        ),
        pytest.param(
            "import sys; sys.modules['yaml'] = None\n"
            "from sessionfaker.cli import cli\n"
            "cli(['profiles', 'check', sys.argv[1]])",
            "Error: {path}: a YAML profile needs yaml, from the 'yaml' extra: "
            "pip install 'sessionfaker[yaml]' (or write the profile in TOML)",
            id="yaml-without-pyyaml",
        ),
    ],
)
def test_a_missing_extra_is_named(tmp_path: Path, code: str, expected: str) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text("actor:\n  rate: 0.5\n")
    result = python(code, str(profile))
    assert result.stderr.splitlines()[-1] == expected.format(path=profile)
    assert result.returncode in (1, 2) and result.stdout == ""


# ---------------------------------------------------------------- Ctrl-C


@pytest.mark.parametrize(
    ("target", "args"),
    [
        ("sessionfaker.cli.validate.check_records", ["validate", "x.json"]),
        ("sessionfaker.cli.profiles.load_profile", ["profiles", "check", "default"]),
        ("sessionfaker.cli.stats.describe", ["stats", "x.json", "--json"]),
    ],
    ids=["validate", "profiles-check", "stats"],
)
def test_ctrl_c_is_exit_130_and_one_word(
    tmp_cwd: Path,
    monkeypatch: pytest.MonkeyPatch,
    sessions: list[str],
    target: str,
    args: list[str],
) -> None:
    def interrupt(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(target, interrupt)
    assert outcome(tmp_cwd, {"x.json": sessions[0].encode()}, args) == (130, "", "interrupted\n")


def test_on_interrupt_says_what_was_left() -> None:
    import click

    from sessionfaker.cli.common import on_interrupt

    @click.command()
    def stop() -> None:
        with on_interrupt("nothing was written to t"):
            raise KeyboardInterrupt

    result = runner.invoke(stop, [])
    assert (result.exit_code, result.stdout, result.stderr) == (
        130,
        "",
        "interrupted: nothing was written to t\n",
    )


def test_a_real_sigint_ends_a_command_with_130(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "sessionfaker", "generate", "-n", "1000000000", "--now", NOW]
    with child(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path) as proc:
        assert proc.stdout is not None and proc.stdout.readline().startswith(b'{"object":"session"')
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130
        assert err.decode().splitlines()[-1].startswith("interrupted")
        assert list(tmp_path.iterdir()) == []


def test_profiles_infer_leaves_its_output_alone_when_it_fails(tmp_cwd: Path) -> None:
    files = {"keep.toml": b"# mine\n", "bad.json": b"[1,"}
    assert outcome(tmp_cwd, files, ["profiles", "infer", "bad.json", "-o", "keep.toml"]) == (
        2,
        "",
        "Error: bad.json: line 1: not valid JSON (Expecting value)\n",
    )


def test_profiles_infer_writes_its_output_whole(tmp_cwd: Path, sessions: list[str]) -> None:
    (tmp_cwd / "s.ndjson").write_text("\n".join(sessions) + "\n")
    code, out, err = run(["profiles", "infer", "s.ndjson", "-o", "mine.toml", "--now", NOW])
    assert (code, out, err) == (0, "", "wrote mine.toml (fitted to 3 sessions)\n")
    assert sorted(p.name for p in tmp_cwd.iterdir()) == ["mine.toml", "s.ndjson"]
    assert run(["profiles", "check", "mine.toml"]) == (0, "mine.toml: ok\n", "")
