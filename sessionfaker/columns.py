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

from .plan import (
    ABANDONED,
    EXPIRED,
    LIVE,
    TRANSITION,
    Choice,
    Plan,
    below,
    hashed,
    mix,
    unit,
)
from .population import ID_WORDS, Populations, Users
from .profile import EARLY_ACTIVITY_MS
from .rules import ACTIVITY_ID_LAG_S, LIVE_STATUSES, TRANSITION_STATUSES

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Words = npt.NDArray[np.uint64]
Chars = npt.NDArray[np.uint8]

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
W_SESSION_ID = 18
W_ACTIVITY_ID = W_SESSION_ID + ID_WORDS
W_ACTOR_SID = W_ACTIVITY_ID + ID_WORDS
WORDS = W_ACTOR_SID + ID_WORDS

# Share of a user's sessions in their first organisation (the rest in a second).
_FIRST_ORG = 0.7
# Hash tags (see sessionfaker.population for the others).
_MULTI, _GUEST = 201, 202
_ACTOR_STATUS_SALT = 0x5DEECE66D


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
    user_chars: Chars  # (n, 27): the user id's KSUID
    client_chars: Chars
    tasks: Ints  # index into plan.task_lists; len(task_lists) for none
    org: Ints  # organisation index, -1 for none
    activity: Bools
    activity_lag: Ints
    device: Ints
    ip_v4: Ints  # index into plan.places.ipv4, -1 for IPv6
    ip_v6_key: Ints  # the IPv6 address's /64 (see sessionfaker.places)
    ip_v6_host: Ints
    place: Ints  # always the address's place


