"""How fast ``sessionfaker.strategies.sessions()`` runs inside ``@given``.

Run from the checkout: ``.venv/bin/python benchmarks/strategies.py``.

Four strategies for the same 14-field object, each measured as examples per
second of a ``@given`` test that does nothing (generate phase only, no
example database), median of ``--rounds`` rounds, all in one run:

- **floor**: Hypothesis' own cost for an object this size,
  ``st.fixed_dictionaries`` of 14 bounded integer fields;
- **sessions()**: sessionfaker's strategy with the default profile;
- **naive**: a hand-written ``@composite`` that follows the same rules but
  draws each id character by character and each dependent range as a new
  ``st.integers``;
- **from_schema**: ``hypothesis_jsonschema.from_schema`` on
  ``sessionfaker.rules.to_json_schema_with_rules()`` (the JSON
  Schema export with every rule JSON Schema can express: enums, id patterns,
  nested shapes). hypothesis-jsonschema 0.23.1
  breaks on hypothesis >= 6.170.10, so it runs in its own virtual
  environment (created on first use, outside the checkout by default) pinned
  to hypothesis 6.170.9; its examples come back as JSON and the core
  validator counts how many break the rules.

Targets: ``sessions()`` at least 0.5x the floor, faster than the naive
strategy, more than 25x ``from_schema``; the script exits 1 when one is
missed. Absolute numbers drift between runs on a shared machine; compare the
ratios of one run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sessionfaker import ids
from sessionfaker.profile import Profile, creation_range, lifetimes, load_profile
from sessionfaker.rules import (
    LIVE_STATUSES,
    STATUSES,
    TASK_KEYS,
    TRANSITION_STATUSES,
    Checker,
    to_json_schema_with_rules,
)
from sessionfaker.strategies import sessions

NOW = "2026-11-01T00:00:00Z"
JSONSCHEMA_PINS = ("hypothesis==6.170.9", "hypothesis-jsonschema==0.23.1")
DEFAULT_VENV = Path(tempfile.gettempdir()) / "sessionfaker-bench-jsonschema"
TARGETS = {"floor": 0.5, "naive": 1.0, "from_schema": 25.0}


def measure(strategy: st.SearchStrategy[Any], n: int) -> tuple[float, list[Any]]:
    """Examples per second of a do-nothing @given test over ``n`` examples."""
    seen: list[Any] = []

    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(x: Any) -> None:
        seen.append(x)

    start = time.perf_counter()
    run()
    return len(seen) / (time.perf_counter() - start), seen


def floor() -> st.SearchStrategy[dict[str, int]]:
    return st.fixed_dictionaries({f"f{i}": st.integers(0, 2**41) for i in range(14)})


def naive(p: Profile) -> st.SearchStrategy[dict[str, Any]]:
    """The same rules, written the obvious way."""
    now = p.time_now
    statuses = [s for s in STATUSES if p.status_weights[s] > 0]
    kinds = sorted(p.policy.actor_kinds)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        def ksuid(prefix: str, second: int) -> str:
            text = "".join(draw(st.sampled_from(ids.ALPHABET)) for _ in range(ids.KSUID_LENGTH))
            value = 0
            for ch in text:
                value = value * 62 + ids.ALPHABET.index(ch)
            return ids.make_id(prefix, second, value % 2**128)

        status = draw(st.sampled_from(statuses))
        has_actor = bool(kinds) and creation_range(p, status, actor=True) is not None
        has_actor = has_actor and draw(st.booleans())
        rng = creation_range(p, status, actor=has_actor)
        assert rng is not None
        life, abandon = lifetimes(p, actor=has_actor)
        created = draw(st.integers(*rng))
        la_hi = min(now, created + min(life, abandon) - 1)
        last_active = draw(st.integers(created, la_hi))
        if status == "expired":
            updated = created + life
        elif status == "abandoned":
            updated = created + abandon
        else:
            updated = draw(st.integers(last_active, now if status in LIVE_STATUSES else la_hi))
        assert status in LIVE_STATUSES or status in TRANSITION_STATUSES or updated > 0
        second = created // 1000
        user = ksuid("user_", second - draw(st.integers(0, 86_400)))
        tasks = None
        if status == "pending":
            keys = draw(st.lists(st.sampled_from(TASK_KEYS), min_size=1, max_size=1, unique=True))
            tasks = [{"key": k} for k in keys]
        org = None
        if not tasks or tasks[0]["key"] != "choose-organization":
            org = ksuid("org_", second) if draw(st.booleans()) else None
        actor = None
        if has_actor:
            kind = draw(st.sampled_from(kinds))
            sub = ksuid("user_", second - 1)
            actor = {"sub": sub, "type": "agent"} if kind == "agent" else {"sub": sub}
            if kind == "dashboard":
                actor = {
                    "iss": "https://dashboard.clerk.com",
                    "sid": ksuid("sess_", second - 1),
                    "sub": sub,
                }
        activity = None
        if draw(st.booleans()):
            mobile = draw(st.booleans())
            activity = {
                "object": "session_activity",
                "id": ksuid("sess_activity_", second - draw(st.integers(10, 40))),
                "is_mobile": mobile,
                "device_type": "iPhone" if mobile else "Macintosh",
                "browser_name": draw(st.sampled_from(["Chrome", "Safari", "Firefox"])),
                "ip_address": f"192.0.2.{draw(st.integers(1, 254))}",
                "country": draw(st.sampled_from(["US", "GB", "DE"])),
            }
        return {
            "object": "session",
            "id": ksuid("sess_", second),
            "user_id": user,
            "client_id": ksuid("client_", second - draw(st.integers(0, 86_400))),
            "actor": actor,
            "status": status,
            "last_active_organization_id": org,
            "last_active_at": last_active,
            "latest_activity": activity,
            "expire_at": created + life,
            "abandon_at": created + abandon,
            "updated_at": updated,
            "created_at": created,
            "tasks": tasks,
        }

    return build()


CHILD = textwrap.dedent(
    """
    import json, statistics, sys, time
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis_jsonschema import from_schema

    schema_path, n, rounds, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    schema = json.load(open(schema_path))
    rates, examples = [], []
    for r in range(rounds + 1):  # round 0 warms up (resolving the schema)
        seen = []

        @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(from_schema(schema))
        def run(x):
            seen.append(x)

        start = time.perf_counter()
        run()
        if r:
            rates.append(len(seen) / (time.perf_counter() - start))
            examples = seen
    json.dump({"rates": rates, "examples": examples}, open(out, "w"))
    """
)


def jsonschema_python(venv_dir: Path) -> Path:
    """The pinned environment's interpreter, creating it on first use."""
    python = venv_dir / "bin" / "python"
    stamp = venv_dir / "pins.txt"
    if not (python.exists() and stamp.exists() and stamp.read_text() == "\n".join(JSONSCHEMA_PINS)):
        print(f"creating {venv_dir} ({', '.join(JSONSCHEMA_PINS)})", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv_dir)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                *JSONSCHEMA_PINS,
            ],
            check=True,
        )
        stamp.write_text("\n".join(JSONSCHEMA_PINS))
    return python


