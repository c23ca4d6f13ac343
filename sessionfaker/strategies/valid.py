"""Valid sessions, one at a time or in lists."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from ..profile import creation_range
from ..session import Session
from .activity import Activity
from .common import KSUID_MIN_MS, Instant, ProfileRef, resolve_profile
from .model import actor_arg, build_model, check_pinned_times, check_pins, status_arg
from .parts import check_sizes, user_ids


def sessions(
    profile: ProfileRef = None,
    *,
    status: str | Collection[str] | None = None,
    now: Instant | None = None,
    actor: bool | str | Collection[str] | None = None,
    **fixed: Any,
) -> SearchStrategy[Session]:
    """Sessions that satisfy every rule of the rule set, the profile's policy included.

    ``profile`` is a :class:`~sessionfaker.profile.Profile`, a built-in name or a
    path (the ``default`` profile when None); it decides which statuses and
    actor kinds are possible and the lifetimes, not how often each appears.
    ``now`` replaces the profile's reference time (epoch ms, ISO 8601 or an
    aware datetime). ``status`` narrows to one status or a collection;
    ``actor`` is True (always an actor), False (never), or an actor kind or
    kinds (``"dashboard"``, ``"token"``, ``"agent"``). Keyword ``fixed`` pins
    fields, e.g. ``user_id="user_..."`` or ``latest_activity=None``; pins
    that no coherent session can have raise
    :class:`~sessionfaker.errors.InvalidArgument` here, not at the first draw.

    Shrinks towards an active session without actor, organisation,
    activity or tasks, created at the earliest allowed time, with
    ``last_active_at == updated_at == created_at`` and all-zero KSUID
    payloads; a pending one shrinks to a single ``choose-organization`` task,
    an actor to a ``token`` actor (``{"sub": ...}``).

    >>> from hypothesis import find
    >>> s = find(sessions(now=1793491200000), lambda s: True)
    >>> s["status"], s["actor"], s["tasks"], s["last_active_at"] == s["created_at"]
    ('active', None, None, True)
    """
    p = resolve_profile(profile, now)
    check_pins(fixed, p)
    check_pinned_times(fixed, p)
    named: dict[str, Any] = {}
    if status is not None:
        named["status"] = status
    if actor is not None:
        named["actor"] = actor
    named.update(fixed)
    statuses_, explicit = status_arg(p, status)
    modes, kinds = actor_arg(p, actor)
    act: Activity | None = None
    activity_required = False
    if "latest_activity" not in fixed and p.activity_rate > 0:
        act = Activity.of(p)
        activity_required = p.activity_rate >= 1
    model = build_model(
        p,
        statuses=statuses_,
        statuses_explicit=explicit,
        actor_modes=modes,
        actor_kinds=kinds,
        pins=fixed,
        named=named,
        activity=act,
        activity_required=activity_required,
    )
    return model.strategy()


def session_lists(
    profile: ProfileRef = None,
    *,
    min_size: int = 0,
    max_size: int | None = None,
    unique_ids: bool = True,
    same_user: bool = False,
    now: Instant | None = None,
) -> SearchStrategy[list[Session]]:
    """Lists of sessions, for code that handles several together.

    ``unique_ids`` keeps session ids distinct (the run-level ``id.unique``
    rule); ``same_user`` gives every session one user, created no later than
    the earliest session of the list could be. Shrinks towards the shortest
    list of minimal sessions (see :func:`sessions`).
    """
    check_sizes(min_size, max_size, top=None, floor=0)
    p = resolve_profile(profile, now)
    unique_by: Callable[[Session], str] | None = (lambda s: s["id"]) if unique_ids else None
    if not same_user:
        return st.lists(sessions(p), min_size=min_size, max_size=max_size, unique_by=unique_by)
    earliest = min(
        b[0]
        for s in status_arg(p, None)[0]
        for a in (False, True)
        if (b := creation_range(p, s, actor=a)) is not None
    )
    users = user_ids(max_time=max(earliest, KSUID_MIN_MS))

    @st.composite
    def _lists(draw: DrawFn) -> list[Session]:
        user = draw(users)
        return draw(
            st.lists(
                sessions(p, user_id=user),
                min_size=min_size,
                max_size=max_size,
                unique_by=unique_by,
            )
        )

    return _lists()
