"""The rule set, checked on hand-made sessions that each break one rule."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from sessionfaker.rules import RULES, Checker, Policy, check_session

NOW = 1793491200000  # 2026-11-01T00:00:00Z

VALID: dict[str, Any] = {
    "object": "session",
    "id": "sess_3LE9NwNofDFo5VpNlRvcU27KvRF",
    "user_id": "user_391Fn1GisARSNMcJ5rFVtQh8VRH",
    "client_id": "client_3AP14osgpxAOkxUj9uP18hHE9ZB",
    "actor": None,
    "status": "active",
    "last_active_organization_id": "org_36TithNRp1V8eiQ3pzLrtNoLB4h",
    "last_active_at": 1793388140749,
    "latest_activity": {
        "object": "session_activity",
        "id": "sess_activity_3LE9L2Psf0run3BTdJE6x6Hc3v5",
        "is_mobile": True,
        "device_type": "iPhone",
        "browser_name": "Safari",
        "browser_version": "21.0",
        "ip_address": "203.0.113.155",
        "city": "Vaughnshire",
        "country": "US",
    },
    "expire_at": 1793613123835,
    "abandon_at": 1795600323835,
    "updated_at": 1793388140764,
    "created_at": 1793008323835,
    "tasks": None,
}
POLICY = Policy(actor_lifetime_ms=1_800_000, actor_kinds=frozenset({"dashboard", "token", "agent"}))


def messages(session: Any, **kw: Any) -> list[str]:
    return [f"{v.describe()}" for v in check_session(session, now=NOW, policy=POLICY, **kw)]


def test_valid_session_passes() -> None:
    assert messages(VALID) == []


def change(**fields: Any) -> Callable[[dict[str, Any]], None]:
    def apply(d: dict[str, Any]) -> None:
        d.update(fields)

    return apply


def drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda d: d.pop(key)


def activity(**fields: Any) -> Callable[[dict[str, Any]], None]:
    def apply(d: dict[str, Any]) -> None:
        for k, v in fields.items():
            if v is ...:
                d["latest_activity"].pop(k)
            else:
                d["latest_activity"][k] = v

    return apply


def expired_at(ms: int) -> Callable[[dict[str, Any]], None]:
    return change(status="expired", expire_at=ms, updated_at=ms)


T0 = VALID["created_at"]
CASES: list[tuple[str, Callable[[dict[str, Any]], None], list[str]]] = [
    ("missing", drop("client_id"), ["client_id: missing (null)"]),
    ("unexpected", change(extra=1), ["extra: unexpected (1)"]),
    ("type", change(user_id=5), ["user_id: type (5)"]),
    ("type bool is no integer", change(created_at=True), ["created_at: type (true)"]),
    ("type int64 range", change(abandon_at=2**63), ["abandon_at: type (9223372036854775808)"]),
    ("null", change(status=None), ["status: null (null)"]),
    ("object", change(object="sessions"), ['object: object ("sessions")']),
    ("status", change(status="actve"), ['status: status ("actve")']),
    (
        "id.format",
        change(client_id="client_abc"),
        ['client_id: id.format ("client_abc")'],
    ),
    (
        "id.format prefix",
        change(last_active_organization_id="user_36TithNRp1V8eiQ3pzLrtNoLB4h"),
        ['last_active_organization_id: id.format ("user_36TithNRp1V8eiQ3pzLrtNoLB4h")'],
    ),
    (
        "id.time",
        change(id="sess_3LE9NwNofDFo5VpNlRvcU27KvRG".replace("3LE9", "3LF9")),
        ['id: id.time ("sess_3LF9NwNofDFo5VpNlRvcU27KvRG")'],
    ),
    ("timestamp.ms", change(abandon_at=1795600323), ["abandon_at: timestamp.ms (1795600323)"]),
    (
        # Beyond Clerk's few-ms quirk; the strict checker also holds the
        # generator to created_at <= last_active_at.
        "order.created",
        change(last_active_at=T0 - 5_001),
        [
            f"last_active_at: order.created ({T0 - 5_001})",
            f"last_active_at: policy.created_first ({T0 - 5_001})",
        ],
    ),
    (
        "order.updated",
        change(updated_at=VALID["last_active_at"] - 1),
        [f"updated_at: order.updated ({VALID['last_active_at'] - 1})"],
    ),
    (
        "order.expire",
        change(expire_at=VALID["last_active_at"], abandon_at=VALID["abandon_at"]),
        [
            f"expire_at: order.expire ({VALID['last_active_at']})",
            f"expire_at: now.live ({VALID['last_active_at']})",
        ],
    ),
    (
        "now.future",
        change(updated_at=NOW + 1),
        [f"updated_at: now.future ({NOW + 1})"],
    ),
    ("now.live", change(abandon_at=NOW), [f"abandon_at: now.live ({NOW})"]),
    (
        "now.expired",
        change(status="expired"),
        [f"expire_at: now.expired ({VALID['expire_at']})"],
    ),
    (
        "now.abandoned",
        change(status="abandoned"),
        [f"abandon_at: now.abandoned ({VALID['abandon_at']})"],
    ),
    (
        "transition",
        change(status="ended", expire_at=VALID["updated_at"]),
        [f"updated_at: transition ({VALID['updated_at']})"],
    ),
    ("tasks.pending missing", change(status="pending"), ["tasks: tasks.pending (null)"]),
    (
        "tasks.pending empty",
        change(status="pending", tasks=[]),
        ["tasks: tasks.pending ([])"],
    ),
    (
        "tasks.pending not pending",
        change(tasks=[{"key": "setup-mfa"}]),
        ['tasks: tasks.pending ([{"key": "setup-mfa"}])'],
    ),
    (
        "tasks.key",
        change(status="pending", tasks=[{"key": "verify-email"}]),
        ['tasks: tasks.key ({"key": "verify-email"})'],
    ),
    (
        "tasks.organization",
        change(status="pending", tasks=[{"key": "choose-organization"}]),
        ['last_active_organization_id: tasks.organization ("org_36TithNRp1V8eiQ3pzLrtNoLB4h")'],
    ),
    (
        "actor.sub same user",
        change(actor={"sub": VALID["user_id"]}, expire_at=T0 + 1_800_000),
        [
            f"expire_at: order.expire ({T0 + 1_800_000})",
            f"expire_at: now.live ({T0 + 1_800_000})",
            'actor: actor.sub ({"sub": "user_391Fn1GisARSNMcJ5rFVtQh8VRH"})',
        ],
    ),
    (
        "actor.sub not a user",
        change(actor={"sub": "admin"}),
        [
            'actor: actor.sub ({"sub": "admin"})',
            f"expire_at: policy.actor_lifetime ({VALID['expire_at']})",
        ],
    ),
    (
        "activity.object",
        activity(object="activity"),
        ['latest_activity: activity.object ("activity")'],
    ),
    (
        "activity.id",
        activity(id="sess_3LE9L2Psf0run3BTdJE6x6Hc3v5"),
        ['latest_activity: activity.id ("sess_3LE9L2Psf0run3BTdJE6x6Hc3v5")'],
    ),
    (
        "activity.is_mobile",
        activity(is_mobile="yes"),
        ['latest_activity: activity.is_mobile ("yes")'],
    ),
    ("activity.keys", activity(os="iOS"), ['latest_activity: activity.keys ({"os": "iOS"})']),
    ("activity.keys type", activity(city=3), ['latest_activity: activity.keys ({"city": 3})']),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_broken_rule_is_reported_exactly(
    mutate: Callable[[dict[str, Any]], None], expected: list[str]
) -> None:
    d = copy.deepcopy(VALID)
    mutate(d)
    assert messages(d) == expected


POLICY_CASES: list[tuple[str, Callable[[dict[str, Any]], None], list[str]]] = [
    ("policy.all_keys", drop("tasks"), ["tasks: policy.all_keys (null)"]),
    (
        "policy.all_keys activity",
        drop("latest_activity"),
        ["latest_activity: policy.all_keys (null)"],
    ),
    (
        "policy.created_first",
        change(last_active_at=T0 - 3),
        [f"last_active_at: policy.created_first ({T0 - 3})"],
    ),
    (
        "policy.user_time",
        change(user_id="user_3ZZZZZZZZZZZZZZZZZZZZZZZZZZ"),
        ['user_id: policy.user_time ("user_3ZZZZZZZZZZZZZZZZZZZZZZZZZZ")'],
    ),
    (
        "policy.client_time",
        change(client_id="client_3ZZZZZZZZZZZZZZZZZZZZZZZZZZ"),
        ['client_id: policy.client_time ("client_3ZZZZZZZZZZZZZZZZZZZZZZZZZZ")'],
    ),
    (
        "policy.activity_time",
        activity(id="sess_activity_3LE9NwNofDFo5VpNlRvcU27KvRF"),
        ['latest_activity: policy.activity_time ("sess_activity_3LE9NwNofDFo5VpNlRvcU27KvRF")'],
    ),
    (
        "policy.actor_lifetime",
        change(actor={"sub": "user_2yJsqZ7cRn9OhWAFSfz3nTFwKT1"}),
        [f"expire_at: policy.actor_lifetime ({VALID['expire_at']})"],
    ),
    (
        "policy.activity_nulls",
        activity(city=None),
        ['latest_activity: policy.activity_nulls ({"city": null})'],
    ),
    (
        "policy.native_app",
        activity(device_type=..., is_mobile=False),
        ['latest_activity: policy.native_app ({"is_mobile": false})'],
    ),
    ("policy.country", activity(country="USA"), ['latest_activity: policy.country ("USA")']),
    ("policy.ip", activity(ip_address="8.8.8.8"), ['latest_activity: policy.ip ("8.8.8.8")']),
    (
        "policy.ip v6",
        activity(ip_address="2001:4860::1"),
        ['latest_activity: policy.ip ("2001:4860::1")'],
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [c[1:] for c in POLICY_CASES], ids=[c[0] for c in POLICY_CASES]
)
def test_policy_rules_only_with_a_policy(
    mutate: Callable[[dict[str, Any]], None], expected: list[str]
) -> None:
    d = copy.deepcopy(VALID)
    mutate(d)
    assert messages(d) == expected
    assert [v.describe() for v in check_session(d, now=NOW)] == []


def test_actor_kinds_not_in_profile_are_policy_violations() -> None:
    d = copy.deepcopy(VALID)
    d["actor"] = {"sub": "user_2yJsqZ7cRn9OhWAFSfz3nTFwKT1", "type": "agent"}
    d["expire_at"] = d["created_at"] + 1_800_000
    d["last_active_at"] = d["updated_at"] = d["created_at"]
    policy = Policy(actor_lifetime_ms=1_800_000, actor_kinds=frozenset({"dashboard"}))
    found = [v.describe() for v in check_session(d, policy=policy)]
    assert found == [
        'actor: policy.actor_allowed ({"sub": "user_2yJsqZ7cRn9OhWAFSfz3nTFwKT1", "type": "agent"})'
    ]


def test_duplicate_ids_in_a_run() -> None:
    c = Checker(now=NOW)
    assert c.check(copy.deepcopy(VALID)) == []
    assert [v.describe() for v in c.check(copy.deepcopy(VALID))] == [
        'id: id.unique ("sess_3LE9NwNofDFo5VpNlRvcU27KvRF")'
    ]


def test_not_an_object() -> None:
    assert [v.describe() for v in check_session([1, 2])] == ["*: type ([1, 2])"]


def test_now_rules_need_a_reference_time() -> None:
    d = copy.deepcopy(VALID)
    d["status"] = "expired"
    assert check_session(d) == []


def test_every_rule_is_exercised_by_a_case() -> None:
    covered = {c[0].split(" ")[0] for c in CASES + POLICY_CASES} | {
        "policy.actor_allowed",
        "id.unique",
        "order.abandon",
    }
    assert set(RULES) <= covered


def test_order_abandon() -> None:
    d = copy.deepcopy(VALID)
    d["abandon_at"] = d["last_active_at"]
    assert [v.rule for v in check_session(d)] == ["order.abandon"]
