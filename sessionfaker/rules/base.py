"""What every rule module shares: a rule, a violation, the policy, value access."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..schema import INT64_MAX, INT64_MIN
from .constants import DASHBOARD_ISSUER

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from .breaking import Kit

    Broken = SearchStrategy[dict[str, Any]] | None
    Breaker = Callable[[Kit], Broken]


@dataclass(frozen=True)
class Rule:
    """A named rule. ``policy`` rules are sessionfaker's generation policy,
    checked only by ``validate --strict``; the others are what Clerk
    guarantees. ``breaker`` builds, from a :class:`~.breaking.Kit`, sessions
    that break this rule alone (None: no single session can break it)."""

    name: str
    field: str
    description: str
    policy: bool = False
    breaker: Breaker | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Violation:
    """One broken rule: the rule's name, the field, and the offending value."""

    rule: str
    field: str
    value: Any

    def describe(self) -> str:
        text = json.dumps(self.value, ensure_ascii=False, default=str)
        if len(text) > 80:
            text = text[:77] + "..."
        return f"{self.field}: {self.rule} ({text})"


@dataclass(frozen=True)
class Policy:
    """What the generation policy needs to know of a profile.

    ``created_skew_ms`` is how far before ``created_at`` the profile lets the
    generator put ``last_active_at`` (Clerk's few-ms quirk); 0 keeps
    ``created_at <= last_active_at``.
    """

    actor_lifetime_ms: int
    actor_kinds: frozenset[str]
    created_skew_ms: int = 0


def actor_kind(actor: Mapping[str, Any]) -> str:
    """``agent``, ``dashboard`` (impersonation from Clerk's dashboard) or ``token``."""
    if actor.get("type") == "agent":
        return "agent"
    if actor.get("iss") == DASHBOARD_ISSUER:
        return "dashboard"
    return "token"


def device_kind(activity: Mapping[str, Any]) -> str:
    """``native_app`` (no device_type), ``mobile_web`` or ``desktop``."""
    if "device_type" not in activity or activity["device_type"] is None:
        return "native_app"
    return "mobile_web" if activity.get("is_mobile") is True else "desktop"


def is_int(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return INT64_MIN <= v <= INT64_MAX
    # JSON does not tell 1 from 1.0; neither do JSON Schema and Clerk's SDK.
    return isinstance(v, float) and v.is_integer() and INT64_MIN <= v <= INT64_MAX


TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": is_int,
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def get(session: Mapping[str, Any], name: str, kind: str) -> Any:
    """A value usable by the coherence rules, or None when the structural
    rules already reported it."""
    v = session.get(name)
    return v if v is not None and TYPE_CHECKS[kind](v) else None