class Engine:
    """Computes :class:`Columns` for a plan and a stream key."""

    def __init__(self, plan: Plan, key: int) -> None:
        self.plan = plan
        self.key = key
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
            sp = plan.spans.get(s)
            if sp is None:  # only impersonations have it: no position gives it
                continue
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
        self.people = Populations(plan, key)
        # Each bin's statuses, by their share of the bin's arrivals: status
        # i of bin b at keys from b + (the shares before i).
        share = plan.joint.T / np.maximum(plan.joint.sum(axis=0), 1e-300)[:, None]
        before = np.cumsum(share, axis=1) - share
        self.bin_key = (np.arange(len(share))[:, None] + before).reshape(-1)

    def _users(self, words: Words, t: Ints, pos: Ints, created: Ints) -> tuple[Ints, Ints, Users]:
        """Each session's user and client: a live session on a client of its
        own; an earlier one on a client drawn by activity (``population.skew``),
        of a user who had signed up by then."""
        plan, pop = self.plan, self.plan.population
        per = pop.clients_per_user
        x = unit(words[:, W_USER])
        skew = 1.0 + plan.profile.population_skew
        user = below(x if skew == 1 else np.power(x, skew), pop.users)
        client = user * per + below(unit(words[:, W_CLIENT]), per)
        live = pos < pop.live
        if live.any():
            client[live] = self.people.live_client(t[live], pos[live])
            user = np.where(live, client // per, user)
            rate = plan.profile.population_multi_session
            if rate > 0:  # another user signed in on a multi-session client
                lt, lp = t[live], pos[live]
                guest = unit(hashed(self.key, _MULTI, lt, lp)) < rate
                other = below(unit(hashed(self.key, _GUEST, lt, lp)), pop.users)
                user[live] = np.where(guest, other, user[live])
        owners = self.people.users(t, user)
        late = created < owners.signup
        if plan.profile.population_multi_session > 0:  # a guest: the client's owner too
            late |= created < self.people.users(t, client // per).signup
        if late.any():  # before the user signed up: an earlier user's session
            user = np.where(late, user % pop.old_users, user)
            client = np.where(late, user * per + client % per, client)
            owners = self.people.users(t, user)
        return user, client, owners

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
        """The columns of sessions ``first`` to ``first + len(words) - 1``."""
        plan, p = self.plan, self.plan.profile
        n = len(words)
        t, pos = self.people.positions(np.arange(first, first + n, dtype=np.int64))
        if plan.population.cycle:
            status, actor, created, client = self._on_timeline(words, t, pos)
            edge = np.zeros(n, dtype=np.bool_)
        else:
            status = np.searchsorted(self.bounds, pos, side="right").astype(np.int64)
            status, actor, created, edge = self._status_first(words, pos, status)
        last_active, expire, abandon, updated = self._times(words, status, actor, created, edge)
        if plan.population.cycle:
            user, owners = self._owners(t, pos, client, status)
        else:
            user, client, owners = self._users(words, t, pos, created)
        pending = self.pending[status]
        none = len(plan.task_lists)
        tasks = np.full(n, none, dtype=np.int64)
        if pending.any():
            tasks[pending] = plan.tasks.index(unit(words[pending, W_TASKS]))
        choose_org = np.array([*("choose-organization" in x for x in plan.task_lists), False])
        has_org = ~choose_org[tasks] & (unit(words[:, W_ORG]) < p.organization_rate)
        second = unit(words[:, W_MEMBERSHIP]) >= _FIRST_ORG
        org = np.where(has_org, np.where(second, owners.org_b, owners.org_a), -1)

        activity = unit(words[:, W_ACTIVITY]) < p.activity_rate
        lag = ACTIVITY_ID_LAG_S[0] + below(
            unit(words[:, W_ACTIVITY_LAG]), ACTIVITY_ID_LAG_S[1] - ACTIVITY_ID_LAG_S[0] + 1
        )
        # A client belongs to its owner, not to a guest signed in on it.
        hosts = owners
        if p.population_multi_session > 0:
            hosts = self.people.users(t, client // plan.population.clients_per_user)
        homes = self.people.clients(t, client, hosts)
        # Away from home: any address, and its place.
        travel = unit(words[:, W_TRAVEL]) < p.activity_travel_rate
        away = below(unit(words[:, W_TRAVEL_TO]), len(plan.places.ipv4))
        ip_v4 = np.where(travel, away, homes.ip_v4)
        places = plan.places
        place = np.where(
            ip_v4 >= 0,
            places.ipv4_place[np.maximum(ip_v4, 0)],
            places.ipv6_place(homes.ip_v6_key),
        )
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
            user_chars=owners.chars,
            client_chars=homes.chars,
            tasks=tasks,
            org=org,
            activity=activity,
            activity_lag=lag,
            device=homes.device,
            ip_v4=ip_v4,
            ip_v6_key=homes.ip_v6_key,
            ip_v6_host=homes.ip_v6_host,
            place=place,
        )

    def _status_first(
        self, words: Words, pos: Ints, status: Ints
    ) -> tuple[Ints, Bools, Ints, Bools]:
        """(status, actor, created, edge) when a session's position gives its
        status (or its age, for an impersonation) and the status its time."""
        plan, p = self.plan, self.plan.profile
        if p.timeline_boundary_rate > 0:
            edge = unit(words[:, W_EDGE]) < p.timeline_boundary_rate
        else:
            edge = np.zeros(len(words), dtype=np.bool_)
        actor = unit(words[:, W_ACTOR]) < p.actor_rate
        # Status-first sessions with an actor need an actor-feasible status.
        actor &= (~edge & (plan.actor is not None)) | self.actor_ok[status]
        created = self._created(words, status, actor, edge)
        status = self._actor_status(words, pos, status, actor & ~edge, created)
        return status, actor, created, edge

    def _on_timeline(self, words: Words, t: Ints, pos: Ints) -> tuple[Ints, Bools, Ints, Ints]:
        """(status, actor, created, client) when a session is a sign-in cycle
        of its client: created within the cycle at the arrival rate, its
        status drawn from those its creation time can give, by weight."""
        plan, p = self.plan, self.plan.profile
        arrival = plan.arrival
        client, lo, hi = self.people.cycles(t, pos)
        qa, qb = arrival.at(lo), arrival.at(hi)
        q = qa + unit(words[:, W_CREATED]) * (qb - qa)
        created = np.clip(arrival.time(q), lo, hi - 1)
        b = np.searchsorted(arrival.edges, created, side="right") - 1
        keyed = b + unit(words[:, W_EDGE])
        j = np.searchsorted(self.bin_key, keyed, side="right") - 1
        status = j % len(plan.statuses)
        actor = unit(words[:, W_ACTOR]) < p.actor_rate
        status = self._actor_status(words, pos, status, actor, created)
        return status, actor, created, client

    def _owners(self, t: Ints, pos: Ints, client: Ints, status: Ints) -> tuple[Ints, Users]:
        """The user of each session on a timeline: the client's own, or on a
        multi-session client sometimes a second user, while live."""
        pop, p = self.plan.population, self.plan.profile
        user = client // pop.clients_per_user
        if p.population_multi_session > 0:
            live = self.is_live[status]
            guest = live & (unit(hashed(self.key, _MULTI, t, pos)) < p.population_multi_session)
            other = below(unit(hashed(self.key, _GUEST, t, pos)), pop.users)
            # A guest signed up before the session, like everyone: new users
            # sign up before any session that can still be live.
            user = np.where(guest, other, user)
        return user, self.people.users(t, user)

    def _times(
        self, words: Words, status: Ints, actor: Bools, created: Ints, edge: Bools
    ) -> tuple[Ints, Ints, Ints, Ints]:
        """(last_active, expire, abandon, updated) within what the status allows."""
        plan, p = self.plan, self.plan.profile
        now = plan.now
        a = actor.astype(np.int64)
        expire = created + self.ranges[2][status, a]
        abandon = created + self.ranges[3][status, a]
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
            ms = 1 + (words[:, W_EARLY] % np.uint64(EARLY_ACTIVITY_MS)).astype(np.int64)
            self._early(early & ~actor, ms, created, last_active, expire, abandon, updated, phase)
        return last_active, expire, abandon, updated

    def _early(
        self,
        ok: Bools,
        d: Ints,
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
        now = self.plan.now
        la, ex, ab = created - d, expire - d, abandon - d
        ok &= np.where(phase == LIVE, (ex > now) & (ab > now), True)
        ok &= np.where(phase == TRANSITION, (updated < ex) & (updated < ab), True)
        ok &= np.where(phase == EXPIRED, (ex <= now) & (updated < ex), True)
        ok &= np.where(phase == ABANDONED, (ab <= now) & (updated < ab), True)
        last_active[ok], expire[ok], abandon[ok] = la[ok], ex[ok], ab[ok]
