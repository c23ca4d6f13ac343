"""The generation plan: a profile compiled once, read by every engine.

A :class:`Plan` holds everything the bulk generator
(:mod:`sessionfaker.generator`) and the Hypothesis strategies
(:mod:`sessionfaker.strategies`) need to know about a profile, computed
once: the weighted tables (statuses, actor kinds, tasks, clients' devices,
places and addresses), each status's creation-time distribution over the
window, the population's shape, and a fingerprint that keeps the ids of two
profiles apart.

**Time.** Sessions arrive over the creation window at the profile's rate
(stationary, or with growth and daily and weekly cycles). A session's status
is what its history gives at ``time.now``: only one created within its
lifetime can still be live. The status weights stay the knob: each status
takes its share of the arrivals from the part of the window where it can
happen (live ones from the last lifetime, abandoned ones from before the
abandon time, ...), so that together they follow the arrival rate. When the
weights ask for more than a part of the window holds, that status's sessions
are packed into it and :meth:`Plan.warnings` says by how much (what
``profiles check`` prints). Impersonated sessions instead take their time
from the arrival process and their status from their short lifetime.

**Population.** Users (some signing up inside the window) own
``population.clients_per_user`` clients each; a client keeps its device,
browser and address for life, and an address is one place. A population has
a fixed number of sessions (:attr:`Population.sessions`); a longer run
continues with a fresh population. With ``population.model = "cycles"``
(the default) every client's sessions follow one another in time
(:mod:`sessionfaker.population`); with ``"sessions"`` (and where cycles
cannot apply, :attr:`Population.fallback`) the live sessions sit on distinct
clients but past ones of a client may overlap.

>>> from sessionfaker.profile import load_profile
>>> plan = compile_plan(load_profile("default", now="2026-11-01T00:00:00Z"))
>>> plan.warnings()
[]
>>> len(plan.fingerprint)
16
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from .clients import Device, device_table
from .places import Places
from .profile import Profile, creation_range, lifetimes
from .rules import LIVE_STATUSES, STATUSES, TASK_KEYS, TRANSITION_STATUSES
from .timeutil import format_duration
from .vocab import load as load_vocabulary

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Words = npt.NDArray[np.uint64]

_HOUR = 3_600_000
_DAY = 24 * _HOUR
_MAX_BINS = 20_000
_MIN_SESSIONS = 4096
# Populations with sign-in cycles are built whole: up to this size.
_MAX_TIMELINE_CLIENTS = 1 << 20
_MAX_CYCLES = 1 << 23
# Phases of a status: how its updated_at is bounded.
LIVE, EXPIRED, ABANDONED, TRANSITION = 0, 1, 2, 3
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


class Choice:
    """A weighted choice over fixed values: ``values[searchsorted(cum, u * total)]``."""

    __slots__ = ("cum", "total", "values", "weights")

    def __init__(self, weights: Mapping[Any, float]) -> None:
        items = [(k, w) for k, w in weights.items() if w > 0]
        self.values = [k for k, _ in items]
        self.weights = [float(w) for _, w in items]
        self.cum = np.array(list(itertools.accumulate(self.weights)), dtype=np.float64)
        self.total = float(self.cum[-1]) if items else 0.0

    def index(self, u: Floats) -> Ints:
        """The index in ``values`` chosen by each uniform ``u``."""
        if len(self.values) <= 1:
            return np.zeros(len(u), dtype=np.int64)
        i = np.searchsorted(self.cum, u * self.total, side="right")
        # min() guards the float edge where u * total == total.
        return np.minimum(i, len(self.values) - 1).astype(np.int64)

    def shares(self) -> dict[Any, float]:
        return {v: w / self.total for v, w in zip(self.values, self.weights, strict=True)}


def below(u: Floats, m: Ints | int) -> Ints:
    """``floor(u * m)`` for uniform ``u``, kept below ``m`` (m >= 1)."""
    return np.minimum((u * m).astype(np.int64), np.asarray(m, dtype=np.int64) - 1)


def mix(x: Words) -> Words:
    """The splitmix64 finaliser: a bijective scramble of 64-bit words."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def hashed(key: int, *parts: Ints | int) -> Words:
    """64-bit hash words of ``key`` and integer columns, element-wise."""
    out = mix(np.asarray([key], dtype=np.uint64))
    with np.errstate(over="ignore"):
        for p in parts:
            out = mix(out ^ (np.asarray(p).astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)))
    return out


