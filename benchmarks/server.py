"""``sessionfaker serve`` on 1,000,000 sessions beside a bare Starlette endpoint.

Both servers run at once, each in a process of its own on uvicorn with the
same settings; the bare one is Starlette with two routes returning constant
JSON bodies: one served session's text, and a page of ten, so that each
endpoint is compared with a floor sending the same bytes. The same load
generator, ``wrk`` with 32 connections, drives each in turn, interleaved
over several rounds:

- ``GET /v1/sessions/{id}``, a random id of the million each time;
- ``GET /v1/sessions?user_id=...&limit=10``, a random user each time;
- ``GET /v1/sessions?user_id=...&status=active&limit=10``;
- the two bare endpoints.

The targets: each served endpoint at least half the requests per second of
the bare endpoint sending as many bytes (the ratio to the one-session
floor is printed too); ready within 5 s and under 500 MB on 1,000,000
sessions (from the start of ``sessionfaker serve`` to its ready line; the
CPU seconds it and its workers spent are printed beside the wall time, as
other work on the machine stretches the latter). Memory is read from
/proc/PID/status once ready and after the load: the peak (``VmHWM``) once
ready and the anonymous RSS (``RssAnon``) are judged; the file-backed RSS
(``RssFile``, the mapped session texts requests touched, page cache the
kernel may drop) is printed beside them. What else runs on the machine is
printed at the start and the end (``top``).

    apt-get install wrk                                  # Debian's package
    .venv/bin/python benchmarks/server.py                # 1,000,000 sessions
    .venv/bin/python benchmarks/server.py -n 100000 --seconds 3 --rounds 1
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

NOW = "2026-11-01T00:00:00Z"
SEED = "bench"
KEY = "sk_test_bench"
CONNECTIONS = 32
TARGET_RATIO = 0.5
TARGET_READY_S = 5.0
TARGET_RSS_MB = 500.0
READY = re.compile(r"serving [\d,]+ sessions at (http://\S+/v1)")

BARE = """
import sys
import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

BODY = open(sys.argv[1], "rb").read()
PAGE = b"[" + b",".join([BODY] * 10) + b"]"


async def constant(request):
    return Response(BODY, media_type="application/json")


async def page(request):
    return Response(PAGE, media_type="application/json")


