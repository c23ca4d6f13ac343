"""Seeding SQLite, PostgreSQL and MariaDB: against the real servers on this machine.

PostgreSQL and MariaDB tests skip when their server cannot be reached,
except under CI=true, where they fail. Point them elsewhere with
SESSIONFAKER_TEST_POSTGRESQL and SESSIONFAKER_TEST_MYSQL.
"""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from sessionfaker.cli import cli
from sessionfaker.errors import InvalidArgument
from sessionfaker.generator import Generator
from sessionfaker.rules import Checker
from sessionfaker.sinks import SqlWriter, db
from sessionfaker.sinks.db.engines.mysql import SHADOW, connect_args
from sessionfaker.sinks.db.engines.sqlite import sqlite_path

from .conftest import NOW, in_ci, profile

PG_URL = os.environ.get("SESSIONFAKER_TEST_POSTGRESQL", "postgresql://postgres@127.0.0.1:5432/test")
MY_URL = os.environ.get("SESSIONFAKER_TEST_MYSQL", "mysql://root@127.0.0.1:3306/test")
ENGINES = ("sqlite", "postgresql", "mysql")

runner = CliRunner()


@dataclass
class Engine:
    """A database to seed, with an administrator's connection to look at it."""

    name: str
    url: str
    tables: list[str] = field(default_factory=list)

    def table(self) -> str:
        name = f"sf_{uuid.uuid4().hex[:12]}"
        self.tables.append(name)
        return name

    def run(self, statement: str) -> list[tuple[Any, ...]]:
        """Run one statement (or, with ``;`` between them, a script) in autocommit."""
        if self.name == "sqlite":
            conn = sqlite3.connect(sqlite_path(self.url)[0], isolation_level=None)
            try:
                if statement.count(";") > 1:
                    conn.executescript(statement)
                    return []
                return conn.execute(statement).fetchall()
            finally:
                conn.close()
        if self.name == "postgresql":
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as pg:
                cur = pg.execute(statement.encode())
                return list(cur.fetchall()) if cur.description else []
        import pymysql
        from pymysql.constants import CLIENT

        my = pymysql.connect(
            **connect_args(self.url), autocommit=True, client_flag=CLIENT.MULTI_STATEMENTS
        )
        try:
            with my.cursor() as cur:
                cur.execute(statement)
                rows = list(cur.fetchall())
                while cur.nextset():
                    pass
                return rows
        finally:
            my.close()

    def quote(self, name: str) -> str:
        return f"`{name}`" if self.name == "mysql" else f'"{name}"'

    def count(self, table: str) -> int:
        return int(self.run(f"SELECT COUNT(*) FROM {self.quote(table)}")[0][0])

    def exists(self, table: str) -> bool:
        if self.name == "sqlite":
            q = f"SELECT name FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
        elif self.name == "postgresql":
            q = f"SELECT to_regclass('{self.quote(table)}')::text"
        else:
            q = (
                "SELECT table_name FROM information_schema.tables "
                f"WHERE table_schema = DATABASE() AND table_name = '{table}'"
            )
        rows = self.run(q)
        return bool(rows) and rows[0][0] is not None

    def drop(self, table: str) -> None:
        self.run(f"DROP TABLE IF EXISTS {self.quote(table)}")

    def cleanup(self) -> None:
        for t in self.tables:
            for name in (t, t + SHADOW, t + "__sf_old"):
                self.drop(name)


def _unreachable(url: str) -> str | None:
    try:
        db.connect(url).close()
    except db.SeedError as exc:
        return str(exc)
    return None


def engine_for(name: str, tmp_path: Path) -> Engine:
    if name == "sqlite":
        return Engine(name, f"sqlite:///{tmp_path / 'seed.db'}")
    url = PG_URL if name == "postgresql" else MY_URL
    problem = _unreachable(url)
    if problem is not None:
        if in_ci():
            pytest.fail(f"{name} server needed under CI=true: {problem}")
        pytest.skip(f"no {name} server: {problem}")
    return Engine(name, url)


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    eng = engine_for(request.param, tmp_path)
    yield eng
    eng.cleanup()