def unit(words: Words) -> Floats:
    """Uniform floats in [0, 1) from 64-bit words."""
    return (words >> np.uint64(11)).astype(np.float64) * 2.0**-53


class Permutation:
    """A keyed bijection of ``range(size)``: a 4-round Feistel network on the
    next even power of two, walking cycles back into range."""

    def __init__(self, size: int, key: int) -> None:
        self.size = size
        bits = max(2, (max(size - 1, 1)).bit_length())
        self.half = (bits + 1) // 2
        self.mask = np.uint64((1 << self.half) - 1)
        self.keys = [int(k) for k in hashed(key, np.arange(4))]

    def _round(self, x: Words) -> Words:
        h = np.uint64(self.half)
        left, right = x >> h, x & self.mask
        for k in self.keys:
            left, right = right, left ^ (mix(right ^ np.uint64(k)) & self.mask)
        return (left << h) | right

    def __call__(self, i: Ints) -> Ints:
        x = self._round(i.astype(np.uint64))
        out = x.astype(np.int64)
        bad = out >= self.size
        while bad.any():
            out[bad] = self._round(out[bad].astype(np.uint64)).astype(np.int64)
            bad = out >= self.size
        return out


@dataclasses.dataclass(frozen=True)
class Span:
    """One status (or the actor arrivals) as a table of time pieces: piece
    ``j`` covers ``[lo[j], lo[j] + span[j])`` with probability ``prob[j]``."""

    lo: Ints
    span: Ints
    prob: Floats


