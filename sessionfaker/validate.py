"""Validating sessions files against the structure, the rules and the policy.

Without a policy the checks are what Clerk guarantees, so a real export from
Clerk passes; with one (``validate --strict``) also what sessionfaker's
generator promises: the ``policy.*`` rules of :mod:`sessionfaker.rules`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .reader import read_sessions
from .rules import Checker, Policy, Violation


@dataclass
class Report:
    """What :func:`validate_file` found."""

    checked: int = 0
    failed: int = 0
    by_rule: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.checked > 0

    def summary(self) -> str:
        checked = f"{self.checked} session{'s' if self.checked != 1 else ''} checked"
        if self.ok:
            return f"{checked}: all pass"
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(self.by_rule.items()))
        total = sum(self.by_rule.values())
        return (
            f"{checked}: {self.failed} break{'s' if self.failed == 1 else ''} rules "
            f"({total} violation{'s' if total != 1 else ''}: {rules})"
        )


def check_records(
    records: Iterable[tuple[int, Any]],
    *,
    now: int | None = None,
    policy: Policy | None = None,
    report: Report | None = None,
) -> Iterator[tuple[int, Violation]]:
    """Yield ``(line, violation)`` for each broken rule, counting into ``report``
    (the ``now.*`` rules when ``now`` is given, the ``policy.*`` rules when
    ``policy`` is)."""
    checker = Checker(now=now, policy=policy)
    rep = report if report is not None else Report()
    for line, record in records:
        rep.checked += 1
        found = checker.check(record)
        if found:
            rep.failed += 1
            for v in found:
                rep.by_rule[v.rule] += 1
                yield line, v


def validate_file(
    source: str | Path | IO[str],
    *,
    now: int | None = None,
    policy: Policy | None = None,
) -> tuple[Report, list[tuple[int, Violation]]]:
    """Check every session of an NDJSON or JSON file (``-`` for stdin)."""
    report = Report()
    found = list(check_records(read_sessions(source), now=now, policy=policy, report=report))
    return report, found
