"""Could a file have come from a profile? Two-sample tests against a reference sample.

:func:`compare_with_profile` draws a sample from the profile at the file's
reference time (with a fixed seed) and :func:`compare` runs a chi-square
test on each categorical share and a Kolmogorov-Smirnov test on each
duration and per-user count. A difference is significant when its
Holm-adjusted p-value is below ``alpha`` (a family-wise error rate).
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidArgument, ProfileError, require_extra
from ..generator import Generator
from ..profile import Profile
from ..timeutil import format_instant
from .report import Stats, _shares, percentiles
from .schema import DURATIONS, ComparisonReport, QuantityTest
from .tally import collect

__all__ = [
    "DEFAULT_ALPHA",
    "MIN_REFERENCE",
    "Comparison",
    "compare",
    "compare_with_profile",
    "holm",
]

DEFAULT_ALPHA = 0.05
# The reference sample drawn from a profile has at least this many sessions,
# so that its own noise is small next to the file's.
MIN_REFERENCE = 10_000


@dataclass
class Comparison:
    """The file against a reference sample of a profile."""

    profile: str
    seed: str
    alpha: float
    expected: Stats
    tests: list[QuantityTest]

    @property
    def significant(self) -> list[str]:
        """The quantities that differ significantly."""
        return [t.quantity for t in self.tests if t.significant]

    def to_dict(self) -> ComparisonReport:
        return {
            "profile": self.profile,
            "seed": self.seed,
            "reference_sessions": self.expected.sessions,
            "alpha": self.alpha,
            "correction": "holm",
            "significant": self.significant,
            "tests": [t.to_dict() for t in self.tests],
        }


def _scipy_stats() -> Any:
    return require_extra("stats", "scipy.stats", "comparing with a profile")


# Quantities that belong to a client, not a session: tested once per client,
# since every session of a client repeats its client's value.
PER_CLIENT_NOTE = "counted per client: a client keeps its device for life"


def _chi_square(
    name: str, obs: Mapping[str, int], exp: Mapping[str, int], note: str = ""
) -> QuantityTest:
    n_obs, n_exp = sum(obs.values()), sum(exp.values())
    observed = _shares(obs, n_obs)
    expected = _shares(exp, n_exp)
    if n_obs == 0 or n_exp == 0:
        which = "the file" if n_obs == 0 else "the profile's sample"
        return QuantityTest(
            name, "none", None, None, None, None, False, observed, expected, f"none in {which}"
        )
    # Categories absent from both samples carry no information.
    keys = [k for k in obs if obs[k] or exp.get(k, 0)]
    if len(keys) < 2:
        return QuantityTest(name, "chi-square", 0.0, 0, 1.0, None, False, observed, expected)
    table = [[obs[k] for k in keys], [exp.get(k, 0) for k in keys]]
    res = _scipy_stats().chi2_contingency(table)
    return QuantityTest(
        name,
        "chi-square",
        float(res.statistic),
        int(res.dof),
        float(res.pvalue),
        None,
        False,
        observed,
        expected,
        note,
    )


def _ks(name: str, obs: Sequence[float], exp: Sequence[float]) -> QuantityTest:
    observed = {"count": float(len(obs)), **_median(obs)}
    expected = {"count": float(len(exp)), **_median(exp)}
    if not obs or not exp:
        which = "the file" if not obs else "the profile's sample"
        return QuantityTest(
            name, "none", None, None, None, None, False, observed, expected, f"none in {which}"
        )
    with warnings.catch_warnings():
        # scipy picks the exact distribution for small samples and says so
        # when it falls back to the asymptotic one: both are fine here.
        warnings.filterwarnings(
            "ignore", "ks_2samp: Exact calculation unsuccessful", RuntimeWarning
        )
        res = _scipy_stats().ks_2samp(obs, exp)
    return QuantityTest(
        name,
        "kolmogorov-smirnov",
        float(res.statistic),
        None,
        float(res.pvalue),
        None,
        False,
        observed,
        expected,
    )


def _median(values: Sequence[float]) -> dict[str, float]:
    p = percentiles(values, digits=3)
    return {"median": p["p50"], "mean": p["mean"]} if p else {}


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the order given.

    >>> holm([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    k = len(p_values)
    out = [0.0] * k
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (k - rank) * p_values[i]))
        out[i] = round(running, 12)
    return out


def compare(
    observed: Stats,
    expected: Stats,
    *,
    alpha: float = DEFAULT_ALPHA,
    profile: str = "",
    seed: str = "",
) -> Comparison:
    """Two-sample tests of every quantity of ``observed`` against ``expected``."""
    if not 0 < alpha < 1:
        raise InvalidArgument(f"alpha must be between 0 and 1 ({alpha!r})")
    tests: list[QuantityTest] = []
    obs_cats, exp_cats = observed.categories(), expected.categories()
    for name, (counts, _) in obs_cats.items():
        if name == "activity.devices":
            obs_c, exp_c = observed.client_devices(), expected.client_devices()
            tests.append(_chi_square(name, obs_c, exp_c, PER_CLIENT_NOTE))
        else:
            tests.append(_chi_square(name, counts, exp_cats[name][0]))
    obs_d, exp_d = observed.durations(), expected.durations()
    for name in DURATIONS:
        tests.append(_ks(name, obs_d[name], exp_d[name]))
    tests.append(
        _ks("users.sessions_per_user", observed.sessions_per_user(), expected.sessions_per_user())
    )
    tests.append(
        _ks("users.clients_per_user", observed.clients_per_user(), expected.clients_per_user())
    )
    ran = [i for i, t in enumerate(tests) if t.p_value is not None]
    adjusted = holm([tests[i].p_value or 0.0 for i in ran])
    for i, adj in zip(ran, adjusted, strict=True):
        t = tests[i]
        tests[i] = QuantityTest(
            t.quantity,
            t.test,
            t.statistic,
            t.dof,
            t.p_value,
            adj,
            adj < alpha,
            t.observed,
            t.expected,
            t.note,
        )
    return Comparison(profile, seed, alpha, expected, tests)


def compare_with_profile(
    stats: Stats,
    profile: Profile,
    *,
    seed: int | str = 0,
    alpha: float = DEFAULT_ALPHA,
    size: int | None = None,
) -> Comparison:
    """Compare ``stats`` with a sample the profile generates at the same reference time.

    The sample has ``size`` sessions (default: as many as the file, at least
    :data:`MIN_REFERENCE`); its per-user counts use its first
    ``stats.sessions`` sessions, so that both sides spread the same number of
    sessions over their users. The result is also stored in ``stats.comparison``.
    """
    _scipy_stats()
    try:
        at_now = profile if profile.now == stats.now else profile.with_now(stats.now)
    except ProfileError as exc:
        raise InvalidArgument(
            f"{profile.source}: cannot compare at the reference time "
            f"{format_instant(stats.now)}: {exc.reason} (pick another with --now)"
        ) from None
    n = stats.sessions
    m = size if size is not None else max(n, MIN_REFERENCE)
    if m < 1:
        raise InvalidArgument(f"reference sample size must be >= 1 ({m})")
    sessions = Generator(at_now, seed).generate(0, m)
    sample = collect(enumerate(sessions, 1), check=False, population_limit=n)
    expected = Stats(profile.source, sample, at_now.now, "given", Counter(), 0)
    comparison = compare(stats, expected, alpha=alpha, profile=profile.source, seed=str(seed))
    stats.comparison = comparison
    return comparison
