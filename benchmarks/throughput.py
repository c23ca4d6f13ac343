"""Throughput, memory and scale-out of ``sessionfaker generate``, beside its peers.

Run from the checkout (needs the ``bench`` extra; hypothesis-jsonschema gets
a virtual environment of its own under ``benchmarks/.venvs/``, made on first
use):

    .venv/bin/python benchmarks/throughput.py            # about two minutes
    .venv/bin/python benchmarks/throughput.py --quick    # a smoke run

(``--quick`` runs are too short to judge the targets: sessionfaker's
start-up, counted in its figure, then outweighs the work.)

Every figure comes from a process of its own, and the peak RSS of each is
read from ``wait4``:

- **sessionfaker**: ``sessionfaker generate --format ndjson`` with stdout on
  /dev/null, timed from the outside, start-up included;
- **peers** (``benchmarks/peers.py``): plain Faker, Mimesis, polyfactory, a
  hand-written pure-Python generator and the orjson floor, each timed from
  inside after its set-up; hypothesis-jsonschema's ``from_schema`` on
  ``sessionfaker.rules.to_json_schema_with_rules()`` (the JSON
  Schema export with every rule JSON Schema can express: enums, id patterns,
  nested shapes), with fewer examples.

Rounds are interleaved (each method once per round) and the median of the
rounds is reported, because the machine is shared: compare ratios within one
run. A sample of every method's output goes through the core ``Checker``
(rules, with ``now``; sessionfaker's also through its own policy), and the
count of sessions breaking at least one rule is reported.

Then: peak RSS of 100,000 and 10,000,000 sessions (flat in N), ``--jobs 2``
against ``--jobs 1`` (best of the rounds, so that another process briefly
taking a core does not decide it), and the wall time of
``sessionfaker generate -n 1``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from sessionfaker.profile import load_profile
from sessionfaker.rules import Checker, to_json_schema_with_rules

HERE = Path(__file__).resolve().parent
NOW = "2026-11-01T00:00:00Z"
NOW_MS = 1_793_491_200_000
VENVS = HERE / ".venvs"
JSONSCHEMA_PINS = ("hypothesis==6.170.9", "hypothesis-jsonschema==0.23.1")
# Minimum ratio of sessionfaker's sessions/s to each peer's.
TARGETS = {"faker": 40.0, "mimesis": 4.0, "handwritten": 1.5, "floor": 0.4}
RSS_GROWTH = 1.10
RSS_LIMIT_MB = 100.0
JOBS_SPEEDUP = 1.7
STARTUP_S = 0.5


@dataclass
class Sizes:
    sessionfaker: int = 3_000_000
    floor: int = 3_000_000
    handwritten: int = 300_000
    mimesis: int = 60_000
    faker: int = 10_000
    polyfactory: int = 1_000
    from_schema: int = 40
    sample: int = 2_000
    rss_small: int = 100_000
    rss_large: int = 10_000_000
    jobs: int = 20_000_000
    rounds: int = 3
    startup_runs: int = 7


QUICK = Sizes(
    sessionfaker=300_000,
    floor=300_000,
    handwritten=30_000,
    mimesis=6_000,
    faker=1_000,
    polyfactory=100,
    from_schema=10,
    sample=500,
    rss_small=100_000,
    rss_large=1_000_000,
    jobs=600_000,
    rounds=1,
    startup_runs=3,
)


@dataclass
class Result:
    name: str
    count: int
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    bytes_per_session: float = 0.0
    rss_mb: float = 0.0
    broken: int = 0
    sampled: int = 0
    rules: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        """Sessions per second of wall time."""
        return self.count / statistics.median(self.seconds)

    @property
    def cpu_rate(self) -> float:
        """Sessions per CPU second: what one core does, whoever else runs."""
        return self.count / statistics.median(self.cpu)

    @property
    def mb_per_s(self) -> float:
        return self.rate * self.bytes_per_session / 1e6


@dataclass
class Child:
    wall: float
    cpu: float
    rss_mb: float
    stdout: bytes


def run(cmd: Sequence[str], *, stdout: Any = subprocess.DEVNULL) -> Child:
    """Wall and CPU seconds, peak RSS and stdout of one child process."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=stdout, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out = p.stdout.read() if p.stdout is not None else b""
        if p.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd)} failed:\n{err.read().decode(errors='replace')}")
    return Child(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out)


def sessionfaker_cmd(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("sessionfaker")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "sessionfaker"]
    return [*head, "generate", "--now", NOW, "--seed", "1", "--format", "ndjson", *args]


def peer_cmd(name: str, count: int, out: str = os.devnull) -> list[str]:
    return [sys.executable, str(HERE / "peers.py"), name, "--count", str(count), "--out", out]


def jsonschema_python() -> Path:
    """The interpreter of hypothesis-jsonschema's own venv, made on first use."""
    venv = VENVS / "hypothesis-jsonschema"
    python = venv / "bin" / "python"
    stamp = venv / "pins.txt"
    if not (python.exists() and stamp.exists() and stamp.read_text() == "\n".join(JSONSCHEMA_PINS)):
        print(f"creating {venv} ({', '.join(JSONSCHEMA_PINS)})", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *JSONSCHEMA_PINS],
            check=True,
        )
        stamp.write_text("\n".join(JSONSCHEMA_PINS))
    return python