def from_schema_run(venv_dir: Path, n: int, rounds: int) -> tuple[float, list[Any]]:
    python = jsonschema_python(venv_dir)
    with tempfile.TemporaryDirectory() as tmp:
        schema_path = Path(tmp) / "schema.json"
        schema_path.write_text(json.dumps(to_json_schema_with_rules()))
        out = Path(tmp) / "out.json"
        subprocess.run(
            [str(python), "-c", CHILD, str(schema_path), str(n), str(rounds), str(out)],
            check=True,
            cwd=tmp,
        )
        result = json.loads(out.read_text())
    return statistics.median(result["rates"]), result["examples"]


def broken(examples: list[Any], p: Profile) -> tuple[int, Counter[str], float]:
    """How many examples break a rule (policy included), which rules, and the
    share of distinct session ids."""
    rules: Counter[str] = Counter()
    bad = 0
    for s in examples:
        found = {v.rule for v in Checker(now=p.time_now, policy=p.policy).check(s)}
        bad += bool(found)
        rules.update(found)
    ids_ = [s.get("id") for s in examples if isinstance(s, dict)]
    distinct = len(set(map(str, ids_))) / len(ids_) if ids_ else 0.0
    return bad, rules, distinct


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=500, help="examples per round")
    parser.add_argument("--schema-examples", type=int, default=100, help="for from_schema")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jsonschema-venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--skip-jsonschema", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    p = load_profile("default", now=NOW)
    methods: dict[str, Callable[[], st.SearchStrategy[Any]]] = {
        "floor": floor,
        "sessions()": lambda: sessions(p),
        "naive": lambda: naive(p),
    }
    rates: dict[str, list[float]] = {name: [] for name in methods}
    samples: dict[str, list[Any]] = {}
    for make in methods.values():
        measure(make(), 50)  # warm-up: caches, the first draw's validation
    for _ in range(args.rounds):
        # Interleaved rounds, so drift on a shared machine hits all alike.
        for name, make in methods.items():
            rate, seen = measure(make(), args.examples)
            rates[name].append(rate)
            samples[name] = seen
    median = {name: statistics.median(r) for name, r in rates.items()}
    if not args.skip_jsonschema:
        median["from_schema"], samples["from_schema"] = from_schema_run(
            args.jsonschema_venv, args.schema_examples, args.rounds
        )

    report: dict[str, Any] = {"examples_per_second": median, "ratios": {}, "broken": {}}
    print(f"{'strategy':<14}{'examples/s':>12}   rule checks (core Checker, default profile)")
    for name, rate in median.items():
        if name == "floor":
            note = "(not sessions)"
        else:
            bad, rules, distinct = broken(samples[name], p)
            report["broken"][name] = {
                "examples": len(samples[name]),
                "breaking": bad,
                "rules": dict(rules.most_common()),
                "distinct_ids": distinct,
            }
            note = f"{bad} of {len(samples[name])} break rules"
            if rules:
                top = ", ".join(f"{r} {c}" for r, c in rules.most_common(4))
                note += f" ({top}); {distinct:.0%} distinct ids"
        print(f"{name:<14}{rate:>12.0f}   {note}")
    print()
    ok = True
    mine = median["sessions()"]
    for other, target in TARGETS.items():
        if other not in median:
            continue
        ratio = mine / median[other]
        report["ratios"][f"sessions()/{other}"] = ratio
        met = ratio >= target if other != "from_schema" else ratio > target
        ok &= met
        relation = ">=" if other != "from_schema" else ">"
        print(
            f"sessions() / {other:<12} {ratio:6.2f}x  "
            f"(target {relation} {target:g}x: {'met' if met else 'MISSED'})"
        )
    if "from_schema" in median:
        # Context for the last target: a @given strategy for this object does
        # not outrun the floor by much, so sessions()/from_schema is bounded
        # by about floor/from_schema.
        ceiling = median["floor"] / median["from_schema"]
        report["ratios"]["floor/from_schema"] = ceiling
        print(f"floor      / from_schema   {ceiling:6.2f}x  (context: Hypothesis' own floor)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
