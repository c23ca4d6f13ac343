"""sessionfaker's generation policy: what its generator promises beyond Clerk.

These ``policy.*`` rules are checked by ``validate --strict`` (a
:class:`~.base.Policy` given to the checker); real Clerk data need not follow
them, and :func:`~sessionfaker.strategies.invalid_sessions` breaks them only
when asked by name.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .. import ids
from ..vocab import load as load_vocabulary
from .base import Policy, Rule, Violation, actor_kind, device_kind, get
from .constants import (
    ACTIVITY_ID_LAG_S,
    ACTIVITY_OPTIONAL,
    ACTOR_KINDS,
    CLOCK_SKEW_MS,
    DOC_NETWORKS,
    ID_FIELDS,
    STATUSES,
)

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn

    from .breaking import Broken, Kit, Mutation

_OMITTABLE = tuple(k for k in ACTIVITY_OPTIONAL if k != "device_type")
_KIND_ORDER = tuple(sorted(ACTOR_KINDS, key=("token", "agent", "dashboard").index))


def _break_created_first(k: Kit) -> Broken:
    skew = k.profile.policy.created_skew_ms
    if skew >= CLOCK_SKEW_MS:
        return None

    # Before created_at, but within what Clerk itself does.
    def la_first(draw: DrawFn, d: dict[str, Any]) -> None:
        d["last_active_at"] = d["created_at"] - draw(k.st.integers(skew + 1, CLOCK_SKEW_MS))

    return k.mutated(k.base(), la_first)


def _later_entity(k: Kit, field: str) -> Broken:
    prefix = ID_FIELDS[field]

    def later(draw: DrawFn, d: dict[str, Any]) -> None:
        d[field] = k.reencode(d[field], prefix, d["created_at"] // 1000 + draw(k.step))

    return k.mutated(k.base(), later)


def _break_activity_time(k: Kit) -> Broken:
    st, (lo, hi) = k.st, ACTIVITY_ID_LAG_S

    def activity_time(draw: DrawFn, d: dict[str, Any]) -> None:
        act = dict(d["latest_activity"])
        lag = draw(st.integers(hi + 1, hi + 10**5) | st.integers(-(10**5), lo - 1))
        act["id"] = k.reencode(
            act["id"], ids.PREFIXES["session_activity"], d["created_at"] // 1000 - lag
        )
        d["latest_activity"] = act

    return k.mutated(k.base(activity=True), activity_time)


def _break_actor_lifetime(k: Kit) -> Broken:
    def longer_life(draw: DrawFn, d: dict[str, Any]) -> None:
        d["expire_at"] += draw(k.step)

    not_expired = tuple(s for s in STATUSES if s != "expired")
    return k.mutated(k.base(not_expired, actor=True), longer_life)


def _break_actor_allowed(k: Kit) -> Broken:
    # A session timed like an actor session, with an actor the policy forbids.
    forbidden = tuple(x for x in _KIND_ORDER if x not in k.profile.policy.actor_kinds)
    if not forbidden:
        return None
    return k.mutated(k.base(actor=True, kinds=forbidden), lambda draw, d: None)


def _activity(k: Kit, change: Mutation) -> Broken:
    return k.mutated(k.base(activity=True), k.activity_change(change))


def _break_nulls(k: Kit) -> Broken:
    def act_null(draw: DrawFn, act: dict[str, Any]) -> None:
        act[draw(k.st.sampled_from(_OMITTABLE))] = None

    return _activity(k, act_null)


def _break_native(k: Kit) -> Broken:
    def not_native(draw: DrawFn, act: dict[str, Any]) -> None:
        act.pop("device_type", None)
        act["is_mobile"] = False

    return _activity(k, not_native)


def _break_country(k: Kit) -> Broken:
    st, iso = k.st, load_vocabulary().iso_alpha2

    def bad_country(draw: DrawFn, act: dict[str, Any]) -> None:
        act["country"] = draw(
            st.sampled_from(("XX", "UK", "us", "USA"))
            | st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", max_size=3).filter(lambda c: c not in iso)
        )

    return _activity(k, bad_country)


def _break_ip(k: Kit) -> Broken:
    st = k.st

    def bad_ip(draw: DrawFn, act: dict[str, Any]) -> None:
        act["ip_address"] = draw(
            st.sampled_from(("8.8.8.8", "10.0.0.1", "not-an-ip", "203.0.114.1"))
            | st.ip_addresses()
            .filter(lambda a: not any(a.version == n.version and a in n for n in DOC_NETWORKS))
            .map(str)
        )

    return _activity(k, bad_ip)


RULES = (
    Rule(
        "policy.created_first",
        "last_active_at",
        "created_at <= last_active_at (up to the profile's allowance before it, when the "
        "profile reproduces Clerk's few-ms quirk)",
        True,
        _break_created_first,
    ),
    Rule(
        "policy.user_time",
        "user_id",
        "the user's KSUID is not after the session's",
        True,
        lambda k: _later_entity(k, "user_id"),
    ),
    Rule(
        "policy.client_time",
        "client_id",
        "the client's KSUID is not after the session's",
        True,
        lambda k: _later_entity(k, "client_id"),
    ),
    Rule(
        "policy.activity_time",
        "latest_activity",
        "latest_activity.id is 10 to 40 s before created_at",
        True,
        _break_activity_time,
    ),
    Rule(
        "policy.actor_lifetime",
        "expire_at",
        "sessions with an actor live for the profile's actor lifetime",
        True,
        _break_actor_lifetime,
    ),
    Rule(
        "policy.actor_allowed",
        "actor",
        "actors appear only where the profile allows",
        True,
        _break_actor_allowed,
    ),
    Rule(
        "policy.activity_nulls",
        "latest_activity",
        "unknown optional activity keys are omitted, not null",
        True,
        _break_nulls,
    ),
    Rule(
        "policy.native_app",
        "latest_activity",
        "native-app activity (no device_type) has is_mobile true",
        True,
        _break_native,
    ),
    Rule(
        "policy.country",
        "latest_activity",
        "country is an ISO 3166 alpha-2 code",
        True,
        _break_country,
    ),
    Rule(
        "policy.ip",
        "latest_activity",
        "IP addresses are in documentation ranges",
        True,
        _break_ip,
    ),
)


def _ksuid_second(v: Any, prefix: str) -> int | None:
    return ids.id_unix_seconds(v, prefix) if ids.is_id(v, prefix) else None


def check(d: Mapping[str, Any], ts: dict[str, int], policy: Policy) -> Iterator[Violation]:
    c, la = ts.get("created_at"), ts.get("last_active_at")
    if c is not None and la is not None and c - la > policy.created_skew_ms:
        yield Violation("policy.created_first", "last_active_at", la)
    sess_s = _ksuid_second(d.get("id"), ids.PREFIXES["session"])
    if sess_s is not None:
        for name, rule in (("user_id", "policy.user_time"), ("client_id", "policy.client_time")):
            second = _ksuid_second(d.get(name), ID_FIELDS[name])
            if second is not None and second > sess_s:
                yield Violation(rule, name, d[name])
    created = get(d, "created_at", "integer")
    actor = d.get("actor")
    if isinstance(actor, dict):
        if actor_kind(actor) not in policy.actor_kinds:
            yield Violation("policy.actor_allowed", "actor", actor)
        expire = get(d, "expire_at", "integer")
        lifetime = None if created is None or expire is None else int(expire) - int(created)
        if lifetime is not None and lifetime != policy.actor_lifetime_ms:
            yield Violation("policy.actor_lifetime", "expire_at", expire)
    act = d.get("latest_activity")
    if isinstance(act, dict):
        yield from _check_activity(act, created)


def _check_activity(act: Mapping[str, Any], created: Any) -> Iterator[Violation]:
    act_s = _ksuid_second(act.get("id"), ids.PREFIXES["session_activity"])
    if act_s is not None and created is not None:
        lag = int(created) // 1000 - act_s
        if not ACTIVITY_ID_LAG_S[0] <= lag <= ACTIVITY_ID_LAG_S[1]:
            yield Violation("policy.activity_time", "latest_activity", act.get("id"))
    for key in ACTIVITY_OPTIONAL:
        if key in act and act[key] is None:
            yield Violation("policy.activity_nulls", "latest_activity", {key: None})
    if device_kind(act) == "native_app" and act.get("is_mobile") is not True:
        yield Violation("policy.native_app", "latest_activity", {"is_mobile": act.get("is_mobile")})
    country = act.get("country")
    if country is not None and country not in load_vocabulary().iso_alpha2:
        yield Violation("policy.country", "latest_activity", country)
    ip = act.get("ip_address")
    if ip is not None and not _is_documentation_ip(ip):
        yield Violation("policy.ip", "latest_activity", ip)


def _is_documentation_ip(text: Any) -> bool:
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return False
    return any(addr.version == n.version and addr in n for n in DOC_NETWORKS)
