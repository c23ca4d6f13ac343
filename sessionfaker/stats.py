"""What a sessions file looks like, and whether it looks like a profile.

:func:`describe` reads sessions (NDJSON, a JSON array or Clerk's
``{"data": [...]}``) into :class:`Stats`: the status distribution, actor,
organisation and activity rates, the device and task mixes, percentiles of
four durations, sessions and clients per user, and rule violations by rule.
Durations that need a reference time (age, activity gap) use ``now`` when
given, else the latest ``created_at``, ``last_active_at`` or ``updated_at``
in the data.

:func:`compare_with_profile` asks whether the sessions could have come from
a profile. What a profile asks for is whatever the generator makes of it, so
the comparison draws a reference sample from the profile (at the file's
reference time, with a fixed seed) and runs two-sample tests: chi-square on
each categorical share, Kolmogorov-Smirnov on each duration and on the
per-user counts. Each test has a p-value; a difference is significant when
its Holm-adjusted p-value is below ``alpha`` (a family-wise error rate).

>>> from sessionfaker import generate, load_profile
>>> p = load_profile("default", now="2026-11-01T00:00:00Z")
>>> st = describe(enumerate(generate(p, 300, seed=1), 1))
>>> st.sessions, st.now_from, sum(st.sample.statuses.values())
(300, 'data', 300)
"""

from __future__ import annotations

import importlib
import math
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import IO, Any

from .errors import InputError, InvalidArgument, ProfileError, SessionfakerError
from .generator import Generator
from .profile import Profile
from .reader import read_sessions
from .rules import (
    ACTOR_KINDS,
    DEVICE_KINDS,
    MS_MAX,
    MS_MIN,
    RULES,
    STATUSES,
    TASK_KEYS,
    TIMESTAMP_FIELDS,
    Checker,
    actor_kind,
    check_session,
    device_kind,
)
from .timeutil import format_instant

__all__ = [
    "DEFAULT_ALPHA",
    "DURATIONS",
    "REPORT_SCHEMA",
    "SCHEMA_ID",
    "Comparison",
    "MissingExtraError",
    "QuantityTest",
    "Sample",
    "Stats",
    "collect",
    "compare",
    "compare_with_profile",
    "describe",
    "describe_file",
    "plot_stats",
]

SCHEMA_ID = "sessionfaker-stats/1"
OTHER = "other"
DURATIONS: dict[str, str] = {
    "lifetime": "expire_at - created_at",
    "abandon": "abandon_at - created_at",
    "age": "reference time - created_at",
    "activity_gap": "reference time - last_active_at",
}
PERCENTILES: tuple[tuple[str, float], ...] = (
    ("min", 0.0),
    ("p10", 0.10),
    ("p25", 0.25),
    ("p50", 0.50),
    ("p75", 0.75),
    ("p90", 0.90),
    ("p99", 0.99),
    ("max", 1.0),
)
DEFAULT_ALPHA = 0.05
TESTS = ("chi-square", "kolmogorov-smirnov", "none")
# The reference sample drawn from a profile has at least this many sessions,
# so that its own noise is small next to the file's.
MIN_REFERENCE = 10_000
# The rules that need the reference time, which is known only once the whole
# file has been read: they are checked afterwards, on the fields they read.
NOW_RULES = tuple(name for name in RULES if name.startswith("now."))
_NOW_FIELDS = ("status", *TIMESTAMP_FIELDS)
_USAGE_FIELDS = ("created_at", "last_active_at", "updated_at")


class MissingExtraError(SessionfakerError, ImportError):
    """An optional dependency of a feature is not installed."""


def require(module: str, feature: str, extra: str, hint: str = "") -> ModuleType:
    """Import ``module`` or say which extra installs it.

    >>> require("math", "sums", "stats").__name__
    'math'
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(
            f"{feature} needs {module.split('.')[0]}, from the '{extra}' extra: "
            f"pip install 'sessionfaker[{extra}]'{hint}"
        ) from None


# ---------------------------------------------------------------- collecting


def _ms(v: Any) -> int | None:
    """An epoch-milliseconds value the rules accept, else None."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    if isinstance(v, float) and not v.is_integer():
        return None
    n = int(v)
    return n if MS_MIN <= n <= MS_MAX else None


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _not_a_session(record: Any) -> str | None:
    """Why ``record`` is not a session, or None when it is one.

    A session is a JSON object whose ``object`` is ``session``; an object
    without ``object`` counts when it has a ``status`` or ``created_at``, so
    that hand-written files with a missing key are reported by rule.
    """
    if not isinstance(record, dict):
        return f"expected a JSON object, found {_kind_of(record)}"
    if "object" in record:
        obj = record["object"]
        if obj == "session":
            return None
        shown = repr(obj) if isinstance(obj, str) and len(obj) <= 40 else _kind_of(obj)
        return f"object is {shown}, not 'session'"
    if "status" in record or "created_at" in record:
        return None
    return 'a JSON object without "object": "session"'


