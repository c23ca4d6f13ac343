"""Profile values: each raw value converted and checked against its key, the
profile built from them, and the checks that the keys together can be met.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import ProfileError, did_you_mean
from ..rules import ACTIVITY_ID_LAG_S, LIVE_STATUSES, MS_MAX, MS_MIN
from ..timeutil import (
    format_duration,
    format_instant,
    parse_duration,
    parse_instant,
    parse_now,
    wall_clock_ms,
)
from ..vocab import load as load_vocabulary
from .keys import KEYS, KEYS_BY_PATH, Key, Profile

# Clients in one population: their indices stay exact in 64-bit arithmetic.
MAX_CLIENTS = 2**62


def _countries() -> tuple[str, ...]:
    return tuple(c for c, _ in load_vocabulary().countries)


def parse_reference_time(label: str, value: str | int) -> int:
    """``value`` as a reference time (what ``--now`` takes), or a ProfileError naming ``label``."""
    try:
        return parse_now(value)
    except ValueError as exc:
        raise ProfileError(label, "", str(exc)) from None


_WEIGHT_NOUNS = {
    "status.weights": "status",
    "actor.kinds": "actor kind",
    "activity.devices": "device",
    "activity.countries": "country",
    "tasks.weights": "task",
}


_SMALLEST_SHARE = 1e-12


def _weights(key: Key, value: Any, where: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise ProfileError(where, key.path, f"expected a table of weights ({value!r})")
    choices = key.choices or _countries()
    what = _WEIGHT_NOUNS[key.path]
    out = dict.fromkeys(choices, 0.0) if key.choices else {}
    for name, w in value.items():
        if name not in choices:
            raise ProfileError(
                where,
                f"{key.path}.{name}",
                f"unknown {what} {name!r}{did_you_mean(str(name), choices)}",
            )
        if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w):
            raise ProfileError(where, f"{key.path}.{name}", f"weight must be a number ({w!r})")
        if w < 0:
            raise ProfileError(where, f"{key.path}.{name}", f"weight must be >= 0 ({w!r})")
        out[name] = float(w)
    if value and not any(out.values()):
        raise ProfileError(where, key.path, "all weights are zero")
    total = sum(out.values())
    if not math.isfinite(total):
        raise ProfileError(where, key.path, "weights too large: their sum is not a finite number")
    # A share that vanishes in floating point (50 - 20 - 30 + 5e-324 is 0).
    for name, w in out.items():
        if 0 < w < total * _SMALLEST_SHARE:
            raise ProfileError(
                where,
                f"{key.path}.{name}",
                f"weight too small next to the others ({w!r}; at least {_SMALLEST_SHARE:g} "
                "of their sum, or 0)",
            )
    return out


def _convert(key: Key, value: Any, where: str, now: int) -> Any:
    kind = key.kind
    if kind == "weights":
        return _weights(key, value, where)
    if kind == "rate":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ProfileError(where, key.path, f"rate must be between 0 and 1 ({value!r})")
        return float(value)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise ProfileError(where, key.path, f"expected a number from 0 to 100 ({value!r})")
        return float(value)
    if kind == "count":
        top = 3 if key.path == "tasks.max" else 10**12
        if isinstance(value, bool) or not isinstance(value, int) or not key.minimum <= value <= top:
            limit = f"from {key.minimum} to {top}" if top < 10**12 else f">= {key.minimum}"
            raise ProfileError(where, key.path, f"expected an integer {limit} ({value!r})")
        return value
    if kind == "duration":
        if not isinstance(value, str):
            raise ProfileError(where, key.path, f"expected a duration such as '7d' ({value!r})")
        try:
            ms = parse_duration(value)
        except ValueError as exc:
            raise ProfileError(where, key.path, str(exc)) from None
        if ms <= 0 and key.path.startswith("lifetime."):
            raise ProfileError(where, key.path, f"lifetime must be positive ({value!r})")
        return ms
    if kind == "window":
        if isinstance(value, str):
            try:
                return now - parse_duration(value)
            except ValueError:
                pass
        try:
            return parse_instant(value)
        except (ValueError, TypeError):
            raise ProfileError(
                where,
                key.path,
                f"malformed window bound {value!r} (expected a duration before time.now such "
                "as '90d', or an ISO 8601 instant)",
            ) from None
    if kind == "text":
        if not isinstance(value, str):
            raise ProfileError(where, key.path, f"expected a string ({value!r})")
        if key.choices and value not in key.choices:
            raise ProfileError(
                where,
                key.path,
                f"unknown value {value!r}{did_you_mean(value, key.choices)} (one of "
                f"{', '.join(key.choices)})",
            )
        return value
    raise AssertionError(kind)


def build(
    raw: Mapping[str, Any], origins: Mapping[str, str], label: str, pinned_now: int | None
) -> Profile:
    values: dict[str, Any] = {}

    def value_of(key: Key) -> tuple[Any, str]:
        if key.path in raw:
            return raw[key.path], origins.get(key.path, label)
        return key.default, "default"

    # The reference time first: the window may be relative to it.
    now_raw, now_where = value_of(KEYS_BY_PATH["time.now"])
    if now_raw == "now":
        now = pinned_now if pinned_now is not None else wall_clock_ms()
    else:
        try:
            now = parse_instant(now_raw)
        except (ValueError, TypeError) as exc:
            raise ProfileError(now_where, "time.now", str(exc)) from None
        if pinned_now is not None:
            now = pinned_now
    values["time_now"] = now
    if pinned_now is not None:
        origins = {**origins, "time.now": "--now"}
    for key in KEYS:
        if key.path == "time.now":
            continue
        v, where = value_of(key)
        values[key.attr] = _convert(key, v, where, now)
    if not values["name"]:
        values["name"] = Path(label).name.rsplit(".", 1)[0]
    if not values["activity_countries"]:
        values["activity_countries"] = {c: float(w) for c, w in load_vocabulary().countries}
    profile = Profile(**values, source=label, raw=dict(raw), origins=dict(origins))
    _check_feasible(profile, lambda path: origins.get(path, label))
    return profile


def _check_feasible(p: Profile, where: Callable[[str], str]) -> None:
    start, end, now = p.time_window_start, p.time_window_end, p.time_now
    if start > end:
        raise ProfileError(
            where("time.window_start"),
            "time.window_start",
            f"creation window starts after it ends ({format_instant(start)} > "
            f"{format_instant(end)})",
        )
    if start < MS_MIN or now > MS_MAX:
        key, value = ("time.window_start", start) if start < MS_MIN else ("time.now", now)
        raise ProfileError(
            where(key),
            key,
            f"{format_instant(value)} is outside what a KSUID id can encode "
            f"({format_instant(MS_MIN)} to {format_instant(MS_MAX)})",
        )
    if now < end:
        raise ProfileError(
            where("time.now"),
            "time.now",
            f"reference time {format_instant(now)} is before the end of the creation window "
            f"({format_instant(end)})",
        )
    if p.time_growth <= 0:
        raise ProfileError(
            where("time.growth"), "time.growth", f"growth must be above 0 ({p.time_growth:g})"
        )
    clients = p.population_users * p.population_clients_per_user
    if clients > MAX_CLIENTS:
        raise ProfileError(
            where("population.users"),
            "population.users",
            f"{p.population_users} users with {p.population_clients_per_user} clients each "
            f"make {clients} clients, more than {MAX_CLIENTS}",
        )
    _check_timestamps_fit(p, where)
    if p.lifetime_abandon <= 0 or p.lifetime_max <= 0:
        return
    for status, weight in p.status_weights.items():
        if weight > 0 and creation_range(p, status, actor=False) is None:
            raise ProfileError(
                where("status.weights"),
                f"status.weights.{status}",
                f"no creation time in the window gives status {status} at "
                f"{format_instant(now)} (window {format_instant(start)} to {format_instant(end)}, "
                f"lifetime.max {format_duration(p.lifetime_max)}, lifetime.abandon "
                f"{format_duration(p.lifetime_abandon)})",
            )
    if p.tasks_max > sum(1 for w in p.tasks_weights.values() if w > 0) and p.status_weights.get(
        "pending", 0
    ):
        raise ProfileError(
            where("tasks.max"),
            "tasks.max",
            f"more tasks than task kinds with a weight ({p.tasks_max})",
        )


def _check_timestamps_fit(p: Profile, where: Callable[[str], str]) -> None:
    """Every timestamp of every session in [MS_MIN, MS_MAX] (rule timestamp.ms),
    and room for latest_activity's id before the earliest session (a KSUID
    second from the KSUID epoch on)."""
    latest = min(p.time_window_end, p.time_now)
    lives = {"lifetime.max": p.lifetime_max, "lifetime.abandon": p.lifetime_abandon}
    if p.actor_rate > 0:
        lives["lifetime.actor"] = p.lifetime_actor
    key = max(lives, key=lambda k: lives[k])
    if latest + lives[key] > MS_MAX:
        raise ProfileError(
            where(key),
            key,
            f"{format_duration(lives[key])} after the end of the creation window "
            f"({format_instant(latest)}) is later than a timestamp may be "
            f"({format_instant(MS_MAX)})",
        )
    earliest = MS_MIN + ACTIVITY_ID_LAG_S[1] * 1000
    if p.activity_rate > 0 and p.time_window_start < earliest:
        raise ProfileError(
            where("time.window_start"),
            "time.window_start",
            f"{format_instant(p.time_window_start)} leaves no room for latest_activity's id, "
            f"{ACTIVITY_ID_LAG_S[0]} to {ACTIVITY_ID_LAG_S[1]} s before its session "
            f"(window from {format_instant(earliest)} on, or activity.rate 0)",
        )


def lifetimes(p: Profile, *, actor: bool) -> tuple[int, int]:
    """(expire_at - created_at, abandon_at - created_at) in ms."""
    return (p.lifetime_actor if actor else p.lifetime_max), p.lifetime_abandon


def creation_range(p: Profile, status: str, *, actor: bool) -> tuple[int, int] | None:
    """The inclusive range of ``created_at`` that makes ``status`` coherent at
    ``p.now``, or None when the window allows none."""
    life, abandon = lifetimes(p, actor=actor)
    lo, hi = p.time_window_start, min(p.time_window_end, p.time_now)
    if status in LIVE_STATUSES:
        lo = max(lo, p.time_now - min(life, abandon) + 1)
    elif status == "expired":
        hi = min(hi, p.time_now - life)
    elif status == "abandoned":
        hi = min(hi, p.time_now - abandon)
    else:
        # A transition strictly before expiry and abandonment, and not after now.
        pass
    return (lo, hi) if lo <= hi else None
