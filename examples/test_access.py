"""Tests of access.py in the style of a downstream suite: Hypothesis
strategies for properties, the ``sessionfaker`` fixture for examples, and
``invalid_sessions`` for the parser's rejections."""

from __future__ import annotations

from typing import Any

import pytest
from access import Decision, MalformedSession, decide, parse_session
from hypothesis import given, note, settings
from hypothesis import strategies as st

from sessionfaker import Session
from sessionfaker.pytest_plugin import SessionFactory
from sessionfaker.strategies import invalid_sessions, sessions

NOW = 1793491200000  # 2026-11-01T00:00:00Z

# The rules parse_session enforces; sessionfaker's other rules (KSUID
# timing, the profile's policy, ...) are not this app's business.
ENFORCED = [
    "missing",
    "unexpected",
    "type",
    "null",
    "object",
    "status",
    "id.format",
    "timestamp.ms",
    "order.created",
    "order.updated",
    "order.expire",
    "order.abandon",
    "tasks.pending",
    "tasks.key",
]


@given(sessions(now=NOW))
def test_every_valid_session_parses(s: Session) -> None:
    assert parse_session(s) is s


@given(sessions(now=NOW))
def test_only_active_sessions_without_actor_grant_access(s: Session) -> None:
    decision = decide(s, now_ms=NOW)
    assert decision.allowed == (s["status"] == "active" and s["actor"] is None)


@given(sessions(now=NOW, status="active", actor=True))
def test_impersonation_needs_permission(s: Session) -> None:
    assert decide(s, now_ms=NOW) == Decision(False, "impersonation is not allowed here")
    assert decide(s, now_ms=NOW, allow_impersonation=True).allowed


@given(sessions(now=NOW, status="active"), st.integers(0, 40 * 86_400_000))
def test_access_ends_with_the_session(s: Session, later: int) -> None:
    at = NOW + later
    expected = at < s["expire_at"] and s["actor"] is None
    assert decide(s, now_ms=at).allowed == expected


@settings(max_examples=300)
@given(invalid_sessions(now=NOW, rules=ENFORCED))
def test_malformed_sessions_are_rejected(case: tuple[dict[str, Any], str]) -> None:
    payload, rule = case
    note(f"breaks {rule}")
    with pytest.raises(MalformedSession):
        parse_session(payload)


@given(st.from_type(Session))
def test_from_type(s: Session) -> None:
    parse_session(s)


def test_a_revoked_session_is_refused(sessionfaker: SessionFactory) -> None:
    session = sessionfaker.session(status="revoked")
    assert decide(session, now_ms=sessionfaker.now) == Decision(False, "session is revoked")


def test_the_same_user_on_two_devices(sessionfaker: SessionFactory) -> None:
    first = sessionfaker.session(status="active", actor=False)
    second = sessionfaker.session(status="active", actor=False, user_id=first["user_id"])
    assert first["id"] != second["id"]
    assert decide(first, now_ms=sessionfaker.now).allowed
    assert decide(second, now_ms=sessionfaker.now).allowed


@pytest.mark.sessionfaker(profile="support")
def test_support_staff_impersonate(sessionfaker: SessionFactory) -> None:
    sessions = sessionfaker.sessions(20, status="active", actor=True)
    assert all(not decide(s, now_ms=sessionfaker.now).allowed for s in sessions)