class Arrival:
    """The arrival rate over the creation window, as piecewise-constant bins."""

    def __init__(self, p: Profile) -> None:
        self.lo = p.time_window_start
        self.hi = min(p.time_window_end, p.time_now)  # inclusive
        width = self.hi + 1 - self.lo
        step = max(_HOUR, -(-width // _MAX_BINS))
        grid = np.append(np.arange(self.lo, self.hi + 1, step, dtype=np.int64), self.hi + 1)
        # Bins also end where a status becomes possible, so that a bin is all
        # inside or all outside each status's creation range.
        cuts = [
            edge
            for s in STATUSES
            if (rng := creation_range(p, s, actor=False)) is not None
            for edge in (rng[0], rng[1] + 1)
            if self.lo < edge <= self.hi
        ]
        self.edges = np.union1d(grid, np.array(cuts, dtype=np.int64))
        mid = (self.edges[:-1] + self.edges[1:]) / 2
        x = (mid - self.lo) / max(width, 1)
        rate = np.power(p.time_growth, x) if p.time_growth != 1 else np.ones_like(x)
        hour = (mid % _DAY) / _HOUR
        rate = rate * (1 - p.time_daily * (1 + np.cos(2 * np.pi * (hour - 3) / 24)) / 2)
        weekday = ((mid // _DAY).astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        rate = rate * np.where(weekday >= 5, 1 - p.time_weekly, 1.0)
        mass = rate * np.diff(self.edges)
        self.steady = p.time_growth == 1 and p.time_daily == 0 and p.time_weekly == 0
        self.mass = mass / mass.sum() if mass.sum() > 0 else np.full(len(mass), 1 / len(mass))

    def overlap(self, lo: int, hi: int) -> tuple[Ints, Ints, Floats]:
        """Each bin cut to ``[lo, hi]``: (start, length, share of the bin's mass)."""
        a = np.maximum(self.edges[:-1], lo)
        b = np.minimum(self.edges[1:], hi + 1)
        length = np.maximum(b - a, 0)
        return a, length, self.mass * length / np.diff(self.edges)

    def share(self, lo: int, hi: int) -> float:
        return float(self.overlap(lo, hi)[2].sum()) if lo <= hi else 0.0

    @functools.cached_property
    def cum(self) -> Floats:
        """The arrivals' cumulative share at each edge (0 to 1)."""
        return np.concatenate(([0.0], np.cumsum(self.mass)))

    def at(self, t: Ints) -> Floats:
        """The share of arrivals before each time ``t``."""
        if self.steady:
            return (t - self.lo) / (self.hi + 1 - self.lo)
        return np.interp(t, self.edges, self.cum)

    def time(self, q: Floats) -> Ints:
        """The time before which a share ``q`` of arrivals falls (the inverse of :meth:`at`)."""
        if self.steady:
            return self.lo + (q * (self.hi + 1 - self.lo)).astype(np.int64)
        return np.asarray(np.interp(q, self.cum, self.edges), dtype=np.int64)


@dataclasses.dataclass(frozen=True)
class Shortfall:
    """A status the arrival process cannot give at its weight."""

    status: str
    weight: float  # its share of the sessions
    room: float  # the share of arrivals that can have it

    @property
    def ratio(self) -> float:
        return self.weight / self.room if self.room > 0 else math.inf


def _status_order(p: Profile) -> list[str]:
    """Statuses from the narrowest part of the window to the widest."""

    def room(s: str) -> int:
        rng = creation_range(p, s, actor=False)
        return 0 if rng is None else rng[1] - rng[0]

    return sorted((s for s in STATUSES if p.status_weights.get(s, 0) > 0), key=room)


def _allocate(
    p: Profile, arrival: Arrival, weights: Mapping[str, float]
) -> tuple[dict[str, Span], dict[str, Floats], list[Shortfall]]:
    """Each status's share of each bin, so that the statuses together follow
    the arrival rate: narrowest first, each in proportion to what is left."""
    total = sum(weights.values())
    left = arrival.mass.copy()
    spans: dict[str, Span] = {}
    joint: dict[str, Floats] = {}
    short: list[Shortfall] = []
    for s in _status_order(p):
        w = weights.get(s, 0) / total if total > 0 else 0.0
        rng = creation_range(p, s, actor=False)
        if w <= 0 or rng is None:
            continue
        start, length, full = arrival.overlap(*rng)
        room = left * np.where(full > 0, full / np.maximum(arrival.mass, 1e-300), 0.0)
        if room.sum() >= w * (1 - 1e-9) and room.sum() > 0:
            take = w * room / room.sum()
        else:
            short.append(Shortfall(s, w, float(room.sum())))
            base = full if full.sum() > 0 else (length > 0).astype(np.float64)
            take = w * base / base.sum()
        left = np.maximum(left - take, 0.0)
        keep = (take > 0) & (length > 0)
        spans[s] = Span(start[keep], length[keep], take[keep] / take[keep].sum())
        joint[s] = take
    return spans, joint, short


def _merge_shortfalls(
    p: Profile, short: list[Shortfall], arrival: Arrival, targets: Mapping[str, float]
) -> list[Shortfall]:
    """Live statuses share one part of the window: report them together."""
    live = [x for x in short if x.status in LIVE_STATUSES]
    if len(live) <= 1:
        return short
    rng = creation_range(p, "active", actor=False)
    room = arrival.share(*rng) if rng else 0.0
    weight = sum(targets.get(s, 0) for s in LIVE_STATUSES)
    rest = [x for x in short if x.status not in LIVE_STATUSES]
    return [Shortfall("active+pending", weight, room), *rest]


@dataclasses.dataclass(frozen=True)
class ActorStatuses:
    """Impersonated sessions: their status from their age at ``time.now``.

    ``bands`` are the ages where the choice changes; ``choices[i]`` is the
    choice for ages in ``[bands[i-1], bands[i])``."""

    bands: tuple[int, ...]
    choices: tuple[Choice, ...]
    span: Span  # their creation times: the arrival process itself


def _actor_statuses(p: Profile, arrival: Arrival) -> ActorStatuses | None:
    life, abandon = lifetimes(p, actor=True)
    t1, t2 = min(life, abandon), max(life, abandon)
    w = p.status_weights

    def pick(names: Sequence[str]) -> Choice:
        return Choice({s: w.get(s, 0) for s in names})

    early = "expired" if life <= abandon else "abandoned"
    bands = (
        pick(LIVE_STATUSES) if any(w.get(s, 0) for s in LIVE_STATUSES) else pick(()),
        pick((*TRANSITION_STATUSES, early) if life != abandon else (*TRANSITION_STATUSES,)),
        pick((*TRANSITION_STATUSES, "expired", "abandoned")),
    )
    ages = (t1, t2)
    for i, c in enumerate(bands):
        lo_age = 0 if i == 0 else ages[i - 1]
        hi_age = ages[i] if i < 2 else None
        newest = p.time_now - lo_age
        oldest = p.time_now - hi_age + 1 if hi_age is not None else arrival.lo
        if not c.values and arrival.share(max(oldest, arrival.lo), min(newest, arrival.hi)) > 0:
            return None  # an age no status with weight can have: time follows status
    start, length, full = arrival.overlap(arrival.lo, arrival.hi)
    keep = length > 0
    span = Span(start[keep], length[keep], full[keep] / full[keep].sum())
    return ActorStatuses(ages, bands, span)


def _actor_mix(p: Profile, arrival: Arrival, a: ActorStatuses) -> dict[str, float]:
    """The status shares of impersonated sessions."""
    out = dict.fromkeys(STATUSES, 0.0)
    now = p.time_now
    edges = (0, *a.bands, None)
    for i, choice in enumerate(a.choices):
        newest = now - edges[i]  # type: ignore[operator]
        oldest = arrival.lo if edges[i + 1] is None else now - edges[i + 1] + 1  # type: ignore[operator]
        share = arrival.share(max(oldest, arrival.lo), min(newest, arrival.hi))
        for s, f in choice.shares().items():
            out[s] += share * f
    return out


@dataclasses.dataclass(frozen=True)
class Population:
    """The shape of one population of users and clients."""

    users: int
    clients_per_user: int
    old_users: int  # users [0, old_users) signed up before the window
    sessions: int  # sessions per population
    live: int  # of which live at time.now: positions [0, live)
    counts: tuple[int, ...]  # sessions per status, in Plan.statuses order
    # With a cycle (ms), sessions follow one another on each client: the
    # population is its clients' sign-in cycles, and the status is the one
    # a session's creation time gives (see sessionfaker.population).
    cycle: int = 0
    fallback: str = ""  # why cycles were asked for but cannot be used

    @property
    def clients(self) -> int:
        return self.users * self.clients_per_user


def _counts(weights: Sequence[float], total: int) -> list[int]:
    """Largest-remainder apportionment of ``total`` by ``weights``."""
    s = sum(weights)
    exact = [w / s * total for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _devices(p: Profile) -> Choice:
    """Every client (device, browser, version) with its share of the profile's clients."""
    out: dict[Device, float] = {}
    for kind, share in Choice(p.activity_devices).shares().items():
        for device, w in device_table(p, kind).items():
            out[device] = share * w
    return Choice(out)


def _task_lists(p: Profile) -> tuple[list[tuple[str, ...]], list[float]]:
    """Every ordered task list a pending session can have, and its
    probability: 1 to ``tasks.max`` tasks, equally likely, each drawn by
    weight from the kinds not drawn yet."""
    weights = {k: w for k, w in p.tasks_weights.items() if w > 0}
    lists: list[tuple[str, ...]] = []
    probs: list[float] = []
    for n in range(1, p.tasks_max + 1):
        for keys in itertools.permutations(weights, n):
            prob = 1.0 / p.tasks_max
            left = sum(weights.values())
            for k in keys:
                prob *= weights[k] / left
                left -= weights[k]
            if prob > 0:
                lists.append(keys)
                probs.append(prob)
    if not lists:  # no pending sessions can be drawn: one unused entry
        lists.append((TASK_KEYS[0],))
        probs.append(1.0)
    return lists, probs


def _phase(status: str) -> int:
    if status == "expired":
        return EXPIRED
    if status == "abandoned":
        return ABANDONED
    return TRANSITION if status in TRANSITION_STATUSES else LIVE


@dataclasses.dataclass(frozen=True)
class Plan:
    """A compiled profile; build it with :func:`compile_plan`."""

    profile: Profile
    fingerprint: str
    arrival: Arrival
    statuses: tuple[str, ...]  # population order: live first
    spans: Mapping[str, Span]  # creation times of sessions without an actor
    shortfalls: tuple[Shortfall, ...]
    targets: Mapping[str, float]  # each status's share of the sessions without an actor
    actor: ActorStatuses | None  # None: actors take the status first, like the others
    population: Population
    joint: Floats  # (statuses, bins): each status's share of the arrivals in each bin
    places: Places  # the vocabulary's places of activity.countries, and their addresses
    devices: Choice
    actor_kinds: Choice
    task_lists: tuple[tuple[str, ...], ...]
    tasks: Choice

    @property
    def now(self) -> int:
        return self.profile.time_now

    def creation_range(self, status: str, *, actor: bool) -> tuple[int, int] | None:
        return creation_range(self.profile, status, actor=actor)

    def lifetimes(self, *, actor: bool) -> tuple[int, int]:
        return lifetimes(self.profile, actor=actor)

    def phase(self, status: str) -> int:
        return _phase(status)

    def warnings(self) -> list[str]:
        """What the arrival process cannot give at the profile's weights, in
        words: the density the weights imply and a window that would fit."""
        p = self.profile
        out = []
        # Impersonations are nearly never live: the other sessions make up for them.
        whose = "sessions without an actor" if self.actor is not None else "sessions"
        for s in _merge_shortfalls(p, list(self.shortfalls), self.arrival, self.targets):
            status = s.status.split("+")[0]
            life, abandon = lifetimes(p, actor=False)
            width = self.arrival.hi - self.arrival.lo
            if status in LIVE_STATUSES:
                where = f"the last {format_duration(min(life, abandon))}"
                most = int(min(life, abandon) / s.weight) // _HOUR * _HOUR
                fit = f"a window of at most {format_duration(most)}"
            else:
                edge = life if status == "expired" else abandon if status == "abandoned" else 0
                where = f"sessions older than {format_duration(edge)}"
                least = -(-int(edge / (1 - s.weight)) // _HOUR) * _HOUR
                fit = f"a window of at least {format_duration(least)}"
            out.append(
                f"status.weights.{s.status}: {s.weight:.1%} of {whose}, but only "
                f"{s.room:.1%} of arrivals over the {format_duration(width)} window are in "
                f"{where}: a density {s.ratio:.1f}x the window's mean there ({fit} would "
                "follow the arrival rate)"
            )
        if self.population.fallback:
            out.append(
                'population.model: "cycles" falls back to "sessions" (past sessions of a '
                f"client may overlap in time): {self.population.fallback}"
            )
        return out


def fingerprint(p: Profile) -> str:
    """A hash of the resolved profile: folded into the random stream, so two
    profiles (or two overrides of one) never share ids at the same seed."""
    # What the profile generates: its name and description are only labels.
    doc = {k: v for k, v in p.to_dict().items() if k not in ("name", "description")}
    try:
        text = orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # a weight that is an integer past 64 bits (1e300)
        text = json.dumps(doc, sort_keys=True).encode()
    return hashlib.blake2b(text, digest_size=8).hexdigest()


def _population(
    p: Profile,
    statuses: Sequence[str],
    weights: Mapping[str, float],
    short: Sequence[Shortfall],
    actors_by_age: bool,
) -> Population:
    users, per = p.population_users, p.population_clients_per_user
    clients = users * per
    total = sum(weights[s] for s in statuses)
    live_share = sum(weights[s] for s in statuses if s in LIVE_STATUSES) / total
    # Enough sessions that the live ones fill the occupied clients.
    size = round(p.population_occupancy * clients / live_share) if live_share > 0 else 8 * clients
    # A tiny population still keeps every status in its sessions (live ones
    # then share clients: such a profile asks for few users on purpose).
    size = min(max(size, _MIN_SESSIONS), 2**40)
    counts = _counts([weights[s] for s in statuses], size)
    live = sum(c for s, c in zip(statuses, counts, strict=True) if s in LIVE_STATUSES)
    if live > clients and size > _MIN_SESSIONS:  # rounding: one live session per client
        size -= live - clients
        counts = _counts([weights[s] for s in statuses], size)
        live = sum(c for s, c in zip(statuses, counts, strict=True) if s in LIVE_STATUSES)
    old = max(1, users - round(users * p.population_new_users))
    cycle = 2 * min(lifetimes(p, actor=False))
    width = min(p.time_window_end, p.time_now) + 1 - p.time_window_start
    cycles = clients * (width // max(cycle, 1) + 2)
    why = [
        reason
        for reason, bad in (
            ("the window cannot give its status weights", bool(short)),
            ("impersonations cannot take their status from their age", not actors_by_age),
            ("timeline.boundary_rate", p.timeline_boundary_rate > 0),
            ("a zero lifetime", cycle <= 0),
            (f"more than {_MAX_TIMELINE_CLIENTS:,} clients", clients > _MAX_TIMELINE_CLIENTS),
            (f"more than {_MAX_CYCLES:,} cycles", cycles > _MAX_CYCLES),
        )
        if bad and (p.actor_rate > 0 or "imperson" not in reason)
    ]
    if p.population_model == "cycles" and not why:
        size = max(1, round(p.population_occupancy * clients * width / cycle))
        return Population(users, per, old, size, 0, (), cycle)
    fallback = ", ".join(why) if p.population_model == "cycles" else ""
    return Population(users, per, old, size, live, tuple(counts), fallback=fallback)


_CACHE: dict[str, Plan] = {}


def _compile(p: Profile) -> Plan:
    arrival = Arrival(p)
    actor = _actor_statuses(p, arrival) if p.actor_rate > 0 else None
    weights = {s: float(p.status_weights.get(s, 0)) for s in STATUSES}
    total = sum(weights.values())
    target = {s: w / total for s, w in weights.items()}
    if actor is not None:
        # Sessions without an actor make up for the statuses actors take.
        a = p.actor_rate * (1 - p.timeline_boundary_rate)
        mix_a = _actor_mix(p, arrival, actor)
        if a < 1:
            fixed = {s: max(0.0, (target[s] - a * mix_a[s]) / (1 - a)) for s in STATUSES}
            if sum(fixed.values()) > 0:
                target = {s: v for s, v in fixed.items()}
    # Every status with a weight, even one only impersonations take.
    statuses = tuple(s for s in STATUSES if weights[s] > 0)
    if not any(target[s] > 0 for s in statuses):
        target = {s: weights[s] for s in STATUSES}
    spans, joint, short = _allocate(p, arrival, {s: target[s] for s in statuses})
    lists, probs = _task_lists(p)
    return Plan(
        profile=p,
        fingerprint=fingerprint(p),
        arrival=arrival,
        statuses=statuses,
        spans=spans,
        shortfalls=tuple(short),
        targets={s: target[s] / sum(target[x] for x in statuses) for s in statuses},
        actor=actor,
        population=_population(p, statuses, target, short, actor is not None),
        joint=np.array([joint.get(s, np.zeros(len(arrival.mass))) for s in statuses]),
        places=load_vocabulary().places(p.activity_countries),
        devices=_devices(p),
        actor_kinds=Choice(p.actor_kinds),
        task_lists=tuple(lists),
        tasks=Choice(dict(enumerate(probs))),
    )


def compile_plan(p: Profile) -> Plan:
    """The plan of profile ``p`` (cached by fingerprint: equal profiles share one)."""
    key = fingerprint(p)
    plan = _CACHE.get(key)
    if plan is None:
        if len(_CACHE) >= 32:
            _CACHE.clear()
        plan = _CACHE[key] = _compile(p)
    return plan