@dataclass
class Sample:
    """Tallies of a stream of sessions, before a reference time is chosen."""

    sessions: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    actors: int = 0
    actor_kinds: Counter[str] = field(default_factory=Counter)
    impersonators: set[str] = field(default_factory=set)
    organizations: int = 0
    organization_ids: set[str] = field(default_factory=set)
    # Pending sessions whose tasks include choose-organization: they cannot
    # have an organisation yet.
    choosing_organization: int = 0
    activities: int = 0
    devices: Counter[str] = field(default_factory=Counter)
    ip_addresses: int = 0
    ipv6: int = 0
    pending_with_tasks: int = 0
    task_keys: Counter[str] = field(default_factory=Counter)
    # Each ordered list of task keys, and how many pending sessions have it.
    task_lists: Counter[tuple[str, ...]] = field(default_factory=Counter)
    tasks_per_session: Counter[int] = field(default_factory=Counter)
    created: list[int] = field(default_factory=list)
    last_active: list[int] = field(default_factory=list)
    plain_lifetime: list[int] = field(default_factory=list)
    actor_lifetime: list[int] = field(default_factory=list)
    abandon: list[int] = field(default_factory=list)
    user_sessions: Counter[str] = field(default_factory=Counter)
    user_clients: dict[str, set[str]] = field(default_factory=dict)
    latest: int | None = None
    checked: bool = False
    # The reference time the rules were checked at, if it was known up front.
    checked_at: int | None = None
    violations: Counter[str] = field(default_factory=Counter)
    broken: int = 0
    # (already broken, the fields the reference-time rules read), per session.
    timelines: list[tuple[bool, dict[str, Any]]] = field(default_factory=list, repr=False)

    @property
    def lifetime(self) -> list[int]:
        return self.plain_lifetime + self.actor_lifetime

    def add(self, record: Mapping[str, Any], *, population: bool = True) -> None:
        """Count one session (``population=False`` leaves the per-user tallies alone)."""
        self.sessions += 1
        status = record.get("status")
        status_key = status if isinstance(status, str) and status in STATUSES else OTHER
        self.statuses[status_key] += 1

        ts = {name: _ms(record.get(name)) for name in TIMESTAMP_FIELDS}
        for name in _USAGE_FIELDS:
            v = ts[name]
            if v is not None and (self.latest is None or v > self.latest):
                self.latest = v
        created, last_active = ts["created_at"], ts["last_active_at"]
        if created is not None:
            self.created.append(created)
        if last_active is not None:
            self.last_active.append(last_active)

        actor = record.get("actor")
        has_actor = isinstance(actor, dict)
        if has_actor:
            assert isinstance(actor, dict)
            self.actors += 1
            self.actor_kinds[actor_kind(actor)] += 1
            sub = actor.get("sub")
            if isinstance(sub, str):
                self.impersonators.add(sub)
        expire, abandon = ts["expire_at"], ts["abandon_at"]
        if created is not None and expire is not None:
            (self.actor_lifetime if has_actor else self.plain_lifetime).append(expire - created)
        if created is not None and abandon is not None:
            self.abandon.append(abandon - created)

        org = record.get("last_active_organization_id")
        if isinstance(org, str):
            self.organizations += 1
            self.organization_ids.add(org)

        activity = record.get("latest_activity")
        if isinstance(activity, dict):
            self.activities += 1
            self.devices[device_kind(activity)] += 1
            ip = activity.get("ip_address")
            if isinstance(ip, str):
                self.ip_addresses += 1
                self.ipv6 += ":" in ip

        tasks = record.get("tasks")
        if status == "pending" and isinstance(tasks, list) and tasks:
            keys = [
                t["key"]
                for t in tasks
                if isinstance(t, dict) and isinstance(t.get("key"), str) and t["key"] in TASK_KEYS
            ]
            if keys:
                self.pending_with_tasks += 1
                self.task_keys.update(keys)
                self.task_lists[tuple(keys)] += 1
                self.tasks_per_session[len(keys)] += 1
                self.choosing_organization += "choose-organization" in keys

        user, client = record.get("user_id"), record.get("client_id")
        if population and isinstance(user, str):
            self.user_sessions[user] += 1
            clients = self.user_clients.setdefault(user, set())
            if isinstance(client, str):
                clients.add(client)


