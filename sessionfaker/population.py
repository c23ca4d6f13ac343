"""The users and clients of a population, as pure functions of their index.

Population ``t`` of a run (its sessions ``t * S`` to ``t * S + S - 1``, ``S``
the plan's :attr:`~sessionfaker.plan.Population.sessions`) has ``U`` users
with ``K`` clients each; client ``c`` belongs to user ``c // K``. Every
attribute of a user (sign-up time, home place, organisations, id) or a client
(device, address, id) is hashed from the stream key, ``t`` and the index,
never drawn in sequence, so a session needs nothing but its own index. Small
populations are computed whole, once, and looked up; large ones are computed
for the entities a batch uses.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from . import ids
from .plan import Permutation, Plan, below, hashed, unit

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Chars = npt.NDArray[np.uint8]
Words = npt.NDArray[np.uint64]

ID_WORDS = (ids.ENTROPY_WORDS + 3) // 4  # 16-bit entropy values, four to a word
_YEAR_MS = 365 * 86_400_000
# Hash tags of the attributes.
(
    _SIGNUP,
    _HOME,
    _DEVICE,
    _V6,
    _ADDRESS,
    _ORG_A,
    _ORG_B,
    _PERMUTE,
    _LIVE,
    _V6_HOST,
    _PHASE,
    _CYCLE,
    _CANDIDATE,
) = range(13)
_USER_ID, _CLIENT_ID = 101, 102
# Populations up to this many clients (and sessions) are computed whole.
_WHOLE = 1 << 20
_CACHED = 2


def entropy(words: Words) -> npt.NDArray[np.uint16]:
    """KSUID entropy from ``ID_WORDS`` columns of words."""
    block = np.ascontiguousarray(words).astype("<u8")
    return block.view("<u2")[:, : ids.ENTROPY_WORDS]


def hashed_entropy(key: int, *parts: Ints | int) -> npt.NDArray[np.uint16]:
    """KSUID entropy hashed from integer columns (for pooled entities)."""
    return entropy(np.stack([hashed(key, *parts, w) for w in range(ID_WORDS)], axis=1))


def ksuid_seconds(unix_seconds: Ints) -> Ints:
    """KSUID seconds for Unix seconds, held to the KSUID era (outside it, as
    for a reference time before 2014, the session breaks the timestamp
    rules anyway; its ids stay well-formed)."""
    return np.clip(unix_seconds - ids.KSUID_EPOCH, 0, ids.MAX_TIMESTAMP)


@dataclasses.dataclass
class Users:
    signup: Ints  # ms: when the user (and each of their clients) was created
    home: Ints  # place index: the user's home country is its country
    org_a: Ints  # their two organisations
    org_b: Ints
    chars: Chars  # (n, 27): the user id's KSUID

    def take(self, i: Ints) -> Users:
        return Users(*(getattr(self, f.name)[i] for f in dataclasses.fields(self)))


@dataclasses.dataclass
class Clients:
    device: Ints  # index into plan.devices: for life
    ip_v4: Ints  # home IPv4 address (index into places.ipv4), -1 for IPv6
    ip_v6_key: Ints  # home IPv6 /64 key
    ip_v6_host: Ints
    chars: Chars

    def take(self, i: Ints) -> Clients:
        return Clients(*(getattr(self, f.name)[i] for f in dataclasses.fields(self)))


@dataclasses.dataclass
class _Whole:
    positions: Ints
    live: Ints
    users: Users
    clients: Clients
    # With sign-in cycles: session i of the population is cycle i, of
    # client cycle_client[i], created in [cycle_lo[i], cycle_hi[i]).
    cycle_client: Ints
    cycle_lo: Ints
    cycle_hi: Ints


class Populations:
    """Users and clients of every population of a run."""

    def __init__(self, plan: Plan, key: int) -> None:
        self.plan = plan
        self.key = key
        p = plan.profile
        self.shape = plan.population
        life, abandon = plan.lifetimes(actor=False)
        lo = p.time_window_start
        # New users sign up before any session that can still be live.
        self.signup_hi = max(lo, min(p.time_window_end, p.time_now - min(life, abandon)))
        places = plan.places
        self.place_cum = np.cumsum(places.weight) / places.weight.sum()
        # The IPv6 keys of place i are v6_bounds[i] to v6_bounds[i + 1] - 1.
        self.v6_bounds = np.concatenate(([0], places.ipv6_bounds))
        # Populations on a timeline are always computed whole (the plan keeps them small).
        self.whole = bool(self.shape.cycle) or (
            self.shape.clients <= _WHOLE and self.shape.sessions <= _WHOLE
        )
        self._cache: dict[int, _Whole] = {}
        self._perms: dict[tuple[int, int], Permutation] = {}

    def _perm(self, size: int, tag: int, t: int) -> Permutation:
        perm = self._perms.get((tag, t))
        if perm is None:
            if len(self._perms) > 64:
                self._perms.clear()
            perm = self._perms[tag, t] = Permutation(size, int(hashed(self.key, tag, t)[0]))
        return perm

    def _whole(self, t: int) -> _Whole:
        w = self._cache.get(t)
        if w is None:
            if len(self._cache) >= _CACHED:
                # The oldest goes: a batch that spans populations t and t + 1
                # follows one that used t and t - 1 (clearing both made t be
                # computed twice).
                del self._cache[next(iter(self._cache))]
            s = self.shape
            tt = np.full(1, t, dtype=np.int64)
            users = self._users(tt, np.arange(s.users, dtype=np.int64))
            clients = np.arange(s.clients, dtype=np.int64)
            owners = users.take(clients // s.clients_per_user)
            empty = np.zeros(0, dtype=np.int64)
            cycles = self._cycles(t, owners) if s.cycle else (empty, empty, empty)
            w = self._cache[t] = _Whole(
                positions=self._perm(s.sessions, _PERMUTE, t)(np.arange(s.sessions)),
                live=self._perm(s.clients, _LIVE, t)(clients) if not s.cycle else empty,
                users=users,
                clients=self._clients(tt, clients, owners),
                cycle_client=cycles[0],
                cycle_lo=cycles[1],
                cycle_hi=cycles[2],
            )
        return w

    def _cycles(self, t: int, owners: Users) -> tuple[Ints, Ints, Ints]:
        """The population's sessions as sign-in cycles of its clients.

        Client ``c``'s time is cut into cycles of ``cycle`` (twice the
        longest a session stays open) from a hashed phase; a session starts
        in the first half of a cycle, so it has ended when the next one can
        start, and only one can still be live at ``time.now``. Which cycles
        hold a session: candidates in proportion to the arrivals in the
        cycle's first half (after the user signed up), then a draw without
        replacement weighted by the user's activity (``population.skew``;
        keys ``log(r) / w``)."""
        s, key, arrival = self.shape, self.key, self.plan.arrival
        period, half = s.cycle, s.cycle // 2
        lo, hi = arrival.lo, arrival.hi + 1
        tt = np.full(1, t, dtype=np.int64)
        clients = np.arange(s.clients, dtype=np.int64)
        phase = below(unit(hashed(key, _PHASE, tt, clients)), period)
        count = (hi - lo) // period + 2
        start = lo - phase[:, None] + np.arange(count, dtype=np.int64)[None, :] * period
        a = np.maximum(np.maximum(start, lo), owners.signup[:, None])
        b = np.minimum(start + half, hi)
        b = np.maximum(a, b)
        mass = (arrival.at(b) - arrival.at(a)) / self._signed_up((a + b) // 2)
        mass = mass.reshape(-1)
        index = np.arange(mass.size, dtype=np.int64)
        # A cycle is a candidate in proportion to its arrivals, over the
        # share of users signed up by then, so that the candidates follow the
        # arrival rate as users sign up (cycles cut by the window's edges or
        # a sign-up are candidates less often)...
        candidate = unit(hashed(key, _CANDIDATE, tt, index)) < mass * _scale(mass, s.sessions)
        # ... and busier users' cycles are taken first.
        user = clients // s.clients_per_user
        power = 1 / (1 + self.plan.profile.population_skew) - 1
        activity = np.repeat(np.power((user + 0.5) / s.users, power), count)
        r = unit(hashed(key, _CYCLE, tt, index)) + 2.0**-60
        keys = np.where(candidate, np.log(r) / activity, -np.inf)
        take = min(s.sessions, int(candidate.sum()))
        chosen = np.sort(np.argpartition(-keys, take - 1)[:take]) if take else clients[:0]
        if take < s.sessions:  # fewer cycles than sessions: reuse them, in order
            chosen = np.resize(chosen, s.sessions)
        return chosen // count, a.reshape(-1)[chosen], b.reshape(-1)[chosen]

    def _signed_up(self, t: Ints) -> Floats:
        """The share of the population's users signed up by each time ``t``
        (new users sign up evenly from the window's start to ``signup_hi``)."""
        s, lo = self.shape, self.plan.profile.time_window_start
        new = (t - lo + 1) / (self.signup_hi - lo + 1)
        return (s.old_users + (s.users - s.old_users) * np.clip(new, 0.0, 1.0)) / s.users

    def cycles(self, t: Ints, pos: Ints) -> tuple[Ints, Ints, Ints]:
        """(client, earliest, end) of the cycle of each session."""
        client, lo, hi = (np.empty_like(pos) for _ in range(3))
        for tt, m in self._each(t):
            w = self._whole(tt)
            p = pos[m]
            client[m], lo[m], hi[m] = w.cycle_client[p], w.cycle_lo[p], w.cycle_hi[p]
        return client, lo, hi

    def _each(self, t: Ints) -> list[tuple[int, npt.NDArray[np.bool_]]]:
        """Each population among ``t``, with where it is (nearly always one)."""
        if len(t) and t[0] == t[-1] and (t == t[0]).all():
            return [(int(t[0]), np.ones(len(t), dtype=np.bool_))]
        return [(tt, t == tt) for tt in np.unique(t).tolist()]

    def positions(self, k: Ints) -> tuple[Ints, Ints]:
        """(population, position in it) of sessions ``k``: positions are a
        keyed shuffle, so any run of sessions is a sample of the population."""
        size = self.shape.sessions
        t, i = k // size, k % size
        pos = np.empty_like(i)
        for tt, m in self._each(t):
            if self.whole:
                pos[m] = self._whole(tt).positions[i[m]]
            else:
                pos[m] = self._perm(size, _PERMUTE, tt)(i[m])
        return t, pos

    def live_client(self, t: Ints, pos: Ints) -> Ints:
        """The client of each live position: a distinct one per position."""
        out = np.empty_like(pos)
        slot = pos % self.shape.clients
        for tt, m in self._each(t):
            if self.whole:
                out[m] = self._whole(tt).live[slot[m]]
            else:
                out[m] = self._perm(self.shape.clients, _LIVE, tt)(slot[m])
        return out

    def users(self, t: Ints, user: Ints) -> Users:
        if not self.whole:
            return self._users(t, user)
        parts = [(m, self._whole(tt).users.take(user[m])) for tt, m in self._each(t)]
        return _gather(parts, len(t), Users)

    def clients(self, t: Ints, client: Ints, owners: Users) -> Clients:
        if not self.whole:
            return self._clients(t, client, owners)
        parts = [(m, self._whole(tt).clients.take(client[m])) for tt, m in self._each(t)]
        return _gather(parts, len(t), Clients)

    def _users(self, t: Ints, user: Ints) -> Users:
        p, key = self.plan.profile, self.key
        u = unit(hashed(key, _SIGNUP, t, user))
        lo = p.time_window_start
        signup = np.where(
            user >= self.shape.old_users,
            lo + below(u, self.signup_hi - lo + 1),
            lo - 1000 - below(u, _YEAR_MS),
        )
        home = np.minimum(
            np.searchsorted(self.place_cum, unit(hashed(key, _HOME, t, user)), side="right"),
            len(self.place_cum) - 1,
        )
        pool = p.organization_pool
        seconds = ksuid_seconds(signup // 1000)
        chars = ids.ksuid_chars(seconds, hashed_entropy(key ^ _USER_ID, t, user))
        return Users(
            signup=signup,
            home=home,
            org_a=below(unit(hashed(key, _ORG_A, t, user)), pool),
            org_b=below(unit(hashed(key, _ORG_B, t, user)), pool),
            chars=chars,
        )

    def _clients(self, t: Ints, client: Ints, owners: Users) -> Clients:
        """A client's device, and its home address: in its user's home country."""
        plan, key = self.plan, self.key
        places = plan.places
        device = plan.devices.index(unit(hashed(key, _DEVICE, t, client)))
        country = np.searchsorted(places.country_start, owners.home, side="right") - 1
        pick = unit(hashed(key, _ADDRESS, t, client))
        v4_lo = places.ipv4_country_start[country]
        v4 = v4_lo + below(pick, np.maximum(places.ipv4_country_start[country + 1] - v4_lo, 1))
        k_lo = self.v6_bounds[places.country_start[country]]
        k_hi = self.v6_bounds[places.country_start[country + 1]]
        v6 = unit(hashed(key, _V6, t, client)) < plan.profile.activity_ipv6_rate
        seconds = ksuid_seconds(owners.signup // 1000)
        return Clients(
            device=device,
            ip_v4=np.where(v6, -1, v4),
            ip_v6_key=k_lo + below(pick, np.maximum(k_hi - k_lo, 1)),
            ip_v6_host=1 + below(unit(hashed(key, _V6_HOST, t, client)), 0xFFFF),
            chars=ids.ksuid_chars(seconds, hashed_entropy(key ^ _CLIENT_ID, t, client)),
        )


def _scale(mass: Floats, sessions: int) -> float:
    """How a cycle's arrivals become its chance of being a candidate:
    ``1 / max(mass)`` (in proportion to the arrivals), unless that leaves too
    few candidates for the population's sessions (a high occupancy, growth):
    then the least scale that leaves enough (in expectation, with a margin),
    so that a cycle is reused, and two sessions overlap on a client, only
    when the population has fewer cycles than sessions."""
    top = float(mass.max()) if mass.size else 0.0
    if top <= 0:
        return 0.0
    need = 1.02 * sessions + 4 * sessions**0.5
    lo = 1 / top
    if np.minimum(mass * lo, 1.0).sum() >= need:
        return lo
    hi = lo
    while np.minimum(mass * hi, 1.0).sum() < need and hi < lo * 2.0**40:
        hi *= 2
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.minimum(mass * mid, 1.0).sum() < need else (lo, mid)
    return hi


T = TypeVar("T", Users, Clients)


def _gather(parts: list[tuple[npt.NDArray[np.bool_], T]], n: int, kind: type[T]) -> T:
    if len(parts) == 1:
        return parts[0][1]
    out: list[npt.NDArray[Any]] = []
    for f in dataclasses.fields(kind):
        head: npt.NDArray[Any] = getattr(parts[0][1], f.name)
        col = np.empty((n, *head.shape[1:]), dtype=head.dtype)
        for m, part in parts:
            col[m] = getattr(part, f.name)
        out.append(col)
    return kind(*out)
