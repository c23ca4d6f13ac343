"""The population fits of ``profiles infer``: how many users, how unevenly
sessions spread over them, how many clients each has, and pool sizes.

Each fit solves for the parameters whose expected value matches what was
observed, under the layout the generator uses (``population.model``:
independent draws for ``sessions``, sign-in cycles for ``cycles``). Pure
Python and numpy: :func:`root` stands in for ``scipy.optimize``, whose import
alone took most of the time of ``profiles infer``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..profile import Profile, lifetimes

__all__ = ["Cycles", "cycles_of", "fit_clients", "fit_population", "pool_size", "root"]

Floats = npt.NDArray[np.float64]
# Search bounds of the population fit.
MAX_USERS = 10**9
MAX_SKEW = 20.0
MAX_CLIENTS = 1000
_EXACT_HEAD = 1024
_BIN_RATIO = 1.01


def root(f: Callable[[float], float], lo: float, hi: float, xtol: float = 1e-6) -> float:
    """Where the increasing ``f`` crosses zero between ``lo`` and ``hi``.

    Regula falsi with the Illinois step (an end that stays put twice has its
    value halved) and a bisection every fourth step, so that it converges
    on step functions too; pure Python, to keep ``profiles infer`` from
    importing ``scipy.optimize`` (most of its start-up).

    >>> round(root(lambda x: x * x - 2, 0, 2), 6)
    1.414214
    """
    flo, fhi = f(lo), f(hi)
    if flo >= 0 or fhi <= 0:
        return lo if flo >= 0 else hi
    side = 0
    for step in range(1, 200):
        if hi - lo <= xtol:
            break
        x = (lo + hi) / 2 if step % 4 == 0 else hi - fhi * (hi - lo) / (fhi - flo)
        if not lo < x < hi:
            x = (lo + hi) / 2
        fx = f(x)
        if fx == 0:
            return x
        if fx < 0:
            lo, flo = x, fx
            fhi = fhi / 2 if side < 0 else fhi
            side = -1
        else:
            hi, fhi = x, fx
            flo = flo / 2 if side > 0 else flo
            side = 1
    return lo - flo * (hi - lo) / (fhi - flo)


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
    first; each user has ``per_user`` candidate cycles, a user who signed up
    inside the window ``new_share`` of that on average."""

    per_user: float
    sessions_per_user: float  # a population's sessions over its users
    new_users: float
    new_share: float

    def moments(self, users: int, a: float, n: int) -> tuple[float, float]:
        """Expected distinct users and sum of squared per-user counts."""
        old = max(1, users - round(users * self.new_users))
        width, w = _user_bins(users, a, old)
        edges = np.concatenate(([0.0], np.cumsum(width)))
        cand = np.where(edges[:-1] < old, self.per_user, self.per_user * self.new_share)
        size = max(1, round(self.sessions_per_user * users))
        lam = _saturation(width * cand, w, size)
        q = -np.expm1(-lam * w) if lam < math.inf else np.ones_like(w)
        full, rest = divmod(n, size)

        new = edges[:-1] >= old
        # New users' candidates depend on when they signed up: average over it.
        spans = self.per_user * (1 - (1 - self.new_share) * 2 * (np.arange(8) + 0.5) / 8)

        def spread(f: float) -> tuple[float, float]:
            pf = np.minimum(q * f, 1 - 1e-15)
            distinct = width * -np.expm1(cand * np.log1p(-pf))
            squares = width * (cand * pf * (1 - pf) + (cand * pf) ** 2)
            if new.any():
                c = spans[None, :]
                pn = pf[new][:, None]
                distinct[new] = width[new] * np.mean(-np.expm1(c * np.log1p(-pn)), axis=1)
                squares[new] = width[new] * np.mean(c * pn * (1 - pn) + (c * pn) ** 2, axis=1)
            return float(distinct.sum()), float(squares.sum())

        d1, s1 = spread(1.0) if full else (0.0, 0.0)
        d2, s2 = spread(rest / size)
        return full * d1 + d2, full * s1 + s2


def cycles_of(p: Profile) -> Cycles:
    """The :class:`Cycles` of profile ``p``, as :mod:`sessionfaker.plan` and
    :mod:`sessionfaker.population` lay out its sessions."""
    half = min(lifetimes(p, actor=False))
    lo, hi = p.time_window_start, min(p.time_window_end, p.time_now) + 1
    width = hi - lo
    # A client's cycles' first halves cover half of the window, each a
    # candidate in proportion to its arrivals, relative to the fullest one.
    per_client = width / (2 * min(width, half)) if half > 0 else 1.0
    signup_hi = max(lo, min(p.time_window_end, p.time_now - half))
    k = p.population_clients_per_user
    return Cycles(
        per_user=k * per_client,
        sessions_per_user=p.population_occupancy * k * width / max(2 * half, 1),
        new_users=p.population_new_users,
        new_share=(hi - (lo + signup_hi) / 2) / width,
    )


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
    high_sq, high_users = expected_squares(MAX_SKEW)
    if squares >= high_sq:
        return high_users, MAX_SKEW
    skew = round(root(lambda x: expected_squares(x)[0] - squares, 0.0, MAX_SKEW, 1e-3), 2)
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
