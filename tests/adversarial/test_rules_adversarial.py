"""Adversarial cases for the rules (issue 9, sections 3 and 7), each with its exact outcome.

Section 7: invalid_sessions() arguments an attacker or a hurried user would
try, and what a "broken" session must be. Section 3: profiles that load but
used to generate sessions breaking the rules, and their neighbours that are
fine. A case either raises with the exact one-line message, or its outcome
(what is drawn, what the checkers report, what a sample contains) is exact.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from clerk_backend_api import models
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from sessionfaker import strategies as S
from sessionfaker.cli import cli
from sessionfaker.errors import InvalidArgument, ProfileError
from sessionfaker.generator import Generator
from sessionfaker.profile import load_profile
from sessionfaker.rules import MS_MAX, MS_MIN, RULES, STATUSES, Checker, check_session
from sessionfaker.timeutil import format_instant

from ..conftest import NOW, profile

DEFAULT = profile("default")
DAY = 86_400_000
CHECK = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

# ---------------------------------------------------------------- section 7: arguments

_ITER = iter(["status"])
BAD_ARGUMENTS: list[tuple[str, dict[str, Any], type[Exception], str]] = [
    ("int", {"rules": 5}, InvalidArgument, "Cannot have rules=5: expected a rule name or a "
     "collection of rule names"),
    ("mapping", {"rules": {"status": 1}}, InvalidArgument, "Cannot have rules={'status': 1}: "
     "expected a rule name or a collection of rule names"),
    ("bytes", {"rules": b"status"}, InvalidArgument, "Cannot have rules=b'status': expected a "
     "rule name or a collection of rule names"),
    ("iterator", {"rules": _ITER}, InvalidArgument, f"Cannot have rules={_ITER!r}: expected a "
     "rule name or a collection of rule names"),
    ("empty list", {"rules": []}, InvalidArgument, "Cannot have rules=[]: name at least one rule"),
    ("empty set", {"rules": set()}, InvalidArgument,
     "Cannot have rules=set(): name at least one rule"),
    ("empty name", {"rules": ""}, InvalidArgument, "Cannot have rules='': '' is not a rule"),
    ("typo", {"rules": "stauts"}, InvalidArgument,
     "Cannot have rules='stauts': 'stauts' is not a rule (did you mean 'status'?)"),
    ("None inside", {"rules": ["status", None]}, InvalidArgument,
     "Cannot have rules=['status', None]: None is not a rule"),
    ("int inside", {"rules": ("status", 3)}, InvalidArgument,
     "Cannot have rules=('status', 3): 3 is not a rule"),
    ("upper case", {"rules": "POLICY.IP"}, InvalidArgument,
     "Cannot have rules='POLICY.IP': 'POLICY.IP' is not a rule"),
    ("prefix only", {"rules": "policy"}, InvalidArgument,
     "Cannot have rules='policy': 'policy' is not a rule (did you mean 'policy.ip'?)"),
    ("glob", {"rules": "policy.*"}, InvalidArgument,
     "Cannot have rules='policy.*': 'policy.*' is not a rule (did you mean 'policy.ip'?)"),
    ("run-level", {"rules": "id.unique"}, InvalidArgument,
     "Cannot have rules='id.unique': id.unique is a run-level rule; one session cannot break it"),
    ("run-level in a list", {"rules": ["status", "id.unique"]}, InvalidArgument,
     "Cannot have rules=['status', 'id.unique']: id.unique is a run-level rule; one session "
     "cannot break it"),
    ("policy the profile cannot break", {"rules": "policy.actor_allowed"}, InvalidArgument,
     "Cannot have rules='policy.actor_allowed': no session can break policy.actor_allowed alone "
     "under profile 'default' (actors appear only where the profile allows)"),
    ("profile of a wrong type", {"profile": 42}, InvalidArgument,
     "Cannot have profile=42: expected a Profile, a built-in profile name or a path"),
    ("unknown profile", {"profile": "nonexistent"}, ProfileError,
     "nonexistent: no built-in profile named 'nonexistent' (built-in: b2b, consumer-mobile, "
     "default, edge-cases, support)"),
    ("now as words", {"now": "yesterday"}, InvalidArgument,
     "Cannot have now='yesterday': malformed time 'yesterday' (expected ISO 8601 like "
     "2026-11-01T00:00:00Z, epoch milliseconds, or 'now')"),
    ("now a boolean", {"now": True}, InvalidArgument,
     "Cannot have now=True: expected epoch milliseconds"),
    ("now a float", {"now": 1.5}, InvalidArgument,
     "Cannot have now=1.5: expected epoch milliseconds, ISO 8601 text or a datetime"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [c[1:] for c in BAD_ARGUMENTS],
    ids=[c[0] for c in BAD_ARGUMENTS],
)
def test_bad_arguments_fail_at_once_with_one_line(
    args: dict[str, Any], error: type[Exception], message: str
) -> None:
    kwargs = {"profile": DEFAULT, **args}
    with pytest.raises(error) as exc:
        S.invalid_sessions(**kwargs)
    assert type(exc.value) is error
    assert str(exc.value) == message


def _level(rule: str) -> Checker:
    return Checker(now=DEFAULT.time_now, policy=DEFAULT.policy if RULES[rule].policy else None)


def test_by_default_a_broken_session_is_never_valid_clerk_data() -> None:
    @settings(CHECK, max_examples=200)
    @given(S.invalid_sessions(DEFAULT))
    def check(pair: tuple[dict[str, Any], str]) -> None:
        session, rule = pair
        assert not rule.startswith("policy.")
        assert {v.rule for v in Checker(now=DEFAULT.time_now).check(session)} == {rule}

    check()


def test_a_rule_named_twice_is_drawn_once() -> None:
    @settings(CHECK)
    @given(S.invalid_sessions(DEFAULT, rules=("status", "status")))
    def check(pair: tuple[dict[str, Any], str]) -> None:
        assert pair[1] == "status"
        assert [v.rule for v in _level("status").check(pair[0])] == ["status"]

    check()


def test_policy_rules_are_opt_in_by_name_beside_clerk_rules() -> None:
    seen: set[str] = set()

    @settings(CHECK, max_examples=100)
    @given(S.invalid_sessions(DEFAULT, rules=["policy.ip", "order.updated"]))
    def check(pair: tuple[dict[str, Any], str]) -> None:
        session, rule = pair
        seen.add(rule)
        assert {v.rule for v in _level(rule).check(session)} == {rule}

    check()
    assert seen == {"policy.ip", "order.updated"}


def test_a_named_policy_rule_gives_valid_clerk_data() -> None:
    @settings(CHECK)
    @given(S.invalid_sessions(DEFAULT, rules="policy.created_first"))
    def check(pair: tuple[dict[str, Any], str]) -> None:
        session = pair[0]
        assert 0 < session["created_at"] - session["last_active_at"] <= 5_000
        assert Checker(now=DEFAULT.time_now).check(session) == []

    check()


# The issue's example: an actor session living 30 minutes and 1 ms.
ACTOR_SESSION: dict[str, Any] = {
    "object": "session",
    "id": "sess_3LE9NwNofDFo5VpNlRvcU27KvRF",
    "user_id": "user_391Fn1GisARSNMcJ5rFVtQh8VRH",
    "client_id": "client_3AP14osgpxAOkxUj9uP18hHE9ZB",
    "actor": {"sub": "user_2yJsqZ7cRn9OhWAFSfz3nTFwKT1"},
    "status": "expired",
    "last_active_organization_id": None,
    "last_active_at": 1793008323835,
    "latest_activity": None,
    "expire_at": 1793008323835 + 1_800_001,
    "abandon_at": 1793008323835 + 30 * DAY,
    "updated_at": 1793008323835,
    "created_at": 1793008323835,
    "tasks": None,
}


def test_a_thirty_minute_and_one_ms_actor_session_is_valid_clerk_data() -> None:
    assert check_session(ACTOR_SESSION, now=DEFAULT.time_now) == []
    assert [v.describe() for v in check_session(ACTOR_SESSION, policy=DEFAULT.policy)] == [
        f"expire_at: policy.actor_lifetime ({ACTOR_SESSION['expire_at']})"
    ]


# ---------------------------------------------------------------- section 3: profiles

LAST_ABANDON = MS_MAX - 30 * DAY  # the latest now whose sessions can abandon in time
ROOM = MS_MIN + 40_000  # the earliest window start that leaves room for activity ids
_ONLY_ACTIVE = {f"status.weights.{s}": 0 for s in STATUSES if s != "active"}
REFUSED: list[tuple[str, str | None, dict[str, Any], str]] = [
    ("lifetime.max of 10,000 years", NOW, {"lifetime.max": "3650000d", **_ONLY_ACTIVE},
     "--set: lifetime.max: 3650000d after the end of the creation window "
     "(2026-11-01T00:00:00Z) is later than a timestamp may be (2150-06-19T23:21:35Z)"),
    ("lifetime.abandon of 10,000 years", NOW, {"lifetime.abandon": "3650000d"},
     "--set: lifetime.abandon: 3650000d after the end of the creation window "
     "(2026-11-01T00:00:00Z) is later than a timestamp may be (2150-06-19T23:21:35Z)"),
    ("lifetime.actor of 10,000 years", NOW, {"lifetime.actor": "3650000d"},
     "--set: lifetime.actor: 3650000d after the end of the creation window "
     "(2026-11-01T00:00:00Z) is later than a timestamp may be (2150-06-19T23:21:35Z)"),
    ("now at the last KSUID second", None,
     {"time.now": format_instant(MS_MAX), "time.window_start": "1d"},
     "profiles/default.toml: lifetime.abandon: 30d after the end of the creation window "
     "(2150-06-19T23:21:35Z) is later than a timestamp may be (2150-06-19T23:21:35Z)"),
    ("abandonment one second too late", None, {"time.now": format_instant(LAST_ABANDON + 1000)},
     "profiles/default.toml: lifetime.abandon: 30d after the end of the creation window "
     "(2150-05-20T23:21:36Z) is later than a timestamp may be (2150-06-19T23:21:35Z)"),
    ("window at the KSUID epoch", NOW, {"time.window_start": format_instant(MS_MIN)},
     "--set: time.window_start: 2014-05-13T16:53:20Z leaves no room for latest_activity's id, "
     "10 to 40 s before its session (window from 2014-05-13T16:54:00Z on, or activity.rate 0)"),
    ("window 1 ms short of room", NOW, {"time.window_start": format_instant(ROOM - 1)},
     "--set: time.window_start: 2014-05-13T16:53:59.999Z leaves no room for latest_activity's "
     "id, 10 to 40 s before its session (window from 2014-05-13T16:54:00Z on, or activity.rate 0)"),
    ("window 10,000 years back", NOW, {"time.window_start": "3650000d"},
     "--set: time.window_start: -313566508800000 ms since the epoch is outside what a KSUID "
     "id can encode (2014-05-13T16:53:20Z to 2150-06-19T23:21:35Z)"),
    ("device weights overflowing", NOW,
     {"activity.devices": {"desktop": 1.7e308, "mobile_web": 1.7e308}},
     "--set: activity.devices: weights too large: their sum is not a finite number"),
    ("status weights overflowing", NOW, {"status.weights": dict.fromkeys(STATUSES, 1e308)},
     "--set: status.weights: weights too large: their sum is not a finite number"),
    ("a weight lost in the sum", NOW, {"tasks.weights.choose-organization": 5e-324},
     "--set: tasks.weights.choose-organization: weight too small next to the others (5e-324; "
     "at least 1e-12 of their sum, or 0)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("now", "overrides", "message"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_a_profile_that_would_break_rules_is_refused_with_one_line(
    now: str | None, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ProfileError) as exc:
        load_profile("default", now=now, overrides=overrides)
    assert str(exc.value) == message


LOADS: list[tuple[str, str | None, dict[str, Any]]] = [
    ("a long actor lifetime without actors", NOW, {"lifetime.actor": "3650000d", "actor.rate": 0}),
    ("abandonment at the last KSUID second", None, {"time.now": format_instant(LAST_ABANDON)}),
    ("window with just the room needed", NOW, {"time.window_start": format_instant(ROOM)}),
    ("window at the epoch, no activity", NOW,
     {"time.window_start": format_instant(MS_MIN), "activity.rate": 0}),
    ("a tiny weight that survives", NOW, {"tasks.weights.choose-organization": 1e-9}),
    ("10**12 users, organisations and impersonators", NOW,
     {"population.users": 10**12, "organization.pool": 10**12, "actor.impersonators": 10**12}),
    ("only agent actors", NOW, {"actor.rate": 1, "actor.kinds": {"dashboard": 0, "token": 0}}),
    ("1 ms lives on the boundaries", NOW,
     {"lifetime.max": "1ms", "lifetime.abandon": "1ms", "lifetime.actor": "1ms",
      "timeline.boundary_rate": 1, "actor.rate": 1}),
    ("three tasks, mostly pending", NOW, {"tasks.max": 3, "status.weights.pending": 1000}),
    ("skew at its top", NOW, {"population.skew": 100, "population.users": 1}),
]  # fmt: skip


@pytest.mark.parametrize(("now", "overrides"), [c[1:] for c in LOADS], ids=[c[0] for c in LOADS])
def test_a_profile_that_loads_generates_only_valid_sessions(
    now: str | None, overrides: dict[str, Any]
) -> None:
    p = load_profile("default", now=now, overrides=overrides)
    checker = Checker(now=p.time_now, policy=p.policy)
    sample = list(Generator(p, 11).generate(0, 300))
    assert [v.describe() for s in sample for v in checker.check(s)] == []
    for s in sample:
        models.Session.model_validate(copy.deepcopy(s))


def test_generate_refuses_the_issue_example_with_exit_2() -> None:
    result = CliRunner().invoke(
        cli, ["generate", "-n", "1", "--now", NOW, "--set", "lifetime.max=3650000d"]
    )
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: --set: lifetime.max: 3650000d after the end of the creation window "
        "(2026-11-01T00:00:00Z) is later than a timestamp may be (2150-06-19T23:21:35Z)\n"
    )


def test_profiles_check_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "long.toml"
    path.write_text('[lifetime]\nactor = "3650000d"\n[time]\nnow = "2026-11-01"\n')
    result = CliRunner().invoke(cli, ["profiles", "check", str(path)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: {path}: lifetime.actor: 3650000d after the end of the creation window "
        "(2026-11-01T00:00:00Z) is later than a timestamp may be (2150-06-19T23:21:35Z)\n"
    )