FROM_SCHEMA = textwrap.dedent(
    """
    import json, sys, time, warnings
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis_jsonschema import from_schema

    schema = json.load(open(sys.argv[1]))
    n = int(sys.argv[2])
    found = []

    @settings(max_examples=n, phases=[Phase.generate], database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(from_schema(schema))
    def collect(session):
        found.append(session)

    t0, c0 = time.perf_counter(), time.process_time()
    collect()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    data = "".join(json.dumps(s, separators=(",", ":")) + "\\n" for s in found)
    with open(sys.argv[3], "w") as out:
        out.write(data)
    print(json.dumps({"seconds": seconds, "cpu": cpu, "count": len(found),
                      "bytes": len(data.encode())}))
    """
)


def check_sample(path: Path, *, policy: bool = False) -> tuple[int, int, Counter[str]]:
    """(sessions with a broken rule, sessions checked, rules broken) of an NDJSON file."""
    p = load_profile("default", now=NOW)
    checker = Checker(now=NOW_MS, policy=p.policy if policy else None)
    broken = 0
    rules: Counter[str] = Counter()
    lines = path.read_bytes().splitlines()
    for line in lines:
        found = {v.rule for v in checker.check(orjson.loads(line))}
        broken += bool(found)
        rules.update(found)
    return broken, len(lines), rules


def measure_throughput(sizes: Sizes, tmp: Path, skip: set[str]) -> dict[str, Result]:
    results: dict[str, Result] = {}
    schema_path = tmp / "schema.json"
    schema_path.write_text(json.dumps(to_json_schema_with_rules()))
    hjs = None if "from_schema" in skip else jsonschema_python()

    # Samples for the rule check, and each method's bytes per session.
    sample = tmp / "sessionfaker.ndjson"
    with sample.open("wb") as f:
        run(sessionfaker_cmd("-n", str(sizes.sample)), stdout=f)
    results["sessionfaker"] = Result("sessionfaker", sizes.sessionfaker)
    (
        results["sessionfaker"].broken,
        results["sessionfaker"].sampled,
        results["sessionfaker"].rules,
    ) = check_sample(sample, policy=True)
    results["sessionfaker"].bytes_per_session = sample.stat().st_size / sizes.sample
    peers = ["floor", "handwritten", "mimesis", "faker", "polyfactory"]
    peers = [p for p in peers if p not in skip]
    for name in peers:
        count = getattr(sizes, name)
        res = results[name] = Result(name, count)
        path = tmp / f"{name}.ndjson"
        n = min(sizes.sample, count)
        run(peer_cmd(name, n, str(path)), stdout=subprocess.PIPE)
        res.broken, res.sampled, res.rules = check_sample(path)
        res.bytes_per_session = path.stat().st_size / n

    for round_ in range(sizes.rounds):
        print(f"round {round_ + 1}/{sizes.rounds}", file=sys.stderr)
        sf = results["sessionfaker"]
        child = run(sessionfaker_cmd("-n", str(sf.count)))
        sf.seconds.append(child.wall)
        sf.cpu.append(child.cpu)
        sf.rss_mb = max(sf.rss_mb, child.rss_mb)
        for name in peers:
            res = results[name]
            child = run(peer_cmd(name, res.count), stdout=subprocess.PIPE)
            figures = json.loads(child.stdout)
            res.seconds.append(figures["seconds"])
            res.cpu.append(figures["cpu"])
            res.rss_mb = max(res.rss_mb, child.rss_mb)
        if hjs is not None:
            res = results.setdefault("from_schema", Result("from_schema", sizes.from_schema))
            path = tmp / "from_schema.ndjson"
            child = run(
                [str(hjs), "-c", FROM_SCHEMA, str(schema_path), str(sizes.from_schema), str(path)],
                stdout=subprocess.PIPE,
            )
            figures = json.loads(child.stdout)
            res.count = figures["count"]
            res.seconds.append(figures["seconds"])
            res.cpu.append(figures["cpu"])
            res.rss_mb = max(res.rss_mb, child.rss_mb)
            res.bytes_per_session = figures["bytes"] / max(1, figures["count"])
            res.broken, res.sampled, res.rules = check_sample(path)
    return results


def measure_rss(sizes: Sizes) -> tuple[float, float]:
    small = max(run(sessionfaker_cmd("-n", str(sizes.rss_small))).rss_mb for _ in range(2))
    large = run(sessionfaker_cmd("-n", str(sizes.rss_large))).rss_mb
    return small, large


def measure_jobs(sizes: Sizes) -> dict[int, list[float]]:
    walls: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(max(2, sizes.rounds)):
        for jobs in (1, 2):
            child = run(sessionfaker_cmd("-n", str(sizes.jobs), "--jobs", str(jobs)))
            walls[jobs].append(child.wall)
    return walls


