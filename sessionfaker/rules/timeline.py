"""Rules on the timeline: the order of the five timestamps, and the status at ``now``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .base import Rule, Violation
from .constants import CLOCK_SKEW_MS, LIVE_STATUSES, TRANSITION_STATUSES

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn

    from .breaking import Broken, Kit

_GONE = ("expired", "abandoned")


def _break_created(k: Kit) -> Broken:
    def la_before_created(draw: DrawFn, d: dict[str, Any]) -> None:
        d["last_active_at"] = d["created_at"] - CLOCK_SKEW_MS - draw(k.step)

    return k.mutated(k.base(), la_before_created)


def _break_updated(k: Kit) -> Broken:
    def updated_before_la(draw: DrawFn, d: dict[str, Any]) -> None:
        d["updated_at"] = d["last_active_at"] - draw(k.step)

    return k.mutated(k.base(), updated_before_la)


# Only sessions already past expiry or abandonment can lose the order
# without also breaking a now.* or transition rule.
def _break_expire(k: Kit) -> Broken:
    def expire_before_la(draw: DrawFn, d: dict[str, Any]) -> None:
        d["expire_at"] = d["last_active_at"] - draw(k.st.integers(0, 10**6))

    return k.mutated(k.base(_GONE, actor=False), expire_before_la)


def _break_abandon(k: Kit) -> Broken:
    def abandon_before_la(draw: DrawFn, d: dict[str, Any]) -> None:
        d["abandon_at"] = d["last_active_at"] - draw(k.st.integers(0, 10**6))

    return k.mutated(k.base(_GONE), abandon_before_la)


def _break_future(k: Kit) -> Broken:
    def updated_future(draw: DrawFn, d: dict[str, Any]) -> None:
        d["updated_at"] = k.now + draw(k.step)

    return k.mutated(k.base(LIVE_STATUSES), updated_future)


def _break_transition(k: Kit) -> Broken:
    relabel = k.relabel(TRANSITION_STATUSES)

    def ended_late(draw: DrawFn, d: dict[str, Any]) -> None:
        # Signed out no earlier than its expiry or abandonment (both past).
        relabel(draw, d)
        d["updated_at"] = min(d["expire_at"], d["abandon_at"])

    return k.mutated(k.base(_GONE), ended_late)


RULES = (
    Rule(
        "order.created",
        "last_active_at",
        f"last_active_at is at most {CLOCK_SKEW_MS // 1000} s before created_at (Clerk stamps "
        "both at sign-in, sometimes last_active_at a few ms first)",
        breaker=_break_created,
    ),
    Rule("order.updated", "updated_at", "last_active_at <= updated_at", breaker=_break_updated),
    Rule("order.expire", "expire_at", "last_active_at < expire_at", breaker=_break_expire),
    Rule("order.abandon", "abandon_at", "last_active_at < abandon_at", breaker=_break_abandon),
    Rule(
        "now.future",
        "*",
        "created_at, last_active_at and updated_at are not after now",
        breaker=_break_future,
    ),
    Rule(
        "now.live",
        "*",
        "active and pending sessions have now < expire_at and now < abandon_at",
        breaker=lambda k: k.mutated(k.base(_GONE), k.relabel("active")),
    ),
    Rule(
        "now.expired",
        "expire_at",
        "expired sessions have expire_at <= now",
        breaker=lambda k: k.mutated(k.base(("active",)), k.relabel("expired")),
    ),
    Rule(
        "now.abandoned",
        "abandon_at",
        "abandoned sessions have abandon_at <= now",
        breaker=lambda k: k.mutated(k.base(("active",)), k.relabel("abandoned")),
    ),
    Rule(
        "transition",
        "updated_at",
        "ended, removed, revoked and replaced sessions changed (updated_at) "
        "before expire_at and abandon_at",
        breaker=_break_transition,
    ),
)


def check(ts: dict[str, int], status: Any, now: int | None) -> Iterator[Violation]:
    c, la, up = ts.get("created_at"), ts.get("last_active_at"), ts.get("updated_at")
    ex, ab = ts.get("expire_at"), ts.get("abandon_at")
    if c is not None and la is not None and c - la > CLOCK_SKEW_MS:
        yield Violation("order.created", "last_active_at", la)
    if la is not None and up is not None and la > up:
        yield Violation("order.updated", "updated_at", up)
    if la is not None and ex is not None and la >= ex:
        yield Violation("order.expire", "expire_at", ex)
    if la is not None and ab is not None and la >= ab:
        yield Violation("order.abandon", "abandon_at", ab)
    if now is not None:
        yield from _check_now(ts, status, now)
    ended_late = (ex is not None and up is not None and up >= ex) or (
        ab is not None and up is not None and up >= ab
    )
    if status in TRANSITION_STATUSES and ended_late:
        yield Violation("transition", "updated_at", up)


def _check_now(ts: dict[str, int], status: Any, now: int) -> Iterator[Violation]:
    ex, ab = ts.get("expire_at"), ts.get("abandon_at")
    for name in ("created_at", "last_active_at", "updated_at"):
        v = ts.get(name)
        if v is not None and v > now:
            yield Violation("now.future", name, v)
    if status in LIVE_STATUSES:
        if ex is not None and ex <= now:
            yield Violation("now.live", "expire_at", ex)
        if ab is not None and ab <= now:
            yield Violation("now.live", "abandon_at", ab)
    elif status == "expired" and ex is not None and ex > now:
        yield Violation("now.expired", "expire_at", ex)
    elif status == "abandoned" and ab is not None and ab > now:
        yield Violation("now.abandoned", "abandon_at", ab)