app = Starlette(routes=[Route("/constant", constant), Route("/page", page)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""

# wrk picks a random path of the file for every request.
LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local headers = {["Authorization"] = "Bearer %s"}
math.randomseed(%d)
request = function()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
"""


def cpu_s(pid: int) -> float:
    """CPU seconds of a process and of its children it has waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> dict[str, float]:
    """A process's resident memory in MB from /proc/PID/status: ``VmRSS``,
    its peak ``VmHWM``, and its two kinds, ``RssAnon`` (the process's own)
    and ``RssFile`` (mapped files: the server's session texts are one, and
    the pages requests touched count there, page cache the kernel may drop)."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return {k: int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM", "RssAnon", "RssFile")}


def busiest() -> str:
    """What else runs: the load average and the five busiest processes (``top``)."""
    out = subprocess.run(["top", "-bn1", "-w", "120"], capture_output=True, text=True).stdout
    lines = out.splitlines()
    head = next((i for i, line in enumerate(lines) if line.lstrip().startswith("PID")), 0)
    return "\n".join([lines[0], *lines[head : head + 6]]) if lines else "(no top)"


def start_serve(n: int) -> tuple[subprocess.Popen[str], str, float]:
    command = [sys.executable, "-c", "from sessionfaker.cli import main; main()", "serve"]
    args = ["-n", str(n), "--seed", SEED, "--now", NOW, "--secret-key", KEY]
    t0 = time.perf_counter()
    proc = subprocess.Popen(command + args, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    ready = time.perf_counter() - t0
    match = READY.search(line)
    if match is None:
        proc.kill()
        raise SystemExit(f"sessionfaker serve did not start: {line!r}")
    return proc, match.group(1), ready


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_bare(body: bytes, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    (workdir / "body.json").write_bytes(body)
    (workdir / "bare.py").write_text(BARE)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(workdir / "bare.py"), str(workdir / "body.json"), str(port)]
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):  # poll until it listens (not a timing measurement)
        try:
            httpx.get(url + "/constant")
            return proc, url
        except httpx.TransportError:
            if proc.poll() is not None:
                raise SystemExit("the bare Starlette server did not start") from None
            time.sleep(0.05)
    raise SystemExit("the bare Starlette server did not start")


def wrk(base: str, paths: list[str], seconds: int, workdir: Path, name: str) -> dict[str, float]:
    paths_file = workdir / f"{name}.paths"
    paths_file.write_text("\n".join(paths) + "\n")
    script = workdir / f"{name}.lua"
    script.write_text(LUA % (paths_file, KEY, random.randrange(2**31)))
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(script), base],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{name}: {errors.group(1)} error responses\n{out}")

    def pct(p: str) -> float:
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert m is not None, out
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
        return float(m.group(1)) * scale

    return {"rps": rps, "p50": pct("50"), "p99": pct("99")}


def sample(url: str, n: int) -> tuple[list[str], list[str], bytes]:
    """Random session ids and user ids from the running server, and one body."""
    rng = random.Random(1)
    ids: list[str] = []
    users: list[str] = []
    with httpx.Client(headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as client:
        for _ in range(20):
            offset = rng.randrange(max(1, n - 500))
            page = client.get(f"{url}/sessions", params={"limit": 500, "offset": offset}).json()
            ids += [s["id"] for s in page]
            users += [s["user_id"] for s in page]
        body = client.get(f"{url}/sessions/{ids[0]}").content
    return ids, sorted(set(users)), body


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=1_000_000, help="sessions served")
    ap.add_argument("--seconds", type=int, default=8, help="per wrk run")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    args = ap.parse_args(argv)
    if shutil.which("wrk") is None:
        print("benchmarks/server.py needs wrk: apt-get install wrk (Debian's package)")
        return 2
    print(f"at start:\n{busiest()}\n")
    with tempfile.TemporaryDirectory(prefix="sfbench-server-") as tmp:
        workdir = Path(tmp)
        serve, url, ready_s = start_serve(args.n)
        bare = None
        try:
            at_ready = memory_mb(serve.pid)
            ready_cpu = cpu_s(serve.pid)
            ids, users, body = sample(url, args.n)
            rng = random.Random(2)
            bare, bare_url = start_bare(body, workdir)
            root = url[: -len("/v1")]
            targets = {
                "bare Starlette, one session": (bare_url, ["/constant"]),
                "bare Starlette, a page of 10": (bare_url, ["/page"]),
                "GET /v1/sessions/{id}": (root, [f"/v1/sessions/{i}" for i in ids]),
                "GET /v1/sessions?user_id=": (
                    root,
                    [f"/v1/sessions?user_id={rng.choice(users)}&limit=10" for _ in range(5000)],
                ),
                "GET /v1/sessions?user_id=&status=active": (
                    root,
                    [
                        f"/v1/sessions?user_id={rng.choice(users)}&status=active&limit=10"
                        for _ in range(5000)
                    ],
                ),
            }
            results: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
            for _ in range(args.rounds):
                for i, (name, (base, paths)) in enumerate(targets.items()):
                    results[name].append(wrk(base, paths, args.seconds, workdir, f"t{i}"))
            after = memory_mb(serve.pid)
        finally:
            for proc in (serve, bare):
                if proc is not None:
                    proc.terminate()
                    proc.wait()
    print(f"at end:\n{busiest()}\n")
    ok = True
    medians = {
        name: {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50", "p99")}
        for name, runs in results.items()
    }
    one = medians["bare Starlette, one session"]["rps"]
    page = medians["bare Starlette, a page of 10"]["rps"]
    print(f"{args.n:,} sessions, wrk -t2 -c{CONNECTIONS}, {args.seconds} s x {args.rounds} rounds")
    print(
        f"{'endpoint':<42} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'of same-size floor':>19} {'of one-session floor':>21}"
    )
    for name, m in medians.items():
        line = f"{name:<42} {m['rps']:8.0f} {m['p50']:7.2f} {m['p99']:7.2f}"
        if not name.startswith("bare"):
            floor = one if name.startswith("GET /v1/sessions/{id}") else page
            ratio = m["rps"] / floor
            verdict = "" if ratio >= TARGET_RATIO else " (< 0.5x)"
            ok = ok and ratio >= TARGET_RATIO
            line += f" {ratio:18.2f}x{verdict} {m['rps'] / one:20.2f}x"
        print(line)
    print(f"\nready in {ready_s:.2f} s, {ready_cpu:.2f} CPU s (target < {TARGET_READY_S:g} s)")
    peak = at_ready["VmHWM"]  # the build's; later the map's pages raise it
    for when, m in (("once ready", at_ready), ("after the load", after)):
        print(
            f"RSS {when}: {m['RssAnon']:.0f} MB anonymous + {m['RssFile']:.0f} MB file pages"
            f" (the mapped session texts and libraries), peak {m['VmHWM']:.0f} MB"
        )
    print(f"(target < {TARGET_RSS_MB:g} MB: the peak once ready, and the anonymous RSS after)")
    if args.n >= 1_000_000:
        ok = ok and ready_s < TARGET_READY_S and peak < TARGET_RSS_MB
        ok = ok and after["RssAnon"] < TARGET_RSS_MB
    else:
        print("(fewer than 1,000,000 sessions: ready time and RSS are not judged)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
