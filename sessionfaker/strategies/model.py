"""The model of valid sessions a strategy draws from: every (status, actor)
combination the arguments allow with its creation range, computed once when
the strategy is built, and the draw itself.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Collection, Mapping
from typing import Any, cast

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from .. import ids
from ..errors import InvalidArgument, did_you_mean, format_args
from ..profile import Profile, creation_range, lifetimes
from ..rules import (
    ACTIVITY_ID_LAG_S,
    ACTOR_KINDS,
    DASHBOARD_ISSUER,
    ID_FIELDS,
    LIVE_STATUSES,
    MS_MAX,
    MS_MIN,
    RULES,
    STATUSES,
    TASK_KEYS,
    check_session,
)
from ..schema import load_structure
from ..session import Actor, Session, SessionTask
from ..timeutil import format_instant
from .activity import Activity
from .common import (
    ACTOR_KIND_ORDER,
    ENTITY_BACK_S,
    PAYLOAD_BITS,
    PAYLOAD_MASK,
    join_names,
    names_arg,
    related_id,
)

# A dashboard impersonator's own session started up to an hour before.
_DASHBOARD_SID_BACK_S = 3_600
# Offsets inside a range are drawn on a fixed scale and scaled to the range,
# so one strategy serves every range. Hypothesis favours small integers, so
# the low end comes often; a few negative values stand for the high end and
# just below it (-1 is the top), which plain draws from 0..2**40 almost never
# reach. Both ends shrink to 0, the low end.
_SCALE = 2**40
_TOP_EDGE = 256

# Strategies are built once: a new strategy object per draw costs Hypothesis
# a validation and several property computations on its first use.
_offsets = st.integers(-_TOP_EDGE, _SCALE)
_booleans = st.booleans()
_payloads = st.integers(0, PAYLOAD_MASK)
# (seconds back << 128) | payload: one draw for a related id, shrinking to
# the same second as its session and payload 0.
_entity_ids = st.integers(0, ((ENTITY_BACK_S + 1) << PAYLOAD_BITS) - 1)
_dashboard_sids = st.integers(0, (_DASHBOARD_SID_BACK_S << PAYLOAD_BITS) - 1)
_optional_entity_ids = st.none() | _entity_ids


def scaled(offset: int, span: int) -> int:
    if offset < 0:
        return max(0, span + 1 + offset)
    return offset * span // _SCALE


@dataclasses.dataclass(frozen=True)
class _Plan:
    """One (status, actor) combination the arguments allow."""

    status: str
    actor: bool
    created: tuple[int, int]
    life: int
    abandon: int


@dataclasses.dataclass(frozen=True)
class Model:
    """Everything a draw needs, computed once when the strategy is built."""

    now: int
    plans: tuple[_Plan, ...]
    statuses: tuple[str, ...]
    actor_kinds: tuple[str, ...]
    activity: Activity | None  # None: latest_activity is always null
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
        created = lo + scaled(draw(_offsets), hi - lo)
        created_s = created // 1000
        la_hi = min(now, created + m - 1)
        pinned_up = pins.get("updated_at")
        if pinned_up is not None:
            la_hi = min(la_hi, pinned_up)
        last_active = pins.get("last_active_at")
        if last_active is None:
            last_active = created + scaled(draw(_offsets), la_hi - created)
        if pinned_up is not None:
            updated = pinned_up
        else:
            # The last touch: up to now while live, before the end otherwise.
            up_hi = now if status in LIVE_STATUSES else min(now, created + m - 1)
            updated = last_active + scaled(draw(_offsets), up_hi - last_active)

        sid = pins.get("id")
        if sid is None:
            sid = ids.make_id(ids.PREFIXES["session"], created_s, draw(_payloads))
        user_id = pins.get("user_id")
        if user_id is None:
            user_id = related_id(ids.PREFIXES["user"], created_s, draw(_entity_ids))
        client_id = pins.get("client_id")
        if client_id is None:
            client_id = related_id(ids.PREFIXES["client"], created_s, draw(_entity_ids))

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
            org = None if v is None else related_id(ids.PREFIXES["organization"], created_s, v)

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
        sub = related_id(ids.PREFIXES["user"], created_s, draw(_entity_ids))
        if sub == user_id:
            # The impersonator is never the user: flip the payload's last bit.
            secs, payload = ids.decode_ksuid(sub[len(ids.PREFIXES["user"]) :])
            sub = ids.PREFIXES["user"] + ids.encode_ksuid(secs, payload ^ 1)
        if kind == "agent":
            return {"sub": sub, "type": "agent"}
        if kind == "dashboard":
            v = draw(_dashboard_sids)
            sid_s = max(ids.KSUID_EPOCH, created_s - 1 - (v >> PAYLOAD_BITS))
            sid = ids.make_id(ids.PREFIXES["session"], sid_s, v & PAYLOAD_MASK)
            return {"iss": DASHBOARD_ISSUER, "sid": sid, "sub": sub}
        return {"sub": sub}

    def strategy(self) -> SearchStrategy[Session]:
        @st.composite
        def _sessions(draw: DrawFn) -> Session:
            return self.draw(draw)

        return _sessions()


def check_pins(fixed: Mapping[str, Any], p: Profile) -> None:
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


def check_pinned_times(fixed: Mapping[str, Any], p: Profile) -> None:
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


def build_model(
    p: Profile,
    *,
    statuses: tuple[str, ...],
    statuses_explicit: bool,
    actor_modes: tuple[bool, ...],
    actor_kinds: tuple[str, ...],
    pins: Mapping[str, Any],
    named: Mapping[str, Any],
    activity: Activity | None,
    activity_required: bool = False,
    check_policy: bool = True,
) -> Model:
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
            f"Cannot have {format_args(named)}: {RULES['tasks.organization'].description}"
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
                f"Cannot have {format_args(named)}: {why} (profile {p.name!r}, now "
                f"{format_instant(p.time_now)})"
            )
    if not plans:
        raise InvalidArgument(
            f"Cannot have {format_args(named)}: no session satisfies the rules with these values "
            f"(profile {p.name!r}, now {format_instant(p.time_now)})"
        )
    return Model(
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


def status_arg(p: Profile, status: str | Collection[str] | None) -> tuple[tuple[str, ...], bool]:
    allowed = tuple(s for s in STATUSES if p.status_weights.get(s, 0) > 0)
    if status is None:
        return allowed, False
    if isinstance(status, Mapping) or not isinstance(status, str | Collection):
        raise InvalidArgument(f"Cannot have status={status!r}: expected a status or statuses")
    wanted = names_arg(
        "status",
        status,
        STATUSES,
        "status",
        refuse=lambda s: None if s in allowed else f"profile {p.name!r} gives {s!r} no weight",
    )
    return wanted, True


def actor_arg(
    p: Profile, actor: bool | str | Collection[str] | None
) -> tuple[tuple[bool, ...], tuple[str, ...]]:
    allowed = tuple(k for k in ACTOR_KIND_ORDER if k in p.policy.actor_kinds)
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
            f"{join_names(ACTOR_KINDS)})"
        )
    return (True,), names_arg(
        "actor",
        actor,
        ACTOR_KINDS,
        "actor kind",
        hint=f" (expected True, False or one of {join_names(ACTOR_KINDS)})",
        order=ACTOR_KIND_ORDER,
        refuse=lambda k: None if k in allowed else f"profile {p.name!r} allows no {k} actor",
    )
