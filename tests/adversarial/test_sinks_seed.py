"""Hostile input for ``seed`` (issue 9, sections 1, 3, 4 and 5), against every
engine: a ``--user-ids-query`` runs read-only and a query that would write
is refused with nothing changed; bad ids, URLs and files get one line; two
runs into one new table leave one winner; Ctrl-C leaves no shadow table.

Tables are named per test (``sf_<uuid>``) and dropped afterwards, so two
copies of the suite can run against the same servers at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import NOW
from ..test_seed import ENGINES, Engine, engine_for, seed_cli

REFUSED = "user ids query must only read: refused, nothing was changed"
MARIADB_SYNTAX = (
    "user ids query failed: You have an error in your SQL syntax; check the manual that "
    "corresponds to your MariaDB server version for the right syntax to use near "
)
VICTIM_ROWS = [("user_a",), ("user_b",), ("user_c",)]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    eng = engine_for(request.param, tmp_path)
    yield eng
    eng.cleanup()


def victim(eng: Engine) -> str:
    """A table of three user ids that no query may change."""
    t = eng.table()
    text = "VARCHAR(64)" if eng.name == "mysql" else "TEXT"
    eng.run(f"CREATE TABLE {eng.quote(t)} (id {text})")
    eng.run(f"INSERT INTO {eng.quote(t)} VALUES ('user_a'), ('user_b'), ('user_c')")
    return t


def rows(eng: Engine, table: str) -> list[tuple[object, ...]] | None:
    if not eng.exists(table):
        return None
    return sorted(eng.run(f"SELECT * FROM {eng.quote(table)}"))


def tables(eng: Engine) -> set[str]:
    """This test's tables (and their shadows) that exist: other runs on the
    same server come and go meanwhile."""
    if eng.name == "sqlite":
        q = "SELECT name FROM sqlite_master WHERE type = 'table'"
    elif eng.name == "postgresql":
        q = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    else:
        q = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
    return {str(r[0]) for r in eng.run(q) if str(r[0]).startswith(tuple(eng.tables))}


def seed_with_query(eng: Engine, target: str, query: str) -> tuple[int, str, str]:
    return seed_cli(
        eng.url, "-n", "5", "--now", NOW, "--table", target, "-q", "--user-ids-query", query
    )


# (engine, query): (exit code, the one line); {V} is the victim table.
OUTCOMES: dict[tuple[str, str], tuple[int, str]] = {
    ("sqlite", "DELETE FROM {v}"): (
        2,
        REFUSED + " (it starts with 'DELETE', not SELECT)",
    ),
    ("sqlite", "DELETE FROM {v} RETURNING id"): (
        2,
        REFUSED + " (it starts with 'DELETE', not SELECT)",
    ),
    ("sqlite", "DROP TABLE {v}"): (
        2,
        REFUSED + " (it starts with 'DROP', not SELECT)",
    ),
    ("sqlite", "TRUNCATE TABLE {v}"): (
        2,
        REFUSED + " (it starts with 'TRUNCATE', not SELECT)",
    ),
    ("sqlite", "UPDATE {v} SET id = 'x' RETURNING id"): (
        2,
        REFUSED + " (it starts with 'UPDATE', not SELECT)",
    ),
    ("sqlite", "UPDATE {v} SET id = 'x'"): (
        2,
        REFUSED + " (it starts with 'UPDATE', not SELECT)",
    ),
    ("sqlite", "INSERT INTO {v} VALUES ('user_x') RETURNING id"): (
        2,
        REFUSED + " (it starts with 'INSERT', not SELECT)",
    ),
    ("sqlite", "SELECT 'user_a'; DELETE FROM {v}"): (
        1,
        "user ids query failed: You can only execute one statement at a time.",
    ),
    ("sqlite", "COMMIT; DELETE FROM {v}"): (
        2,
        REFUSED + " (it starts with 'COMMIT', not SELECT)",
    ),
    ("sqlite", "WITH d AS (DELETE FROM {v} RETURNING id) SELECT id FROM d"): (
        1,
        'user ids query failed: near "DELETE": syntax error',
    ),
    ("sqlite", "CREATE TABLE {v}_x AS SELECT id FROM {v}"): (
        2,
        REFUSED + " (it starts with 'CREATE', not SELECT)",
    ),
    ("sqlite", "ALTER TABLE {v} ADD COLUMN extra INT"): (
        2,
        REFUSED + " (it starts with 'ALTER', not SELECT)",
    ),
    ("sqlite", "CREATE INDEX {v}_i ON {v} (id)"): (
        2,
        REFUSED + " (it starts with 'CREATE', not SELECT)",
    ),
    ("sqlite", "SELECT id FROM {v} FOR UPDATE"): (
        1,
        'user ids query failed: near "UPDATE": syntax error',
    ),
    ("sqlite", "REPLACE INTO {v} VALUES ('user_x')"): (
        2,
        REFUSED + " (it starts with 'REPLACE', not SELECT)",
    ),
    ("sqlite", "PRAGMA query_only = OFF"): (
        2,
        REFUSED + " (it starts with 'PRAGMA', not SELECT)",
    ),
    ("sqlite", "VACUUM"): (
        2,
        REFUSED + " (it starts with 'VACUUM', not SELECT)",
    ),
    ("sqlite", "ATTACH DATABASE '/tmp/sf_probe.db' AS other"): (
        2,
        REFUSED + " (it starts with 'ATTACH', not SELECT)",
    ),
    ("sqlite", "SET TRANSACTION READ WRITE"): (
        2,
        REFUSED + " (it starts with 'SET', not SELECT)",
    ),
    ("sqlite", "/* c */ (SELECT id FROM {v})"): (
        1,
        'user ids query failed: near "(": syntax error',
    ),
    ("sqlite", "-- x\nCOPY (SELECT 1) TO '/tmp/sf_probe_pg2'"): (
        2,
        REFUSED + " (it starts with 'COPY', not SELECT)",
    ),
    ("sqlite", "SELECT id INTO OUTFILE '/tmp/sf_probe_my2' FROM {v}"): (
        1,
        'user ids query failed: near "INTO": syntax error',
    ),
    ("sqlite", "EXPLAIN ANALYZE DELETE FROM {v}"): (
        2,
        REFUSED + " (it starts with 'EXPLAIN', not SELECT)",
    ),
    ("sqlite", "CALL nothing()"): (
        2,
        REFUSED + " (it starts with 'CALL', not SELECT)",
    ),
    ("sqlite", "DO $$ BEGIN DELETE FROM {v}; END $$"): (
        2,
        REFUSED + " (it starts with 'DO', not SELECT)",
    ),
    ("postgresql", "DELETE FROM {v}"): (
        2,
        REFUSED + " (it starts with 'DELETE', not SELECT)",
    ),
    ("postgresql", "DELETE FROM {v} RETURNING id"): (
        2,
        REFUSED + " (it starts with 'DELETE', not SELECT)",
    ),
    ("postgresql", "DROP TABLE {v}"): (
        2,
        REFUSED + " (it starts with 'DROP', not SELECT)",
    ),
    ("postgresql", "TRUNCATE TABLE {v}"): (
        2,
        REFUSED + " (it starts with 'TRUNCATE', not SELECT)",
    ),
    ("postgresql", "UPDATE {v} SET id = 'x' RETURNING id"): (
        2,
        REFUSED + " (it starts with 'UPDATE', not SELECT)",
    ),
    ("postgresql", "UPDATE {v} SET id = 'x'"): (
        2,
        REFUSED + " (it starts with 'UPDATE', not SELECT)",
    ),
    ("postgresql", "INSERT INTO {v} VALUES ('user_x') RETURNING id"): (
        2,
        REFUSED + " (it starts with 'INSERT', not SELECT)",
    ),
    ("postgresql", "SELECT 'user_a'; DELETE FROM {v}"): (
        1,
        "user ids query failed: cannot insert multiple commands into a prepared statement",
    ),
    ("postgresql", "COMMIT; DELETE FROM {v}"): (
        2,
        REFUSED + " (it starts with 'COMMIT', not SELECT)",
    ),
    ("postgresql", "WITH d AS (DELETE FROM {v} RETURNING id) SELECT id FROM d"): (
        2,
        REFUSED + " (cannot execute SELECT in a read-only transaction)",
    ),
    ("postgresql", "CREATE TABLE {v}_x AS SELECT id FROM {v}"): (
        2,
        REFUSED + " (it starts with 'CREATE', not SELECT)",
    ),
    ("postgresql", "ALTER TABLE {v} ADD COLUMN extra INT"): (
        2,
        REFUSED + " (it starts with 'ALTER', not SELECT)",
    ),
    ("postgresql", "CREATE INDEX {v}_i ON {v} (id)"): (
        2,
        REFUSED + " (it starts with 'CREATE', not SELECT)",
    ),
    ("postgresql", "SELECT id FROM {v} FOR UPDATE"): (
        2,
        REFUSED + " (cannot execute SELECT FOR UPDATE in a read-only transaction)",
    ),
    ("postgresql", "REPLACE INTO {v} VALUES ('user_x')"): (
        2,
        REFUSED + " (it starts with 'REPLACE', not SELECT)",
    ),
    ("postgresql", "PRAGMA query_only = OFF"): (
        2,
        REFUSED + " (it starts with 'PRAGMA', not SELECT)",
    ),
    ("postgresql", "VACUUM"): (
        2,
        REFUSED + " (it starts with 'VACUUM', not SELECT)",
    ),
    ("postgresql", "ATTACH DATABASE '/tmp/sf_probe.db' AS other"): (
        2,
        REFUSED + " (it starts with 'ATTACH', not SELECT)",
    ),
    ("postgresql", "SET TRANSACTION READ WRITE"): (
        2,
        REFUSED + " (it starts with 'SET', not SELECT)",
    ),
    ("postgresql", "/* c */ (SELECT id FROM {v})"): (0, ""),
    ("postgresql", "-- x\nCOPY (SELECT 1) TO '/tmp/sf_probe_pg2'"): (
        2,
        REFUSED + " (it starts with 'COPY', not SELECT)",
    ),
    ("postgresql", "SELECT id INTO OUTFILE '/tmp/sf_probe_my2' FROM {v}"): (
        1,
        "user ids query failed: syntax error at or near \"'/tmp/sf_probe_my2'\"",
    ),
    ("postgresql", "EXPLAIN ANALYZE DELETE FROM {v}"): (
        2,
        REFUSED + " (it starts with 'EXPLAIN', not SELECT)",
    ),
    ("postgresql", "CALL nothing()"): (
        2,
        REFUSED + " (it starts with 'CALL', not SELECT)",
    ),
    ("postgresql", "DO $$ BEGIN DELETE FROM {v}; END $$"): (
        2,
        REFUSED + " (it starts with 'DO', not SELECT)",
    ),
    ("mysql", "DELETE FROM {v}"): (
        2,
        REFUSED + " (it starts with 'DELETE', not SELECT)",
    ),
    ("mysql", "DELETE FROM {v} RETURNING id"): (
        2,
        REFUSED + " (it starts with 'DELETE', not SELECT)",
    ),
    ("mysql", "DROP TABLE {v}"): (
        2,
        REFUSED + " (it starts with 'DROP', not SELECT)",
    ),
    ("mysql", "TRUNCATE TABLE {v}"): (
        2,
        REFUSED + " (it starts with 'TRUNCATE', not SELECT)",
    ),
    ("mysql", "UPDATE {v} SET id = 'x' RETURNING id"): (
        2,
        REFUSED + " (it starts with 'UPDATE', not SELECT)",
    ),
    ("mysql", "UPDATE {v} SET id = 'x'"): (
        2,
        REFUSED + " (it starts with 'UPDATE', not SELECT)",
    ),
    ("mysql", "INSERT INTO {v} VALUES ('user_x') RETURNING id"): (
        2,
        REFUSED + " (it starts with 'INSERT', not SELECT)",
    ),
    ("mysql", "SELECT 'user_a'; DELETE FROM {v}"): (
        1,
        MARIADB_SYNTAX + "'DELETE FROM `{V}`' at line 1",
    ),
    ("mysql", "COMMIT; DELETE FROM {v}"): (
        2,
        REFUSED + " (it starts with 'COMMIT', not SELECT)",
    ),
    ("mysql", "WITH d AS (DELETE FROM {v} RETURNING id) SELECT id FROM d"): (
        1,
        MARIADB_SYNTAX + "'DELETE FROM `{V}` RETURNING id) SELECT id FROM d' at line 1",
    ),
    ("mysql", "CREATE TABLE {v}_x AS SELECT id FROM {v}"): (
        2,
        REFUSED + " (it starts with 'CREATE', not SELECT)",
    ),
    ("mysql", "ALTER TABLE {v} ADD COLUMN extra INT"): (
        2,
        REFUSED + " (it starts with 'ALTER', not SELECT)",
    ),
    ("mysql", "CREATE INDEX {v}_i ON {v} (id)"): (
        2,
        REFUSED + " (it starts with 'CREATE', not SELECT)",
    ),
    ("mysql", "SELECT id FROM {v} FOR UPDATE"): (
        2,
        REFUSED + " (Cannot execute statement in a READ ONLY transaction)",
    ),
    ("mysql", "REPLACE INTO {v} VALUES ('user_x')"): (
        2,
        REFUSED + " (it starts with 'REPLACE', not SELECT)",
    ),
    ("mysql", "PRAGMA query_only = OFF"): (
        2,
        REFUSED + " (it starts with 'PRAGMA', not SELECT)",
    ),
    ("mysql", "VACUUM"): (
        2,
        REFUSED + " (it starts with 'VACUUM', not SELECT)",
    ),
    ("mysql", "ATTACH DATABASE '/tmp/sf_probe.db' AS other"): (
        2,
        REFUSED + " (it starts with 'ATTACH', not SELECT)",
    ),
    ("mysql", "SET TRANSACTION READ WRITE"): (
        2,
        REFUSED + " (it starts with 'SET', not SELECT)",
    ),
    ("mysql", "/* c */ (SELECT id FROM {v})"): (0, ""),
    ("mysql", "-- x\nCOPY (SELECT 1) TO '/tmp/sf_probe_pg2'"): (
        2,
        REFUSED + " (it starts with 'COPY', not SELECT)",
    ),
    ("mysql", "SELECT id INTO OUTFILE '/tmp/sf_probe_my2' FROM {v}"): (
        2,
        REFUSED + " (SELECT ... INTO writes)",
    ),
    ("mysql", "EXPLAIN ANALYZE DELETE FROM {v}"): (
        2,
        REFUSED + " (it starts with 'EXPLAIN', not SELECT)",
    ),
    ("mysql", "CALL nothing()"): (
        2,
        REFUSED + " (it starts with 'CALL', not SELECT)",
    ),
    ("mysql", "DO $$ BEGIN DELETE FROM {v}; END $$"): (
        2,
        REFUSED + " (it starts with 'DO', not SELECT)",
    ),
}


@pytest.mark.parametrize(("name", "query"), sorted(OUTCOMES))
def test_a_user_ids_query_runs_read_only(name: str, query: str, tmp_path: Path) -> None:
    eng = engine_for(name, tmp_path)
    try:
        v = victim(eng)
        target = eng.table()
        before = tables(eng)
        code, message = OUTCOMES[name, query]
        sql = query.format(v=eng.quote(v))
        assert seed_with_query(eng, target, sql) == (
            code,
            "",
            f"Error: {message.replace('{V}', v)}\n" if code else "",
        )
        assert rows(eng, v) == VICTIM_ROWS
        if code:
            assert tables(eng) == before
        else:  # a query that only reads seeds, with the victim's ids
            assert {r[0] for r in eng.run(f"SELECT user_id FROM {eng.quote(target)}")} <= {
                "user_a",
                "user_b",
                "user_c",
            }
    finally:
        eng.cleanup()


# -- what a query returns


RESULTS = [
    ("SELECT NULL", "user ids query returned NULL in row 1: user ids must be text"),
    ("SELECT 42", "user ids query returned int '42' in row 1: user ids must be text"),
    ("SELECT ''", "user ids query returned an empty user id in row 1"),
    ("SELECT '   '", "user ids query returned an empty user id in row 1"),
    ("SELECT 'user_a' WHERE 1 = 0", "user ids query returned no rows: SELECT 'user_a' WHERE 1 = 0"),
]


@pytest.mark.parametrize(("query", "message"), RESULTS)
def test_ids_that_are_not_ids_seed_nothing(engine: Engine, query: str, message: str) -> None:
    target = engine.table()
    before = tables(engine)
    assert seed_with_query(engine, target, query) == (1, "", f"Error: {message}\n")
    assert tables(engine) == before


def test_a_null_after_good_ids_seeds_nothing(engine: Engine) -> None:
    v = victim(engine)
    engine.run(f"INSERT INTO {engine.quote(v)} VALUES (NULL)")
    target = engine.table()
    before = tables(engine)
    query = f"SELECT id FROM {engine.quote(v)} ORDER BY id IS NULL, id"
    assert seed_with_query(engine, target, query) == (
        1,
        "",
        "Error: user ids query returned NULL in row 4: user ids must be text\n",
    )
    assert tables(engine) == before


def test_a_huge_result_is_cut_and_refused(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from sessionfaker.sinks.db import user_ids

    monkeypatch.setattr(user_ids, "MAX_USER_IDS", 3)
    v = victim(engine)
    engine.run(f"INSERT INTO {engine.quote(v)} VALUES ('user_d')")
    target = engine.table()
    before = tables(engine)
    assert seed_with_query(engine, target, f"SELECT id FROM {engine.quote(v)}") == (
        1,
        "",
        "Error: user ids query returned more than 3 rows (add a LIMIT)\n",
    )
    assert tables(engine) == before


# -- URLs and id files


@pytest.mark.parametrize(
    ("url", "code", "message"),
    [
        ("postgresql://[::1", 2, "malformed database URL 'postgresql://[::1' (Invalid IPv6 URL)"),
        ("mysql://[::1/test", 2, "malformed database URL 'mysql://[::1/test' (Invalid IPv6 URL)"),
        (
            "postgresql://u:secret@[::1/x",
            2,
            "malformed database URL 'postgresql://u:***@[::1/x' (Invalid IPv6 URL)",
        ),
        (
            "postgresql://127.0.0.1:99999/test",
            2,
            "malformed database URL 'postgresql://127.0.0.1:99999/test' "
            "(Port out of range 0-65535)",
        ),
        (
            "postgresql://127.0.0.1:port/test",
            2,
            "malformed database URL 'postgresql://127.0.0.1:port/test' "
            "(Port could not be cast to integer value as 'port')",
        ),
        (
            "postgresql://127.0.0.1:5432",
            2,
            "postgresql://127.0.0.1:5432: no database name (postgresql://user@host/DATABASE)",
        ),
        (
            "postgres://127.0.0.1:5432/",
            2,
            "postgres://127.0.0.1:5432/: no database name (postgresql://user@host/DATABASE)",
        ),
        (
            "ftp://x/y",
            2,
            "unsupported database URL 'ftp://x/y' (known schemes: mariadb://, mysql://, "
            "postgres://, postgresql://, sqlite://)",
        ),
        (
            "",
            2,
            "unsupported database URL '' (known schemes: mariadb://, mysql://, postgres://, "
            "postgresql://, sqlite://)",
        ),
        ("sqlite://", 2, "sqlite://: no database path (sqlite:///path.db)"),
        ("sqlite:///", 2, "sqlite:///: no database path (sqlite:///path.db)"),
    ],
)
def test_malformed_urls_are_one_line(url: str, code: int, message: str) -> None:
    assert seed_cli(url, "-n", "1", "--now", NOW) == (code, "", f"Error: {message}\n")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"user_a\n\xff\xfe\n", "{path}: not UTF-8 text (byte 8)"),
        (b"\x80", "{path}: not UTF-8 text (byte 1)"),
        (b"", "{path}: no user ids"),
        (b"\n  \n\t\n", "{path}: no user ids"),
        (None, "{path}: cannot read user ids (No such file or directory)"),
        ("dir", "{path}: cannot read user ids (Is a directory)"),
    ],
)
def test_bad_user_id_files_are_one_line(
    content: bytes | str | None, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "ids.txt"
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    code, out, err = seed_cli(url, "-n", "1", "--now", NOW, "--user-ids-from", str(path))
    assert (code, out, err) == (2, "", f"Error: {message.format(path=path)}\n")
    assert not (tmp_path / "x.db").exists()


# -- two runs at once, and Ctrl-C


def _children(args: list[list[str]]) -> list[tuple[int, bytes]]:
    import subprocess

    from ._sinks import spawn

    procs = [spawn(a, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for a in args]
    out = []
    try:
        for p in procs:
            _, err = p.communicate(timeout=300)
            out.append((p.returncode, err))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    return out


@pytest.mark.parametrize("if_exists", ["fail", "append"])
def test_two_runs_into_one_new_table_leave_one_winner(engine: Engine, if_exists: str) -> None:
    target = engine.table()
    before = tables(engine)
    args = ["seed", engine.url, "-n", "20000", "--now", NOW, "--table", target, "-q"]
    results = _children([[*args, "--seed", "a", "--if-exists", if_exists], [*args, "--seed", "b"]])
    codes = sorted(code for code, _ in results)
    if if_exists == "append":
        # The second run into the table the first made: both land, or the
        # plain one finds the table there.
        assert codes in ([0, 0], [0, 1])
        assert engine.count(target) == 20000 * codes.count(0)
    else:
        assert codes == [0, 1]
        assert engine.count(target) == 20000
    for code, err in results:
        if code:
            assert (
                err
                == (
                    f"Error: table {target} already exists "
                    "(use --if-exists append, replace or truncate)\n"
                ).encode()
            )
    assert tables(engine) == before | {target}


@pytest.mark.parametrize("batch", ["100", "1000", "5000"])
def test_ctrl_c_during_a_mariadb_replace_leaves_no_shadow(batch: str, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import time

    from sessionfaker.sinks.db.engines.mysql import SHADOW

    from ._sinks import spawn

    eng = engine_for("mysql", tmp_path)
    try:
        target = eng.table()
        code, _, err = seed_cli(eng.url, "-n", "5", "--now", NOW, "--table", target, "-q")
        assert code == 0, err
        kept = sorted(eng.run(f"SELECT id FROM `{target}`"))
        before = tables(eng)
        child = spawn(
            [
                "seed",
                eng.url,
                "-n",
                "2000000",
                "--now",
                NOW,
                "--table",
                target,
                "-q",
                "--if-exists",
                "replace",
                "--batch-size",
                batch,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 120
            while target + SHADOW not in tables(eng):
                assert time.monotonic() < deadline and child.poll() is None
            os.killpg(child.pid, signal.SIGINT)
            assert child.stderr is not None
            err_bytes = child.stderr.read()
            child.stderr.close()
            assert child.wait(timeout=120) == 130
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        # The last line is the one outcome line. (Rarely, a Ctrl-C landing in a
        # finalizer adds an "Exception ignored" report above it: see the
        # sinks helper's note.)
        assert err_bytes.decode().splitlines()[-1] == (
            f"interrupted: nothing was written to {target}"
        )
        assert sorted(eng.run(f"SELECT id FROM `{target}`")) == kept
        assert tables(eng) == before
    finally:
        eng.cleanup()
