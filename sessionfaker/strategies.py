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
from typing import TYPE_CHECKING, Any, cast

from .errors import InvalidArgument, MissingExtraError, ProfileError, did_you_mean

try:
    from hypothesis import strategies as st
    from hypothesis.strategies import DrawFn, SearchStrategy
except ModuleNotFoundError as _missing:  # name the extra, as the other extras do
    if _missing.name != "hypothesis":
        raise
    raise MissingExtraError("hypothesis", "hypothesis", "sessionfaker.strategies") from None

from . import ids
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
    TRANSITION_STATUSES,
    check_session,
)
from .schema import load_structure
from .session import Actor, Session, SessionActivity, SessionTask
from .timeutil import format_instant, parse_instant
from .vocab import load as load_vocabulary

if TYPE_CHECKING:
    from .places import Places

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
_app_versions = st.deferred(lambda: st.sampled_from(load_vocabulary().app_versions))
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
    """What latest_activity can hold under one profile."""

    devices: tuple[str, ...]
    desktop: tuple[tuple[str, str, str], ...]
    mobile: tuple[tuple[str, str, str], ...]
    app_name: str
    places: Places  # an address's place: one IP address, one place
    ips: SearchStrategy[str]

    @classmethod
    def of(
        cls, p: Profile, devices: Iterable[str] | None = None, *, any_device: bool = False
    ) -> _Activity:
        vocab = load_vocabulary()

        desktop = tuple(vocab.web_devices(mobile=False))
        mobile = tuple(vocab.web_devices(mobile=True))
        places = vocab.places(p.activity_countries)
        v4 = [n for n in DOC_NETWORKS if n.version == 4]
        v6 = [n for n in DOC_NETWORKS if n.version == 6]
        ipv4 = st.sampled_from([str(h) for n in v4 for h in n.hosts()])
        ipv6 = st.one_of(
            *(
                st.integers(1, n.num_addresses - 1).map(
                    lambda i, n=n: str(n.network_address + i)  # type: ignore[misc]
                )
                for n in v6
            )
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
        return cls(allowed, desktop, mobile, p.activity_app_name, places, ips)

    @functools.cached_property
    def _device_st(self) -> SearchStrategy[str]:
        return st.sampled_from(self.devices)

    @functools.cached_property
    def _desktop_st(self) -> SearchStrategy[tuple[str, str, str]]:
        return st.sampled_from(self.desktop)

    @functools.cached_property
    def _mobile_st(self) -> SearchStrategy[tuple[str, str, str]]:
        return st.sampled_from(self.mobile)

    def draw(self, draw: DrawFn, created_s: int) -> SessionActivity:
        v = draw(_activity_ids)
        lag = ACTIVITY_ID_LAG_S[0] + (v >> _PAYLOAD_BITS)
        act: dict[str, Any] = {
            "object": ACTIVITY_OBJECT,
            "id": ids.make_id(ids.PREFIXES["session_activity"], created_s - lag, v & _PAYLOAD_MASK),
        }
        device = self.devices[0] if len(self.devices) == 1 else draw(self._device_st)
        if device == "native_app":
            act["is_mobile"] = True
            act["browser_name"] = self.app_name
            act["browser_version"] = draw(_app_versions)
        else:
            act["is_mobile"] = device == "mobile_web"
            table = self._desktop_st if device == "desktop" else self._mobile_st
            act["device_type"], act["browser_name"], act["browser_version"] = draw(table)
        act["ip_address"] = ip = draw(self.ips)
        country, city = self.places.place(self.places.place_of(ip))
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
        if pinned_up is not None and status not in ("expired", "abandoned"):
            la_hi = min(la_hi, pinned_up)
        last_active = pins.get("last_active_at")
        if last_active is None:
            last_active = created + _scaled(draw(_offsets), la_hi - created)
        if status in ("expired", "abandoned"):
            # Updated at expiry or abandonment. The unused draw keeps these
            # statuses as long in choices as the others: Hypothesis prefers
            # shorter choice sequences, and the simplest session is active.
            draw(_offsets)
            updated = created + (plan.life if status == "expired" else plan.abandon)
        elif pinned_up is not None:
            updated = pinned_up
        else:
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
        if status == "expired":
            exactly(up - life)
        elif status == "abandoned":
            exactly(up - abandon)
        else:
            if up > now or (la is not None and la > up):
                return None
            hi = min(hi, up)
            if status in TRANSITION_STATUSES:
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
    from .rules.breaking import Kit

    p = _resolve_profile(profile, now)
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
    wanted = (rules,) if isinstance(rules, str) else tuple(rules)
    if not wanted:
        raise InvalidArgument(f"Cannot have rules={rules!r}: name at least one rule")
    for r in wanted:
        if r not in RULES:
            raise InvalidArgument(
                f"Cannot have rules={rules!r}: {r!r} is not a rule" + did_you_mean(str(r), RULES)
            )
        if RULES[r].breaker is None:
            raise InvalidArgument(
                f"Cannot have rules={rules!r}: {r} is a run-level rule; one session cannot break it"
            )
    return tuple(r for r in RULES if r in wanted)


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


# Signed session tokens (issue 12): defined beside the signer, offered here too.
from .signing.strategies import invalid_tokens, session_tokens  # noqa: E402

__all__ += ["invalid_tokens", "session_tokens"]
