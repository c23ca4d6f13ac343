"""Every benchmark in ``benchmarks/``, one after another, with one command.

    .venv/bin/pip install -e '.[test,bench]'
    .venv/bin/python benchmarks/run.py            # the figures in the README
    .venv/bin/python benchmarks/run.py --quick    # a smoke run of each
    .venv/bin/python benchmarks/run.py --only throughput,strategies

Each benchmark is a script that also runs alone, prints its own ratio
table and exits non-zero when a target is missed:

- ``throughput.py``: ``sessionfaker generate`` beside its peers, RSS in N,
  ``--jobs`` scaling, start-up;
- ``strategies.py``: ``sessionfaker.strategies`` inside ``@given``;
- ``seeding.py``: ``sessionfaker seed`` beside each database's bulk-load floor;
- ``tokens.py``: session-token signing beside PyJWT's ``jwt.encode``;
- ``realism.py``: issue 11's measures of a sample against their bars;
- ``server.py``: ``sessionfaker serve`` beside a bare Starlette endpoint (needs ``wrk``).

hypothesis-jsonschema, which throughput and strategies both measure, gets
one virtual environment under ``benchmarks/.venvs/`` (ignored by git).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
JSONSCHEMA_VENV = str(HERE / ".venvs" / "hypothesis-jsonschema")

# name: (script, arguments, arguments with --quick)
BENCHMARKS: dict[str, tuple[str, list[str], list[str]]] = {
    "throughput": ("throughput.py", [], ["--quick"]),
    "strategies": (
        "strategies.py",
        ["--jsonschema-venv", JSONSCHEMA_VENV],
        [
            "--jsonschema-venv",
            JSONSCHEMA_VENV,
            "--rounds",
            "1",
            "--examples",
            "200",
            "--schema-examples",
            "20",
        ],
    ),
    "seeding": ("seeding.py", [], ["-n", "100000"]),
    "tokens": ("tokens.py", [], ["--quick"]),
    "realism": ("realism.py", [], ["-n", "20000"]),
    "server": ("server.py", [], ["-n", "100000", "--seconds", "2", "--rounds", "1"]),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    ap.add_argument("--only", default="", help=f"comma-separated, from {', '.join(BENCHMARKS)}")
    args = ap.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        ap.error(f"unknown benchmark {unknown[0]!r} (known: {', '.join(BENCHMARKS)})")
    summary: list[tuple[str, str, float]] = []
    for name in names:
        script, full, quick = BENCHMARKS[name]
        path = HERE / script
        if not path.exists():
            summary.append((name, "not in this checkout", 0.0))
            continue
        print(f"\n===== {name}: {script} =====", flush=True)
        t0 = time.perf_counter()
        code = subprocess.run(
            [sys.executable, str(path), *(quick if args.quick else full)], check=False
        ).returncode
        outcome = "targets met" if code == 0 else f"targets NOT met or failed (exit {code})"
        summary.append((name, outcome, time.perf_counter() - t0))
    print("\n===== summary =====")
    for name, outcome, seconds in summary:
        print(f"{name:<12} {outcome:<45} {seconds:7.0f}s")
    return 0 if all(o == "targets met" for _, o, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
