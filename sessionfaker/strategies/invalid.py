"""Invalid sessions: a valid session with one rule broken, by the breaker
that each rule keeps beside it in :mod:`sessionfaker.rules`."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ..errors import InvalidArgument
from ..profile import Profile
from ..rules import DEVICE_KINDS, RULES
from ..session import Session
from .activity import Activity
from .common import ACTOR_KIND_ORDER, Instant, ProfileRef, names_arg, resolve_profile
from .model import build_model


def invalid_sessions(
    profile: ProfileRef = None,
    *,
    rules: str | Collection[str] | None = None,
    now: Instant | None = None,
) -> SearchStrategy[tuple[dict[str, Any], str]]:
    """``(session, rule)`` pairs: a session that breaks exactly ``rule``.

    By default every rule Clerk guarantees (what ``validate`` checks without
    ``--strict``) that one session can break under the profile: a
    :class:`~sessionfaker.rules.Checker` with the profile's ``now`` reports
    that rule, and no other, for each session. The ``policy.*`` rules,
    sessionfaker's own generation policy, are drawn only when named in
    ``rules``: a strict Checker (the profile's policy too) reports such a
    session's rule and no other. ``id.unique`` needs two sessions and is never
    drawn. Each session is a valid one from :func:`sessions` with one change,
    so it shrinks towards the minimal session with the smallest change.

    >>> from hypothesis import find
    >>> session, rule = find(invalid_sessions(now=1793491200000), lambda pair: True)
    >>> RULES[rule].policy
    False
    >>> find(invalid_sessions(rules="policy.ip", now=1793491200000), lambda pair: True)[1]
    'policy.ip'
    """
    from ..rules.breaking import Kit

    p = resolve_profile(profile, now)
    kit = Kit(p, _base)
    if rules is None:
        chosen = (r for r in RULES.values() if not r.policy and r.breaker is not None)
        broken = {r.name: r.breaker(kit) for r in chosen if r.breaker is not None}
        available = {name: s for name, s in broken.items() if s is not None}
    else:
        available = {}
        for r in _wanted_rules(rules):
            breaker = RULES[r].breaker
            s = breaker(kit) if breaker is not None else None
            if s is None:
                raise InvalidArgument(
                    f"Cannot have rules={rules!r}: no session can break {r} alone under "
                    f"profile {p.name!r} ({RULES[r].description})"
                )
            available[r] = s
    return st.one_of(*(s.map(lambda d, r=r: (d, r)) for r, s in available.items()))  # type: ignore[misc]


def _wanted_rules(rules: str | Collection[str]) -> tuple[str, ...]:
    """The named rules, in the order of RULES, or InvalidArgument naming the bad one."""
    if isinstance(rules, Mapping | bytes | bytearray) or not isinstance(rules, str | Collection):
        raise InvalidArgument(
            f"Cannot have rules={rules!r}: expected a rule name or a collection of rule names"
        )

    def run_level(r: str) -> str | None:
        if RULES[r].breaker is None:
            return f"{r} is a run-level rule; one session cannot break it"
        return None

    return names_arg("rules", rules, RULES, "rule", refuse=run_level)


# The valid sessions each rule's breaker (in sessionfaker.rules, beside the
# rule) starts from and changes in one place.
def _base(
    p: Profile,
    statuses: tuple[str, ...],
    *,
    actor: bool | None = None,
    activity: bool | None = None,
    web_only: bool = False,
    kinds: tuple[str, ...] | None = None,
) -> SearchStrategy[Session] | None:
    """Valid sessions of some statuses (profile weights aside: the policy does
    not check them), or None when the profile's window allows none."""
    allowed = tuple(k for k in ACTOR_KIND_ORDER if k in p.policy.actor_kinds)
    if kinds is not None:
        allowed = kinds
    if actor is None:
        modes: tuple[bool, ...] = (False, True) if allowed else (False,)
    elif actor:
        if not allowed:
            return None
        modes = (True,)
    else:
        modes = (False,)
    act = None
    if activity is not False:
        devices = ("desktop", "mobile_web") if web_only else DEVICE_KINDS
        act = Activity.of(p, devices, any_device=True)
    try:
        model = build_model(
            p,
            statuses=statuses,
            statuses_explicit=False,
            actor_modes=modes,
            actor_kinds=allowed,
            pins={},
            named={},
            activity=act,
            activity_required=activity is True,
        )
    except InvalidArgument:
        return None
    return model.strategy()
