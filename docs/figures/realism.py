"""Draw docs/realism.png: when sessions were created over the window, and
each status's share by creation day, for the built-in profiles.

    python docs/figures/realism.py   # needs the plot extra (matplotlib)
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from sessionfaker.generator import Generator
from sessionfaker.profile import load_profile
from sessionfaker.rules import STATUSES

NOW = "2026-11-01T00:00:00Z"
DAY = 86_400_000
N = 100_000
OUT = Path(__file__).resolve().parent.parent / "realism.png"
PROFILES = ("default", "support")


def main() -> None:
    fig, axes = plt.subplots(2, len(PROFILES), figsize=(12, 7), sharex="col")
    for col, name in enumerate(PROFILES):
        p = load_profile(name, now=NOW)
        sessions = list(Generator(p, 1).generate(0, N))
        days = (p.time_now - p.time_window_start) // DAY
        by_day: list[Counter[str]] = [Counter() for _ in range(days + 1)]
        actors = Counter[int]()
        for s in sessions:
            age = (p.time_now - s["created_at"]) // DAY
            by_day[days - age][s["status"]] += 1
            if s["actor"] is not None:
                actors[days - age] += 1
        x = [d - days for d in range(days + 1)]
        totals = [sum(c.values()) for c in by_day]
        ax = axes[0][col]
        ax.bar(x, totals, width=1.0, color="#4c72b0", label="all sessions")
        ax.bar(
            x,
            [actors[d] for d in range(days + 1)],
            width=1.0,
            color="#dd8452",
            label="impersonated",
        )
        ax.set_title(f"{name}: sessions created per day ({N:,} sessions)")
        ax.set_ylabel("sessions")
        ax.legend(loc="upper left")
        ax = axes[1][col]
        bottom = [0.0] * (days + 1)
        for status in STATUSES:
            share = [c[status] / t if t else 0.0 for c, t in zip(by_day, totals, strict=True)]
            if any(share):
                ax.bar(x, share, bottom=bottom, width=1.0, label=status)
                bottom = [b + s for b, s in zip(bottom, share, strict=True)]
        ax.set_title(f"{name}: status at time.now, by creation day")
        ax.set_xlabel("days before time.now")
        ax.set_ylabel("share")
        ax.legend(loc="upper left", fontsize="small", ncol=2)
    fig.tight_layout()
    fig.savefig(OUT, dpi=80)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