def collect(
    records: Iterable[tuple[int, Any]],
    *,
    label: str = "<input>",
    check: bool = True,
    now: int | None = None,
    population_limit: int | None = None,
) -> Sample:
    """Tally ``(line, record)`` pairs, as :func:`~sessionfaker.reader.read_sessions` yields.

    A record that is not a session raises :class:`InputError` naming the
    line. ``check`` counts rule violations; the reference-time rules are
    checked at ``now`` when it is given, else they wait for :func:`finish`
    to take the reference time from the data. ``population_limit`` counts
    only the first so many sessions per user, to compare with a file of that
    many sessions.
    """
    sample = Sample(checked=check, checked_at=now)
    checker = Checker(now=now) if check else None
    for line, record in records:
        why = _not_a_session(record)
        if why is not None:
            raise InputError(f"{label}: line {line}: not a session ({why})")
        population = population_limit is None or sample.sessions < population_limit
        sample.add(record, population=population)
        if checker is not None:
            found = checker.check(record)
            sample.violations.update(v.rule for v in found)
            sample.broken += bool(found)
            if now is None:
                sample.timelines.append(
                    (bool(found), {k: record[k] for k in _NOW_FIELDS if k in record})
                )
    if sample.sessions == 0:
        raise InputError(f"{label}: no sessions")
    return sample


# ---------------------------------------------------------------- the report


def percentiles(values: Sequence[float], *, digits: int | None = 0) -> dict[str, float] | None:
    """Min, p10 ... p99, max and mean, interpolating linearly between ranks.

    >>> percentiles([1, 2, 3, 4])
    {'min': 1, 'p10': 1, 'p25': 2, 'p50': 2, 'p75': 3, 'p90': 4, 'p99': 4, 'max': 4, 'mean': 2}
    >>> percentiles([1, 2, 3, 4], digits=2)["p50"]
    2.5
    """
    if not values:
        return None
    s = sorted(values)
    last = len(s) - 1

    def at(q: float) -> float:
        pos = q * last
        lo = math.floor(pos)
        hi = min(lo + 1, last)
        return s[lo] + (s[hi] - s[lo]) * (pos - lo)

    def rounded(v: float) -> float:
        return round(v) if digits == 0 else (v if digits is None else round(v, digits))

    out = {name: rounded(at(q)) for name, q in PERCENTILES}
    out["mean"] = rounded(math.fsum(s) / len(s))
    return out


def _shares(counts: Mapping[str, int], total: int) -> dict[str, float]:
    return {k: (c / total if total else 0.0) for k, c in counts.items()}


def _ordered(counts: Counter[str], names: Sequence[str]) -> dict[str, int]:
    return {name: counts.get(name, 0) for name in names}


