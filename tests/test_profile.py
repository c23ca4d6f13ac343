"""Profiles: loading, inheritance, formats, and every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from sessionfaker.errors import ProfileError
from sessionfaker.profile import KEYS, builtin_names, load_profile
from sessionfaker.timeutil import format_duration, parse_duration, parse_instant

from .conftest import NOW, NOW_MS, profile

BAD_PROFILES = [
    (
        "syntax.toml",
        'name = "x"\n[status\n',
        "syntax.toml: syntax error: Expected ']' at the end of a table declaration "
        "(at line 2, column 8)",
    ),
    (
        "unknown-key.toml",
        "[status]\nweight = { active = 1 }\n",
        "unknown-key.toml: status.weight: unknown key (did you mean 'status.weights'?)",
    ),
    ("unknown-top.toml", 'colour = "red"\n', "unknown-top.toml: colour: unknown key"),
    (
        "unknown-table-key.toml",
        "[actor]\nrte = 0.5\n",
        "unknown-table-key.toml: actor.rte: unknown key (did you mean 'actor.rate'?)",
    ),
    (
        "status.toml",
        "[status]\nweights = { actve = 1 }\n",
        "status.toml: status.weights.actve: unknown status 'actve' (did you mean 'active'?)",
    ),
    (
        "kind.toml",
        "[actor]\nkinds = { impersonation = 1 }\n",
        "kind.toml: actor.kinds.impersonation: unknown actor kind 'impersonation'",
    ),
    (
        "country.toml",
        "[activity]\ncountries = { UK = 1 }\n",
        "country.toml: activity.countries.UK: unknown country 'UK'",
    ),
    (
        "negative.toml",
        "[status]\nweights = { active = -1 }\n",
        "negative.toml: status.weights.active: weight must be >= 0 (-1)",
    ),
    (
        "zero.toml",
        "[status]\nweights = { active = 0, ended = 0 }\n",
        "zero.toml: status.weights: all weights are zero",
    ),
    (
        "weight-type.toml",
        '[tasks]\nweights = { setup-mfa = "lots" }\n',
        "weight-type.toml: tasks.weights.setup-mfa: weight must be a number ('lots')",
    ),
    (
        "rate.toml",
        "[actor]\nrate = 1.5\n",
        "rate.toml: actor.rate: rate must be between 0 and 1 (1.5)",
    ),
    (
        "rate-neg.toml",
        "[organization]\nrate = -0.1\n",
        "rate-neg.toml: organization.rate: rate must be between 0 and 1 (-0.1)",
    ),
    (
        "duration.toml",
        '[lifetime]\nmax = "7x"\n',
        "duration.toml: lifetime.max: malformed duration '7x' "
        "(expected e.g. 7d, 30m, 1h30m or ISO 8601 P7D, PT30M)",
    ),
    (
        "duration-zero.toml",
        '[lifetime]\nactor = "0s"\n',
        "duration-zero.toml: lifetime.actor: lifetime must be positive ('0s')",
    ),
    (
        "duration-type.toml",
        "[lifetime]\nabandon = 30\n",
        "duration-type.toml: lifetime.abandon: expected a duration such as '7d' (30)",
    ),
    (
        "count.toml",
        "[population]\nusers = 0\n",
        "count.toml: population.users: expected an integer >= 1 (0)",
    ),
    (
        "tasks-max.toml",
        "[tasks]\nmax = 4\n",
        "tasks-max.toml: tasks.max: expected an integer from 1 to 3 (4)",
    ),
    (
        "now.toml",
        '[time]\nnow = "yesterday"\n',
        "now.toml: time.now: malformed time 'yesterday' "
        "(expected ISO 8601 like 2026-11-01T00:00:00Z, epoch milliseconds, or 'now')",
    ),
    (
        "window.toml",
        '[time]\nwindow_start = "last year"\n',
        "window.toml: time.window_start: malformed window bound 'last year' "
        "(expected a duration before time.now such as '90d', or an ISO 8601 instant)",
    ),
    (
        "before.toml",
        '[time]\nnow = "2026-01-01T00:00:00Z"\nwindow_start = "2026-01-01T00:00:00Z"\n'
        'window_end = "2026-02-01T00:00:00Z"\n',
        "before.toml: time.now: reference time 2026-01-01T00:00:00Z is before the end of the "
        "creation window (2026-02-01T00:00:00Z)",
    ),
    (
        "inverted.toml",
        '[time]\nwindow_start = "1d"\nwindow_end = "2d"\n',
        "inverted.toml: time.window_start: creation window starts after it ends "
        "(2026-10-31T00:00:00Z > 2026-10-30T00:00:00Z)",
    ),
    (
        "impossible.toml",
        '[status]\nweights = { expired = 1 }\n[time]\nwindow_start = "1d"\n',
        "impossible.toml: status.weights.expired: no creation time in the window gives "
        "status expired at 2026-11-01T00:00:00Z (window 2026-10-31T00:00:00Z to "
        "2026-11-01T00:00:00Z, lifetime.max 7d, lifetime.abandon 30d)",
    ),
    (
        "too-early.toml",
        '[time]\nnow = "2014-06-01T00:00:00Z"\n',
        "too-early.toml: time.window_start: 2014-03-03T00:00:00Z is outside what a KSUID id can "
        "encode (2014-05-13T16:53:20Z to 2150-06-19T23:21:35Z)",
    ),
    (
        "too-late.toml",
        '[time]\nnow = "2200-01-01T00:00:00Z"\n',
        "too-late.toml: time.now: 2200-01-01T00:00:00Z is outside what a KSUID id can "
        "encode (2014-05-13T16:53:20Z to 2150-06-19T23:21:35Z)",
    ),
    ("text.toml", "name = 3\n", "text.toml: name: expected a string (3)"),
    (
        "bad.yaml",
        "status:\n  weights: {active: 1\n",
        "bad.yaml: syntax error: expected ',' or '}', but got '<stream end>' (at line 3, column 1)",
    ),
    ("list.yaml", "- 1\n- 2\n", "list.yaml: expected a table of profile keys at the top level"),
    (
        "bad.json",
        '{"actor": {"rate": "high"}}',
        "bad.json: actor.rate: rate must be between 0 and 1 ('high')",
    ),
    (
        "broken.json",
        '{"actor": ',
        "broken.json: syntax error: Expecting value: line 1 column 11 (char 10)",
    ),
    (
        "missing-parent.toml",
        'extends = "nofile.toml"\n',
        "missing-parent.toml: extends: no such profile file 'nofile.toml'",
    ),
    (
        "typo-parent.toml",
        'extends = "defualt"\n',
        "typo-parent.toml: extends: no built-in profile named 'defualt' (did you mean 'default'?) "
        "(built-in: b2b, consumer-mobile, default, edge-cases, support)",
    ),
    ("self.toml", 'extends = "self.toml"\n', "self.toml: extends: cycle self.toml -> self.toml"),
]


@pytest.mark.parametrize(
    ("name", "text", "message"), BAD_PROFILES, ids=[b[0] for b in BAD_PROFILES]
)
def test_bad_profiles_are_refused_with_one_exact_line(
    tmp_cwd: Path, name: str, text: str, message: str
) -> None:
    Path(name).write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(name, now=None if "now =" in text else NOW)
    assert str(info.value) == message
    assert "\n" not in str(info.value)


def test_extends_cycle_names_the_chain(tmp_cwd: Path) -> None:
    Path("a.toml").write_text('extends = "b.toml"\n')
    Path("b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(
        ProfileError, match=r"^b\.toml: extends: cycle a\.toml -> b\.toml -> a\.toml$"
    ):
        load_profile("a.toml", now=NOW)


def test_missing_file_and_unknown_builtin() -> None:
    with pytest.raises(ProfileError) as info:
        load_profile("nope", now=NOW)
    assert str(info.value) == (
        "nope: no built-in profile named 'nope' "
        "(built-in: b2b, consumer-mobile, default, edge-cases, support)"
    )
    with pytest.raises(ProfileError, match=r"^x/none\.toml: no such profile file 'x/none\.toml'$"):
        load_profile("x/none.toml")


def test_defaults_are_the_key_table() -> None:
    p = load_profile("default", now=NOW)
    for key in KEYS:
        value = getattr(p, key.attr)
        if key.kind == "duration":
            assert value == parse_duration(key.default)
        elif key.kind == "rate":
            assert value == key.default, key.path


def test_extends_inherits_and_merges_weight_tables(tmp_cwd: Path) -> None:
    Path("child.toml").write_text(
        'extends = "b2b"\n[status.weights]\nreplaced = 20\n[actor]\nrate = 0.5\n'
    )
    child = load_profile("child.toml", now=NOW)
    parent = load_profile("b2b", now=NOW)
    assert child.actor_rate == 0.5
    assert child.status_weights["replaced"] == 20
    assert child.status_weights["pending"] == parent.status_weights["pending"]
    assert child.organization_rate == parent.organization_rate == 0.9
    assert child.name == "child"


def test_extends_a_relative_path(tmp_cwd: Path) -> None:
    (tmp_cwd / "sub").mkdir()
    Path("sub/base.toml").write_text("[actor]\nrate = 0.3\n")
    Path("sub/child.toml").write_text('extends = "base.toml"\n')
    assert load_profile("sub/child.toml", now=NOW).actor_rate == 0.3


@pytest.mark.parametrize("name", builtin_names())
def test_toml_yaml_and_json_spellings_load_the_same_profile(tmp_cwd: Path, name: str) -> None:
    original = profile(name)
    doc = original.to_dict()
    Path("p.toml").write_text(original.to_toml())
    Path("p.yaml").write_text(yaml.safe_dump(doc))
    Path("p.json").write_text(json.dumps(doc))
    for path in ("p.toml", "p.yaml", "p.json"):
        assert load_profile(path) == original


def test_builtin_profiles_are_distinct_and_described() -> None:
    names = builtin_names()
    assert {"default", "b2b", "support", "consumer-mobile", "edge-cases"} <= set(names)
    loaded = [profile(n) for n in names]
    assert all(p.description for p in loaded)
    assert len({p.to_toml().split("\n", 2)[2] for p in loaded}) == len(names)


def test_default_profile_is_a_default_clerk_instance() -> None:
    p = load_profile("default", now=NOW)
    assert (p.lifetime_max, p.lifetime_abandon, p.lifetime_actor) == (
        7 * 86_400_000,
        30 * 86_400_000,
        30 * 60_000,
    )
    assert p.now == NOW_MS
    assert p.time_window_end == NOW_MS
    assert p.time_window_start == NOW_MS - 90 * 86_400_000


def test_overrides_are_validated_like_files() -> None:
    p = load_profile("default", now=NOW, overrides={"actor.rate": 0.5, "status.weights.active": 5})
    assert p.actor_rate == 0.5
    assert p.status_weights["active"] == 5
    q = p.with_overrides({"status.weights.ended": 0, "tasks.weights": {"setup-mfa": 0}})
    assert (q.status_weights["ended"], q.status_weights["active"]) == (0, 5)
    assert q.tasks_weights["setup-mfa"] == 0 and q.tasks_weights["reset-password"] > 0
    with pytest.raises(
        ProfileError, match=r"^--set: actor\.rate: rate must be between 0 and 1 \(2\)$"
    ):
        p.with_overrides({"actor.rate": 2})
    with pytest.raises(
        ProfileError, match=r"^--set: status\.weights\.actve: unknown status 'actve'"
    ):
        load_profile("default", now=NOW, overrides={"status.weights.actve": 1})


def test_wall_clock_now_is_read_once_and_pinnable() -> None:
    p = load_profile("default")
    assert p.now % 1000 == 0
    assert p.with_now(NOW).now == NOW_MS
    assert load_profile("default", now=NOW_MS).now == NOW_MS


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("7d", 604_800_000),
        ("30m", 1_800_000),
        ("1h30m", 5_400_000),
        ("250ms", 250),
        ("1w", 604_800_000),
        ("P7D", 604_800_000),
        ("PT30M", 1_800_000),
        ("P1DT12H", 129_600_000),
        ("PT0.5S", 500),
    ],
)
def test_durations(text: str, ms: int) -> None:
    assert parse_duration(text) == ms
    assert parse_duration(format_duration(ms)) == ms


@pytest.mark.parametrize("text", ["", "7", "d", "P", "PT", "7 days", "P1Y", "-1d"])
def test_malformed_durations(text: str) -> None:
    with pytest.raises(ValueError, match="malformed duration"):
        parse_duration(text)


def test_instants() -> None:
    assert parse_instant("2026-11-01T00:00:00Z") == NOW_MS
    assert parse_instant("2026-11-01T01:00:00+01:00") == NOW_MS
    assert parse_instant("2026-11-01") == NOW_MS
    assert parse_instant(str(NOW_MS)) == NOW_MS
