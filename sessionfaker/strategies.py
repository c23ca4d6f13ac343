"""Hypothesis strategies for Clerk sessions and their parts.

Every strategy is built from Hypothesis primitives (bounded integers,
booleans, ``sampled_from``, ``one_of``, ``lists``), so a failing property
shrinks to a simple session, and every one draws its constants from the rule
set (:mod:`sessionfaker.rules`) and its time ranges from the profile
(:func:`sessionfaker.profile.creation_range`, :func:`~sessionfaker.profile.lifetimes`).
Arguments are checked when a strategy is built: a contradictory combination
raises :class:`~sessionfaker.errors.InvalidArgument` at once, naming the
arguments, instead of filtering until Hypothesis gives up.

>>> from hypothesis import given
>>> @given(sessions(now="2026-11-01T00:00:00Z", status="pending"))
... def test_pending_sessions_have_tasks(s):
...     assert s["tasks"]
>>> test_pending_sessions_have_tasks()
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from . import ids
from .errors import InvalidArgument, ProfileError, did_you_mean
from .places import Places
from .plan import Device, compile_plan, device_table, ipv6_text
from .profile import Profile, creation_range, lifetimes, load_profile
from .rules import (
    ACTIVITY_ID_LAG_S,
    ACTIVITY_OBJECT,
    ACTIVITY_OPTIONAL,
    ACTOR_KINDS,
    DASHBOARD_ISSUER,
    DEVICE_KINDS,
    DOC_NETWORKS,
    ID_FIELDS,
    LIVE_STATUSES,
    MS_MAX,
    MS_MIN,
    RULES,
    STATUSES,
    TASK_KEYS,
    TIMESTAMP_FIELDS,
    TRANSITION_STATUSES,
    check_session,
)
from .schema import load_structure
from .session import Actor, Session, SessionActivity, SessionTask
from .timeutil import format_instant, parse_instant
from .vocab import load as load_vocabulary

__all__ = [
    "actors",
    "client_ids",
    "invalid_sessions",
    "ksuids",
    "latest_activities",
    "organization_ids",
    "session_ids",
    "session_lists",
    "session_tasks",
    "sessions",
    "statuses",
    "user_ids",
]

ProfileRef = Profile | str | Path | None
Instant = int | str | datetime

_PAYLOAD_BITS = ids.PAYLOAD_BITS
_PAYLOAD_MASK = (1 << _PAYLOAD_BITS) - 1
# How far before its session a user, client or organisation may have been
# created (the bulk generator pools them over the year before its window).
_ENTITY_BACK_S = 365 * 86_400
# A dashboard impersonator's own session started up to an hour before.
_DASHBOARD_SID_BACK_S = 3_600
# Offsets inside a range are drawn on a fixed scale and scaled to the range,
# so one strategy serves every range. Hypothesis favours small integers, so
# the low end comes often; a few negative values stand for the high end and
# just below it (-1 is the top), which plain draws from 0..2**40 almost never
# reach. Both ends shrink to 0, the low end.
_SCALE = 2**40
_TOP_EDGE = 256
# Simplest first: shrinking moves towards the front of each tuple.
_ACTOR_KIND_ORDER = tuple(sorted(ACTOR_KINDS, key=("token", "agent", "dashboard").index))
_OMITTABLE = tuple(k for k in ACTIVITY_OPTIONAL if k != "device_type")
_PREFIX_RE = re.compile(r"[a-z][a-z_]*_")
_KSUID_MIN_MS = ids.KSUID_EPOCH * 1000
_KSUID_MAX_MS = (ids.KSUID_EPOCH + ids.MAX_TIMESTAMP) * 1000 + 999

# Strategies are built once: a new strategy object per draw costs Hypothesis
# a validation and several property computations on its first use.
_offsets = st.integers(-_TOP_EDGE, _SCALE)
_booleans = st.booleans()
_payloads = st.integers(0, _PAYLOAD_MASK)
# (seconds back << 128) | payload: one draw for a related id, shrinking to
# the same second as its session and payload 0.
_entity_ids = st.integers(0, ((_ENTITY_BACK_S + 1) << _PAYLOAD_BITS) - 1)
_dashboard_sids = st.integers(0, (_DASHBOARD_SID_BACK_S << _PAYLOAD_BITS) - 1)
_optional_entity_ids = st.none() | _entity_ids
_omit_masks = st.integers(0, (1 << len(_OMITTABLE)) - 1)
_activity_ids = st.integers(
    0, ((ACTIVITY_ID_LAG_S[1] - ACTIVITY_ID_LAG_S[0] + 1) << _PAYLOAD_BITS) - 1
)


# ---------------------------------------------------------------- helpers


def _fmt_args(args: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items())


def _resolve_profile(profile: ProfileRef, now: Instant | None) -> Profile:
    if isinstance(profile, Profile):
        p = profile
    elif profile is None or isinstance(profile, str | Path):
        p = load_profile(profile)
    else:
        raise InvalidArgument(
            f"Cannot have profile={profile!r}: expected a Profile, a built-in profile name or "
            "a path"
        )
    if now is None:
        return p
    try:
        return p.with_now(_instant_ms("now", now))
    except ProfileError as exc:
        raise InvalidArgument(f"Cannot have now={now!r}: {exc.reason}") from None


def _instant_ms(name: str, value: Instant) -> int:
    """Epoch milliseconds of an int (ms), an ISO 8601 string or an aware datetime."""
    if isinstance(value, bool):
        raise InvalidArgument(f"Cannot have {name}={value!r}: expected epoch milliseconds")
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidArgument(f"Cannot have {name}={value!r}: a datetime needs a time zone")
        return round(value.timestamp() * 1000)
    if isinstance(value, str):
        try:
            return parse_instant(value)
        except ValueError as exc:
            raise InvalidArgument(f"Cannot have {name}={value!r}: {exc}") from None
    raise InvalidArgument(
        f"Cannot have {name}={value!r}: expected epoch milliseconds, ISO 8601 text or a datetime"
    )


def _scaled(offset: int, span: int) -> int:
    if offset < 0:
        return max(0, span + 1 + offset)
    return offset * span // _SCALE


def _related_id(prefix: str, session_s: int, value: int) -> str:
    back, payload = value >> _PAYLOAD_BITS, value & _PAYLOAD_MASK
    return ids.make_id(prefix, max(ids.KSUID_EPOCH, session_s - back), payload)


def _names(values: Iterable[str]) -> str:
    return ", ".join(values)


# ---------------------------------------------------------------- activity


@dataclasses.dataclass(frozen=True)
class _Activity:
    """What latest_activity can hold under one profile: the plan's clients
    (device, browser, version) and its addresses, each tied to one place."""

    devices: tuple[str, ...]
    clients: Mapping[str, tuple[Device, ...]]
    places: Places
    ips: SearchStrategy[tuple[str, tuple[str, str | None]]]  # an address and its place

    @classmethod
    def of(
        cls, p: Profile, devices: Iterable[str] | None = None, *, any_device: bool = False
    ) -> _Activity:
        plan = compile_plan(p)
        places = plan.places
        clients: dict[str, list[Device]] = {k: [] for k in DEVICE_KINDS}
        for d in plan.devices.values:
            clients[d.kind].append(d)
        for kind in DEVICE_KINDS:
            if not clients[kind]:
                clients[kind] = list(device_table(p, kind))
        ipv4 = st.integers(0, len(places.ipv4) - 1).map(
            lambda i: (places.ipv4[i], places.place(int(places.ipv4_place[i])))
        )
        ipv6 = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 0xFFFF)).map(
            lambda t: (ipv6_text(*t), places.place(places.place_of(ipv6_text(*t))))
        )
        if p.activity_ipv6_rate <= 0:
            ips = ipv4
        elif p.activity_ipv6_rate >= 1:
            ips = ipv6
        else:
            ips = ipv4 | ipv6
        allowed = tuple(k for k in DEVICE_KINDS if any_device or p.activity_devices.get(k, 0) > 0)
        if devices is not None:
            wanted = set(devices)
            allowed = tuple(k for k in allowed if k in wanted)
        return cls(allowed, {k: tuple(v) for k, v in clients.items()}, places, ips)

    @functools.cached_property
    def _device_st(self) -> SearchStrategy[str]:
        return st.sampled_from(self.devices)

    @functools.cached_property
    def _client_st(self) -> Mapping[str, SearchStrategy[Device]]:
        return {k: st.sampled_from(v) for k, v in self.clients.items()}

    def draw(self, draw: DrawFn, created_s: int) -> SessionActivity:
        v = draw(_activity_ids)
        lag = ACTIVITY_ID_LAG_S[0] + (v >> _PAYLOAD_BITS)
        kind = self.devices[0] if len(self.devices) == 1 else draw(self._device_st)
        client = draw(self._client_st[kind])
        ip, (country, city) = draw(self.ips)
        # Clerk's key order.
        act: dict[str, Any] = {
            "object": ACTIVITY_OBJECT,
            "id": ids.make_id(ids.PREFIXES["session_activity"], created_s - lag, v & _PAYLOAD_MASK),
        }
        if client.device_type is not None:
            act["device_type"] = client.device_type
        act["is_mobile"] = client.is_mobile
        act["browser_name"] = client.browser_name
        act["browser_version"] = client.browser_version
        act["ip_address"] = ip
        if city is not None:  # Clerk omits city when geolocation has none
            act["city"] = city
        act["country"] = country
        omit = draw(_omit_masks)
        for bit, key in enumerate(_OMITTABLE):
            if omit >> bit & 1:
                act.pop(key, None)
        return cast(SessionActivity, act)


# ---------------------------------------------------------------- the model


@dataclasses.dataclass(frozen=True)
class _Plan:
    """One (status, actor) combination the arguments allow."""

    status: str
    actor: bool
    created: tuple[int, int]
    life: int
    abandon: int


@dataclasses.dataclass(frozen=True)
class _Model:
    """Everything a draw needs, computed once when the strategy is built."""

    now: int
    plans: tuple[_Plan, ...]
    statuses: tuple[str, ...]
    actor_kinds: tuple[str, ...]
    activity: _Activity | None  # None: latest_activity is always null
    activity_required: bool
    organization_rate: float
    task_keys: tuple[str, ...]
    tasks_max: int
    pins: Mapping[str, Any]

    @functools.cached_property
    def _status_st(self) -> SearchStrategy[str]:
        return st.sampled_from(self.statuses)

    @functools.cached_property
    def _kind_st(self) -> SearchStrategy[str]:
        return st.sampled_from(self.actor_kinds)

    @functools.cached_property
    def _tasks_st(self) -> SearchStrategy[list[str]]:
        keys = st.sampled_from(self.task_keys)
        return st.lists(keys, min_size=1, max_size=self.tasks_max, unique=True)

    def draw(self, draw: DrawFn) -> Session:
        pins = self.pins
        status = self.statuses[0] if len(self.statuses) == 1 else draw(self._status_st)
        options = [pl for pl in self.plans if pl.status == status]
        plan = options[0] if len(options) == 1 else options[int(draw(_booleans))]
        now = self.now
        m = min(plan.life, plan.abandon)
        lo, hi = plan.created
        created = lo + _scaled(draw(_offsets), hi - lo)
        created_s = created // 1000
        la_hi = min(now, created + m - 1)
        pinned_up = pins.get("updated_at")
        if pinned_up is not None:
            la_hi = min(la_hi, pinned_up)
        last_active = pins.get("last_active_at")
        if last_active is None:
            last_active = created + _scaled(draw(_offsets), la_hi - created)
        if pinned_up is not None:
            updated = pinned_up
        else:
            # The last touch: up to now while live, before the end otherwise.
            up_hi = now if status in LIVE_STATUSES else min(now, created + m - 1)
            updated = last_active + _scaled(draw(_offsets), up_hi - last_active)

        sid = pins.get("id")
        if sid is None:
            sid = ids.make_id(ids.PREFIXES["session"], created_s, draw(_payloads))
        user_id = pins.get("user_id")
        if user_id is None:
            user_id = _related_id(ids.PREFIXES["user"], created_s, draw(_entity_ids))
        client_id = pins.get("client_id")
        if client_id is None:
            client_id = _related_id(ids.PREFIXES["client"], created_s, draw(_entity_ids))

        tasks: list[SessionTask] | None = pins.get("tasks")
        if status == "pending" and tasks is None:
            keys = draw(self._tasks_st)
            tasks = [cast(SessionTask, {"key": k}) for k in keys]
        if "last_active_organization_id" in pins:
            org = pins["last_active_organization_id"]
        elif self.organization_rate <= 0 or (
            tasks is not None and any(t["key"] == "choose-organization" for t in tasks)
        ):
            org = None
        else:
            v = draw(_entity_ids if self.organization_rate >= 1 else _optional_entity_ids)
            org = None if v is None else _related_id(ids.PREFIXES["organization"], created_s, v)

        actor: Actor | None = None
        if plan.actor:
            actor = self._draw_actor(draw, created_s, user_id)

        activity = pins.get("latest_activity")
        if (
            "latest_activity" not in pins
            and self.activity is not None
            and (self.activity_required or draw(_booleans))
        ):
            activity = self.activity.draw(draw, created_s)

        return {
            "object": "session",
            "id": sid,
            "user_id": user_id,
            "client_id": client_id,
            "actor": actor,
            "status": cast(Any, status),
            "last_active_organization_id": org,
            "last_active_at": last_active,
            "latest_activity": activity,
            "expire_at": created + plan.life,
            "abandon_at": created + plan.abandon,
            "updated_at": updated,
            "created_at": created,
            "tasks": tasks,
        }

    def _draw_actor(self, draw: DrawFn, created_s: int, user_id: str) -> Actor:
        kinds = self.actor_kinds
        kind = kinds[0] if len(kinds) == 1 else draw(self._kind_st)
        sub = _related_id(ids.PREFIXES["user"], created_s, draw(_entity_ids))
        if sub == user_id:
            # The impersonator is never the user: flip the payload's last bit.
            secs, payload = ids.decode_ksuid(sub[len(ids.PREFIXES["user"]) :])
            sub = ids.PREFIXES["user"] + ids.encode_ksuid(secs, payload ^ 1)
        if kind == "agent":
            return {"sub": sub, "type": "agent"}
        if kind == "dashboard":
            v = draw(_dashboard_sids)
            sid_s = max(ids.KSUID_EPOCH, created_s - 1 - (v >> _PAYLOAD_BITS))
            sid = ids.make_id(ids.PREFIXES["session"], sid_s, v & _PAYLOAD_MASK)
            return {"iss": DASHBOARD_ISSUER, "sid": sid, "sub": sub}
        return {"sub": sub}

    def strategy(self) -> SearchStrategy[Session]:
        @st.composite
        def _sessions(draw: DrawFn) -> Session:
            return self.draw(draw)

        return _sessions()


def _check_pins(fixed: Mapping[str, Any], p: Profile) -> None:
    """Each pinned value on its own: the rules about that one field."""
    names = load_structure().names
    for name, value in fixed.items():
        if name not in names:
            raise InvalidArgument(
                f"Cannot have {name}={value!r}: not a session field" + did_you_mean(name, names)
            )
        probe: dict[str, Any] = {name: value}
        if name == "tasks":
            probe["status"] = "pending"
        broken = [
            v
            for v in check_session(probe, policy=p.policy)
            if v.field == name and v.rule not in ("missing", "tasks.pending")
        ]
        if name == "tasks" and value == []:
            raise InvalidArgument(
                "Cannot have tasks=[]: tasks is a non-empty list or None "
                f"({RULES['tasks.pending'].description})"
            )
        if broken:
            rule = broken[0].rule
            raise InvalidArgument(
                f"Cannot have {name}={value!r}: breaks rule {rule} ({RULES[rule].description})"
            )


def _check_pinned_times(fixed: Mapping[str, Any], p: Profile) -> None:
    """The clearest reasons a pinned timestamp is impossible, before the general one."""
    now = p.time_now
    for name in ("created_at", "last_active_at", "updated_at"):
        v = fixed.get(name)
        if v is not None and v > now:
            raise InvalidArgument(
                f"Cannot have {name}={v!r}: after now ({format_instant(now)}); "
                f"{RULES['now.future'].description}"
            )
    c = fixed.get("created_at")
    lo, hi = p.time_window_start, min(p.time_window_end, now)
    if c is not None and not lo <= c <= hi:
        raise InvalidArgument(
            f"Cannot have created_at={c!r}: outside profile {p.name!r}'s creation window "
            f"({format_instant(lo)} to {format_instant(hi)})"
        )


def _created_bounds(
    p: Profile, status: str, actor: bool, pins: Mapping[str, Any], check_policy: bool
) -> tuple[int, int] | None:
    """The created_at range for (status, actor) under the pinned fields."""
    rng = creation_range(p, status, actor=actor)
    if rng is None:
        return None
    life, abandon = lifetimes(p, actor=actor)
    m = min(life, abandon)
    now = p.time_now
    lo, hi = max(rng[0], MS_MIN), min(rng[1], MS_MAX - max(life, abandon))

    def exactly(c: int) -> None:
        nonlocal lo, hi
        lo, hi = max(lo, c), min(hi, c)

    if "created_at" in pins:
        exactly(pins["created_at"])
    if "id" in pins:
        s = ids.id_unix_seconds(pins["id"], ids.PREFIXES["session"])
        lo, hi = max(lo, s * 1000), min(hi, s * 1000 + 999)
    if "expire_at" in pins:
        exactly(pins["expire_at"] - life)
    if "abandon_at" in pins:
        exactly(pins["abandon_at"] - abandon)
    la = pins.get("last_active_at")
    if la is not None:
        if la > now:
            return None
        lo, hi = max(lo, la - m + 1), min(hi, la)
    up = pins.get("updated_at")
    if up is not None:
        if up > now or (la is not None and la > up):
            return None
        hi = min(hi, up)
        if status not in LIVE_STATUSES:  # last touched before it ended
            lo = max(lo, up - m + 1)
    if check_policy:
        for name in ("user_id", "client_id"):
            if pins.get(name) is not None:
                prefix = ID_FIELDS[name]
                lo = max(lo, ids.id_unix_seconds(pins[name], prefix) * 1000)
        act = pins.get("latest_activity")
        if isinstance(act, dict) and ids.is_id(act.get("id"), ids.PREFIXES["session_activity"]):
            act_s = ids.id_unix_seconds(act["id"], ids.PREFIXES["session_activity"])
            lag_lo, lag_hi = ACTIVITY_ID_LAG_S
            lo, hi = max(lo, (act_s + lag_lo) * 1000), min(hi, (act_s + lag_hi) * 1000 + 999)
    return (lo, hi) if lo <= hi else None


def _build_model(
    p: Profile,
    *,
    statuses: tuple[str, ...],
    statuses_explicit: bool,
    actor_modes: tuple[bool, ...],
    actor_kinds: tuple[str, ...],
    pins: Mapping[str, Any],
    named: Mapping[str, Any],
    activity: _Activity | None,
    activity_required: bool = False,
    check_policy: bool = True,
) -> _Model:
    task_keys = tuple(k for k in TASK_KEYS if p.tasks_weights.get(k, 0) > 0) or TASK_KEYS
    org = pins.get("last_active_organization_id")
    if org is not None:
        task_keys = tuple(k for k in task_keys if k != "choose-organization")
    tasks = pins.get("tasks")
    if (
        tasks is not None
        and org is not None
        and any(t["key"] == "choose-organization" for t in tasks)
    ):
        raise InvalidArgument(
            f"Cannot have {_fmt_args(named)}: {RULES['tasks.organization'].description}"
        )
    plans: list[_Plan] = []
    kept: list[str] = []
    for status in statuses:
        if status == "pending":
            possible = task_keys != () and not ("tasks" in pins and tasks is None)
        else:
            possible = tasks is None
        found = False
        if possible:
            for actor in actor_modes:
                bounds = _created_bounds(p, status, actor, pins, check_policy)
                if bounds is None:
                    continue
                life, abandon = lifetimes(p, actor=actor)
                plans.append(_Plan(status, actor, bounds, life, abandon))
                found = True
        if found:
            kept.append(status)
        elif statuses_explicit:
            why = f"no {status} session satisfies the rules with these values"
            if len(named) == 1 and "status" in named:
                why = f"no creation time in profile {p.name!r}'s window gives a {status} session"
            raise InvalidArgument(
                f"Cannot have {_fmt_args(named)}: {why} (profile {p.name!r}, now "
                f"{format_instant(p.time_now)})"
            )
    if not plans:
        raise InvalidArgument(
            f"Cannot have {_fmt_args(named)}: no session satisfies the rules with these values "
            f"(profile {p.name!r}, now {format_instant(p.time_now)})"
        )
    return _Model(
        now=p.time_now,
        plans=tuple(plans),
        statuses=tuple(kept),
        actor_kinds=actor_kinds,
        activity=activity,
        activity_required=activity_required,
        organization_rate=p.organization_rate,
        task_keys=task_keys,
        tasks_max=min(p.tasks_max, len(task_keys)),
        pins=dict(pins),
    )


def _status_arg(p: Profile, status: str | Collection[str] | None) -> tuple[tuple[str, ...], bool]:
    allowed = tuple(s for s in STATUSES if p.status_weights.get(s, 0) > 0)
    if status is None:
        return allowed, False
    if isinstance(status, Mapping) or not isinstance(status, str | Collection):
        raise InvalidArgument(f"Cannot have status={status!r}: expected a status or statuses")
    wanted = (status,) if isinstance(status, str) else tuple(status)
    if not wanted:
        raise InvalidArgument(f"Cannot have status={status!r}: name at least one status")
    for s in wanted:
        if s not in STATUSES:
            raise InvalidArgument(
                f"Cannot have status={status!r}: {s!r} is not a status"
                + did_you_mean(str(s), STATUSES)
            )
        if s not in allowed:
            raise InvalidArgument(
                f"Cannot have status={status!r}: profile {p.name!r} gives {s!r} no weight"
            )
    return tuple(s for s in STATUSES if s in wanted), True


def _actor_arg(
    p: Profile, actor: bool | str | Collection[str] | None
) -> tuple[tuple[bool, ...], tuple[str, ...]]:
    allowed = tuple(k for k in _ACTOR_KIND_ORDER if k in p.policy.actor_kinds)
    if actor is None:
        if not allowed:
            return (False,), ()
        return ((True,) if p.actor_rate >= 1 else (False, True)), allowed
    if actor is False:
        return (False,), ()
    if actor is True:
        if not allowed:
            raise InvalidArgument(
                f"Cannot have actor=True: profile {p.name!r} allows no actor "
                f"(actor.rate {p.actor_rate:g})"
            )
        return (True,), allowed
    if isinstance(actor, Mapping) or not isinstance(actor, str | Collection):
        raise InvalidArgument(
            f"Cannot have actor={actor!r}: expected True, False or actor kinds (one of "
            f"{_names(ACTOR_KINDS)})"
        )
    wanted = (actor,) if isinstance(actor, str) else tuple(actor)
    if not wanted:
        raise InvalidArgument(f"Cannot have actor={actor!r}: name at least one actor kind")
    for k in wanted:
        if k not in ACTOR_KINDS:
            raise InvalidArgument(
                f"Cannot have actor={actor!r}: {k!r} is not an actor kind (expected True, "
                f"False or one of {_names(ACTOR_KINDS)})" + did_you_mean(str(k), ACTOR_KINDS)
            )
        if k not in allowed:
            raise InvalidArgument(
                f"Cannot have actor={actor!r}: profile {p.name!r} allows no {k} actor"
            )
    return (True,), tuple(k for k in _ACTOR_KIND_ORDER if k in wanted)


# ---------------------------------------------------------------- sessions


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
    p = _resolve_profile(profile, now)
    _check_pins(fixed, p)
    _check_pinned_times(fixed, p)
    named: dict[str, Any] = {}
    if status is not None:
        named["status"] = status
    if actor is not None:
        named["actor"] = actor
    named.update(fixed)
    statuses_, explicit = _status_arg(p, status)
    modes, kinds = _actor_arg(p, actor)
    act: _Activity | None = None
    activity_required = False
    if "latest_activity" not in fixed and p.activity_rate > 0:
        act = _Activity.of(p)
        activity_required = p.activity_rate >= 1
    model = _build_model(
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


# ---------------------------------------------------------------- parts


def ksuids(
    prefix: str,
    *,
    min_time: Instant | None = None,
    max_time: Instant | None = None,
) -> SearchStrategy[str]:
    """Ids ``prefix`` + a KSUID whose second lies in ``[min_time, max_time]``.

    The bounds are epoch milliseconds, ISO 8601 text or aware datetimes,
    inclusive and truncated to the second (a KSUID keeps whole seconds); they
    default to the whole KSUID range.
    Shrinks towards the earliest second and an all-zero payload.

    >>> from hypothesis import find
    >>> find(ksuids("org_", min_time="2026-01-01T00:00:00Z"), lambda i: True)
    'org_37dGalnvVFpJFsmiFDGIwmudA4O'
    """
    if not isinstance(prefix, str) or not _PREFIX_RE.fullmatch(prefix):
        raise InvalidArgument(
            f"Cannot have prefix={prefix!r}: expected lower-case letters ending in '_', "
            f"such as {_names(repr(v) for v in ids.PREFIXES.values())}"
        )
    lo_ms = _KSUID_MIN_MS if min_time is None else _instant_ms("min_time", min_time)
    hi_ms = _KSUID_MAX_MS if max_time is None else _instant_ms("max_time", max_time)
    for name, v in (("min_time", lo_ms), ("max_time", hi_ms)):
        if not _KSUID_MIN_MS <= v <= _KSUID_MAX_MS:
            given = min_time if name == "min_time" else max_time
            raise InvalidArgument(
                f"Cannot have {name}={given!r}: outside the KSUID range "
                f"{format_instant(_KSUID_MIN_MS)} to {format_instant(_KSUID_MAX_MS)}"
            )
    if hi_ms < lo_ms:
        raise InvalidArgument(f"Cannot have max_time={max_time!r} < min_time={min_time!r}")
    lo_s, hi_s = lo_ms // 1000, hi_ms // 1000
    k0 = lo_s - ids.KSUID_EPOCH
    k1 = hi_s - ids.KSUID_EPOCH
    return st.integers(k0 << _PAYLOAD_BITS, (k1 << _PAYLOAD_BITS) | _PAYLOAD_MASK).map(
        lambda v: prefix + ids.encode_ksuid(v >> _PAYLOAD_BITS, v & _PAYLOAD_MASK)
    )


def session_ids(
    *, min_time: Instant | None = None, max_time: Instant | None = None
) -> SearchStrategy[str]:
    """``sess_`` ids (see :func:`ksuids`); shrinks towards the earliest second."""
    return ksuids(ids.PREFIXES["session"], min_time=min_time, max_time=max_time)


def user_ids(
    *, min_time: Instant | None = None, max_time: Instant | None = None
) -> SearchStrategy[str]:
    """``user_`` ids (see :func:`ksuids`); shrinks towards the earliest second."""
    return ksuids(ids.PREFIXES["user"], min_time=min_time, max_time=max_time)


def client_ids(
    *, min_time: Instant | None = None, max_time: Instant | None = None
) -> SearchStrategy[str]:
    """``client_`` ids (see :func:`ksuids`); shrinks towards the earliest second."""
    return ksuids(ids.PREFIXES["client"], min_time=min_time, max_time=max_time)


def organization_ids(
    *, min_time: Instant | None = None, max_time: Instant | None = None
) -> SearchStrategy[str]:
    """``org_`` ids (see :func:`ksuids`); shrinks towards the earliest second."""
    return ksuids(ids.PREFIXES["organization"], min_time=min_time, max_time=max_time)


def statuses(profile: ProfileRef = None) -> SearchStrategy[str]:
    """The statuses the profile gives a weight (all eight when it gives each one).

    Shrinks towards ``"active"``.
    """
    p = _resolve_profile(profile, None) if profile is not None else None
    if p is None:
        return st.sampled_from(STATUSES)
    return st.sampled_from(_status_arg(p, None)[0])


def actors(kind: str | Collection[str] | None = None) -> SearchStrategy[Actor]:
    """Actor objects of ``kind`` (any of ``dashboard``, ``token``, ``agent`` when None).

    ``sub`` is a ``user_`` id. Shrinks towards a ``token`` actor, ``{"sub":
    "user_000..."}``, then ``agent`` and ``dashboard``.
    """
    if kind is None:
        kinds = _ACTOR_KIND_ORDER
    else:
        wanted = (kind,) if isinstance(kind, str) else tuple(kind)
        if not wanted:
            raise InvalidArgument(f"Cannot have kind={kind!r}: name at least one actor kind")
        for k in wanted:
            if k not in ACTOR_KINDS:
                raise InvalidArgument(
                    f"Cannot have kind={kind!r}: {k!r} is not an actor kind (one of "
                    f"{_names(ACTOR_KINDS)})" + did_you_mean(str(k), ACTOR_KINDS)
                )
        kinds = tuple(k for k in _ACTOR_KIND_ORDER if k in wanted)
    model = _Model(
        now=0,
        plans=(),
        statuses=(),
        actor_kinds=kinds,
        activity=None,
        activity_required=False,
        organization_rate=0,
        task_keys=(),
        tasks_max=0,
        pins={},
    )

    @st.composite
    def _actors(draw: DrawFn) -> Actor:
        created_s = ids.KSUID_EPOCH + _ENTITY_BACK_S + draw(st.integers(0, ids.MAX_TIMESTAMP // 2))
        return model._draw_actor(draw, created_s, "")

    return _actors()


def latest_activities(
    profile: ProfileRef = None, *, device: str | Collection[str] | None = None
) -> SearchStrategy[SessionActivity]:
    """``latest_activity`` objects as the profile allows them.

    ``device`` narrows to ``desktop``, ``mobile_web`` or ``native_app`` (or a
    collection). The activity id's second lies in the profile's creation
    window, less the sign-in lag. Shrinks towards a desktop activity with
    every optional key present, the first entry of each vocabulary table,
    and ``192.0.2.1``.
    """
    p = _resolve_profile(profile, None)
    devices: tuple[str, ...] | None = None
    if device is not None:
        devices = (device,) if isinstance(device, str) else tuple(device)
        for d in devices:
            if d not in DEVICE_KINDS:
                raise InvalidArgument(
                    f"Cannot have device={device!r}: {d!r} is not a device kind (one of "
                    f"{_names(DEVICE_KINDS)})" + did_you_mean(str(d), DEVICE_KINDS)
                )
    act = _Activity.of(p, devices)
    if not act.devices:
        raise InvalidArgument(
            f"Cannot have device={device!r}: profile {p.name!r} gives "
            + ("no device a weight" if device is None else "it no weight")
        )
    lo = p.time_window_start // 1000
    hi = max(lo, min(p.time_window_end, p.time_now) // 1000)
    created = st.integers(lo, hi)

    @st.composite
    def _activities(draw: DrawFn) -> SessionActivity:
        return act.draw(draw, draw(created))

    return _activities()


def session_tasks(
    *, min_size: int = 1, max_size: int = len(TASK_KEYS)
) -> SearchStrategy[list[SessionTask]]:
    """Task lists as a pending session has them: distinct ``{"key": K}`` items.

    Shrinks towards the shortest list, ``[{"key": "choose-organization"}]``.
    """
    _check_sizes(min_size, max_size, top=len(TASK_KEYS), floor=1)
    return st.lists(
        st.sampled_from(TASK_KEYS), min_size=min_size, max_size=max_size, unique=True
    ).map(lambda keys: [cast(SessionTask, {"key": k}) for k in keys])


def _check_sizes(min_size: int, max_size: int | None, *, top: int | None, floor: int) -> None:
    for name, v in (("min_size", min_size), ("max_size", max_size)):
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int):
            raise InvalidArgument(f"Cannot have {name}={v!r}: expected an integer")
        if v < floor:
            raise InvalidArgument(f"Cannot have {name}={v!r} < {floor}")
        if top is not None and v > top:
            raise InvalidArgument(f"Cannot have {name}={v!r} > {top}")
    if max_size is not None and max_size < min_size:
        raise InvalidArgument(f"Cannot have max_size={max_size!r} < min_size={min_size!r}")


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
    _check_sizes(min_size, max_size, top=None, floor=0)
    p = _resolve_profile(profile, now)
    unique_by: Callable[[Session], str] | None = (lambda s: s["id"]) if unique_ids else None
    if not same_user:
        return st.lists(sessions(p), min_size=min_size, max_size=max_size, unique_by=unique_by)
    earliest = min(
        b[0]
        for s in _status_arg(p, None)[0]
        for a in (False, True)
        if (b := creation_range(p, s, actor=a)) is not None
    )
    users = user_ids(max_time=max(earliest, _KSUID_MIN_MS))

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


# ---------------------------------------------------------------- invalid


_RUN_LEVEL = ("id.unique",)


def invalid_sessions(
    profile: ProfileRef = None,
    *,
    rules: str | Collection[str] | None = None,
    now: Instant | None = None,
) -> SearchStrategy[tuple[dict[str, Any], str]]:
    """``(session, rule)`` pairs: a session that breaks exactly ``rule``.

    A :class:`~sessionfaker.rules.Checker` with the profile's ``now`` and
    policy reports that rule, and no other, for each session. ``rules``
    narrows to some rule names (every rule one session can break under the
    profile when None; ``id.unique`` needs two sessions and is never drawn).
    Each session is a valid one from :func:`sessions` with one change, so it
    shrinks towards the minimal session with the smallest change, rules in
    the order of :data:`~sessionfaker.rules.RULES`.
    """
    p = _resolve_profile(profile, now)
    available = _breakers(p)
    if rules is None:
        names = tuple(available)
    else:
        wanted = (rules,) if isinstance(rules, str) else tuple(rules)
        if not wanted:
            raise InvalidArgument(f"Cannot have rules={rules!r}: name at least one rule")
        for r in wanted:
            if r not in RULES:
                raise InvalidArgument(
                    f"Cannot have rules={rules!r}: {r!r} is not a rule"
                    + did_you_mean(str(r), RULES)
                )
            if r in _RUN_LEVEL:
                raise InvalidArgument(
                    f"Cannot have rules={rules!r}: {r} is a run-level rule; one session "
                    "cannot break it"
                )
            if r not in available:
                raise InvalidArgument(
                    f"Cannot have rules={rules!r}: no session can break {r} alone under "
                    f"profile {p.name!r} ({RULES[r].description})"
                )
        names = tuple(r for r in RULES if r in wanted)
    return st.one_of(*(available[r].map(lambda s, r=r: (s, r)) for r in names))  # type: ignore[misc]


# Each rule is broken by one change to a valid session. The change and the
# session it starts from are chosen so that no other rule breaks with it:
# ``_check_invalid`` in the tests runs the core Checker over every rule.

_Mutation = Callable[[DrawFn, dict[str, Any]], None]
_Base = SearchStrategy[Session] | None


def _base(
    p: Profile,
    statuses: tuple[str, ...] = STATUSES,
    *,
    actor: bool | None = None,
    activity: bool | None = None,
    web_only: bool = False,
    kinds: tuple[str, ...] | None = None,
) -> _Base:
    """Valid sessions of some statuses (profile weights aside: the policy does
    not check them), or None when the profile's window allows none."""
    allowed = tuple(k for k in _ACTOR_KIND_ORDER if k in p.policy.actor_kinds)
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
        act = _Activity.of(p, devices, any_device=True)
    try:
        model = _build_model(
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


def _mutated(base: _Base, mutate: _Mutation) -> SearchStrategy[dict[str, Any]] | None:
    if base is None:
        return None
    strategy = base

    @st.composite
    def _broken(draw: DrawFn) -> dict[str, Any]:
        d: dict[str, Any] = dict(draw(strategy))
        mutate(draw, d)
        return d

    return _broken()


def _keyed(
    keys: tuple[str, ...],
    base_for: Callable[[str], _Base],
    mutate: Callable[[DrawFn, dict[str, Any], str], None],
) -> SearchStrategy[dict[str, Any]] | None:
    """A change to one field, the field drawn first (its base may depend on it)."""
    bases = {k: b for k in keys if (b := base_for(k)) is not None}
    if not bases:
        return None
    usable = tuple(bases)

    @st.composite
    def _broken(draw: DrawFn) -> dict[str, Any]:
        key = draw(st.sampled_from(usable))
        d: dict[str, Any] = dict(draw(bases[key]))
        mutate(draw, d, key)
        return d

    return _broken()


def _malformed_id(draw: DrawFn, prefix: str, good: str) -> str:
    body = good[len(prefix) :]
    how = draw(st.integers(0, 3))
    if how == 0:
        return good[:-1]
    if how == 1:
        i = draw(st.integers(0, ids.KSUID_LENGTH - 1))
        return prefix + body[:i] + draw(st.sampled_from("-_+/ .")) + body[i + 1 :]
    if how == 2:
        return draw(st.sampled_from([q for q in ids.PREFIXES.values() if q != prefix])) + body
    # Above the largest KSUID, 2**160 - 1.
    return prefix + "z" * ids.KSUID_LENGTH


def _reencode(identifier: str, prefix: str, second: int) -> str:
    _, payload = ids.decode_ksuid(identifier[len(prefix) :])
    return ids.make_id(prefix, second, payload)


# A fixed alphabet: text() over all of Unicode first builds Hypothesis'
# character map, a second or more in a fresh checkout (a too_slow health
# check on the first test), and its examples vary with Hypothesis' version.
_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-. "


def _text(*, min_size: int = 0, max_size: int) -> SearchStrategy[str]:
    return st.text(_ALPHABET, min_size=min_size, max_size=max_size)


_WRONG_TYPE: dict[str, SearchStrategy[Any]] = {
    "string": st.integers(-2, 2) | st.booleans() | st.just([]),
    "object": _text(max_size=3) | st.just([]),
}
_STEP = st.integers(1, 10**6)


def _breakers(p: Profile) -> dict[str, SearchStrategy[dict[str, Any]]]:
    structure = load_structure()
    names = structure.names
    now = p.time_now
    live = _base(p, LIVE_STATUSES)
    any_ = _base(p)
    not_pending = _base(p, tuple(s for s in STATUSES if s != "pending"))
    pending = _base(p, ("pending",))
    active = _base(p, ("active",))
    gone = _base(p, ("expired", "abandoned"))
    gone_no_actor = _base(p, ("expired", "abandoned"), actor=False)
    with_actor = _base(p, actor=True)
    with_activity = _base(p, activity=True)
    web_activity = _base(p, activity=True, web_only=True)
    forbidden = tuple(k for k in _ACTOR_KIND_ORDER if k not in p.policy.actor_kinds)
    out: dict[str, SearchStrategy[dict[str, Any]] | None] = {}

    def missing(draw: DrawFn, d: dict[str, Any], key: str) -> None:
        del d[key]

    out["missing"] = _keyed(names, lambda k: not_pending if k == "tasks" else any_, missing)

    reserved = set(names)

    def unexpected(draw: DrawFn, d: dict[str, Any]) -> None:
        key = draw(
            st.sampled_from(("session_token", "metadata", "expires_at", "last_sign_in_at"))
            | _text(min_size=1, max_size=8).filter(lambda k: k not in reserved)
        )
        d[key] = draw(st.none() | st.integers() | _text(max_size=4))

    out["unexpected"] = _mutated(any_, unexpected)

    def wrong_type(draw: DrawFn, d: dict[str, Any], key: str) -> None:
        ftype = structure.field(key).type
        if ftype == "integer":
            v = d[key]
            d[key] = draw(st.sampled_from((str(v), v + 0.5, True, 2**63 + v, -(2**63) - 1 - v)))
        else:
            d[key] = draw(_WRONG_TYPE[ftype])

    # ``object`` of another type also breaks ``object``; tasks of another type
    # also break ``tasks.pending``.
    type_keys = tuple(
        f.name
        for f in structure.fields
        if f.name not in ("object", "tasks") and f.type in ("string", "integer", "object")
    )
    out["type"] = _keyed(
        type_keys,
        lambda k: not_pending if k == "last_active_organization_id" else any_,
        wrong_type,
    )

    def null(draw: DrawFn, d: dict[str, Any], key: str) -> None:
        d[key] = None

    out["null"] = _keyed(
        tuple(f.name for f in structure.fields if not f.nullable), lambda k: any_, null
    )

    def bad_object(draw: DrawFn, d: dict[str, Any]) -> None:
        d["object"] = draw(
            st.sampled_from(("Session", "session_activity", "sessions"))
            | _text(max_size=8).filter(lambda t: t != "session")
        )

    out["object"] = _mutated(any_, bad_object)

    def bad_status(draw: DrawFn, d: dict[str, Any]) -> None:
        d["status"] = draw(_text(max_size=10).filter(lambda t: t not in STATUSES))

    out["status"] = _mutated(any_, bad_status)

    def bad_id(draw: DrawFn, d: dict[str, Any], key: str) -> None:
        prefix = ID_FIELDS[key]
        good = d[key] or _related_id(prefix, d["created_at"] // 1000, 0)
        d[key] = _malformed_id(draw, prefix, good)

    out["id.format"] = _keyed(
        tuple(ID_FIELDS),
        lambda k: not_pending if k == "last_active_organization_id" else any_,
        bad_id,
    )

    def id_time(draw: DrawFn, d: dict[str, Any]) -> None:
        second = d["created_at"] // 1000 + draw(_STEP)
        d["id"] = _reencode(d["id"], ids.PREFIXES["session"], second)

    out["id.time"] = _mutated(any_, id_time)

    def not_ms(draw: DrawFn, d: dict[str, Any], key: str) -> None:
        d[key] = d[key] // 1000 if draw(st.booleans()) is False else d[key] * 1000

    # created_at also feeds the policy's actor lifetime and activity lag,
    # expire_at the actor lifetime: start those from sessions without them.
    plain = _base(p, actor=False, activity=False)
    no_actor = _base(p, actor=False)
    out["timestamp.ms"] = _keyed(
        TIMESTAMP_FIELDS,
        lambda k: plain if k == "created_at" else no_actor if k == "expire_at" else any_,
        not_ms,
    )

    def la_before_created(draw: DrawFn, d: dict[str, Any]) -> None:
        d["last_active_at"] = d["created_at"] - draw(_STEP)

    out["order.created"] = _mutated(any_, la_before_created)

    def updated_before_la(draw: DrawFn, d: dict[str, Any]) -> None:
        d["updated_at"] = d["last_active_at"] - draw(_STEP)

    out["order.updated"] = _mutated(any_, updated_before_la)

    # Only sessions already past expiry or abandonment can lose the order
    # without also breaking a now.* or transition rule.
    def expire_before_la(draw: DrawFn, d: dict[str, Any]) -> None:
        d["expire_at"] = d["last_active_at"] - draw(st.integers(0, 10**6))

    out["order.expire"] = _mutated(gone_no_actor, expire_before_la)

    def abandon_before_la(draw: DrawFn, d: dict[str, Any]) -> None:
        d["abandon_at"] = d["last_active_at"] - draw(st.integers(0, 10**6))

    out["order.abandon"] = _mutated(gone, abandon_before_la)

    def updated_future(draw: DrawFn, d: dict[str, Any]) -> None:
        d["updated_at"] = now + draw(_STEP)

    out["now.future"] = _mutated(live, updated_future)

    def relabel(status: str | tuple[str, ...]) -> _Mutation:
        def _relabel(draw: DrawFn, d: dict[str, Any]) -> None:
            d["status"] = status if isinstance(status, str) else draw(st.sampled_from(status))

        return _relabel

    out["now.live"] = _mutated(gone, relabel("active"))
    out["now.expired"] = _mutated(active, relabel("expired"))
    out["now.abandoned"] = _mutated(active, relabel("abandoned"))

    def ended_late(draw: DrawFn, d: dict[str, Any]) -> None:
        # Signed out no earlier than its expiry or abandonment (both past).
        relabel(TRANSITION_STATUSES)(draw, d)
        d["updated_at"] = min(d["expire_at"], d["abandon_at"])

    out["transition"] = _mutated(gone, ended_late)

    tasks_st = session_tasks(max_size=len(TASK_KEYS))

    def tasks_pending(draw: DrawFn, d: dict[str, Any]) -> None:
        if d["status"] == "pending":
            d["tasks"] = draw(st.sampled_from((None, [])))
        else:
            d["tasks"] = draw(tasks_st)

    out["tasks.pending"] = _mutated(any_, tasks_pending)

    def bad_task(draw: DrawFn, d: dict[str, Any]) -> None:
        task = draw(
            st.sampled_from(TASK_KEYS)
            | st.fixed_dictionaries({"key": _text(max_size=8).filter(lambda k: k not in TASK_KEYS)})
            | st.fixed_dictionaries({"key": st.sampled_from(TASK_KEYS), "extra": st.integers()})
            | st.just({})
        )
        tasks = list(d["tasks"])
        tasks.insert(draw(st.integers(0, len(tasks))), task)
        d["tasks"] = tasks

    out["tasks.key"] = _mutated(pending, bad_task)

    def org_while_choosing(draw: DrawFn, d: dict[str, Any]) -> None:
        d["tasks"] = [{"key": "choose-organization"}]
        d["last_active_organization_id"] = _related_id(
            ids.PREFIXES["organization"], d["created_at"] // 1000, draw(_entity_ids)
        )

    out["tasks.organization"] = _mutated(pending, org_while_choosing)

    def bad_sub(draw: DrawFn, d: dict[str, Any]) -> None:
        actor = dict(d["actor"])
        choices: list[Any] = [d["user_id"], None, 42]
        if "type" not in actor:  # agents may act as any string sub
            choices += ["staff@example.com", d["id"]]
        actor["sub"] = draw(st.sampled_from(choices))
        d["actor"] = actor

    out["actor.sub"] = _mutated(with_actor, bad_sub)

    def activity_change(change: Callable[[DrawFn, dict[str, Any]], None]) -> _Mutation:
        def _change(draw: DrawFn, d: dict[str, Any]) -> None:
            act = dict(d["latest_activity"])
            change(draw, act)
            d["latest_activity"] = act

        return _change

    def act_object(draw: DrawFn, act: dict[str, Any]) -> None:
        act["object"] = draw(
            st.sampled_from(("session", "activity"))
            | _text(max_size=8).filter(lambda t: t != ACTIVITY_OBJECT)
        )

    out["activity.object"] = _mutated(with_activity, activity_change(act_object))

    def act_id(draw: DrawFn, act: dict[str, Any]) -> None:
        act["id"] = _malformed_id(draw, ids.PREFIXES["session_activity"], act["id"])

    out["activity.id"] = _mutated(with_activity, activity_change(act_id))

    def act_mobile(draw: DrawFn, act: dict[str, Any]) -> None:
        value = draw(st.sampled_from((None, "true", 0, 1, "missing")))
        if value == "missing":
            del act["is_mobile"]
        else:
            act["is_mobile"] = value

    # A native app (no device_type) without a boolean is_mobile would also
    # break policy.native_app.
    out["activity.is_mobile"] = _mutated(web_activity, activity_change(act_mobile))

    known = {"object", "id", "is_mobile", *ACTIVITY_OPTIONAL}

    def act_keys(draw: DrawFn, act: dict[str, Any]) -> None:
        if draw(st.booleans()):
            # country and ip_address of another type would also break their policy.
            key = draw(st.sampled_from(("device_type", "browser_name", "browser_version", "city")))
            act[key] = draw(st.integers() | st.booleans() | st.just([]))
        else:
            key = draw(
                st.sampled_from(("user_agent", "region"))
                | _text(min_size=1, max_size=8).filter(lambda k: k not in known)
            )
            act[key] = draw(st.none() | _text(max_size=4))

    out["activity.keys"] = _mutated(with_activity, activity_change(act_keys))

    def later_entity(field: str) -> _Mutation:
        prefix = ID_FIELDS[field]

        def _later(draw: DrawFn, d: dict[str, Any]) -> None:
            second = d["created_at"] // 1000 + draw(_STEP)
            d[field] = _reencode(d[field], prefix, second)

        return _later

    out["policy.user_time"] = _mutated(any_, later_entity("user_id"))
    out["policy.client_time"] = _mutated(any_, later_entity("client_id"))

    lag_lo, lag_hi = ACTIVITY_ID_LAG_S

    def activity_time(draw: DrawFn, d: dict[str, Any]) -> None:
        act = dict(d["latest_activity"])
        lag = draw(st.integers(lag_hi + 1, lag_hi + 10**5) | st.integers(-(10**5), lag_lo - 1))
        second = d["created_at"] // 1000 - lag
        act["id"] = _reencode(act["id"], ids.PREFIXES["session_activity"], second)
        d["latest_activity"] = act

    out["policy.activity_time"] = _mutated(with_activity, activity_time)

    def longer_life(draw: DrawFn, d: dict[str, Any]) -> None:
        d["expire_at"] += draw(_STEP)

    out["policy.actor_lifetime"] = _mutated(
        _base(p, tuple(s for s in STATUSES if s != "expired"), actor=True), longer_life
    )
    # A session timed like an actor session, with an actor the policy forbids.
    out["policy.actor_allowed"] = (
        _mutated(_base(p, actor=True, kinds=forbidden), lambda draw, d: None) if forbidden else None
    )

    def act_null(draw: DrawFn, act: dict[str, Any]) -> None:
        act[draw(st.sampled_from(_OMITTABLE))] = None

    out["policy.activity_nulls"] = _mutated(with_activity, activity_change(act_null))

    def not_native(draw: DrawFn, act: dict[str, Any]) -> None:
        act.pop("device_type", None)
        act["is_mobile"] = False

    out["policy.native_app"] = _mutated(with_activity, activity_change(not_native))

    iso = load_vocabulary().iso_alpha2

    def bad_country(draw: DrawFn, act: dict[str, Any]) -> None:
        act["country"] = draw(
            st.sampled_from(("XX", "UK", "us", "USA"))
            | st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", max_size=3).filter(lambda c: c not in iso)
        )

    out["policy.country"] = _mutated(with_activity, activity_change(bad_country))

    def bad_ip(draw: DrawFn, act: dict[str, Any]) -> None:
        act["ip_address"] = draw(
            st.sampled_from(("8.8.8.8", "10.0.0.1", "not-an-ip", "203.0.114.1"))
            | st.ip_addresses()
            .filter(lambda a: not any(a.version == n.version and a in n for n in DOC_NETWORKS))
            .map(str)
        )

    out["policy.ip"] = _mutated(with_activity, activity_change(bad_ip))
    return {r: s for r in RULES if (s := out.get(r)) is not None}