def measure_startup(sizes: Sizes) -> list[float]:
    return [run(sessionfaker_cmd("-n", "1")).wall for _ in range(sizes.startup_runs)]


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, one round")
    ap.add_argument("--rounds", type=int, help="rounds of the throughput comparison")
    ap.add_argument("--skip", default="", help="comma-separated methods to leave out")
    ap.add_argument("--only", default="", help="throughput,rss,jobs,startup (default: all)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    sizes = QUICK if args.quick else Sizes()
    if args.rounds:
        sizes.rounds = args.rounds
    parts = set(args.only.split(",")) if args.only else {"throughput", "rss", "jobs", "startup"}
    skip = {s for s in args.skip.split(",") if s}
    report: dict[str, Any] = {"load_before": os.getloadavg()}
    ok = True
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    if "throughput" in parts:
        with tempfile.TemporaryDirectory() as tmp:
            results = measure_throughput(sizes, Path(tmp), skip)
        sf = results["sessionfaker"]
        print()
        print(f"NDJSON to /dev/null, median of {sizes.rounds} interleaved rounds. sessionfaker is")
        print("timed from outside, start-up included; ratios are of sessions per CPU second")
        print("(the machine is shared), wall-clock ratios beside them.")
        head = (
            f"{'method':<13}{'sessions':>10}{'sessions/s':>12}{'per CPU s':>12}{'MB/s':>6}"
            f"{'RSS MB':>8}{'broken':>11}{'sf ratio':>11}{'(wall)':>11}{'target':>11}"
        )
        print(head)
        print("-" * len(head))
        report["throughput"] = {}
        for name, res in results.items():
            ratio = sf.cpu_rate / res.cpu_rate
            wall_ratio = sf.rate / res.rate
            target = TARGETS.get(name)
            mark = "" if target is None else f">={target:g} {'ok' if ratio >= target else 'MISS'}"
            if target is not None:
                ok = ok and ratio >= target
            ratios = (f"{ratio:,.2f}x", f"{wall_ratio:,.2f}x")
            if name == "sessionfaker":
                ratios = ("", "")
            print(
                f"{name:<13}{res.count:>10,}{res.rate:>12,.0f}{res.cpu_rate:>12,.0f}"
                f"{res.mb_per_s:>6.0f}{res.rss_mb:>8.0f}{f'{res.broken}/{res.sampled}':>11}"
                f"{ratios[0]:>11}{ratios[1]:>11}{mark:>11}"
            )
            report["throughput"][name] = {
                "count": res.count,
                "seconds": res.seconds,
                "cpu_seconds": res.cpu,
                "sessions_per_s": res.rate,
                "sessions_per_cpu_s": res.cpu_rate,
                "mb_per_s": res.mb_per_s,
                "peak_rss_mb": res.rss_mb,
                "broken": res.broken,
                "sampled": res.sampled,
                "rules": dict(res.rules.most_common(5)),
                "ratio_cpu": ratio,
                "ratio_wall": wall_ratio,
            }
        print()
        for name, res in results.items():
            if res.rules:
                top = ", ".join(f"{r} {c}" for r, c in res.rules.most_common(4))
                print(f"  {name}: rules broken in the sample: {top}")

    if "rss" in parts:
        small, large = measure_rss(sizes)
        flat = large <= small * RSS_GROWTH and large < RSS_LIMIT_MB
        ok = ok and flat
        report["rss"] = {"small": [sizes.rss_small, small], "large": [sizes.rss_large, large]}
        print()
        print(
            f"peak RSS: {sizes.rss_small:,} sessions {small:.1f} MB, {sizes.rss_large:,} sessions "
            f"{large:.1f} MB ({large / small:.3f}x; target <= {RSS_GROWTH}x and < "
            f"{RSS_LIMIT_MB:g} MB: {verdict(flat)})"
        )

    if "jobs" in parts:
        walls = measure_jobs(sizes)
        best = min(walls[1]) / min(walls[2])
        median = statistics.median(walls[1]) / statistics.median(walls[2])
        ok = ok and best >= JOBS_SPEEDUP
        report["jobs"] = {"count": sizes.jobs, "walls": walls, "best": best, "median": median}
        print()
        print(
            f"--jobs 2 against --jobs 1, {sizes.jobs:,} sessions: {best:.2f}x (best walls "
            f"{min(walls[1]):.2f}s / {min(walls[2]):.2f}s), median {median:.2f}x; target >= "
            f"{JOBS_SPEEDUP}x: {verdict(best >= JOBS_SPEEDUP)}"
        )

    if "startup" in parts:
        walls_1 = measure_startup(sizes)
        fast = statistics.median(walls_1) < STARTUP_S
        ok = ok and fast
        report["startup"] = walls_1
        print()
        print(
            f"sessionfaker generate -n 1: median {statistics.median(walls_1):.3f}s, best "
            f"{min(walls_1):.3f}s; target < {STARTUP_S}s: {verdict(fast)}"
        )

    report["load_after"] = os.getloadavg()
    print()
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"throughput targets: {verdict(ok)}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