def seed_cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["seed", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


def generated(n: int, seed: str, start: int = 0) -> list[dict[str, Any]]:
    return list(Generator(profile("default"), seed).generate(start, n))


def by_id(sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(sessions, key=lambda s: s["id"])


def seeded(eng: Engine, table: str, n: int, seed: str, *extra: str) -> None:
    code, out, err = seed_cli(
        eng.url, "-n", str(n), "--seed", seed, "--now", NOW, "--table", table, "-q", *extra
    )
    assert (code, out, err) == (0, "", ""), err


# -- what lands in the table


def test_rows_read_back_equal_the_ndjson_and_pass_the_validator(engine: Engine) -> None:
    table = engine.table()
    code, out, err = seed_cli(
        engine.url, "-n", "400", "--seed", "s1", "--now", NOW, "--table", table
    )
    assert code == 0 and out == ""
    shown = db.redact(engine.url)
    assert re.fullmatch(
        rf"seeded 400 sessions into {table} \({re.escape(shown)}\) in \d+\.\d\d s: [\d,]+ rows/s\n",
        err,
    ), err
    ndjson = runner.invoke(cli, ["generate", "-n", "400", "--seed", "s1", "--now", NOW]).stdout
    expected = [json.loads(line) for line in ndjson.splitlines()]
    rows = db.read_table(engine.url, table)
    assert rows == by_id(expected)
    p = profile("default")
    checker = Checker(now=p.now, policy=p.policy)
    assert [v for s in rows for v in checker.check(s)] == []


@pytest.mark.parametrize("parallel", [True, False])
def test_generating_in_a_second_process_loads_the_same_rows(engine: Engine, parallel: bool) -> None:
    table = engine.table()
    result = db.seed(
        engine.url,
        profile("default"),
        2500,
        seed="par",
        start=100,
        table=table,
        batch_size=700,
        parallel=parallel,
    )
    assert result.rows == 2500
    assert db.read_table(engine.url, table) == by_id(generated(2500, "par", start=100))


def test_progress_reports_every_row(engine: Engine) -> None:
    seen: list[int] = []
    db.seed(
        engine.url,
        profile("default"),
        1234,
        table=engine.table(),
        batch_size=500,
        progress=seen.append,
    )
    assert seen == [500, 500, 234]


def test_schema_command_prints_the_table_seed_creates(engine: Engine) -> None:
    seeded_table, ddl_table = engine.table(), engine.table()
    seeded(engine, seeded_table, 5, "ddl")
    dialect = "mysql" if engine.name == "mysql" else engine.name
    ddl = runner.invoke(
        cli, ["schema", "-f", "sql", "--dialect", dialect, "--table", ddl_table]
    ).stdout
    engine.run(ddl)
    with db.connect(engine.url) as sink:
        made, printed = sink.columns(seeded_table), sink.columns(ddl_table)
    assert made == printed and made is not None
    types = {c.name: c.type.lower() for c in made}
    bigint, nested = {
        "sqlite": ("bigint", "text"),
        "postgresql": ("bigint", "jsonb"),
        "mysql": ("bigint(20)", "longtext"),  # MariaDB's JSON is longtext + json_valid
    }[engine.name]
    assert {types[t] for t in ("created_at", "updated_at", "last_active_at")} == {bigint}
    assert {types[t] for t in ("actor", "latest_activity", "tasks")} == {nested}
    # A table made from the printed DDL takes a seed as it is.
    seeded(engine, ddl_table, 5, "ddl2", "--if-exists", "append")
    assert engine.count(ddl_table) == 5


def test_indexes_on_user_id_and_status(engine: Engine) -> None:
    table = engine.table()
    seeded(engine, table, 3, "idx")
    if engine.name == "sqlite":
        rows = engine.run(f"SELECT name FROM pragma_index_list('{table}')")
    elif engine.name == "postgresql":
        rows = engine.run(f"SELECT indexname FROM pg_indexes WHERE tablename = '{table}'")
    else:
        rows = engine.run(
            f"SELECT DISTINCT index_name FROM information_schema.statistics "
            f"WHERE table_schema = DATABASE() AND table_name = '{table}'"
        )
    names = {str(r[0]) for r in rows}
    assert {f"{table}_user_id_idx", f"{table}_status_idx"} <= names


# -- --if-exists


def test_if_exists_fail_refuses_an_existing_table(engine: Engine) -> None:
    table = engine.table()
    seeded(engine, table, 10, "a")
    code, out, err = seed_cli(engine.url, "-n", "5", "--now", NOW, "--table", table)
    assert code == 1 and out == ""
    assert err == (
        f"Error: table {table} already exists (use --if-exists append, replace or truncate)\n"
    )
    assert engine.count(table) == 10


def test_append_adds_rows_and_a_repeated_seed_is_a_clear_duplicate_error(engine: Engine) -> None:
    table = engine.table()
    seeded(engine, table, 50, "a")
    seeded(engine, table, 30, "b", "--if-exists", "append")
    assert db.read_table(engine.url, table) == by_id(generated(50, "a") + generated(30, "b"))
    code, out, err = seed_cli(
        engine.url,
        "-n",
        "20",
        "--seed",
        "a",
        "--now",
        NOW,
        "--table",
        table,
        "--if-exists",
        "append",
    )
    assert code == 1 and out == ""
    what = (
        "one of these session ids"
        if engine.name == "sqlite"
        else f"session {generated(1, 'a')[0]['id']}"
    )
    assert err == (
        f"Error: table {table} already has {what}: nothing was written "
        "(use another --seed, or --if-exists replace or truncate)\n"
    )
    assert engine.count(table) == 80


@pytest.mark.parametrize("mode", ["replace", "truncate"])
def test_replace_and_truncate_leave_only_the_new_sessions(engine: Engine, mode: str) -> None:
    table = engine.table()
    seeded(engine, table, 40, "old")
    seeded(engine, table, 25, "new", "--if-exists", mode)
    assert db.read_table(engine.url, table) == by_id(generated(25, "new"))


def test_if_exists_modes_create_a_missing_table(engine: Engine) -> None:
    for mode in ("append", "replace", "truncate"):
        table = engine.table()
        seeded(engine, table, 7, mode, "--if-exists", mode)
        assert engine.count(table) == 7


def test_an_incompatible_table_is_refused_before_any_row(engine: Engine) -> None:
    table = engine.table()
    text = "VARCHAR(64)" if engine.name == "mysql" else "TEXT"
    engine.run(
        f"CREATE TABLE {engine.quote(table)} (id {text} PRIMARY KEY, created_at {text}, "
        f"actor {text} NOT NULL, extra_col INTEGER NOT NULL)"
    )
    for mode in ("append", "truncate"):
        code, _, err = seed_cli(
            engine.url, "-n", "5", "--now", NOW, "--table", table, "--if-exists", mode
        )
        assert code == 1
        found = {"sqlite": "TEXT", "postgresql": "text", "mysql": "varchar(64)"}[engine.name]
        assert err == (
            f"Error: table {table} does not fit sessions: no column object, user_id, "
            "client_id, status, last_active_organization_id, last_active_at, "
            "latest_activity, expire_at, abandon_at, updated_at, tasks; "
            "actor is NOT NULL, but sessions have null there; "
            f"created_at is {found}, expected BIGINT; "
            "NOT NULL column without a default: extra_col "
            "(use --if-exists replace, or another --table)\n"
        )
        assert engine.count(table) == 0


def test_replace_takes_over_an_incompatible_table(engine: Engine) -> None:
    table = engine.table()
    engine.run(f"CREATE TABLE {engine.quote(table)} (id INTEGER)")
    seeded(engine, table, 12, "r", "--if-exists", "replace")
    assert db.read_table(engine.url, table) == by_id(generated(12, "r"))


# -- table names


def test_table_names_cannot_inject(engine: Engine) -> None:
    victim = engine.table()
    seeded(engine, victim, 3, "v")
    for bad in (f"x; DROP TABLE {victim}", 'x" ; DROP TABLE users; --', "x`y", "1abc", "a" * 49):
        code, out, err = seed_cli(engine.url, "-n", "5", "--now", NOW, "--table", bad)
        assert code == 2 and out == ""
        assert err == (
            f"Error: table name {bad!r} is not valid: use letters, digits and underscores, "
            "not starting with a digit, at most 48 characters\n"
        )
    assert engine.count(victim) == 3


def test_mixed_case_table_names_are_quoted(engine: Engine) -> None:
    table = "Mixed_" + engine.table()
    engine.tables.append(table)
    seeded(engine, table, 6, "m")
    assert db.read_table(engine.url, table) == by_id(generated(6, "m"))


# -- user ids


def test_user_ids_from_a_file(engine: Engine, tmp_path: Path) -> None:
    pool = sorted({s["user_id"] for s in generated(200, "users")})[:7]
    ids_file = tmp_path / "users.txt"
    ids_file.write_text("\n".join(pool) + "\n\n")
    table = engine.table()
    seeded(engine, table, 300, "u", "--user-ids-from", str(ids_file))
    rows = db.read_table(engine.url, table)
    assert {s["user_id"] for s in rows} == set(pool)
    # Only user_id changes: the rest is the same run.
    expected = {s["id"]: s for s in generated(300, "u")}
    assert all({**s, "user_id": expected[s["id"]]["user_id"]} == expected[s["id"]] for s in rows)


def test_user_ids_from_a_query_on_the_target(engine: Engine) -> None:
    users, table = engine.table(), engine.table()
    pool = sorted({s["user_id"] for s in generated(100, "q")})[:5]
    engine.run(f"CREATE TABLE {engine.quote(users)} (id VARCHAR(64) PRIMARY KEY)")
    engine.run(
        f"INSERT INTO {engine.quote(users)} (id) VALUES " + ", ".join(f"('{u}')" for u in pool)
    )
    seeded(engine, table, 150, "q", "--user-ids-query", f"SELECT id FROM {users}")
    assert {s["user_id"] for s in db.read_table(engine.url, table)} == set(pool)


def test_user_ids_query_errors(engine: Engine) -> None:
    table, empty = engine.table(), engine.table()
    code, _, err = seed_cli(
        engine.url,
        "-n",
        "5",
        "--now",
        NOW,
        "--table",
        table,
        "--user-ids-query",
        "SELECT id FROM nowhere_sf",
    )
    assert code == 1
    detail = {
        "sqlite": "no such table: nowhere_sf",
        "postgresql": 'relation "nowhere_sf" does not exist',
        "mysql": f"Table '{urlsplit(engine.url).path.strip('/')}.nowhere_sf' doesn't exist",
    }[engine.name]
    assert err == f"Error: user ids query failed: {detail}\n"
    engine.run(f"CREATE TABLE {engine.quote(empty)} (id VARCHAR(64))")
    code, _, err = seed_cli(
        engine.url,
        "-n",
        "5",
        "--now",
        NOW,
        "--table",
        table,
        "--user-ids-query",
        f"SELECT id FROM {empty}",
    )
    assert code == 1
    assert err == f"Error: user ids query returned no rows: SELECT id FROM {empty}\n"
    assert not engine.exists(table)


def test_user_ids_file_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    (tmp_path / "empty.txt").write_text("\n \n")
    for path, message in (
        (tmp_path / "empty.txt", f"{tmp_path / 'empty.txt'}: no user ids"),
        (
            tmp_path / "none.txt",
            f"{tmp_path / 'none.txt'}: cannot read user ids (No such file or directory)",
        ),
    ):
        code, _, err = seed_cli(url, "-n", "5", "--user-ids-from", str(path))
        assert (code, err) == (2, f"Error: {message}\n")


# -- output discipline


def test_quiet_prints_nothing_and_no_progress_bar_without_a_terminal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    assert seed_cli(url, "-n", "50", "--now", NOW, "-q") == (0, "", "")
    code, out, err = seed_cli(url, "-n", "50", "--now", NOW, "--table", "other")
    assert code == 0 and out == ""
    assert err.count("\n") == 1 and err.startswith("seeded 50 sessions into other (")


def test_zero_sessions_still_creates_the_table(engine: Engine) -> None:
    table = engine.table()
    seeded(engine, table, 0, "z")
    assert engine.exists(table) and engine.count(table) == 0


# -- failures: one line, exit 1, no traceback


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "localhost", parts.port or 0


def _with(
    url: str,
    *,
    user: str | None = None,
    port: int | None = None,
    database: str | None = None,
    password: str | None = None,
) -> str:
    parts = urlsplit(url)
    user = user if user is not None else (parts.username or "")
    host, old_port = _host_port(url)
    auth = user + (f":{password}" if password else "")
    netloc = f"{auth}@{host}:{port if port is not None else old_port}"
    path = "/" + database if database is not None else parts.path
    return f"{parts.scheme}://{netloc}{path}"


@pytest.mark.parametrize("name", ["postgresql", "mysql"])
def test_connection_refused(name: str) -> None:
    url = _with(PG_URL if name == "postgresql" else MY_URL, port=1)
    host = _host_port(url)[0]
    code, out, err = seed_cli(url, "-n", "5")
    assert code == 1 and out == ""
    detail = (
        f'connection to server at "{host}", port 1 failed: Connection refused'
        if name == "postgresql"
        else f"Can't connect to MySQL server on '{host}' ([Errno 111] Connection refused)"
    )
    assert err == f"Error: cannot connect to {url}: {detail}\n"


@pytest.mark.parametrize("name", ["postgresql", "mysql"])
def test_bad_credentials_and_unknown_database(name: str, tmp_path: Path) -> None:
    base = engine_for(name, tmp_path).url
    host, port = _host_port(base)
    # A name no other run (or earlier test) can have made an account for.
    nobody = f"nosuch_sf_{uuid.uuid4().hex[:8]}"
    bad_user = _with(base, user=nobody, password="wrong")
    shown = db.redact(bad_user)
    code, _, err = seed_cli(bad_user, "-n", "5")
    assert code == 1
    if name == "postgresql":
        # Trust authentication takes any password: an unknown role is what is refused.
        detail = (
            f'connection to server at "{host}", port {port} failed: role "{nobody}" does not exist'
        )
    else:
        detail = f"Access denied for user '{nobody}'@'{host}'"
        # MariaDB adds the password note or not depending on which accounts
        # other runs have on the server at that moment: both are the one line.
        err = err.replace(" (using password: YES)\n", "\n")
    assert err == f"Error: cannot connect to {shown}: {detail}\n"
    assert "wrong" not in err
    unknown = _with(base, database="nosuch_db_sf")
    code, _, err = seed_cli(unknown, "-n", "5")
    assert code == 1
    detail = (
        f'connection to server at "{host}", port {port} failed: '
        'database "nosuch_db_sf" does not exist'
        if name == "postgresql"
        else "Unknown database 'nosuch_db_sf'"
    )
    assert err == f"Error: cannot connect to {unknown}: {detail}\n"


def test_read_only_targets(engine: Engine) -> None:
    table = engine.table()
    if engine.name == "sqlite":
        seeded(engine, "other", 1, "x")  # the file exists
        url = engine.url + "?mode=ro"
        detail = "attempt to write a readonly database"
        args: tuple[str, ...] = ()
    elif engine.name == "postgresql":
        url = engine.url + "?options=-c%20default_transaction_read_only%3Don"
        detail = "cannot execute CREATE TABLE in a read-only transaction"
        args = ()
    else:
        seeded(engine, table, 2, "ro")
        user = f"sf_ro_{uuid.uuid4().hex[:8]}"
        database = urlsplit(engine.url).path.strip("/")
        # The account's host is the one the test connects from, so no anonymous
        # ''@'localhost' account on the server can shadow it; unique, dropped after.
        host = _host_port(engine.url)[0]
        engine.run(f"CREATE USER '{user}'@'{host}' IDENTIFIED BY 'pw'")
        try:
            engine.run(f"GRANT SELECT ON `{database}`.* TO '{user}'@'{host}'")
            url = _with(engine.url, user=user, password="pw")
            code, _, err = seed_cli(
                url, "-n", "5", "--now", NOW, "--table", table, "--if-exists", "append"
            )
            assert code == 1
            assert err == (
                f"Error: {db.redact(url)}: INSERT command denied to user "
                f"'{user}'@'{host}' for table `{database}`.`{table}`\n"
            )
            code, _, err = seed_cli(
                url, "-n", "5", "--now", NOW, "--table", table, "--if-exists", "replace"
            )
            assert code == 1
            assert err == (
                f"Error: {db.redact(url)}: CREATE command denied to user "
                f"'{user}'@'{host}' for table `{database}`.`{table}`\n"
            )
        finally:
            engine.run(f"DROP USER '{user}'@'{host}'")
        assert engine.count(table) == 2
        return
    code, out, err = seed_cli(url, "-n", "5", "--now", NOW, "--table", table, *args)
    assert code == 1 and out == ""
    assert err == f"Error: {url}: {detail}\n"
    assert not engine.exists(table)


@pytest.mark.parametrize(
    ("url", "code", "message"),
    [
        (
            "oracle://scott@db/x",
            2,
            "unsupported database URL 'oracle://scott@db/x' (known schemes: "
            "mariadb://, mysql://, postgres://, postgresql://, sqlite://)",
        ),
        (
            "sessions.db",
            2,
            "unsupported database URL 'sessions.db' (known schemes: "
            "mariadb://, mysql://, postgres://, postgresql://, sqlite://)",
        ),
        (
            "mysql://root:secret@127.0.0.1:3306",
            2,
            "mysql://root:***@127.0.0.1:3306: no database name (mysql://user@host/DATABASE)",
        ),
        (
            "mysql://root@127.0.0.1:3306/test?ssl=1",
            2,
            "mysql://root@127.0.0.1:3306/test?ssl=1: unknown URL parameter 'ssl' (known: "
            "unix_socket)",
        ),
        (
            "sqlite://host/x.db",
            2,
            "sqlite://host/x.db: a SQLite URL has no host: use sqlite:///relative.db or "
            "sqlite:////abs.db",
        ),
        (
            "sqlite:////nonexistent_sf/dir/x.db",
            1,
            "cannot open sqlite:////nonexistent_sf/dir/x.db: unable to open database file",
        ),
    ],
)
def test_bad_urls(url: str, code: int, message: str) -> None:
    assert seed_cli(url, "-n", "5") == (code, "", f"Error: {message}\n")


def test_library_errors() -> None:
    p = profile("default")
    with pytest.raises(InvalidArgument) as e:
        db.seed("sqlite:///:memory:", p, 5, if_exists="merge")
    assert str(e.value) == "if_exists must be one of fail, append, replace, truncate ('merge')"
    with pytest.raises(InvalidArgument) as e:
        db.seed("sqlite:///:memory:", p, 5, user_ids=["user_x"], user_ids_query="SELECT 1")
    assert str(e.value) == "give user ids from a file or from a query, not both"
    with pytest.raises(InvalidArgument) as e:
        db.seed("sqlite:///:memory:", p, -1)
    assert str(e.value) == "count must be >= 0 (-1)"


# -- generate --format sql runs in its engine


def test_sql_output_executes_in_its_engine_and_reads_back(engine: Engine) -> None:
    table = engine.table()
    data = generated(1100, "script")
    # Quoting that each engine must get right: quotes, backslashes, newlines, non-ASCII.
    data[0]["client_id"] = "client_\"q\", 'single' \\ back\\slash"
    data[1]["client_id"] = "client_line\nbreak 東京 é"
    data[2]["actor"] = {"sub": "user_x", "note": 'O\'Brien \\ "x"'}
    buf = io.BytesIO()
    SqlWriter(buf, dialect=engine.name, table=table).write_all(data)
    engine.run(buf.getvalue().decode())
    assert db.read_table(engine.url, table) == by_id(data)


def test_generate_sql_cli_output_loads_the_ndjson_sessions(engine: Engine) -> None:
    table = engine.table()
    args = ["generate", "-n", "300", "--seed", "g", "--now", NOW]
    script = runner.invoke(
        cli, [*args, "-f", "sql", "--dialect", engine.name, "--table", table]
    ).stdout
    engine.run(script)
    expected = [json.loads(line) for line in runner.invoke(cli, args).stdout.splitlines()]
    assert db.read_table(engine.url, table) == by_id(expected)


# -- the generating process


def test_parallel_seed_works_from_a_script_on_standard_input(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'stdin.db'}"
    script = (
        "from sessionfaker.sinks import db\n"
        "from sessionfaker.profile import load_profile\n"
        f"p = load_profile('default', now={NOW!r})\n"
        f"print(db.seed({url!r}, p, 3000, seed='stdin', batch_size=1000, parallel=True).rows)\n"
    )
    done = subprocess.run(
        [sys.executable, "-"], input=script, capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "3000\n", "")
    assert db.read_table(url) == by_id(generated(3000, "stdin"))


def test_a_failure_in_the_generating_process_is_one_line_and_writes_nothing(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'fail.db'}"
    run = db.GeneratedRun(profile("default"), 0, 0, 10, user_ids=())  # an empty pool
    with db.connect(url) as sink, pytest.raises(db.SeedError) as e:
        sink.load(run, table="t", parallel=True)
    assert str(e.value) == "generating sessions failed: ZeroDivisionError: integer modulo by zero"
    with db.connect(url) as sink:
        assert sink.columns("t") is None
    with pytest.raises(InvalidArgument) as e2:
        db.seed(url, profile("default"), 5, user_ids=[])
    assert str(e2.value) == "user_ids is empty"


def test_the_collection_threshold_is_restored_after_a_seed(tmp_path: Path) -> None:
    import gc

    before = gc.get_threshold()
    db.seed(f"sqlite:///{tmp_path / 'gc.db'}", profile("default"), 10)
    assert gc.get_threshold() == before
    with pytest.raises(db.SeedError):  # a duplicate: raised part-way through the load
        db.seed(f"sqlite:///{tmp_path / 'gc.db'}", profile("default"), 10, if_exists="append")
    assert gc.get_threshold() == before


def test_a_missing_server_fails_under_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = "postgresql://postgres@127.0.0.1:1/test"
    monkeypatch.setattr(sys.modules[__name__], "PG_URL", url)
    detail = (
        f'cannot connect to {url}: connection to server at "127.0.0.1", port 1 failed: '
        "Connection refused"
    )
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception) as failed:
        engine_for("postgresql", tmp_path)
    assert str(failed.value) == f"postgresql server needed under CI=true: {detail}"
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception) as skipped:
        engine_for("postgresql", tmp_path)
    assert str(skipped.value) == f"no postgresql server: {detail}"


def test_seed_sessions_loads_any_iterable(engine: Engine) -> None:
    table = engine.table()
    data = generated(120, "any")
    result = db.seed_sessions(engine.url, iter(data), table=table, batch_size=50)
    assert (result.rows, result.table, result.url) == (120, table, db.redact(engine.url))
    assert db.read_table(engine.url, table) == by_id(data)
