"""Seeding throughput beside each engine's floor, measured in the same run.

For each engine, ``sessionfaker.sinks.db.seed`` loads N generated sessions into a
fresh table (the same code path as ``sessionfaker seed``), and the floor
loads the same N sessions, prepared before the clock starts, into a table
with the same DDL:

- SQLite: ``executemany`` of pre-built tuples on a connection set up as
  sessionfaker's (same page cache), in one transaction;
- PostgreSQL: ``psql``'s ``\\copy ... (FORMAT csv)`` of a pre-generated CSV;
- MariaDB: ``LOAD DATA LOCAL INFILE`` of a pre-generated file, through the
  ``mariadb`` client.

The target is at least half the floor's rows per second on every engine.

    .venv/bin/python benchmarks/seeding.py            # 1,000,000 sessions
    .venv/bin/python benchmarks/seeding.py -n 200000 --engines sqlite,postgresql
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sessionfaker.generator import Generator
from sessionfaker.profile import Profile, load_profile
from sessionfaker.schema import load_structure
from sessionfaker.sinks import db
from sessionfaker.sinks.csv import csv_text
from sessionfaker.sinks.db.dialects import create_table_sql
from sessionfaker.sinks.db.engines.mysql import connect_args
from sessionfaker.sinks.db.engines.sqlite import parameter_rows

NOW = "2026-11-01T00:00:00Z"
SEED = "bench"
# Per process, so that two runs (or a test suite's cleanup) never meet.
TABLE = f"sfbench_{os.getpid()}"
FLOOR_TABLE = f"sfbench_{os.getpid()}_floor"
TARGET = 0.5


def timed(run: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    run()
    return time.perf_counter() - t0


# -- floors


def sqlite_floor(path: Path, profile: Profile, n: int) -> float:
    rows = [tuple(r) for r in parameter_rows(list(Generator(profile, SEED).generate(0, n)))]
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA cache_size = -262144")
    marks = ", ".join("?" * len(load_structure().names))

    def load() -> None:
        conn.execute("BEGIN IMMEDIATE")
        for stmt in create_table_sql(FLOOR_TABLE, "sqlite").split(";\n"):
            if stmt.strip():
                conn.execute(stmt)
        conn.executemany(f'INSERT INTO "{FLOOR_TABLE}" VALUES ({marks})', rows)
        conn.execute("COMMIT")

    seconds = timed(load)
    conn.close()
    return seconds


def postgresql_floor(url: str, workdir: Path, profile: Profile, n: int) -> float:
    csv_path = workdir / "floor.csv"
    with open(csv_path, "w", encoding="utf-8") as f:
        for chunk_start in range(0, n, 50_000):
            batch = Generator(profile, SEED).generate(chunk_start, min(50_000, n - chunk_start))
            f.write(csv_text(batch))
    psql(url, f'DROP TABLE IF EXISTS "{FLOOR_TABLE}"')
    psql(url, create_table_sql(FLOOR_TABLE, "postgresql"))
    cols = ", ".join(f'"{c}"' for c in load_structure().names)
    seconds = timed(
        lambda: psql(url, f"\\copy \"{FLOOR_TABLE}\" ({cols}) FROM '{csv_path}' (FORMAT csv)")
    )
    psql(url, f'DROP TABLE IF EXISTS "{FLOOR_TABLE}"')
    return seconds


def psql(url: str, command: str) -> None:
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", command],
        check=True,
        stdout=subprocess.DEVNULL,
        env=dict(os.environ, PGOPTIONS="--client-min-messages=warning"),
    )


def mariadb_floor(url: str, workdir: Path, profile: Profile, n: int) -> float:
    # LOAD DATA reads an unquoted NULL as NULL; strings are quoted as in CSV.
    path = workdir / "floor.load"
    with open(path, "w", encoding="utf-8") as f:
        for chunk_start in range(0, n, 50_000):
            batch = Generator(profile, SEED).generate(chunk_start, min(50_000, n - chunk_start))
            f.write(csv_text(batch, null="NULL"))
    mariadb(url, f"DROP TABLE IF EXISTS `{FLOOR_TABLE}`")
    mariadb(url, create_table_sql(FLOOR_TABLE, "mysql"))
    load = (
        f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE `{FLOOR_TABLE}` CHARACTER SET utf8mb4 "
        "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' "
        "LINES TERMINATED BY '\\n'"
    )
    seconds = timed(lambda: mariadb(url, load, local_infile=True))
    mariadb(url, f"DROP TABLE IF EXISTS `{FLOOR_TABLE}`")
    return seconds


def mariadb(url: str, statement: str, *, local_infile: bool = False) -> None:
    a = connect_args(url)
    cmd = ["mariadb", "-h", a["host"], "-P", str(a["port"]), "-u", a["user"], a["database"]]
    if local_infile:
        cmd.insert(1, "--local-infile=1")
    env = dict(os.environ, MYSQL_PWD=a["password"])
    subprocess.run(cmd, input=statement.encode(), check=True, env=env)


# -- sessionfaker


def ours(url: str, profile: Profile, n: int) -> float:
    result = db.seed(url, profile, n, seed=SEED, table=TABLE, if_exists="replace")
    assert result.rows == n
    return result.seconds


def drop(url: str) -> None:
    if url.startswith("sqlite"):
        return
    if url.startswith("postgres"):
        psql(url, f'DROP TABLE IF EXISTS "{TABLE}"')
    else:
        mariadb(url, f"DROP TABLE IF EXISTS `{TABLE}`")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=1_000_000, help="sessions per engine")
    ap.add_argument("--engines", default="sqlite,postgresql,mysql")
    ap.add_argument(
        "--postgresql",
        default=os.environ.get(
            "SESSIONFAKER_TEST_POSTGRESQL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    ap.add_argument(
        "--mysql",
        default=os.environ.get("SESSIONFAKER_TEST_MYSQL", "mysql://root@127.0.0.1:3306/test"),
    )
    args = ap.parse_args(argv)
    n = args.n
    profile = load_profile("default", now=NOW)
    workdir = Path(tempfile.mkdtemp(prefix="sf-bench-"))
    print(f"seeding {n:,} sessions per engine (profile default, seed {SEED!r})", flush=True)
    print(f"{'engine':<11} {'sessionfaker':>14} {'floor':>14} {'ratio':>7}  floor method")
    ok = True
    try:
        for engine in args.engines.split(","):
            if engine == "sqlite":
                url = f"sqlite:///{workdir / 'ours.db'}"
                floor = sqlite_floor(workdir / "floor.db", profile, n)
                method = "executemany of pre-built tuples"
            elif engine == "postgresql":
                url = args.postgresql
                floor = postgresql_floor(url, workdir, profile, n)
                method = "psql \\copy of a pre-generated CSV"
            elif engine == "mysql":
                url = args.mysql
                floor = mariadb_floor(url, workdir, profile, n)
                method = "LOAD DATA LOCAL INFILE of a pre-generated file"
            else:
                ap.error(f"unknown engine {engine!r}")
            try:
                seconds = ours(url, profile, n)
            finally:
                drop(url)
            ratio = floor / seconds
            ok = ok and ratio >= TARGET
            print(
                f"{engine:<11} {n / seconds:>10,.0f} r/s {n / floor:>10,.0f} r/s "
                f"{ratio:>6.2f}x  {method}",
                flush=True,
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"target: at least {TARGET}x the floor on every engine: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
