"""Plots of a report: shares as bars, durations and per-user counts as histograms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InvalidArgument, require_extra
from ..timeutil import format_instant
from .report import Stats
from .schema import DURATIONS
from .tally import OTHER

__all__ = ["PLOT_SUFFIXES", "plot_stats"]

PLOT_SUFFIXES = (".png", ".svg")
_DAY_MS = 86_400_000


def plot_stats(stats: Stats, path: str | Path) -> Path:
    """Draw the distributions (and the profile's, after a comparison) to a PNG or SVG file."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in PLOT_SUFFIXES:
        raise InvalidArgument(f"{out}: plots are .png or .svg files, not {suffix or 'no suffix'!r}")
    figure_mod = require_extra("plot", "matplotlib.figure", "--plot")
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
