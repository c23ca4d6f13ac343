"""The population fits of ``profiles infer``: how many users, how unevenly
sessions spread over them, how many clients each has, and pool sizes.

Each fit solves for the parameters whose expected value matches what was
observed, under the layout the generator uses (``population.model``:
independent draws for ``sessions``, sign-in cycles for ``cycles``), with
numpy and ``scipy.optimize.brentq`` (:func:`root`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..profile import Profile, lifetimes

__all__ = [
    "Cycles",
    "arrival_shape",
    "cycles_of",
    "fit_clients",
    "fit_new_users",
    "fit_population",
    "pool_size",
    "root",
]

Floats = npt.NDArray[np.float64]
# Search bounds of the population fit.
MAX_USERS = 10**9
MAX_SKEW = 20.0
# On sign-in cycles the skew changes little of what a sample shows (busy
# users' cycles fill up): the fit stays within this.
MAX_CYCLES_SKEW = 2.0
MAX_CLIENTS = 1000
_EXACT_HEAD = 1024
_BIN_RATIO = 1.01


def root(f: Callable[[float], float], lo: float, hi: float, xtol: float = 1e-6) -> float:
    """Where the increasing ``f`` crosses zero between ``lo`` and ``hi``
    (``scipy.optimize.brentq``), or the end nearest it when it does not
    cross there.

    >>> round(root(lambda x: x * x - 2, 0, 2), 4)
    1.4142
    """
    flo, fhi = f(lo), f(hi)
    if flo >= 0 or fhi <= 0:
        return lo if flo >= 0 else hi
    from scipy.optimize import brentq  # most of profiles infer's start-up: only when fitting

    return float(brentq(f, lo, hi, xtol=xtol))


def pool_size(draws: int, distinct: int) -> int:
    """Size of a pool drawn from uniformly ``draws`` times that gives ``distinct`` values.

    >>> pool_size(400, 50), pool_size(10, 10)
    (50, 10)
    """
    if distinct <= 0:
        return 1
    if distinct >= draws:
        return distinct  # no repeats: only a lower bound is known

    def seen(pool: float) -> float:
        return pool * -math.expm1(draws * math.log1p(-1 / pool)) if pool > 1 else 1.0

    if seen(MAX_USERS) < distinct:
        return MAX_USERS
    pool = root(lambda x: seen(math.exp(x)) - distinct, math.log(distinct), math.log(MAX_USERS))
    return max(distinct, round(math.exp(pool)))


def _user_bins(users: int, a: float, cut: int = 0) -> tuple[Floats, Floats]:
    """The users in bins (the first one by one, the long tail 1% wide, a bin
    edge at ``cut``): each bin's width and the probability of each of its
    users when a session picks user ``int(users * u ** (1 + skew))``, ``a =
    1/(1+skew)``: user ``i`` has ``((i+1)/users)**a - (i/users)**a``."""
    head = np.arange(min(users, _EXACT_HEAD) + 1, dtype=float)
    if users > _EXACT_HEAD:
        count = math.ceil(math.log(users / _EXACT_HEAD) / math.log(_BIN_RATIO))
        tail = np.unique(np.floor(_EXACT_HEAD * _BIN_RATIO ** np.arange(1, count + 1)))
        edges = np.unique(np.concatenate([head, tail[tail < users], [float(users)]]))
    else:
        edges = head
    if 0 < cut < users:
        edges = np.union1d(edges, [float(cut)])
    width = np.diff(edges)
    p = np.clip(np.diff((edges / users) ** a) / width, 0.0, 1.0 - 1e-15)
    return width, p


def _user_moments(users: int, a: float, n: int) -> tuple[float, float]:
    """Expected distinct users and the sum of squared user probabilities
    among ``n`` independent draws (``population.model = "sessions"``)."""
    width, p = _user_bins(users, a)
    distinct = float(np.sum(width * -np.expm1(n * np.log1p(-p))))
    return distinct, float(np.sum(width * p * p))


@dataclass(frozen=True)
class Cycles:
    """What the ``cycles`` layout needs to predict how ``n`` sessions spread
    over users (see :mod:`sessionfaker.population`): a client's time is cut
    into sign-in cycles, ``occupancy`` of them hold a session, busier users'
    first. A user who signed up before the window has ``per_user`` candidate
    cycles; one who signed up inside it (``new_users`` of them) fewer, one of
    ``new_spans`` (at evenly spread sign-up times)."""

    per_user: float
    new_spans: tuple[float, ...]
    sessions_per_user: float  # a population's sessions over its users
    new_users: float

    def _spread(self, users: int, a: float, n: int) -> tuple[Floats, Floats, Floats, Floats]:
        """Per bin of users: expected distinct users and squared counts for a
        whole population and for the last partial one, and which bins are new users."""
        old = max(1, users - round(users * self.new_users))
        width, w = _user_bins(users, a, old)
        new = np.concatenate(([0.0], np.cumsum(width)))[:-1] >= old
        spans = np.array(self.new_spans)
        mean_new = float(spans.mean()) if len(spans) else self.per_user
        cand = np.where(new, mean_new, self.per_user)
        size = max(1, round(self.sessions_per_user * users))
        lam = _saturation(width * cand, w, size)
        q = -np.expm1(-lam * w) if lam < math.inf else np.ones_like(w)
        full, rest = divmod(n, size)

        def spread(f: float) -> tuple[Floats, Floats]:
            pf = np.minimum(q * f, 1 - 1e-15)
            # New users' candidates depend on when they signed up: average over it.
            c = np.where(new[:, None], spans[None, :], cand[:, None])
            distinct = width * np.mean(-np.expm1(c * np.log1p(-pf[:, None])), axis=1)
            squares = width * np.mean(
                c * pf[:, None] * (1 - pf[:, None]) + (c * pf[:, None]) ** 2, axis=1
            )
            return distinct, squares

        d1, s1 = spread(1.0)
        d2, s2 = spread(rest / size)
        return full * d1 + d2, full * s1 + s2, new.astype(np.float64), width

    def moments(self, users: int, a: float, n: int) -> tuple[float, float]:
        """Expected distinct users and sum of squared per-user counts."""
        distinct, squares, _, _ = self._spread(users, a, n)
        return float(distinct.sum()), float(squares.sum())

    def new_seen(self, users: int, a: float, n: int) -> float:
        """The expected share of new users among the users ``n`` sessions reach."""
        distinct, _, new, _ = self._spread(users, a, n)
        return float((distinct * new).sum() / max(distinct.sum(), 1e-300))


def cycles_of(p: Profile, new_users: float | None = None) -> Cycles:
    """The :class:`Cycles` of profile ``p`` (with another
    ``population.new_users`` if given), as :mod:`sessionfaker.plan` and
    :mod:`sessionfaker.population` lay out its sessions."""
    nu = p.population_new_users if new_users is None else new_users
    half = min(lifetimes(p, actor=False))
    lo, hi = p.time_window_start, min(p.time_window_end, p.time_now) + 1
    width = hi - lo
    # A client's cycles' first halves cover half of the window, each a
    # candidate in proportion to its arrivals over the share of users signed
    # up by then, relative to the fullest one (at the window's start).
    per_client = width / (2 * min(width, half)) if half > 0 else 1.0
    signup_hi = max(lo, min(p.time_window_end, p.time_now - half))
    t = lo + (np.arange(256) + 0.5) / 256 * width
    signed = 1 - nu * (1 - np.clip((t - lo) / (signup_hi - lo + 1), 0, 1))
    weight = signed.min() / signed
    after = np.cumsum(weight[::-1])[::-1] / len(t)  # weight from each time to the end
    signups = lo + (np.arange(8) + 0.5) / 8 * (signup_hi - lo)
    k = p.population_clients_per_user * per_client
    return Cycles(
        per_user=k * float(after[0]),
        new_spans=tuple(k * float(np.interp(x, t, after)) for x in signups),
        sessions_per_user=p.population_occupancy
        * p.population_clients_per_user
        * width
        / max(2 * half, 1),
        new_users=nu,
    )


def fit_new_users(p: Profile, seen: float, users: int, skew: float, n: int) -> float:
    """``population.new_users`` under which ``n`` sessions of ``p``'s cycles
    reach new users in the share ``seen`` of their users (new users have
    fewer cycles, and the least active are new, so fewer are seen)."""
    a = 1 / (1 + skew)

    def gap(nu: float) -> float:
        return cycles_of(p, nu).new_seen(users, a, n) - seen

    return round(root(gap, 0.0, 0.99, 1e-4), 3)


def _saturation(cand: Floats, w: Floats, size: int) -> float:
    """``lam`` with ``sum(cand * (1 - exp(-lam * w))) == size``: a cycle of
    activity ``w`` is taken with probability ``1 - exp(-lam * w)`` when
    ``size`` of them are drawn by the keys ``log(r) / w`` (Newton's method
    from 0, which approaches the root from below on this concave function)."""
    if size >= cand.sum():
        return math.inf
    lam = 0.0
    for _ in range(100):
        e = np.exp(-lam * w)
        g = float(np.sum(cand * -np.expm1(-lam * w))) - size
        step = -g / float(np.sum(cand * w * e))
        lam += step
        if abs(step) <= 1e-12 * lam:
            break
    return lam


def fit_population(counts: Sequence[int], cycles: Cycles | None = None) -> tuple[int, float]:
    """``(users, skew)`` that give, in expectation, as many distinct users as
    ``counts`` has and the same sum of squared counts (how concentrated they
    are), under the ``sessions`` layout or, given ``cycles``, that one."""
    n = sum(counts)
    distinct = len(counts)
    squares = sum(c * c for c in counts)

    def moments(users: int, skew: float) -> tuple[float, float]:
        a = 1 / (1 + skew)
        if cycles is not None:
            return cycles.moments(users, a, n)
        d, p2 = _user_moments(users, a, n)
        return d, n + n * (n - 1) * p2

    def users_for(skew: float) -> int:
        # The fewest users whose expected distinct count rounds to the observed
        # one: when every user is seen, more users would change nothing.
        def short(x: float) -> float:  # of log(users)
            return moments(math.floor(math.exp(x)), skew)[0] - (distinct - 0.5)

        # At least the users seen: a file longer than one population of
        # cycles (several populations' users) is fitted as one population
        # holding them all, which looks alike.
        lo, hi = math.log(distinct), math.log(MAX_USERS)
        if short(hi) < 0:
            return MAX_USERS
        if short(lo) >= 0:
            return distinct
        return max(distinct, round(math.exp(root(short, lo, hi))))

    def expected_squares(skew: float) -> tuple[float, int]:
        users = users_for(skew)
        return moments(users, skew)[1], users

    if distinct >= n:
        return users_for(0.0), 0.0
    low_sq, low_users = expected_squares(0.0)
    if squares <= low_sq:
        return low_users, 0.0
    most = MAX_SKEW if cycles is None else MAX_CYCLES_SKEW
    high_sq, high_users = expected_squares(most)
    if squares >= high_sq:
        return high_users, most
    skew = round(root(lambda x: expected_squares(x)[0] - squares, 0.0, most, 1e-3), 2)
    return users_for(skew), skew


def fit_clients(per_user: Sequence[tuple[int, int]]) -> int | None:
    """Clients per user: each session picks one of ``k`` clients of its user
    uniformly, so ``(sessions, clients)`` per user tells ``k``. None when no
    user has two sessions."""
    if not any(s > 1 for s, _ in per_user):
        return None
    seen = sum(c for _, c in per_user)

    def expected(k: float) -> float:
        return sum(k * -math.expm1(s * math.log1p(-1 / k)) if k > 1 else 1.0 for s, _ in per_user)

    if expected(MAX_CLIENTS) <= seen:
        return MAX_CLIENTS
    if expected(1) >= seen:
        return 1
    k = root(lambda k: expected(k) - seen, 1.0, MAX_CLIENTS)
    return min((math.floor(k), math.ceil(k)), key=lambda c: abs(expected(c) - seen))


_HOUR = 3_600_000
_DAY = 24 * _HOUR


def arrival_shape(created: Sequence[int], lo: int, hi: int) -> tuple[float, float, float]:
    """``(time.growth, time.daily, time.weekly)`` of the arrival rate of
    :class:`sessionfaker.plan.Arrival` that give creation times in ``[lo,
    hi]`` their mean position, mean phase of day and weekend share. Each
    stays at its steady value (1, 0, 0) unless the data departs from it by
    more than two standard errors.

    >>> arrival_shape(list(range(0, 70 * _DAY, _HOUR)), 0, 70 * _DAY)
    (1.0, 0.0, 0.0)
    """
    t = np.asarray(created, dtype=np.float64)
    t = t[(t >= lo) & (t <= hi)]
    n = len(t)
    if n < 2 or hi <= lo:
        return 1.0, 0.0, 0.0
    # Growth: the rate is growth ** x over the window (x from 0 to 1); the
    # mean of x is 1 / (1 - exp(-b)) - 1 / b for b = log(growth).
    mean = float(np.mean((t - lo) / (hi - lo)))
    growth = 1.0
    if abs(mean - 0.5) > 2 * math.sqrt(1 / 12 / n):

        def mean_of(b: float) -> float:
            return 0.5 if abs(b) < 1e-9 else 1 / -math.expm1(-b) - 1 / b

        growth = math.exp(root(lambda b: mean_of(b) - mean, -20.0, 20.0))
    # Daily: the rate is 1 - daily * (1 + cos(a)) / 2, a = 2 pi (hour - 3) / 24,
    # so the mean of cos(a) is -daily / (4 - 2 daily).
    cos = float(np.mean(np.cos(2 * np.pi * ((t % _DAY) / _HOUR - 3) / 24)))
    daily = 0.0
    if cos < -2 * math.sqrt(0.5 / n):
        daily = min(1.0, 4 * cos / (2 * cos - 1))
    # Weekly: weekend days (1970-01-01 was a Thursday) at 1 - weekly of the rate.
    weekend = float(np.mean(((t // _DAY).astype(np.int64) + 3) % 7 >= 5))
    days = np.arange(lo // _DAY, hi // _DAY + 1)
    cover = np.minimum(np.minimum((days + 1) * _DAY, hi) - np.maximum(days * _DAY, lo), _DAY)
    share = float(np.sum(cover * ((days + 3) % 7 >= 5)) / max(np.sum(cover), 1))
    weekly = 0.0
    if 0 < share < 1 and weekend < share - 2 * math.sqrt(share * (1 - share) / n):
        weekly = max(0.0, 1 - weekend * (1 - share) / (share * (1 - weekend)))
    return round(growth, 2), round(daily, 2), round(weekly, 2)
