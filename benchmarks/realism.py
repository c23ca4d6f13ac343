"""Does a generated sample look like a real Clerk instance? (issue 11, "Measures")

Run from the checkout: ``.venv/bin/python benchmarks/realism.py``.

For every built-in profile except ``edge-cases`` (which is meant to be
strange), generates ``-n`` sessions (100,000 by default) with the same seed
and reference time, computes each measure of ``sessionfaker.measures`` and
prints it against the issue's bar:

- device, OS and browser constant within every client; every IP address one
  (city, country); every city a real place of its country;
- the sessions of one (user, client) follow one another in time: none is
  created before the one before it ended (``client_overlaps``);
- the last 7 days' creation density within 1.5x the window's mean (no
  profile declares growth or cycles yet); under 5% of impersonations created
  in the last 30 minutes;
- at most 10 live sessions per user at ``now`` in ``default`` (reported for
  the others); some users sign up inside the window;
- fewer than half of the expired sessions have ``updated_at == expire_at``;
- 0 session ids shared between two profiles at the same seed.

The other bars of the issue (0 violations of ``validate --strict``, 0 SDK
failures, byte identity, throughput) are measured by the tests and by
``throughput.py``. Exits 1 when a bar is missed.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Callable
from typing import Any

from sessionfaker import measures
from sessionfaker.generator import Generator
from sessionfaker.profile import builtin_names, load_profile

NOW = "2026-11-01T00:00:00Z"
SKIP = ("edge-cases",)

# measure name -> (the bar as text, test of the value), per profile when needed.
Bar = tuple[str, Callable[[float], bool]]
BARS: dict[str, Bar] = {
    "client_devices": ("share changing = 0", lambda v: v == 0),
    "ip_places": ("share with >1 place = 0", lambda v: v == 0),
    "unknown_cities": ("share unknown = 0", lambda v: v == 0),
    "recent_density": ("1/1.5 <= ratio <= 1.5", lambda v: 1 / 1.5 <= v <= 1.5),
    "late_actors": ("share < 0.05", lambda v: v < 0.05),
    "new_users": ("share > 0", lambda v: v > 0),
    "expired_at_expiry": ("share < 0.5", lambda v: v < 0.5),
    "client_overlaps": ("share overlapping = 0", lambda v: v == 0),
}
LIVE_BAR: dict[str, Bar] = {"default": ("max <= 10", lambda v: v <= 10)}


def _detail(result: dict[str, Any]) -> str:
    if "part" in result:
        return f"{result['part']:,}/{result['whole']:,}"
    if "recent" in result:
        return f"{result['recent']:,} in {result['days']:g}d of {result['total']:,}"
    return f"p50 {result['quantiles']['p50']}, p99 {result['quantiles']['p99']}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=100_000, help="sessions per profile")
    ap.add_argument("--seed", default="0")
    args = ap.parse_args(argv)
    names = [n for n in builtin_names() if n not in SKIP]
    print(f"{args.n:,} sessions per profile, seed {args.seed}, now {NOW}\n")
    print(f"{'profile':<16}{'measure':<19}{'value':>9}  {'detail':<28}{'bar':<24}result")
    missed = 0
    session_ids: dict[str, list[dict[str, str]]] = {}
    for name in names:
        p = load_profile(name, now=NOW)
        t0 = time.perf_counter()
        sample = list(Generator(p, args.seed).generate(0, args.n))
        tally = measures.collect(sample)
        report: dict[str, Any] = dict(tally.report(p.time_window_start, p.time_now))
        report["client_overlaps"] = tally.client_overlaps().as_dict()
        seconds = time.perf_counter() - t0
        for measure, result in report.items():
            bar = LIVE_BAR.get(name) if measure == "live_per_user" else BARS.get(measure)
            value = result["value"]
            if bar is None:
                verdict, text = "reported", "-"
            else:
                text, ok = bar[0], bar[1](value)
                verdict = "pass" if ok else "FAIL"
                missed += not ok
            shown = f"{value:.4f}" if isinstance(value, float) else str(value)
            print(f"{name:<16}{measure:<19}{shown:>9}  {_detail(result):<28}{text:<24}{verdict}")
        print(f"{name:<16}({seconds:.1f}s to generate and measure)")
        session_ids[name] = [{"id": s["id"]} for s in sample]
        del sample
    for a, b in itertools.combinations(names, 2):
        shared = measures.shared_ids(session_ids[a], session_ids[b])
        ok = shared.part == 0
        missed += not ok
        pair = f"{a} & {b}"
        print(
            f"{pair:<35}{shared.part:>9}  {'ids shared':<28}{'= 0':<24}{'pass' if ok else 'FAIL'}"
        )
    print(f"\n{missed} bar(s) missed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