@dataclass
class Stats:
    """A sample with its reference time chosen and every rule checked."""

    source: str
    sample: Sample
    now: int
    now_from: str  # "data" (the latest timestamp) or "given"
    violations: Counter[str]
    broken: int
    comparison: Comparison | None = None

    @property
    def sessions(self) -> int:
        return self.sample.sessions

    def durations(self) -> dict[str, list[int]]:
        """Each of :data:`DURATIONS`, in milliseconds, for the sessions that have it."""
        s = self.sample
        return {
            "lifetime": s.lifetime,
            "abandon": s.abandon,
            "age": [self.now - c for c in s.created],
            "activity_gap": [self.now - la for la in s.last_active],
        }

    def sessions_per_user(self) -> list[int]:
        return list(self.sample.user_sessions.values())

    def clients_per_user(self) -> list[int]:
        return [len(c) for c in self.sample.user_clients.values()]

    def categories(self) -> dict[str, tuple[dict[str, int], int]]:
        """Each categorical quantity: its counts and what they are counted among."""
        s = self.sample
        n = s.sessions
        return {
            "status": (_ordered(s.statuses, (*STATUSES, OTHER)), n),
            "actor.rate": ({"with": s.actors, "without": n - s.actors}, n),
            "actor.kinds": (_ordered(s.actor_kinds, ACTOR_KINDS), s.actors),
            "organization.rate": (
                {"with": s.organizations, "without": n - s.organizations},
                n,
            ),
            "activity.rate": ({"with": s.activities, "without": n - s.activities}, n),
            "activity.devices": (_ordered(s.devices, DEVICE_KINDS), s.activities),
            "tasks.keys": (_ordered(s.task_keys, TASK_KEYS), sum(s.task_keys.values())),
            "tasks.per_session": (
                {str(k): s.tasks_per_session.get(k, 0) for k in (1, 2, 3)},
                s.pending_with_tasks,
            ),
        }

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data: the ``--json`` output, described by :data:`REPORT_SCHEMA`."""
        s = self.sample
        n = s.sessions
        cats = self.categories()

        def table(name: str) -> dict[str, Any]:
            counts, total = cats[name]
            return {"total": total, "counts": counts, "shares": _shares(counts, total)}

        per_user = self.sessions_per_user()
        out: dict[str, Any] = {
            "schema": SCHEMA_ID,
            "source": self.source,
            "sessions": n,
            "reference_time": format_instant(self.now),
            "reference_time_ms": self.now,
            "reference_time_from": self.now_from,
            "status": table("status"),
            "actor": {
                "sessions": s.actors,
                "rate": s.actors / n,
                "distinct_subjects": len(s.impersonators),
                "kinds": table("actor.kinds"),
            },
            "organization": {
                "sessions": s.organizations,
                "rate": s.organizations / n,
                "distinct": len(s.organization_ids),
            },
            "activity": {
                "sessions": s.activities,
                "rate": s.activities / n,
                "devices": table("activity.devices"),
                "ipv6_rate": s.ipv6 / s.ip_addresses if s.ip_addresses else 0.0,
            },
            "tasks": {
                "pending_with_tasks": s.pending_with_tasks,
                "keys": table("tasks.keys"),
                "per_session": table("tasks.per_session"),
            },
            "durations_ms": {
                name: {"count": len(values), "percentiles": percentiles(values)}
                for name, values in self.durations().items()
            },
            "users": {
                "distinct": len(per_user),
                "sessions_per_user": percentiles(per_user, digits=3),
                "clients_per_user": percentiles(self.clients_per_user(), digits=3),
            },
            "violations": {
                "sessions": self.broken,
                "total": sum(self.violations.values()),
                "by_rule": dict(sorted(self.violations.items())),
            },
            "comparison": self.comparison.to_dict() if self.comparison else None,
        }
        return out


def finish(sample: Sample, *, source: str = "<input>", now: int | None = None) -> Stats:
    """Choose the reference time and check the rules that depend on it."""
    if now is None:
        if sample.latest is None:
            raise InputError(
                f"{source}: no valid created_at, last_active_at or updated_at to take the "
                "reference time from (give one with --now)"
            )
        ref, ref_from = sample.latest, "data"
    else:
        ref, ref_from = now, "given"
    if sample.checked and sample.checked_at not in (None, ref):
        raise InvalidArgument(
            f"{source}: the rules were checked at {format_instant(sample.checked_at)}, "
            f"not at the reference time {format_instant(ref)}"
        )
    violations = Counter(sample.violations)
    broken = sample.broken
    for was_broken, fields in sample.timelines:
        found = [v.rule for v in check_session(fields, now=ref) if v.rule in NOW_RULES]
        violations.update(found)
        broken += bool(found) and not was_broken
    return Stats(source, sample, ref, ref_from, violations, broken)


def describe(
    records: Iterable[tuple[int, Any]],
    *,
    source: str = "<input>",
    now: int | None = None,
    check: bool = True,
) -> Stats:
    """The report of ``(line, record)`` pairs: :func:`collect` then :func:`finish`
    (``check=False`` skips the rules, and reports no violations)."""
    return finish(collect(records, label=source, check=check, now=now), source=source, now=now)


def describe_file(
    source: str | Path | IO[str], *, now: int | None = None, check: bool = True
) -> Stats:
    """The report of an NDJSON or JSON file (``-`` for stdin)."""
    if isinstance(source, str | Path):
        label = "<stdin>" if str(source) == "-" else str(source)
    else:
        label = str(getattr(source, "name", "<stream>"))
    return describe(read_sessions(source), source=label, now=now, check=check)


# ---------------------------------------------------------------- comparison


@dataclass(frozen=True)
class QuantityTest:
    """One two-sample test of one quantity."""

    quantity: str
    test: str  # "chi-square" or "kolmogorov-smirnov"; "none" when skipped
    statistic: float | None
    dof: int | None
    p_value: float | None
    p_adjusted: float | None
    significant: bool
    observed: dict[str, float]
    expected: dict[str, float]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "quantity": self.quantity,
            "test": self.test,
            "statistic": self.statistic,
            "dof": self.dof,
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "significant": self.significant,
            "observed": self.observed,
            "expected": self.expected,
            "note": self.note,
        }


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

    def to_dict(self) -> dict[str, Any]:
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
    return require("scipy.stats", "comparing with a profile", "stats")


def _chi_square(name: str, obs: Mapping[str, int], exp: Mapping[str, int]) -> QuantityTest:
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


# ---------------------------------------------------------------- plots

PLOT_SUFFIXES = (".png", ".svg")
_DAY_MS = 86_400_000


def plot_stats(stats: Stats, path: str | Path) -> Path:
    """Draw the distributions (and the profile's, after a comparison) to a PNG or SVG file."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in PLOT_SUFFIXES:
        raise InvalidArgument(f"{out}: plots are .png or .svg files, not {suffix or 'no suffix'!r}")
    figure_mod = require("matplotlib.figure", "--plot", "plot")
    fig = figure_mod.Figure(figsize=(14, 9), layout="constrained")
    axes = fig.subplots(2, 4)
    expected = stats.comparison.expected if stats.comparison else None
    cats = stats.categories()
    exp_cats = expected.categories() if expected else None
    for ax, name in zip(
        axes[0], ("status", "activity.devices", "actor.kinds", "tasks.keys"), strict=True
    ):
        counts, total = cats[name]
        if name == "status" and counts.get(OTHER, 0) == 0:
            counts = {k: v for k, v in counts.items() if k != OTHER}
        labels = list(counts)
        xs = range(len(labels))
        width = 0.4 if exp_cats else 0.8
        ax.bar(
            [x - (width / 2 if exp_cats else 0) for x in xs],
            [counts[k] / total if total else 0 for k in labels],
            width,
            label="file",
        )
        if exp_cats:
            exp_counts, exp_total = exp_cats[name]
            ax.bar(
                [x + width / 2 for x in xs],
                [exp_counts.get(k, 0) / exp_total if exp_total else 0 for k in labels],
                width,
                label="profile",
            )
            ax.legend(fontsize="small")
        ax.set_xticks(list(xs), labels, rotation=45, ha="right", fontsize="small")
        ax.set_title(f"{name} (n={total})", fontsize="medium")
        ax.set_ylabel("share")
    durations = stats.durations()
    exp_durations = expected.durations() if expected else {}
    for ax, name in zip(axes[1][:3], ("age", "activity_gap", "lifetime"), strict=True):
        _histograms(
            ax,
            [v / _DAY_MS for v in durations[name]],
            [v / _DAY_MS for v in exp_durations.get(name, [])],
        )
        ax.set_title(f"{name}: {DURATIONS[name]}", fontsize="medium")
        ax.set_xlabel("days")
        ax.set_ylabel("density")
    ax = axes[1][3]
    _histograms(
        ax,
        [float(c) for c in stats.sessions_per_user()],
        [float(c) for c in expected.sessions_per_user()] if expected else [],
        discrete=True,
    )
    ax.set_title("sessions per user", fontsize="medium")
    ax.set_xlabel("sessions")
    ax.set_ylabel("share of users")
    fig.suptitle(
        f"{stats.source}: {stats.sessions} sessions at {format_instant(stats.now)}"
        + (f" against {stats.comparison.profile}" if stats.comparison else "")
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format=suffix[1:])
    return out


def _histograms(
    ax: Any, observed: list[float], expected: list[float], *, discrete: bool = False
) -> None:
    """The file's values (and the profile's) as step histograms over one shared range."""
    both = observed + expected
    if not both:
        return
    lo, hi = min(both), max(both)
    if discrete:
        bins: Any = [x - 0.5 for x in range(int(lo), int(hi) + 2)]
    else:
        bins = 40
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
    for values, label in ((observed, "file"), (expected, "profile")):
        if values:
            ax.hist(
                values,
                bins=bins,
                range=None if discrete else (lo, hi),
                density=True,
                histtype="step",
                label=label,
                log=discrete,
            )
    if expected:
        ax.legend(fontsize="small")


# ---------------------------------------------------------------- the JSON schema

_NUMBER_MAP = {"type": "object", "additionalProperties": {"type": "number"}}
_COUNT_MAP = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
_PERCENTILES = {
    "oneOf": [
        {"type": "null"},
        {
            "type": "object",
            "required": [name for name, _ in PERCENTILES] + ["mean"],
            "properties": {name: {"type": "number"} for name, _ in (*PERCENTILES, ("mean", 0))},
            "additionalProperties": False,
        },
    ]
}


def _category_table(names: Sequence[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["total", "counts", "shares"],
        "additionalProperties": False,
        "properties": {
            "total": {"type": "integer", "minimum": 0},
            "counts": {**_COUNT_MAP, "required": list(names)},
            "shares": {**_NUMBER_MAP, "required": list(names)},
        },
    }


def _obj(props: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(props),
        "additionalProperties": False,
        "properties": dict(props),
    }


_RATE = {"type": "number", "minimum": 0, "maximum": 1}
_COUNT = {"type": "integer", "minimum": 0}
_NULLABLE_NUMBER = {"type": ["number", "null"]}

REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://sessionfaker.invalid/schemas/stats-1.json",
    "title": "sessionfaker stats report",
    **_obj(
        {
            "schema": {"const": SCHEMA_ID},
            "source": {"type": "string"},
            "sessions": {"type": "integer", "minimum": 1},
            "reference_time": {"type": "string"},
            "reference_time_ms": {"type": "integer"},
            "reference_time_from": {"enum": ["data", "given"]},
            "status": _category_table((*STATUSES, OTHER)),
            "actor": _obj(
                {
                    "sessions": _COUNT,
                    "rate": _RATE,
                    "distinct_subjects": _COUNT,
                    "kinds": _category_table(ACTOR_KINDS),
                }
            ),
            "organization": _obj({"sessions": _COUNT, "rate": _RATE, "distinct": _COUNT}),
            "activity": _obj(
                {
                    "sessions": _COUNT,
                    "rate": _RATE,
                    "devices": _category_table(DEVICE_KINDS),
                    "ipv6_rate": _RATE,
                }
            ),
            "tasks": _obj(
                {
                    "pending_with_tasks": _COUNT,
                    "keys": _category_table(TASK_KEYS),
                    "per_session": _category_table(("1", "2", "3")),
                }
            ),
            "durations_ms": _obj(
                {name: _obj({"count": _COUNT, "percentiles": _PERCENTILES}) for name in DURATIONS}
            ),
            "users": _obj(
                {
                    "distinct": _COUNT,
                    "sessions_per_user": _PERCENTILES,
                    "clients_per_user": _PERCENTILES,
                }
            ),
            "violations": _obj({"sessions": _COUNT, "total": _COUNT, "by_rule": _COUNT_MAP}),
            "comparison": {
                "oneOf": [
                    {"type": "null"},
                    _obj(
                        {
                            "profile": {"type": "string"},
                            "seed": {"type": "string"},
                            "reference_sessions": {"type": "integer", "minimum": 1},
                            "alpha": {
                                "type": "number",
                                "exclusiveMinimum": 0,
                                "exclusiveMaximum": 1,
                            },
                            "correction": {"const": "holm"},
                            "significant": {"type": "array", "items": {"type": "string"}},
                            "tests": {
                                "type": "array",
                                "items": _obj(
                                    {
                                        "quantity": {"type": "string"},
                                        "test": {"enum": list(TESTS)},
                                        "statistic": _NULLABLE_NUMBER,
                                        "dof": {"type": ["integer", "null"]},
                                        "p_value": _NULLABLE_NUMBER,
                                        "p_adjusted": _NULLABLE_NUMBER,
                                        "significant": {"type": "boolean"},
                                        "observed": _NUMBER_MAP,
                                        "expected": _NUMBER_MAP,
                                        "note": {"type": "string"},
                                    }
                                ),
                            },
                        }
                    ),
                ]
            },
        }
    ),
}
