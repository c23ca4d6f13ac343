"""The Hypothesis strategies: every example passes the core Checker, pins hold,
the edges are reached, bad arguments fail when the strategy is built with an
exact message, and failures shrink to minimal sessions."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

import sessionfaker
from sessionfaker import ids
from sessionfaker import strategies as S
from sessionfaker.errors import InvalidArgument
from sessionfaker.profile import Profile, creation_range, lifetimes
from sessionfaker.rules import (
    ACTIVITY_OPTIONAL,
    ACTOR_KINDS,
    DEVICE_KINDS,
    STATUSES,
    TASK_KEYS,
    Checker,
    actor_kind,
    check_session,
    device_kind,
)
from sessionfaker.schema import load_structure
from sessionfaker.session import Session

from .conftest import BUILTINS, NOW_MS, profile

DEFAULT = profile("default")
# A profile whose policy forbids some actor kinds, gives no organisations and
# no choose-organization task: the corners the default profile never visits.
NARROW = profile("consumer-mobile")
EDGES = profile("edge-cases")

CHECK = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
FIND = settings(max_examples=2000, database=None, deadline=None)


def assert_valid(s: Any, p: Profile) -> None:
    broken = check_session(s, now=p.time_now, policy=p.policy)
    assert broken == [], [v.describe() for v in broken]


# ---------------------------------------------------------------- conformance


@pytest.mark.parametrize("name", BUILTINS)
def test_sessions_pass_every_rule_for_each_builtin_profile(name: str) -> None:
    p = profile(name)

    @CHECK
    @given(S.sessions(p))
    def check(s: Session) -> None:
        assert_valid(s, p)
        assert p.status_weights[s["status"]] > 0
        assert tuple(s) == load_structure().names

    check()


@pytest.mark.parametrize("status", STATUSES)
def test_each_status_alone(status: str) -> None:
    @settings(CHECK, max_examples=40)
    @given(S.sessions(EDGES, status=status))
    def check(s: Session) -> None:
        assert s["status"] == status
        assert_valid(s, EDGES)

    check()


@pytest.mark.parametrize("kind", ACTOR_KINDS)
def test_each_actor_kind_alone(kind: str) -> None:
    @settings(CHECK, max_examples=40)
    @given(S.sessions(DEFAULT, actor=kind))
    def check(s: Session) -> None:
        assert s["actor"] is not None and actor_kind(s["actor"]) == kind
        assert s["expire_at"] - s["created_at"] == DEFAULT.lifetime_actor
        assert_valid(s, DEFAULT)

    check()


@CHECK
@given(S.sessions(DEFAULT, actor=False, status=("ended", "revoked")))
def test_actor_false_and_a_status_collection(s: Session) -> None:
    assert s["actor"] is None and s["status"] in ("ended", "revoked")
    assert_valid(s, DEFAULT)


ORG = "org_3CN1Qq7GaVKce4wQaXbk2a0ydxb"
USER = "user_34qy3qQexlroD19d6HQNvBIw75J"  # created a year before NOW
ACTIVITY = {
    "object": "session_activity",
    "id": "sess_activity_3LTopL9yQkf5HHmHKcKPdM9g0Y7",  # an hour before NOW
    "is_mobile": False,
    "device_type": "Windows",
}


@pytest.mark.parametrize(
    "fixed",
    [
        {"user_id": USER},
        {"client_id": "client_3GvTmI6mmhr7DGd9byKCTczzqxl"},
        {"last_active_organization_id": ORG},
        {"last_active_organization_id": None, "latest_activity": None},
        {"created_at": NOW_MS - 3_600_000},
        {"last_active_at": NOW_MS - 1},
        {"updated_at": NOW_MS},
        {"expire_at": NOW_MS + 1},
        {"abandon_at": NOW_MS - 86_400_000},
        {"id": "sess_3LTopL9yQl5eIle4JoF73siOX4B"},
        {"tasks": [{"key": "setup-mfa"}, {"key": "reset-password"}]},
        {"tasks": None, "object": "session"},
        {"latest_activity": ACTIVITY},
    ],
    ids=lambda d: ",".join(d),
)
def test_pinned_fields_hold_and_the_rest_stays_coherent(fixed: dict[str, Any]) -> None:
    @settings(CHECK, max_examples=60)
    @given(S.sessions(DEFAULT, **fixed))
    def check(s: Session) -> None:
        for name, value in fixed.items():
            assert s[name] == value  # type: ignore[literal-required]
        assert_valid(s, DEFAULT)

    check()


@CHECK
@given(S.sessions(DEFAULT, abandon_at=NOW_MS - 86_400_000))
def test_pins_narrow_the_statuses_they_allow(s: Session) -> None:
    # Abandoned a day ago: no longer live, whatever else it is.
    assert s["status"] not in ("active", "pending")


@CHECK
@given(S.session_lists(DEFAULT, min_size=2, max_size=6))
def test_session_lists_pass_the_run_level_checker(sessions: list[Session]) -> None:
    checker = Checker(now=DEFAULT.time_now, policy=DEFAULT.policy)
    assert 2 <= len(sessions) <= 6
    for s in sessions:
        assert checker.check(s) == []


@CHECK
@given(S.session_lists(EDGES, max_size=5, same_user=True))
def test_same_user_lists(sessions: list[Session]) -> None:
    assert len({s["user_id"] for s in sessions}) <= 1
    checker = Checker(now=EDGES.time_now, policy=EDGES.policy)
    for s in sessions:
        assert checker.check(s) == []


@pytest.mark.parametrize(
    ("strategy", "prefix"),
    [
        (S.session_ids, "sess_"),
        (S.user_ids, "user_"),
        (S.client_ids, "client_"),
        (S.organization_ids, "org_"),
    ],
)
def test_id_strategies_stay_in_their_time_range(
    strategy: Callable[..., st.SearchStrategy[str]], prefix: str
) -> None:
    lo, hi = "2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z"

    @settings(CHECK, max_examples=60)
    @given(strategy(min_time=lo, max_time=hi))
    def check(i: str) -> None:
        assert ids.is_id(i, prefix)
        assert 1735689600 <= ids.id_unix_seconds(i, prefix) <= 1735776000

    check()


@CHECK
@given(S.ksuids("inv_"))
def test_ksuids_cover_the_whole_range_by_default(i: str) -> None:
    assert ids.is_id(i, "inv_")


def test_ksuids_shrink_to_the_earliest_second() -> None:
    assert find(S.ksuids("x_"), lambda i: True) == "x_" + "0" * 27
    assert find(S.user_ids(min_time=NOW_MS), lambda i: True) == ids.make_id(
        "user_", NOW_MS // 1000, 0
    )


@CHECK
@given(S.statuses(NARROW))
def test_statuses_follow_the_profile(status: str) -> None:
    assert status in STATUSES and NARROW.status_weights[status] > 0


@CHECK
@given(S.actors())
def test_actors(actor: dict[str, Any]) -> None:
    assert actor_kind(actor) in ACTOR_KINDS
    assert ids.is_id(actor["sub"], "user_")
    probe = {"actor": actor, "user_id": USER}
    assert [v for v in check_session(probe) if v.rule == "actor.sub"] == []


def activity_violations(act: Any, p: Profile) -> list[str]:
    """The rules about latest_activity alone (its lag needs a created_at)."""
    return [
        v.rule
        for v in check_session({"latest_activity": act}, policy=p.policy)
        if v.field == "latest_activity"
    ]


@pytest.mark.parametrize("name", ["default", "consumer-mobile"])
def test_latest_activities(name: str) -> None:
    p = profile(name)

    @CHECK
    @given(S.latest_activities(p))
    def check(act: Any) -> None:
        assert activity_violations(act, p) == []
        assert p.activity_devices[device_kind(act)] > 0
        assert set(act) <= {"object", "id", "is_mobile", *ACTIVITY_OPTIONAL}

    check()


@pytest.mark.parametrize("device", DEVICE_KINDS)
def test_latest_activities_of_one_device(device: str) -> None:
    @settings(CHECK, max_examples=30)
    @given(S.latest_activities(DEFAULT, device=device))
    def check(act: Any) -> None:
        assert device_kind(act) == device
        assert activity_violations(act, DEFAULT) == []

    check()


@CHECK
@given(S.session_tasks())
def test_session_tasks(tasks: Any) -> None:
    probe = {"status": "pending", "tasks": tasks}
    assert [v for v in check_session(probe) if v.field == "tasks"] == []


@CHECK
@given(st.from_type(sessionfaker.Session))
def test_from_type_goes_through_the_entry_point(s: Session) -> None:
    assert check_session(s) == []


def test_session_typeddict_declares_the_structure() -> None:
    assert tuple(Session.__annotations__) == load_structure().names
    assert "Session" in sessionfaker.__all__


def test_public_names() -> None:
    defined = {n for n in dir(S) if not n.startswith("_")}
    assert set(S.__all__) <= defined
    for name in S.__all__:
        assert getattr(S, name).__doc__, name


# ---------------------------------------------------------------- edges


@pytest.mark.parametrize(
    ("kwargs", "condition"),
    [
        ({"status": "expired"}, lambda s: s["last_active_at"] == s["expire_at"] - 1),
        ({"status": "ended"}, lambda s: s["last_active_at"] == s["expire_at"] - 1),
        ({"status": "expired"}, lambda s: s["expire_at"] == NOW_MS),
        ({"status": "abandoned"}, lambda s: s["abandon_at"] == NOW_MS),
        ({"status": "active"}, lambda s: s["expire_at"] == NOW_MS + 1),
        ({"status": "active"}, lambda s: s["created_at"] == NOW_MS),
        ({"status": "active"}, lambda s: s["updated_at"] == NOW_MS),
        ({"status": "revoked"}, lambda s: s["updated_at"] == s["expire_at"] - 1),
        ({}, lambda s: s["last_active_organization_id"] is not None),
        ({}, lambda s: s["latest_activity"] is not None and "city" not in s["latest_activity"]),
        ({}, lambda s: (s["latest_activity"] or {}).get("ip_address", "").startswith("2001:db8:")),
    ],
)
def test_edges_are_reached(kwargs: dict[str, Any], condition: Callable[[Session], bool]) -> None:
    s = find(S.sessions(DEFAULT, **kwargs), condition, settings=FIND)
    assert_valid(s, DEFAULT)


@pytest.mark.parametrize("status", STATUSES)
def test_every_status_is_drawn(status: str) -> None:
    find(S.sessions(EDGES), lambda s: s["status"] == status, settings=FIND)


@pytest.mark.parametrize("kind", ACTOR_KINDS)
def test_every_actor_kind_is_drawn(kind: str) -> None:
    find(
        S.sessions(EDGES),
        lambda s: s["actor"] is not None and actor_kind(s["actor"]) == kind,
        settings=FIND,
    )


@pytest.mark.parametrize("key", TASK_KEYS)
def test_pending_with_every_task(key: str) -> None:
    find(
        S.sessions(EDGES, status="pending"),
        lambda s: any(t["key"] == key for t in s["tasks"] or []),
        settings=FIND,
    )


def test_pending_with_all_tasks_at_once() -> None:
    s = find(
        S.sessions(EDGES, status="pending"),
        lambda s: len(s["tasks"] or []) == len(TASK_KEYS),
        settings=FIND,
    )
    assert s["last_active_organization_id"] is None  # choose-organization is among them


# ---------------------------------------------------------------- shrinking


def minimal(p: Profile, *, actor: bool) -> dict[str, Any]:
    """The session sessions() shrinks to, written out by hand."""
    created = creation_range(p, "active", actor=actor)
    assert created is not None
    c = created[0]
    second = c // 1000
    life, abandon = lifetimes(p, actor=actor)
    return {
        "object": "session",
        "id": ids.make_id("sess_", second, 0),
        "user_id": ids.make_id("user_", second, 0),
        "client_id": ids.make_id("client_", second, 0),
        # The impersonator differs from the user in the payload's last bit.
        "actor": {"sub": ids.make_id("user_", second, 1)} if actor else None,
        "status": "active",
        "last_active_organization_id": None,
        "last_active_at": c,
        "latest_activity": None,
        "expire_at": c + life,
        "abandon_at": c + abandon,
        "updated_at": c,
        "created_at": c,
        "tasks": None,
    }


def test_the_minimal_session() -> None:
    assert find(S.sessions(DEFAULT), lambda s: True) == minimal(DEFAULT, actor=False)


def test_a_failure_about_impersonation_shrinks_to_just_the_actor() -> None:
    failures: list[Session] = []

    @settings(database=None, max_examples=1000, deadline=None)
    @given(S.sessions(DEFAULT))
    def impersonated_sessions_are_never_seen(s: Session) -> None:
        failures.append(s)
        assert s["actor"] is None

    with pytest.raises(AssertionError):
        impersonated_sessions_are_never_seen()
    shrunk = failures[-1]
    # Minimal in everything but the actor, itself the simplest one (a token
    # actor, {"sub": ...}). Its 30-minute lifetime comes with it: the earliest
    # allowed creation of an active impersonated session is later.
    assert shrunk == minimal(DEFAULT, actor=True)
    assert shrunk["expire_at"] - shrunk["created_at"] == DEFAULT.lifetime_actor


def test_pending_shrinks_to_one_task() -> None:
    s = find(S.sessions(DEFAULT, status="pending"), lambda s: True)
    assert s["tasks"] == [{"key": "choose-organization"}]
    assert find(S.session_tasks(), lambda t: True) == [{"key": "choose-organization"}]


def test_actor_strategy_shrinks_to_a_token_actor() -> None:
    assert list(find(S.actors(), lambda a: True)) == ["sub"]


# ---------------------------------------------------------------- arguments

CM = NARROW
NO_ACTORS = DEFAULT.with_overrides({"actor.rate": 0})
NATIVE_ONLY = DEFAULT.with_overrides(
    {"activity.devices": {"desktop": 0, "mobile_web": 0, "native_app": 1}}
)
WHEN = "(profile 'default', now 2026-11-01T00:00:00Z)"

BAD: list[tuple[Callable[[], object], str]] = [
    (
        lambda: S.sessions(DEFAULT, status="actve"),
        "Cannot have status='actve': 'actve' is not a status (did you mean 'active'?)",
    ),
    (lambda: S.sessions(DEFAULT, status=[]), "Cannot have status=[]: name at least one status"),
    (
        lambda: S.sessions(CM.with_overrides({"status.weights": {"ended": 0}}), status="ended"),
        "Cannot have status='ended': profile 'consumer-mobile' gives 'ended' no weight",
    ),
    (
        lambda: S.sessions(DEFAULT, status="expired", created_at=NOW_MS),
        "Cannot have status='expired', created_at=1793491200000: no expired session satisfies "
        f"the rules with these values {WHEN}",
    ),
    (
        lambda: S.sessions(DEFAULT, created_at=NOW_MS + 1),
        "Cannot have created_at=1793491200001: after now (2026-11-01T00:00:00Z); created_at, "
        "last_active_at and updated_at are not after now",
    ),
    (
        lambda: S.sessions(DEFAULT, created_at=1),
        "Cannot have created_at=1: breaks rule timestamp.ms (timestamps are epoch milliseconds)",
    ),
    (
        lambda: S.sessions(DEFAULT, created_at=NOW_MS - 100 * 86_400_000),
        "Cannot have created_at=1784851200000: outside profile 'default''s creation window "
        "(2026-08-03T00:00:00Z to 2026-11-01T00:00:00Z)",
    ),
    (
        lambda: S.sessions(DEFAULT, expire_at=NOW_MS, abandon_at=NOW_MS),
        "Cannot have expire_at=1793491200000, abandon_at=1793491200000: no session satisfies "
        f"the rules with these values {WHEN}",
    ),
    (
        lambda: S.sessions(DEFAULT, usr_id="x"),
        "Cannot have usr_id='x': not a session field (did you mean 'user_id'?)",
    ),
    (
        lambda: S.sessions(DEFAULT, user_id="usr_123"),
        "Cannot have user_id='usr_123': breaks rule id.format (ids are their prefix and a "
        "27-character base62 KSUID)",
    ),
    (
        lambda: S.sessions(DEFAULT, object="user"),
        "Cannot have object='user': breaks rule object (object is 'session')",
    ),
    (
        lambda: S.sessions(DEFAULT, created_at=1.5),
        "Cannot have created_at=1.5: breaks rule type (each value has its declared type; "
        "integers fit in int64)",
    ),
    (
        lambda: S.sessions(DEFAULT, latest_activity={"object": "session_activity"}),
        "Cannot have latest_activity={'object': 'session_activity'}: breaks rule activity.id "
        "(latest_activity.id is a sess_activity_ KSUID)",
    ),
    (
        lambda: S.sessions(DEFAULT, tasks=[]),
        "Cannot have tasks=[]: tasks is a non-empty list or None (tasks is a non-empty list "
        "exactly when status is pending)",
    ),
    (
        lambda: S.sessions(DEFAULT, tasks=[{"key": "x"}]),
        "Cannot have tasks=[{'key': 'x'}]: breaks rule tasks.key (each task is {'key': K}, K "
        "one of choose-organization, reset-password, setup-mfa)",
    ),
    (
        lambda: S.sessions(DEFAULT, status="active", tasks=[{"key": "setup-mfa"}]),
        "Cannot have status='active', tasks=[{'key': 'setup-mfa'}]: no active session "
        f"satisfies the rules with these values {WHEN}",
    ),
    (
        lambda: S.sessions(
            DEFAULT, tasks=[{"key": "choose-organization"}], last_active_organization_id=ORG
        ),
        "Cannot have tasks=[{'key': 'choose-organization'}], last_active_organization_id="
        f"'{ORG}': a pending choose-organization session has no active organization",
    ),
    (
        lambda: S.sessions(DEFAULT, actor="admin"),
        "Cannot have actor='admin': 'admin' is not an actor kind (expected True, False or one "
        "of dashboard, token, agent)",
    ),
    (lambda: S.sessions(DEFAULT, actor=[]), "Cannot have actor=[]: name at least one actor kind"),
    (
        lambda: S.sessions(DEFAULT, actor={"sub": USER}),
        f"Cannot have actor={{'sub': '{USER}'}}: expected True, False or actor kinds (one of "
        "dashboard, token, agent)",
    ),
    (
        lambda: S.sessions(DEFAULT, status=5),  # type: ignore[arg-type]
        "Cannot have status=5: expected a status or statuses",
    ),
    (
        lambda: S.sessions(CM, actor="agent"),
        "Cannot have actor='agent': profile 'consumer-mobile' allows no agent actor",
    ),
    (
        lambda: S.sessions(NO_ACTORS, actor=True),
        "Cannot have actor=True: profile 'default' allows no actor (actor.rate 0)",
    ),
    (
        lambda: S.sessions(DEFAULT, now="yesterday"),
        "Cannot have now='yesterday': malformed time 'yesterday' (expected ISO 8601 like "
        "2026-11-01T00:00:00Z, epoch milliseconds, or 'now')",
    ),
    (
        lambda: S.sessions(42),  # type: ignore[arg-type]
        "Cannot have profile=42: expected a Profile, a built-in profile name or a path",
    ),
    (
        lambda: S.ksuids("Sess"),
        "Cannot have prefix='Sess': expected lower-case letters ending in '_', such as "
        "'sess_', 'user_', 'client_', 'org_', 'sess_activity_'",
    ),
    (
        lambda: S.ksuids("sess_", min_time="2026-01-02T00:00:00Z", max_time="2026-01-01"),
        "Cannot have max_time='2026-01-01' < min_time='2026-01-02T00:00:00Z'",
    ),
    (
        lambda: S.ksuids("sess_", min_time=1767225600500, max_time=1767225600001),
        "Cannot have max_time=1767225600001 < min_time=1767225600500",
    ),
    (
        lambda: S.session_ids(min_time=0),
        "Cannot have min_time=0: outside the KSUID range 2014-05-13T16:53:20Z to "
        "2150-06-19T23:21:35.999Z",
    ),
    (
        lambda: S.user_ids(max_time=True),
        "Cannot have max_time=True: expected epoch milliseconds",
    ),
    (
        lambda: S.actors("admin"),
        "Cannot have kind='admin': 'admin' is not an actor kind (one of dashboard, token, agent)",
    ),
    (
        lambda: S.latest_activities(DEFAULT, device="tablet"),
        "Cannot have device='tablet': 'tablet' is not a device kind (one of desktop, "
        "mobile_web, native_app)",
    ),
    (
        lambda: S.latest_activities(NATIVE_ONLY, device="desktop"),
        "Cannot have device='desktop': profile 'default' gives it no weight",
    ),
    (lambda: S.session_tasks(min_size=0), "Cannot have min_size=0 < 1"),
    (lambda: S.session_tasks(max_size=4), "Cannot have max_size=4 > 3"),
    (
        lambda: S.session_tasks(min_size=3, max_size=2),
        "Cannot have max_size=2 < min_size=3",
    ),
    (lambda: S.session_lists(DEFAULT, min_size=-1), "Cannot have min_size=-1 < 0"),
    (
        lambda: S.session_lists(DEFAULT, min_size=3, max_size=2),
        "Cannot have max_size=2 < min_size=3",
    ),
    (
        lambda: S.session_lists(DEFAULT, max_size=1.5),  # type: ignore[arg-type]
        "Cannot have max_size=1.5: expected an integer",
    ),
    (
        lambda: S.invalid_sessions(DEFAULT, rules="id.unique"),
        "Cannot have rules='id.unique': id.unique is a run-level rule; one session cannot break it",
    ),
    (
        lambda: S.invalid_sessions(DEFAULT, rules=["status", "stauts"]),
        "Cannot have rules=['status', 'stauts']: 'stauts' is not a rule (did you mean 'status'?)",
    ),
    (
        lambda: S.invalid_sessions(DEFAULT, rules="policy.actor_allowed"),
        "Cannot have rules='policy.actor_allowed': no session can break policy.actor_allowed "
        "alone under profile 'default' (actors appear only where the profile allows)",
    ),
    (lambda: S.invalid_sessions(DEFAULT, rules=[]), "Cannot have rules=[]: name at least one rule"),
]


@pytest.mark.parametrize(("build", "message"), BAD, ids=[m[:60] for _, m in BAD])
def test_bad_arguments_fail_when_the_strategy_is_built(
    build: Callable[[], object], message: str
) -> None:
    with pytest.raises(InvalidArgument) as exc:
        build()
    assert str(exc.value) == message


def test_invalid_argument_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        S.sessions(DEFAULT, status="actve")


def test_hypothesis_entry_point_loads_nothing_until_asked() -> None:
    code = "import sys, hypothesis; assert 'sessionfaker.strategies' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "name",
    [
        "sessionfaker.strategies",
        *(f"sessionfaker.strategies.{part}" for part in ("valid", "parts", "invalid")),
        "sessionfaker.session",
        "sessionfaker.pytest_plugin",
    ],
)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


ALWAYS = DEFAULT.with_overrides({"organization.rate": 1, "activity.rate": 1, "actor.rate": 1})
NEVER = DEFAULT.with_overrides({"organization.rate": 0, "activity.rate": 0, "actor.rate": 0})


@CHECK
@given(S.sessions(ALWAYS), S.sessions(NEVER))
def test_rates_of_one_and_zero_mean_always_and_never(always: Session, never: Session) -> None:
    # Profiles shape what is possible, not how often: only 0 and 1 are absolute.
    choosing = always["tasks"] is not None and {"key": "choose-organization"} in always["tasks"]
    assert (always["last_active_organization_id"] is None) == choosing
    assert always["latest_activity"] is not None and always["actor"] is not None
    assert never["last_active_organization_id"] is None
    assert never["latest_activity"] is None and never["actor"] is None
    assert_valid(always, ALWAYS)
    assert_valid(never, NEVER)
