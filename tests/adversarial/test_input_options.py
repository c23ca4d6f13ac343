"""Hostile input to what sessionfaker reads, issue 9: --now, --seed, --set, times and durations.

Each case states its whole outcome (see ``_input.outcome``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..conftest import NOW
from ._input import BUILTIN, outcome, run

# ---------------------------------------------------------------- --now, --seed, --set


TIME_RANGE = "(0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z)"
TIME_HINT = "(expected ISO 8601 like 2026-11-01T00:00:00Z, epoch milliseconds, or 'now')"


@pytest.mark.parametrize(
    ("now", "message"),
    [
        ("9999999999999999", f"time '9999999999999999' is out of range {TIME_RANGE}"),
        (
            "0001-01-01T00:00:00+01:00",
            f"time '0001-01-01T00:00:00+01:00' is out of range {TIME_RANGE}",
        ),
        (
            "9999-12-31T23:59:59-01:00",
            f"time '9999-12-31T23:59:59-01:00' is out of range {TIME_RANGE}",
        ),
        ("10000-01-01", f"malformed time '10000-01-01' {TIME_HINT}"),
        ("99999999999999999", f"malformed time '99999999999999999' {TIME_HINT}"),
        ("-1", f"malformed time '-1' {TIME_HINT}"),
        ("", f"malformed time '' {TIME_HINT}"),
        ("NOW", f"malformed time 'NOW' {TIME_HINT}"),
        ("2026-02-30", f"malformed time '2026-02-30' {TIME_HINT}"),
        ("1e3", f"malformed time '1e3' {TIME_HINT}"),
        ("2026\0", f"malformed time '2026\\x00' {TIME_HINT}"),
        ("\udcff", f"malformed time '\\udcff' {TIME_HINT}"),
        ("9" * 1000, f"malformed time '{'9' * 49}...{'9' * 6}' {TIME_HINT}"),
    ],
)
@pytest.mark.parametrize("command", [["generate", "-n", "1"], ["profiles", "show", "default"]])
def test_a_time_out_of_range_is_one_line(
    tmp_cwd: Path, command: list[str], now: str, message: str
) -> None:
    assert outcome(tmp_cwd, {}, [*command, "--now", now]) == (2, "", f"Error: --now: {message}\n")


@pytest.mark.parametrize("now", ["now", " now "])
def test_now_means_the_wall_clock_as_the_message_offers(tmp_cwd: Path, now: str) -> None:
    code, out, err = outcome(tmp_cwd, {}, ["generate", "-n", "2", "--now", now])
    assert (code, err, len(out.splitlines())) == (0, "", 2)


def test_validate_and_stats_take_now_too(tmp_cwd: Path) -> None:
    data = run(["generate", "-n", "5", "--now", "now"])[1]
    assert run(["validate", "-", "--now", "now"], data) == (0, "", "5 sessions checked: all pass\n")
    code, out, _ = run(["stats", "-", "--json", "--now", "now"], data)
    assert (code, json.loads(out)["reference_time_from"]) == (0, "given")


@pytest.mark.parametrize(
    "args",
    [
        ["generate", "-n", "1", "--seed", "\udcff"],
        ["generate", "-n", "1", "--seed", "a\udcffb"],
        ["fixtures", "out", "--seed", "\udcff"],
        ["stats", "x.ndjson", "--seed", "\udcff"],
    ],
    ids=["generate", "generate-mid", "fixtures", "stats"],
)
def test_a_seed_that_is_not_utf_8_is_one_line(tmp_cwd: Path, args: list[str]) -> None:
    seed = args[-1]
    assert outcome(tmp_cwd, {}, args) == (2, "", f"Error: --seed: not UTF-8 text ({seed!r})\n")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nope", f"--set: extends: no built-in profile named 'nope' (built-in: {BUILTIN})"),
        ("", "--set: extends: expected a profile name or path ('')"),
        ("1", "--set: extends: expected a profile name or path (1)"),
        ("gone.toml", "--set: extends: no such profile file 'gone.toml'"),
        ("mine.toml", "mine.toml: extends: cycle mine.toml -> mine.toml"),
        ("[1]", "--set: extends: expected a profile name or path ([1])"),
    ],
)
def test_set_extends_is_applied_or_refused_clearly(tmp_cwd: Path, value: str, message: str) -> None:
    files = {"mine.toml": b'description = "mine"\n'}
    args = ["generate", "-n", "1", "-p", "mine.toml", "--now", NOW, "--set", f"extends={value}"]
    assert outcome(tmp_cwd, files, args) == (2, "", f"Error: {message}\n")


def test_set_extends_gives_what_an_extends_key_gives(tmp_cwd: Path) -> None:
    files = {
        "mine.toml": b"[actor]\nrate = 0.5\n",
        "b2b-mine.toml": b'extends = "b2b"\n[actor]\nrate = 0.5\n',
    }
    common = ["generate", "-n", "50", "--now", NOW]
    via_set = outcome(tmp_cwd, files, [*common, "-p", "mine.toml", "--set", "extends=b2b"])
    via_file = outcome(tmp_cwd, files, [*common, "-p", "b2b-mine.toml"])
    plain = outcome(tmp_cwd, files, [*common, "-p", "mine.toml"])
    assert via_set[0] == 0 and via_set == via_file and via_set != plain


def test_with_overrides_refuses_extends() -> None:
    from sessionfaker.errors import ProfileError
    from sessionfaker.profile import load_profile

    with pytest.raises(ProfileError) as info:
        load_profile("default", now=NOW).with_overrides({"extends": "b2b"})
    assert str(info.value) == (
        "--set: extends: cannot change what a loaded profile extends (load it again)"
    )


@pytest.mark.parametrize(
    ("override", "prefix"),
    [
        ("lifetime.max=99999999999999999999999d", "--set: lifetime.max: "),
        ("lifetime.max=PT99999999999999999999999S", "--set: lifetime.max: "),
        ("lifetime.max=1000000w", "--set: lifetime.max: "),
        ("time.window_start=500000w", "--set: time.window_start: "),
        ("time.window_start=99999999999999999999999w", "--set: time.window_start: "),
        ("time.window_end=99999999999999999", "--set: time.window_end: "),
        ("time.now=99999999999999999", "--set: time.now: "),
        ("actor.rate=nan", "--set: actor.rate: "),
        ("actor.rate=inf", "--set: actor.rate: "),
        ("population.users=" + "9" * 40, "--set: population.users: "),
    ],
)
def test_huge_values_in_set_are_one_line_without_a_traceback(
    tmp_cwd: Path, override: str, prefix: str
) -> None:
    # The wording after the key belongs to the key's own check.
    code, out, err = outcome(tmp_cwd, {}, ["generate", "-n", "1", "--now", NOW, "--set", override])
    assert (code, out) == (2, "")
    assert err.startswith(f"Error: {prefix}") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "99999999999999999999999d",
            "duration '99999999999999999999999d' is too long (at most 10,000 years)",
        ),
        (
            "PT99999999999999999999999S",
            "duration 'PT99999999999999999999999S' is too long (at most 10,000 years)",
        ),
        ("P99999999999W", "duration 'P99999999999W' is too long (at most 10,000 years)"),
        ("600000w", "duration '600000w' is too long (at most 10,000 years)"),
    ],
)
def test_parse_duration_bounds(text: str, message: str) -> None:
    from sessionfaker.timeutil import parse_duration

    with pytest.raises(ValueError) as info:
        parse_duration(text)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("text", "ms"),
    [("PT1.5S", 1500), ("PT0.001S", 1), ("PT1.25S", 1250), ("500000w", 302_400_000_000_000)],
)
def test_parse_duration_exact(text: str, ms: int) -> None:
    from sessionfaker.timeutil import parse_duration

    assert parse_duration(text) == ms


def test_instants_at_and_past_the_edges() -> None:
    from sessionfaker.timeutil import INSTANT_MAX, INSTANT_MIN, format_instant, parse_instant

    assert parse_instant("0001-01-01T00:00:00Z") == INSTANT_MIN
    assert parse_instant("9999-12-31T23:59:59.999Z") == INSTANT_MAX
    assert format_instant(INSTANT_MIN) == "0001-01-01T00:00:00Z"
    assert format_instant(INSTANT_MAX) == "9999-12-31T23:59:59.999Z"
    assert format_instant(INSTANT_MAX + 1) == "253402300800000 ms since the epoch"
    assert format_instant(-1) == "1969-12-31T23:59:59.999Z"
    for bad in (INSTANT_MIN - 1, INSTANT_MAX + 1, 10**30):
        with pytest.raises(ValueError, match="is out of range"):
            parse_instant(bad)


@pytest.mark.parametrize(("length", "ok"), [(32, True), (33, False), (500, False)])
def test_a_long_extends_chain_is_refused_not_a_recursion_error(
    tmp_cwd: Path, length: int, ok: bool
) -> None:
    files = {f"p{i}.toml": f'extends = "p{i + 1}.toml"\n'.encode() for i in range(length - 1)}
    files[f"p{length - 1}.toml"] = b'description = "the end"\n'
    result = outcome(tmp_cwd, files, ["profiles", "check", "p0.toml"])
    assert result == (
        (0, "p0.toml: ok\n", "")
        if ok
        else (2, "", "Error: p31.toml: extends: more than 32 profiles extend each other\n")
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[" * 5000, "--set: name: value nested too deeply"),
        ("9" * 5000, "--set: name: integer of more than 4300 digits"),
    ],
    ids=["deep", "huge-int"],
)
def test_a_hostile_set_value_is_one_line(tmp_cwd: Path, value: str, message: str) -> None:
    assert outcome(tmp_cwd, {}, ["generate", "--set", f"name={value}"]) == (
        2,
        "",
        f"Error: {message}\n",
    )


def test_a_set_value_that_is_not_utf_8_is_one_line(tmp_cwd: Path) -> None:
    assert outcome(tmp_cwd, {}, ["generate", "--set", "name=\udcff"]) == (
        2,
        "",
        "Error: --set: not UTF-8 text ('name=\\udcff')\n",
    )
