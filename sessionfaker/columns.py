"""The numeric columns of a batch of sessions, computed with numpy from the
plan and each session's own random words.

Session ``k`` reads only its :data:`WORDS` words (see
:mod:`sessionfaker.generator` for the stream) and the population it belongs
to, which is itself a pure function of the seed, the plan and the
population's number ``k // plan.population.sessions``: users, clients and
organisations are hashed from their index, never drawn in sequence, so any
session can be computed alone.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from . import ids
from .plan import (
    ABANDONED,
    EXPIRED,
    LIVE,
    TRANSITION,
    Choice,
    Permutation,
    Plan,
    below,
    hashed,
    mix,
    unit,
)
from .rules import ACTIVITY_ID_LAG_S, LIVE_STATUSES, TRANSITION_STATUSES

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Words = npt.NDArray[np.uint64]

# What each of a session's random words decides. Changing this table
# changes every session: update the golden hashes in the tests.
W_ACTOR = 0
W_EDGE = 1
W_CREATED = 2
W_LAST_ACTIVE = 3
W_UPDATED = 4
W_USER = 5
W_CLIENT = 6
W_TASKS = 7
W_ORG = 8
W_MEMBERSHIP = 9
W_ACTIVITY = 10
W_ACTIVITY_LAG = 11
W_TRAVEL = 12
W_TRAVEL_TO = 13
W_ACTOR_KIND = 14
W_STAFF = 15
W_SID_LAG = 16
W_EARLY = 17
ID_WORDS = (ids.ENTROPY_WORDS + 3) // 4  # 16-bit entropy values, four to a word
W_SESSION_ID = 18
W_ACTIVITY_ID = W_SESSION_ID + ID_WORDS
W_ACTOR_SID = W_ACTIVITY_ID + ID_WORDS
WORDS = W_ACTOR_SID + ID_WORDS

_YEAR_MS = 365 * 86_400_000
# Hash tags of the population's attributes.
_SIGNUP, _HOME, _DEVICE, _V6, _ADDRESS, _ORG_A, _ORG_B, _PERMUTE, _LIVE, _V6_HOST = range(10)
# Share of a user's sessions in their first organisation (the rest in a second).
_FIRST_ORG = 0.7
_EARLY_MS = 9
_ACTOR_STATUS_SALT = 0x5DEECE66D


def entropy(words: Words) -> npt.NDArray[np.uint16]:
    """KSUID entropy from ``ID_WORDS`` columns of words."""
    block = np.ascontiguousarray(words).astype("<u8")
    return block.view("<u2")[:, : ids.ENTROPY_WORDS]


def hashed_entropy(key: int, *parts: Ints | int) -> npt.NDArray[np.uint16]:
    """KSUID entropy hashed from integer columns (for pooled entities)."""
    cols = [hashed(key, *parts, w) for w in range(ID_WORDS)]
    return entropy(np.stack(cols, axis=1))


@dataclasses.dataclass
class Columns:
    """One batch of sessions, one entry per session in each array."""

    n: int
    status: Ints  # index into plan.statuses
    actor: Bools
    created: Ints
    last_active: Ints
    expire: Ints
    abandon: Ints
    updated: Ints
    population: Ints
    user: Ints
    client: Ints
    signup: Ints  # the user's sign-up (ms): their id's and their clients' time
    tasks: Ints  # index into plan.task_lists; len(task_lists) for none
    org: Ints  # organisation index, -1 for none
    activity: Bools
    activity_lag: Ints
    device: Ints
    ip_v4: Ints  # index into plan.places.ipv4, -1 for IPv6
    ip_v6_key: Ints  # the IPv6 address's /64 (see sessionfaker.places)
    ip_v6_host: Ints
    place: Ints


class Engine:
    """Computes :class:`Columns` for a plan and a stream key."""

    def __init__(self, plan: Plan, key: int) -> None:
        self.plan = plan
        self.key = key
        p = plan.profile
        pop = plan.population
        self.status_index = {s: i for i, s in enumerate(plan.statuses)}
        self.bounds = np.cumsum(pop.counts)
        k = len(plan.statuses)
        self.phase = np.array([plan.phase(s) for s in plan.statuses], dtype=np.int64)
        self.pending = np.array([s == "pending" for s in plan.statuses], dtype=np.bool_)
        self.is_live = np.array([s in LIVE_STATUSES for s in plan.statuses], dtype=np.bool_)
        weights = plan.profile.status_weights
        self.ended = Choice({s: weights[s] for s in TRANSITION_STATUSES if s in self.status_index})
        # (status, actor) -> created range and lifetimes; lo > hi where impossible.
        self.ranges = np.zeros((4, k, 2), dtype=np.int64)
        self.ranges[0] = 1
        for i, s in enumerate(plan.statuses):
            for a in (0, 1):
                rng = plan.creation_range(s, actor=bool(a))
                life, abandon = plan.lifetimes(actor=bool(a))
                if rng is not None:
                    self.ranges[:, i, a] = (rng[0], rng[1], life, abandon)
        self.actor_ok = self.ranges[0, :, 1] <= self.ranges[1, :, 1]
        # Creation times of sessions without an actor: one table of pieces,
        # status i's pieces at keys in [i, i + 1).
        lo, span, cum = [], [], []
        for i, s in enumerate(plan.statuses):
            sp = plan.spans[s]
            lo.append(sp.lo)
            span.append(sp.span)
            c = np.cumsum(sp.prob)
            cum.append(i + np.concatenate(([0.0], c[:-1] / c[-1])))
        self.piece_lo = np.concatenate(lo)
        self.piece_span = np.concatenate(span)
        self.piece_key = np.concatenate(cum)
        self.piece_width = np.diff(np.append(self.piece_key, k))
        self.piece_width = np.where(self.piece_width > 0, self.piece_width, 1.0)
        if plan.actor is not None:
            arrivals = plan.actor.span
            self.actor_lo, self.actor_span = arrivals.lo, arrivals.span
            c = np.cumsum(arrivals.prob)
            self.actor_key = np.concatenate(([0.0], c[:-1] / c[-1]))
            self.actor_width = np.diff(np.append(self.actor_key, 1.0))
        life, abandon = plan.lifetimes(actor=False)
        window_lo = p.time_window_start
        self.signup_hi = max(window_lo, min(p.time_window_end, p.time_now - min(life, abandon)))
        places = plan.places
        self.place_cum = np.cumsum(places.weight) / places.weight.sum()
        # The IPv6 keys of place i are v6_bounds[i] to v6_bounds[i + 1] - 1.
        self.v6_bounds = np.concatenate(([0], places.ipv6_bounds))
        self.live_perm: dict[int, Permutation] = {}
        self.pos_perm: dict[int, Permutation] = {}

    # -- population

    def _perm(self, cache: dict[int, Permutation], size: int, tag: int, t: int) -> Permutation:
        perm = cache.get(t)
        if perm is None:
            if len(cache) > 64:
                cache.clear()
            perm = cache[t] = Permutation(size, int(hashed(self.key, tag, t)[0]))
        return perm

    def positions(self, k: Ints) -> tuple[Ints, Ints]:
        """(population, position in it) of sessions ``k``: positions are a
        keyed shuffle, so any run of sessions is a sample of the population."""
        size = self.plan.population.sessions
        t, i = k // size, k % size
        pos = np.empty_like(i)
        for tt in np.unique(t).tolist():
            m = t == tt
            pos[m] = self._perm(self.pos_perm, size, _PERMUTE, tt)(i[m])
        return t, pos

    def signups(self, t: Ints, user: Ints) -> Ints:
        p = self.plan.profile
        u = unit(hashed(self.key, _SIGNUP, t, user))
        new = user >= self.plan.population.old_users
        lo = p.time_window_start
        inside = lo + below(u, self.signup_hi - lo + 1)
        before = lo - 1000 - below(u, _YEAR_MS)
        return np.where(new, inside, before)

    def _users(self, words: Words, t: Ints, pos: Ints, created: Ints) -> tuple[Ints, Ints, Ints]:
        plan, pop = self.plan, self.plan.population
        per = pop.clients_per_user
        x = unit(words[:, W_USER])
        skew = 1.0 + plan.profile.population_skew
        user = below(x if skew == 1 else np.power(x, skew), pop.users)
        client = user * per + below(unit(words[:, W_CLIENT]), per)
        live = pos < pop.live
        if live.any():
            for tt in np.unique(t[live]).tolist():
                m = live & (t == tt)
                perm = self._perm(self.live_perm, pop.clients, _LIVE, tt)
                client[m] = perm(pos[m] % pop.clients)
            user = np.where(live, client // per, user)
        signup = self.signups(t, user)
        late = created < signup
        if late.any():  # before the user signed up: an earlier user's session
            user = np.where(late, user % pop.old_users, user)
            client = np.where(late, user * per + client % per, client)
            signup = np.where(late, self.signups(t, user), signup)
        return user, client, signup

    # -- times

    def _created(self, words: Words, status: Ints, actor: Bools, edge: Bools) -> Ints:
        plan = self.plan
        u = unit(words[:, W_CREATED])
        a = actor.astype(np.int64)
        actor = actor & ~edge
        lo, hi = self.ranges[0][status, a], self.ranges[1][status, a]
        keyed = status + u
        j = np.searchsorted(self.piece_key, keyed, side="right") - 1
        v = (keyed - self.piece_key[j]) / self.piece_width[j]
        created = self.piece_lo[j] + below(np.clip(v, 0, 1), self.piece_span[j])
        if actor.any():
            if plan.actor is not None:
                ja = np.searchsorted(self.actor_key, u[actor], side="right") - 1
                va = (u[actor] - self.actor_key[ja]) / self.actor_width[ja]
                span = self.actor_span[ja]
                created[actor] = self.actor_lo[ja] + below(np.clip(va, 0, 1), span)
            else:
                created[actor] = lo[actor] + below(u[actor], hi[actor] - lo[actor] + 1)
        return np.where(edge, np.where(u < 0.5, lo, hi), created)

    def _actor_status(
        self, words: Words, pos: Ints, status: Ints, actor: Bools, created: Ints
    ) -> Ints:
        a = self.plan.actor
        if a is None or not actor.any():
            return status
        age = self.plan.now - created[actor]
        band = np.searchsorted(np.array(a.bands), age, side="right")
        u = unit(mix(words[actor, W_CREATED] ^ np.uint64(_ACTOR_STATUS_SALT)))
        out = status[actor].copy()
        for b, choice in enumerate(a.choices):
            m = band == b
            if m.any() and choice.values:
                names = np.array([self.status_index[s] for s in choice.values])
                out[m] = names[choice.index(u[m])]
        status = status.copy()
        status[actor] = out
        # A live impersonation needs a client of its own: on a client that
        # holds another live session, it ended within its few minutes.
        clash = actor & (pos >= self.plan.population.live) & self.is_live[status]
        if clash.any() and self.ended.values:
            names = np.array([self.status_index[s] for s in self.ended.values])
            status[clash] = names[self.ended.index(unit(words[clash, W_EDGE]))]
        return status

    def columns(self, words: Words, first: int) -> Columns:
        plan, p = self.plan, self.plan.profile
        n = len(words)
        now = plan.now
        t, pos = self.positions(np.arange(first, first + n, dtype=np.int64))
        status = np.searchsorted(self.bounds, pos, side="right").astype(np.int64)
        if p.timeline_boundary_rate > 0:
            edge = unit(words[:, W_EDGE]) < p.timeline_boundary_rate
        else:
            edge = np.zeros(n, dtype=np.bool_)
        actor = unit(words[:, W_ACTOR]) < p.actor_rate
        # Status-first sessions with an actor need an actor-feasible status.
        actor &= (~edge & (plan.actor is not None)) | self.actor_ok[status]
        created = self._created(words, status, actor, edge)
        age_based = actor & ~edge
        status = self._actor_status(words, pos, status, age_based, created)
        a = actor.astype(np.int64)
        life, abandon_life = self.ranges[2][status, a], self.ranges[3][status, a]
        expire = created + life
        abandon = created + abandon_life
        la_hi = np.minimum(np.minimum(expire - 1, abandon - 1), now)
        u = unit(words[:, W_LAST_ACTIVE])
        last_active = np.where(
            edge,
            np.where(u < 0.5, created, la_hi),
            created + below(u * u, la_hi - created + 1),
        )
        phase = self.phase[status]
        # Live sessions may be touched up to now; the others last before they ended.
        up_hi = np.where(phase == LIVE, now, la_hi)
        u = unit(words[:, W_UPDATED])
        updated = np.where(
            edge,
            np.where(u < 0.5, last_active, up_hi),
            last_active + below(u * u * u, up_hi - last_active + 1),
        )
        if p.timeline_early_activity_rate > 0:
            early = unit(words[:, W_EARLY]) < p.timeline_early_activity_rate
            # Not for impersonations: their lifetime is the profile's, from created_at.
            self._early(
                words, early & ~actor, created, last_active, expire, abandon, updated, phase
            )

        user, client, signup = self._users(words, t, pos, created)
        pending = self.pending[status]
        none = len(plan.task_lists)
        tasks = np.full(n, none, dtype=np.int64)
        if pending.any():
            tasks[pending] = plan.tasks.index(unit(words[pending, W_TASKS]))
        choose_org = np.array([*("choose-organization" in x for x in plan.task_lists), False])
        has_org = ~choose_org[tasks] & (unit(words[:, W_ORG]) < p.organization_rate)
        second = unit(words[:, W_MEMBERSHIP]) >= _FIRST_ORG
        org_u = unit(hashed(self.key, _ORG_A, t, user))
        org_v = unit(hashed(self.key, _ORG_B, t, user))
        org = below(np.where(second, org_v, org_u), p.organization_pool)
        org = np.where(has_org, org, -1)

        activity = unit(words[:, W_ACTIVITY]) < p.activity_rate
        lag = ACTIVITY_ID_LAG_S[0] + below(
            unit(words[:, W_ACTIVITY_LAG]), ACTIVITY_ID_LAG_S[1] - ACTIVITY_ID_LAG_S[0] + 1
        )
        device, ip_v4, v6_key, host, place = self._places(words, t, user, client)
        return Columns(
            n=n,
            status=status,
            actor=actor,
            created=created,
            last_active=last_active,
            expire=expire,
            abandon=abandon,
            updated=updated,
            population=t,
            user=user,
            client=client,
            signup=signup,
            tasks=tasks,
            org=org,
            activity=activity,
            activity_lag=lag,
            device=device,
            ip_v4=ip_v4,
            ip_v6_key=v6_key,
            ip_v6_host=host,
            place=place,
        )

    def _early(
        self,
        words: Words,
        ok: Bools,
        created: Ints,
        last_active: Ints,
        expire: Ints,
        abandon: Ints,
        updated: Ints,
        phase: Ints,
    ) -> None:
        """Clerk's quirk: a session not touched since sign-in has last_active_at
        a few ms before created_at (both stamped in one request), and expiry
        and abandonment anchored at it; only where every other rule holds."""
        p, now = self.plan.profile, self.plan.now
        u = unit(words[:, W_EARLY])
        d = 1 + below(u / max(p.timeline_early_activity_rate, 1e-300), _EARLY_MS)
        la, ex, ab = created - d, expire - d, abandon - d
        ok &= np.where(phase == LIVE, (ex > now) & (ab > now), True)
        ok &= np.where(phase == TRANSITION, (updated < ex) & (updated < ab), True)
        ok &= np.where(phase == EXPIRED, (ex <= now) & (updated < ex), True)
        ok &= np.where(phase == ABANDONED, (ab <= now) & (updated < ab), True)
        last_active[ok], expire[ok], abandon[ok] = la[ok], ex[ok], ab[ok]

    def _places(
        self, words: Words, t: Ints, user: Ints, client: Ints
    ) -> tuple[Ints, Ints, Ints, Ints, Ints]:
        """Each session's device (its client's), and address and place: the
        client's home address in its user's home country, or any address
        when signing in away. The place is always the address's."""
        plan = self.plan
        places = plan.places
        key = self.key
        device = plan.devices.index(unit(hashed(key, _DEVICE, t, client)))
        home = np.minimum(
            np.searchsorted(self.place_cum, unit(hashed(key, _HOME, t, user)), side="right"),
            len(self.place_cum) - 1,
        )
        country = np.searchsorted(places.country_start, home, side="right") - 1
        pick = unit(hashed(key, _ADDRESS, t, client))
        v4_lo = places.ipv4_country_start[country]
        v4 = v4_lo + below(pick, np.maximum(places.ipv4_country_start[country + 1] - v4_lo, 1))
        k_lo = self.v6_bounds[places.country_start[country]]
        k_hi = self.v6_bounds[places.country_start[country + 1]]
        v6_key = k_lo + below(pick, np.maximum(k_hi - k_lo, 1))
        v6 = unit(hashed(key, _V6, t, client)) < plan.profile.activity_ipv6_rate
        travel = unit(words[:, W_TRAVEL]) < plan.profile.activity_travel_rate
        away = below(unit(words[:, W_TRAVEL_TO]), len(places.ipv4))
        v4 = np.where(travel, away, np.where(v6, -1, v4))
        place = np.where(v4 >= 0, places.ipv4_place[np.maximum(v4, 0)], places.ipv6_place(v6_key))
        host = 1 + below(unit(hashed(key, _V6_HOST, t, client)), 0xFFFF)
        return device, v4, v6_key, host, place
