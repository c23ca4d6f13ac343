"""A downstream module: does a Clerk session grant access to the app?

This is the kind of code sessionfaker exists to test. It parses a session
from Clerk's Backend API strictly (anything malformed raises
:class:`MalformedSession`), then decides: only an active session inside its
lifetime grants access, and an impersonated one only where impersonation is
allowed. ``test_access.py`` tests it with sessionfaker's strategies and
fixture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ID_PATTERNS = {
    "id": re.compile(r"sess_[0-9A-Za-z]{27}"),
    "user_id": re.compile(r"user_[0-9A-Za-z]{27}"),
    "client_id": re.compile(r"client_[0-9A-Za-z]{27}"),
    "last_active_organization_id": re.compile(r"org_[0-9A-Za-z]{27}"),
}
# The largest KSUID, 2**160 - 1. Base62 digits sort like their ASCII codes,
# so comparing 27-character strings compares the numbers.
MAX_KSUID = "aWgEPTl1tmebfsQzFP4bxwgy80V"
TIMESTAMPS = ("created_at", "last_active_at", "updated_at", "expire_at", "abandon_at")
NULLABLE = {"actor": dict, "latest_activity": dict, "tasks": list}
STATUSES = {"active", "pending", "ended", "removed", "revoked", "expired", "abandoned", "replaced"}
TASKS = {"choose-organization", "reset-password", "setup-mfa"}
FIELDS = {"object", "status", *ID_PATTERNS, *TIMESTAMPS, *NULLABLE}


class MalformedSession(ValueError):
    """The payload is not a session this app can rely on."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def parse_session(payload: Any) -> dict[str, Any]:
    """Return ``payload`` if it is a well-formed session, else raise."""
    if not isinstance(payload, dict):
        raise MalformedSession("not an object")
    if set(payload) != FIELDS:
        raise MalformedSession(f"keys differ: {sorted(set(payload) ^ FIELDS)}")
    if payload["object"] != "session":
        raise MalformedSession(f"object is {payload['object']!r}")
    if not isinstance(payload["status"], str) or payload["status"] not in STATUSES:
        raise MalformedSession(f"unknown status {payload['status']!r}")
    for name, pattern in ID_PATTERNS.items():
        value = payload[name]
        if value is None and name == "last_active_organization_id":
            continue
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise MalformedSession(f"{name} is not an id: {value!r}")
        if value[-27:] > MAX_KSUID:
            raise MalformedSession(f"{name} is out of the KSUID range: {value!r}")
    for name in TIMESTAMPS:
        value = payload[name]
        # Epoch milliseconds: 13 digits until the year 2286.
        if type(value) is not int or not 10**12 <= value < 10**13:
            raise MalformedSession(f"{name} is not epoch milliseconds: {value!r}")
    for name, kind in NULLABLE.items():
        if payload[name] is not None and not isinstance(payload[name], kind):
            raise MalformedSession(f"{name} is not a {kind.__name__}")
    c, la, up = payload["created_at"], payload["last_active_at"], payload["updated_at"]
    if not c <= la <= up or la >= payload["expire_at"] or la >= payload["abandon_at"]:
        raise MalformedSession("timestamps out of order")
    tasks = payload["tasks"]
    if (payload["status"] == "pending") != bool(tasks):
        raise MalformedSession("tasks and status disagree")
    for task in tasks or ():
        if not isinstance(task, dict) or set(task) != {"key"} or str(task["key"]) not in TASKS:
            raise MalformedSession(f"unknown task {task!r}")
    return payload


def decide(payload: Any, *, now_ms: int, allow_impersonation: bool = False) -> Decision:
    """Whether the session grants access at ``now_ms``."""
    session = parse_session(payload)
    if session["status"] != "active":
        return Decision(False, f"session is {session['status']}")
    if now_ms >= session["expire_at"] or now_ms >= session["abandon_at"]:
        return Decision(False, "session has run out")
    if session["actor"] is not None and not allow_impersonation:
        return Decision(False, "impersonation is not allowed here")
    return Decision(True, "ok")
