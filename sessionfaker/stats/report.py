"""The report: :class:`Stats`, a :class:`~.tally.Sample` at a reference time.

:func:`describe` and :func:`describe_file` tally sessions and choose the
reference time (the latest ``created_at``, ``last_active_at`` or
``updated_at`` unless one is given); :meth:`Stats.to_dict` is the ``--json``
document, typed by :class:`~.schema.Report`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..errors import InputError, InvalidArgument
from ..reader import read_sessions
from ..rules import ACTOR_KINDS, DEVICE_KINDS, STATUSES, TASK_KEYS, check_session
from ..timeutil import format_instant
from .schema import PERCENTILES, SCHEMA_ID, TASK_COUNTS, CategoryTable, NowFrom, Report
from .tally import NOW_RULES, OTHER, Sample, collect

if TYPE_CHECKING:
    from .significance import Comparison

__all__ = ["Stats", "describe", "describe_file", "finish", "percentiles"]


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
    now_from: NowFrom
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

    def client_devices(self) -> dict[str, int]:
        """Clients of each device kind (each counted once, by its first activity)."""
        return _ordered(Counter(self.sample.client_devices.values()), DEVICE_KINDS)

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
                {k: s.tasks_per_session.get(int(k), 0) for k in TASK_COUNTS},
                s.pending_with_tasks,
            ),
        }

    def to_dict(self) -> Report:
        """The report as plain data: the ``--json`` output, described by
        :data:`~sessionfaker.stats.schema.REPORT_SCHEMA`."""
        s = self.sample
        n = s.sessions
        cats = self.categories()

        def table(name: str) -> CategoryTable:
            counts, total = cats[name]
            return {"total": total, "counts": counts, "shares": _shares(counts, total)}

        per_user = self.sessions_per_user()
        return {
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
            "realism": s.realism.report(min(s.created, default=self.now), self.now),
            "comparison": self.comparison.to_dict() if self.comparison else None,
        }


def finish(sample: Sample, *, source: str = "<input>", now: int | None = None) -> Stats:
    """Choose the reference time and check the rules that depend on it."""
    ref_from: NowFrom
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
