"""Sessions Clerk itself sent pass ``validate``; only ``--strict`` holds them to
sessionfaker's generation policy.

The data are public captured responses and examples, copied field for field
(only the keys a Session object has; the source of each is given beside it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sessionfaker.cli import cli
from sessionfaker.rules import Checker, Policy, check_session

# The mock user of clerk/clerk-ios: Sources/API/Mocks/JSONFiles/User.json, "id".
IOS_USER = "user_2XdLRC6pJCyrFQsmlJoAOuYnLx4"

# Frontend API responses captured for clerk/clerk-ios's mocks. A Frontend API
# session carries its user (``user``, ``public_user_data``) and its token
# (``last_active_token``) instead of ``user_id`` and ``client_id``: those
# three keys are left out here, ``user_id`` is the embedded user's id and
# ``client_id`` the id of the client object that holds the session.
IOS_CLIENT_SESSIONS: list[tuple[str, int, dict[str, Any]]] = [
    (
        # clerk/clerk-ios@3b8167ac3ee69c720946e508e3489e7d6fb59a01
        # Sources/API/Mocks/JSONFiles/Client.json: an expired session, last
        # touched 13 hours before it expired; no latest_activity, no tasks.
        "ios-client-expired",
        1706739408359,  # the client's updated_at: when the response was made
        {
            "object": "session",
            "id": "sess_2bM2TLuU8lsA7M5Epmge0oL1hVk",
            "status": "expired",
            "expire_at": 1706615433911,
            "abandon_at": 1708602633911,
            "last_active_at": 1706569777741,
            "last_active_organization_id": None,
            "actor": None,
            "created_at": 1706010633911,
            "updated_at": 1706579916424,
            "user_id": IOS_USER,
            "client_id": "client_2b60RSNNjLx1pXJGtXw6RApIXMM",
        },
    ),
    (
        # clerk/clerk-ios@89f4e17bdc1a7bd91e8d21df49a4d6db326e95cd
        # Sources/API/Mocks/JSONFiles/MockClientJSON.swift ("response.sessions[0]").
        "ios-client-active",
        1707548905763,  # the client's updated_at
        {
            "object": "session",
            "id": "sess_2cAHx9rDQUYIxjIMHNIEnorvr7Y",
            "status": "active",
            "expire_at": 1708152506837,
            "abandon_at": 1710139706837,
            "last_active_at": 1707548893364,
            "last_active_organization_id": None,
            "actor": None,
            "created_at": 1707547706837,
            "updated_at": 1707548893364,
            "user_id": IOS_USER,
            "client_id": "client_2cAHwcHy6VsRKn50xsrtVwC6kAW",
        },
    ),
]

# clerk/clerk-ios@3b8167ac3ee69c720946e508e3489e7d6fb59a01
# Sources/API/Mocks/JSONFiles/Sessions.json: the user's sessions (GET
# /v1/me/sessions), with real places, browsers and a native app. ``user`` and
# ``public_user_data`` are null there and ``last_active_token`` is left out;
# ``user_id`` is the mock user's. The Frontend API does not say which client
# each belongs to, so these have no ``client_id``.
IOS_ME_SESSIONS: list[dict[str, Any]] = [
    {
        "object": "session",
        "id": "sess_2bjrdCkFhAM9uAazkPoP4T6ypiA",
        "status": "active",
        "expire_at": 1707344213053,
        "abandon_at": 1709331413053,
        "last_active_at": 1706739413053,
        "latest_activity": {
            "object": "session_activity",
            "id": "sess_activity_2bjrbwTrDdlrsSIvnBcc542X6VO",
            "device_type": "Macintosh",
            "is_mobile": False,
            "browser_name": "Safari",
            "browser_version": "17.3",
            "ip_address": "108.50.209.172",
            "city": "Asbury Park",
            "country": "US",
        },
        "last_active_organization_id": None,
        "actor": None,
        "created_at": 1706739413053,
        "updated_at": 1706739413053,
        "user_id": IOS_USER,
    },
    {
        "object": "session",
        "id": "sess_2bRTLfb5DZ4kIunSXdTwsCOa3Tl",
        "status": "active",
        "expire_at": 1706781636989,
        "abandon_at": 1708768836989,
        "last_active_at": 1706176836989,
        "latest_activity": {
            "object": "session_activity",
            "id": "sess_activity_2bRTJBCdF6AI45ciIwgsYRCpRAd",
            "is_mobile": True,
            "browser_name": "ClerkExample",
            "browser_version": "1.0",
            "ip_address": "88.157.217.170",
            "country": "PT",
        },
        "last_active_organization_id": None,
        "actor": None,
        "created_at": 1706176836989,
        "updated_at": 1706684160242,
        "user_id": IOS_USER,
    },
    {
        "object": "session",
        "id": "sess_2beipjUk8fuWAn3naCjOmVmrUOc",
        "status": "active",
        "expire_at": 1707186929615,
        "abandon_at": 1709174129615,
        "last_active_at": 1706582129615,
        "latest_activity": {
            "object": "session_activity",
            "id": "sess_activity_2beilQ1c421OSIFe3CVKG2B8yJp",
            "is_mobile": True,
            "browser_name": "ClerkExample",
            "browser_version": "1.0",
            "ip_address": "108.50.209.172",
            "city": "Asbury Park",
            "country": "US",
        },
        "last_active_organization_id": None,
        "actor": None,
        "created_at": 1706582129615,
        "updated_at": 1706667639820,
        "user_id": IOS_USER,
    },
]
IOS_ME_NOW = 1706739413053  # the latest time in the response

# A Backend API response, GET /sessions/{id}, as the issue
# https://github.com/clerk/clerk-sdk-python/issues/120 (2025-05-07) prints it:
# the API left latest_activity out (the SDK shows it Unset), and no tasks.
BAPI_SESSION: dict[str, Any] = {
    "object": "session",
    "id": "sess_2wmSnIrq5dtl2HNZf1WfgeHraby",
    "user_id": "user_2wjoXAGQEMLezQ7fb2M6mzViYfU",
    "client_id": "client_2vXsj2CJCcJFoTY0QYqnoB5b9vI",
    "status": "active",
    "last_active_at": 1746645421127,
    "expire_at": 1747250221127,
    "abandon_at": 1749237421127,
    "updated_at": 1746645421195,
    "created_at": 1746645421127,
    "actor": None,
    "last_active_organization_id": "org_2wjoYo7hSjpkZtU0qLkSGrHb2wx",
}

REAL = [s for _, _, s in IOS_CLIENT_SESSIONS] + [BAPI_SESSION]
POLICY = Policy(actor_lifetime_ms=1_800_000, actor_kinds=frozenset())


def describe(found: list[Any]) -> list[str]:
    return [v.describe() for v in found]


@pytest.mark.parametrize(
    ("now", "session"),
    [(now, s) for _, now, s in IOS_CLIENT_SESSIONS] + [(1746645421195, BAPI_SESSION)],
    ids=[name for name, _, _ in IOS_CLIENT_SESSIONS] + ["bapi-get-session"],
)
def test_real_sessions_pass_the_clerk_rules(now: int, session: dict[str, Any]) -> None:
    assert describe(check_session(session, now=now)) == []


def test_real_sessions_pass_validate_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "real.ndjson"
    path.write_text("".join(json.dumps(s) + "\n" for s in REAL), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)], catch_exceptions=False)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "3 sessions checked: all pass\n"


def test_strict_holds_them_to_the_generators_promise_of_every_key() -> None:
    assert describe(check_session(BAPI_SESSION, policy=POLICY)) == [
        "latest_activity: policy.all_keys (null)",
        "tasks: policy.all_keys (null)",
    ]


def test_the_me_sessions_break_no_clerk_rule_but_lack_the_client_id() -> None:
    # Real browsers, places and native-app activity; the only finding is the
    # key the Frontend API does not send.
    checker = Checker(now=IOS_ME_NOW)
    assert [describe(checker.check(s)) for s in IOS_ME_SESSIONS] == [
        ["client_id: missing (null)"]
    ] * 3


def test_strict_tells_real_places_from_generated_ones() -> None:
    # Real IP addresses are not in documentation ranges.
    found = [describe(check_session(s, policy=POLICY)) for s in IOS_ME_SESSIONS]
    assert found == [
        [
            "client_id: missing (null)",
            "tasks: policy.all_keys (null)",
            f'latest_activity: policy.ip ("{ip}")',
        ]
        for ip in ("108.50.209.172", "88.157.217.170", "108.50.209.172")
    ]


# clerk/openapi-specs@7d9ea9b1a78d564d9f85339b5994f9beacc6d696
# webhooks/2025-04-15.yml, components.examples.Session{Created,Pending,Ended}
# EventPayloadExample, value.data without the ``user`` a webhook embeds.
# Hand-written examples, not responses: every id is one placeholder KSUID
# (2024-05-07, not the example's 2024-05-28), and the activity id lacks its
# ``sess_`` prefix. validate reports exactly those, and nothing else.
_WEBHOOK = {
    "object": "session",
    "id": "sess_2g7np7Hrk0SN6kj5EDMLDaKNL0S",
    "user_id": "user_2g7np7Hrk0SN6kj5EDMLDaKNL0S",
    "client_id": "client_2g7np7Hrk0SN6kj5EDMLDaKNL0S",
    "actor": None,
    "status": "active",
    "last_active_organization_id": "org_2g7np7Hrk0SN6kj5EDMLDaKNL0S",
    "last_active_at": 1716883200000,
    "latest_activity": {
        "object": "session_activity",
        "id": "activity_2g7np7Hrk0SN6kj5EDMLDaKNL0S",
        "device_type": "desktop",
        "is_mobile": False,
        "browser_name": "Chrome",
        "browser_version": "128.0.0.0",
        "ip_address": "192.168.1.100",
        "city": "San Francisco",
        "country": "US",
    },
    "expire_at": 1716969600000,
    "abandon_at": 1719475200000,
    "updated_at": 1716883200000,
    "created_at": 1716883200000,
}
_LATER = {"last_active_organization_id": None, "latest_activity": None}
WEBHOOK_EXAMPLES = [
    ("session.created", _WEBHOOK),
    ("session.pending", {**_WEBHOOK, **_LATER, "status": "pending", "abandon_at": 1716969600000}),
    ("session.ended", {**_WEBHOOK, **_LATER, "status": "ended", "abandon_at": 1716969600000}),
]


@pytest.mark.parametrize(
    ("event", "session"), WEBHOOK_EXAMPLES, ids=[e for e, _ in WEBHOOK_EXAMPLES]
)
def test_the_spec_webhook_examples_break_only_their_placeholder_ids(
    event: str, session: dict[str, Any]
) -> None:
    expected = ['id: id.time ("sess_2g7np7Hrk0SN6kj5EDMLDaKNL0S")']
    if event == "session.created":
        expected.append('latest_activity: activity.id ("activity_2g7np7Hrk0SN6kj5EDMLDaKNL0S")')
    assert describe(check_session(session, now=1716883200000)) == expected


# Section 10 of the domain notes: in real responses last_active_at can be a
# few ms before created_at, and expire_at is then anchored at last_active_at.
QUIRK = {
    **BAPI_SESSION,
    "last_active_at": BAPI_SESSION["created_at"] - 3,
    "expire_at": BAPI_SESSION["created_at"] - 3 + 7 * 86_400_000,
}


def test_the_few_ms_quirk_passes_validate_but_not_strict() -> None:
    assert describe(check_session(QUIRK)) == []
    assert describe(
        check_session({**QUIRK, "latest_activity": None, "tasks": None}, policy=POLICY)
    ) == [f"last_active_at: policy.created_first ({QUIRK['last_active_at']})"]


def test_a_profile_asking_for_the_quirk_passes_strict() -> None:
    quirky = Policy(actor_lifetime_ms=1_800_000, actor_kinds=frozenset(), created_skew_ms=3)
    full = {**QUIRK, "latest_activity": None, "tasks": None}
    assert describe(check_session(full, policy=quirky)) == []
    early = {**full, "last_active_at": full["created_at"] - 4}
    assert describe(check_session(early, policy=quirky)) == [
        f"last_active_at: policy.created_first ({early['last_active_at']})"
    ]


@pytest.mark.parametrize(
    ("before_ms", "expected"),
    [
        (5_000, []),
        (5_001, ["last_active_at: order.created ({la})"]),
    ],
)
def test_clerks_order_is_bounded_to_five_seconds(before_ms: int, expected: list[str]) -> None:
    la = BAPI_SESSION["created_at"] - before_ms
    session = {**BAPI_SESSION, "last_active_at": la}
    assert describe(check_session(session)) == [e.format(la=la) for e in expected]


def test_strict_validate_names_only_the_generators_promises(tmp_path: Path) -> None:
    path = tmp_path / "real.ndjson"
    path.write_text("".join(json.dumps(s) + "\n" for s in REAL), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--strict", str(path)], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"line {n}: {key}: policy.all_keys (null)"
        for n in (1, 2, 3)
        for key in ("latest_activity", "tasks")
    ]
    assert result.stderr == (
        "3 sessions checked: 3 break rules (6 violations: policy.all_keys 6)\n"
    )
