"""Static types of a Clerk Session object, for type checkers and ``st.from_type``.

The structure read from the seed (:mod:`sessionfaker.schema`) is the source
of truth at run time; these declarations restate its fourteen fields for
mypy, and a test checks that they name the same fields in the same order.

>>> from sessionfaker.schema import load_structure
>>> tuple(Session.__annotations__) == load_structure().names
True
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

__all__ = ["Actor", "Session", "SessionActivity", "SessionTask", "Status", "TaskKey"]

Status = Literal[
    "active", "pending", "ended", "removed", "revoked", "expired", "abandoned", "replaced"
]
TaskKey = Literal["choose-organization", "reset-password", "setup-mfa"]

# An actor token carries whatever payload its minter passed: ``sub`` always,
# ``iss``/``sid`` for dashboard impersonation, ``type`` for agents, custom keys.
Actor = dict[str, Any]


class SessionTask(TypedDict):
    """One pending task: ``{"key": "setup-mfa"}``."""

    key: TaskKey


class SessionActivity(TypedDict):
    """``latest_activity``: Clerk omits the optional keys it does not know."""

    object: Literal["session_activity"]
    id: str
    is_mobile: bool
    device_type: NotRequired[str]
    browser_name: NotRequired[str]
    browser_version: NotRequired[str]
    ip_address: NotRequired[str]
    city: NotRequired[str]
    country: NotRequired[str]


class Session(TypedDict):
    """A Clerk Session object: all fourteen keys, the nullable ones as ``None``."""

    object: Literal["session"]
    id: str
    user_id: str
    client_id: str
    actor: Actor | None
    status: Status
    last_active_organization_id: str | None
    last_active_at: int
    latest_activity: SessionActivity | None
    expire_at: int
    abandon_at: int
    updated_at: int
    created_at: int
    tasks: list[SessionTask] | None
