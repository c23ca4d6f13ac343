"""Strategies for the parts of a session: ids, statuses, actors, activities, tasks."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import cast

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from .. import ids
from ..errors import InvalidArgument, did_you_mean
from ..rules import ACTOR_KINDS, DEVICE_KINDS, STATUSES, TASK_KEYS
from ..session import Actor, SessionActivity, SessionTask
from ..timeutil import format_instant
from .activity import Activity
from .common import (
    ACTOR_KIND_ORDER,
    ENTITY_BACK_S,
    KSUID_MAX_MS,
    KSUID_MIN_MS,
    PAYLOAD_BITS,
    PAYLOAD_MASK,
    Instant,
    ProfileRef,
    instant_ms,
    join_names,
    names_arg,
    resolve_profile,
)
from .model import Model, status_arg

_PREFIX_RE = re.compile(r"[a-z][a-z_]*_")


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
            f"such as {join_names(repr(v) for v in ids.PREFIXES.values())}"
        )
    lo_ms = KSUID_MIN_MS if min_time is None else instant_ms("min_time", min_time)
    hi_ms = KSUID_MAX_MS if max_time is None else instant_ms("max_time", max_time)
    for name, v in (("min_time", lo_ms), ("max_time", hi_ms)):
        if not KSUID_MIN_MS <= v <= KSUID_MAX_MS:
            given = min_time if name == "min_time" else max_time
            raise InvalidArgument(
                f"Cannot have {name}={given!r}: outside the KSUID range "
                f"{format_instant(KSUID_MIN_MS)} to {format_instant(KSUID_MAX_MS)}"
            )
    if hi_ms < lo_ms:
        raise InvalidArgument(f"Cannot have max_time={max_time!r} < min_time={min_time!r}")
    lo_s, hi_s = lo_ms // 1000, hi_ms // 1000
    k0 = lo_s - ids.KSUID_EPOCH
    k1 = hi_s - ids.KSUID_EPOCH
    return st.integers(k0 << PAYLOAD_BITS, (k1 << PAYLOAD_BITS) | PAYLOAD_MASK).map(
        lambda v: prefix + ids.encode_ksuid(v >> PAYLOAD_BITS, v & PAYLOAD_MASK)
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
    p = resolve_profile(profile, None) if profile is not None else None
    if p is None:
        return st.sampled_from(STATUSES)
    return st.sampled_from(status_arg(p, None)[0])


def actors(kind: str | Collection[str] | None = None) -> SearchStrategy[Actor]:
    """Actor objects of ``kind`` (any of ``dashboard``, ``token``, ``agent`` when None).

    ``sub`` is a ``user_`` id. Shrinks towards a ``token`` actor, ``{"sub":
    "user_000..."}``, then ``agent`` and ``dashboard``.
    """
    kinds = ACTOR_KIND_ORDER
    if kind is not None:
        hint = f" (one of {join_names(ACTOR_KINDS)})"
        kinds = names_arg("kind", kind, ACTOR_KINDS, "actor kind", hint=hint, order=kinds)
    model = Model(
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
        created_s = ids.KSUID_EPOCH + ENTITY_BACK_S + draw(st.integers(0, ids.MAX_TIMESTAMP // 2))
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
    p = resolve_profile(profile, None)
    devices: tuple[str, ...] | None = None
    if device is not None:
        devices = (device,) if isinstance(device, str) else tuple(device)
        for d in devices:
            if d not in DEVICE_KINDS:
                raise InvalidArgument(
                    f"Cannot have device={device!r}: {d!r} is not a device kind (one of "
                    f"{join_names(DEVICE_KINDS)})" + did_you_mean(str(d), DEVICE_KINDS)
                )
    act = Activity.of(p, devices)
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
    check_sizes(min_size, max_size, top=len(TASK_KEYS), floor=1)
    return st.lists(
        st.sampled_from(TASK_KEYS), min_size=min_size, max_size=max_size, unique=True
    ).map(lambda keys: [cast(SessionTask, {"key": k}) for k in keys])


def check_sizes(min_size: int, max_size: int | None, *, top: int | None, floor: int) -> None:
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
