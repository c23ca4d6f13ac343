"""``sessionfaker serve``, the ``clerk_server`` fixture, ``--from`` a seeded
table, the compact store, and random requests that must never make a 500."""

from __future__ import annotations

import contextlib
import doctest
import importlib
import json
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest

pytest.importorskip("starlette")

from clerk_backend_api import Clerk
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessionfaker.cli import cli
from sessionfaker.generator import Generator
from sessionfaker.profile import load_profile
from sessionfaker.rules import STATUSES
from sessionfaker.server import Server, Store, create_app, from_profile, from_table
from sessionfaker.server.testing import SECRET_KEY
from sessionfaker.sinks.db import seed

from .conftest import NOW, child, profile

pytest_plugins = ["pytester"]
READY = re.compile(r"serving ([\d,]+) sessions at (http://127\.0\.0\.1:(\d+)/v1) \(Ctrl-C stops\)")


# -- the command


def test_serve_prints_its_url_serves_and_stops_on_ctrl_c() -> None:
    command = [sys.executable, "-m", "sessionfaker", "serve"]
    args = ["-n", "200", "--seed", "3", "--now", NOW, "--secret-key", "sk_test_cli"]
    with child(command + args, stderr=subprocess.PIPE) as proc:
        assert proc.stderr is not None
        try:
            line = proc.stderr.readline().decode()
            ready = READY.fullmatch(line.strip())
            assert ready is not None, line
            assert ready.group(1) == "200"
            clerk = Clerk(bearer_auth="sk_test_cli", server_url=ready.group(2))
            expected = Generator(profile("default"), 3).generate(0, 200)
            newest = max(expected, key=lambda s: s["created_at"])
            assert clerk.sessions.list(limit=1)[0].id == newest["id"]
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=60) == 130
            assert proc.stderr.read() == b"interrupted: server stopped\n"
        finally:
            proc.stderr.close()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["serve", *args])
    return result.exit_code, result.stderr


def test_count_does_not_apply_to_from() -> None:
    assert run("--from", "sqlite:///x.db", "-n", "5") == (
        2,
        "Error: -n does not apply to --from: the table holds the sessions\n",
    )


def test_a_port_in_use_is_a_usage_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert run("-n", "1", "--port", str(port)) == (
            2,
            f"Error: cannot listen on 127.0.0.1:{port} (Address already in use)\n",
        )


def test_a_missing_table_is_a_usage_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert run("--from", url, "--table", "nope") == (2, f"Error: no table nope at {url}\n")


def test_a_table_of_something_else_is_named(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE sessions (id TEXT)")
        db.execute("INSERT INTO sessions VALUES ('sess_1')")
        db.commit()
    url = f"sqlite:///{path}"
    assert run("--from", url) == (
        2,
        f"Error: table sessions at {url} does not hold sessions: no column object, user_id, "
        "client_id, actor, status, last_active_organization_id, last_active_at, "
        "latest_activity, expire_at, abandon_at, updated_at, created_at, tasks\n",
    )


# -- --from a seeded table


def test_from_a_seeded_table_serves_the_same_bytes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'seeded.db'}"
    p = profile("b2b")
    seed(url, p, 400, seed=5)
    lines = b"".join(Generator(p, 5).ndjson(0, 400)).splitlines()
    sessions = from_table(url, p)
    try:
        assert sessions.store.n == 400
        for line in lines:
            assert sessions.get(orjson.loads(line)["id"]) == line
        page, total = sessions.list(limit=500)
        assert total == 400
        created = [orjson.loads(s)["created_at"] for s in page]
        assert created == sorted(created, reverse=True)
    finally:
        sessions.store.close()


# -- the store


def test_the_store_reads_every_kind_of_line() -> None:
    # Actors and tasks break the fixed-width shapes: those lines are parsed.
    p = load_profile(
        "default",
        now=NOW,
        overrides={"actor.rate": 0.5, "status.weights": {"pending": 5, "active": 1}},
    )
    text = b"".join(Generator(p, 9).ndjson(0, 3000, chunk=7))
    store = Store.build([text[i : i + 4097] for i in range(0, len(text), 4097)])
    try:
        lines = text.splitlines()
        assert store.n == len(lines)
        for k, line in enumerate(lines):
            s = orjson.loads(line)
            assert store.body(k) == line
            assert store.find(s["id"]) == k
            assert (store.ids[k].decode(), STATUSES[store.status[k]]) == (s["id"], s["status"])
            assert store.created[k] == s["created_at"]
            assert store.user_code[k] == store.users[s["user_id"].encode()]
            assert store.client_code[k] == store.clients[s["client_id"].encode()]
        assert store.find("sess_" + "x" * 40) is None
        assert store.find("sess_a\0") is None
    finally:
        store.close()


def test_the_store_finds_ids_and_users_whose_hashes_collide(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numpy as np

    from sessionfaker.server import store as store_module

    # Every id, user and client hashes alike: lookups and numbering must
    # still tell them apart.
    monkeypatch.setattr(
        store_module, "_hash_words", lambda words: np.zeros(len(words), dtype=np.uint64)
    )
    monkeypatch.setattr(store_module, "_hash_one", lambda key, itemsize: 0)
    text = b"".join(Generator(profile("default"), 4).ndjson(0, 300))
    store = Store.build([text])
    try:
        for k, line in enumerate(text.splitlines()):
            s = orjson.loads(line)
            assert store.find(s["id"]) == k
            assert store.user_code[k] == store.users[s["user_id"].encode()]
        assert store.find("sess_" + "y" * 27) is None
    finally:
        store.close()


def test_the_store_orders_and_groups_as_a_stable_sort_would() -> None:
    import numpy as np

    text = b"".join(Generator(profile("default"), 5).ndjson(0, 2000))
    created = [orjson.loads(line)["created_at"] for line in text.splitlines()]
    created[10] = created[11] = created[12]  # ties keep the input's order
    lines = text.splitlines()
    for k in (10, 11):
        s = orjson.loads(lines[k])
        s["created_at"] = created[k]
        lines[k] = orjson.dumps(s)
    store = Store.build([b"\n".join(lines) + b"\n"])
    try:
        expected = np.argsort(-np.array(created), kind="stable")
        assert store.order.tolist() == expected.tolist()
        for user, code in list(store.users.items())[:50]:
            ks = [k for k in expected.tolist() if store.user_code[k] == code]
            assert store.order[store.user_slice(user.decode())].tolist() == ks
    finally:
        store.close()
    # Times too far apart to pack with the index take a stable argsort.
    from sessionfaker.server.store import _newest_first

    wide = np.array([0, 2**62, 5, 0, 2**62], dtype=np.int64)
    assert _newest_first(wide, np.arange(5)).tolist() == [1, 4, 2, 0, 3]


def test_a_line_that_is_not_a_session_is_named() -> None:
    with pytest.raises(ValueError, match=r"not a session \('user_id'\): b'\{\"id\":\"sess_1\"\}'"):
        Store.build([b'{"id":"sess_1"}\n'])


# -- the pytest fixture


def test_the_fixture_starts_once_and_resets_between_tests(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def clerk_server_options():
            # Enough that a realistic status mix (a few percent live) at any
            # wall-clock now holds an active session.
            return {"count": 400, "seed": 4}
        """
    )
    pytester.makepyfile(
        """
        SEEN = []

        def test_revokes(clerk_server):
            SEEN.append(clerk_server.url)
            assert clerk_server.url.startswith("http://127.0.0.1:")
            assert clerk_server.url.endswith("/v1")
            active = clerk_server.client.sessions.list(status="active", limit=1)[0]
            assert clerk_server.client.sessions.revoke(session_id=active.id).status == "revoked"
            SEEN.append(active.id)

        def test_sees_a_fresh_state(clerk_server):
            assert clerk_server.url == SEEN[0]
            got = clerk_server.client.sessions.get(session_id=SEEN[1])
            assert got.status == "active"
            assert len(clerk_server.client.sessions.list(limit=500)) == 400
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=2)


# -- nothing a client sends makes a 500

_ROUTES = [
    "/v1/sessions",
    "/v1/sessions/{}",
    "/v1/sessions/{}/revoke",
    "/v1/sessions/{}/refresh",
    "/v1/sessions/{}/tokens",
    "/v1/sessions/{}/tokens/{}",
    "/v1/jwks",
    "/v1/{}",
    "/{}",
    "/__sessionfaker/reset",
]
_PARAMS = ["limit", "offset", "status", "paginated", "user_id", "client_id", "format"]
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)
_BODY_KEYS = [
    "user_id",
    "active_organization_id",
    "expires_in_seconds",
    "expired_token",
    "refresh_token",
    "request_origin",
    "format",
]


def _dumps(value: Any) -> bytes:
    # The standard library writes what orjson refuses: huge integers, NaN.
    return json.dumps(value).encode()


@pytest.fixture(scope="module")
def app_client() -> Any:
    sessions = from_profile(profile("default"), 300, seed=2)
    ids = [orjson.loads(b)["id"] for b in sessions.list(limit=300)[0]]
    with (
        Server(create_app(sessions, secret_key=SECRET_KEY)) as server,
        httpx.Client(base_url=server.root) as client,
    ):
        yield client, ids
    sessions.store.close()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_requests_get_clerk_shaped_answers(app_client: Any, data: st.DataObject) -> None:
    client, ids = app_client
    route = data.draw(st.sampled_from(_ROUTES))
    segments = st.sampled_from(ids) | st.text(max_size=12).map(lambda t: quote(t, safe=""))
    path = route.format(*(data.draw(segments) for _ in range(route.count("{}"))))
    query = data.draw(
        st.dictionaries(
            st.sampled_from(_PARAMS) | st.text(max_size=5),
            st.sampled_from(["", "0", "1", "500", "501", "-1", "true", *STATUSES]) | st.text(),
            max_size=4,
        )
    )
    body = data.draw(
        st.one_of(
            st.binary(max_size=40),
            st.dictionaries(st.sampled_from(_BODY_KEYS), _JSON | st.sampled_from(ids)).map(_dumps),
            _JSON.map(_dumps),
        )
    )
    auth = data.draw(st.sampled_from([f"Bearer {SECRET_KEY}", "Bearer sk_test_other", "", "x"]))
    method = data.draw(st.sampled_from(["GET", "POST", "PUT", "DELETE"]))
    headers = {"Authorization": auth} if auth else {}
    with contextlib.suppress(UnicodeEncodeError, httpx.InvalidURL):  # refused before sending
        response = client.request(method, path, params=query, content=body, headers=headers)
        assert response.status_code in (200, 307, 400, 401, 404, 405, 422), response.text
        if response.status_code == 307:
            return
        assert response.headers["content-type"] == "application/json"
        answer = response.json()
        if response.status_code != 200:
            (error,) = answer["errors"]
            assert {k: type(v) for k, v in error.items() if k != "meta"} == {
                "message": str,
                "long_message": str,
                "code": str,
            }


def test_the_plugin_imports_no_server_until_the_fixture_is_used() -> None:
    code = (
        "import sys, sessionfaker.pytest_plugin; "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "[]\n"


def test_server_thread_stops_cleanly() -> None:
    sessions = from_profile(profile("default"), 5, seed=1)
    server = Server(create_app(sessions)).start()
    port = int(server.url.rsplit(":", 1)[1].split("/")[0])
    server.stop()
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))
    sessions.store.close()


def test_parts_made_by_several_processes_serve_the_same() -> None:
    p = profile("default")
    one = from_profile(p, 5000, seed=6, jobs=1)
    three = from_profile(p, 5000, seed=6, jobs=3)
    try:
        assert len(three.store._maps) == 3
        for status in (None, "active", "revoked"):
            assert three.list(status=status, limit=500, offset=1000) == one.list(
                status=status, limit=500, offset=1000
            )
        for body in one.list(limit=500, offset=4500)[0]:
            s = orjson.loads(body)
            assert three.get(s["id"]) == body
            assert three.list(user_id=s["user_id"], limit=500) == one.list(
                user_id=s["user_id"], limit=500
            )
    finally:
        one.store.close()
        three.store.close()


@pytest.mark.parametrize("status", ["active", "expired", "replaced"])
def test_pages_of_heavy_users_match_the_whole_filter(status: str) -> None:
    # Five users with about 800 sessions each: a page looks through part of a slice.
    p = load_profile("default", now=NOW, overrides={"population.users": 5})
    sessions = from_profile(p, 4000, seed=8)
    try:
        everything = [orjson.loads(b) for b in sessions.page(limit=500, offset=0)]
        offset = 500
        while page := sessions.page(limit=500, offset=offset):
            everything += [orjson.loads(b) for b in page]
            offset += 500
        user = everything[0]["user_id"]
        client = next(s["client_id"] for s in everything if s["user_id"] == user)
        for filters in ({"user_id": user}, {"user_id": user, "client_id": client}):
            expected = [
                s["id"]
                for s in everything
                if s["status"] == status and all(s[k] == v for k, v in filters.items())
            ]
            assert sessions.count(**filters, status=status) == len(expected)
            for limit, start in [(1, 0), (10, 0), (3, 7), (10, len(expected) - 2), (500, 0)]:
                page = sessions.page(**filters, status=status, limit=limit, offset=start)
                assert [orjson.loads(b)["id"] for b in page] == expected[start : start + limit]
    finally:
        sessions.store.close()


def test_user_and_status_pages_follow_revocations() -> None:
    p = load_profile("default", now=NOW, overrides={"population.users": 3})
    sessions = from_profile(p, 3000, seed=12, clock=lambda: 1793491260000)
    try:

        def everything() -> list[dict[str, Any]]:
            return [orjson.loads(b) for b in sessions.page(limit=500, offset=0)] + [
                orjson.loads(b)
                for start in range(500, 3000, 500)
                for b in sessions.page(limit=500, offset=start)
            ]

        user = everything()[0]["user_id"]
        live = [
            s for s in everything() if s["user_id"] == user and s["status"] in ("active", "pending")
        ]
        for s in live[::3]:
            sessions.revoke(s["id"])
        now = everything()
        for status in ("active", "pending", "revoked", "ended"):
            for client in (None, next(s["client_id"] for s in now if s["user_id"] == user)):
                filters = {"user_id": user, "status": status}
                if client is not None:
                    filters["client_id"] = client
                expected = [s["id"] for s in now if all(s[k] == v for k, v in filters.items())]
                assert sessions.count(**filters) == len(expected)
                for limit, start in [(10, 0), (7, 5), (500, 0)]:
                    page = sessions.page(**filters, limit=limit, offset=start)
                    assert [orjson.loads(b)["id"] for b in page] == expected[start : start + limit]
    finally:
        sessions.store.close()


@pytest.mark.parametrize(
    "name", ["sessionfaker.server", "sessionfaker.server.store", "sessionfaker.server.state"]
)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_an_empty_server_lists_nothing_and_creates_sessions() -> None:
    sessions = from_profile(profile("default"), 0, seed=1, clock=lambda: 1793491260000)
    try:
        assert sessions.list(limit=10) == ([], 0)
        assert sessions.get("sess_2abcdefghijklmnopqrstuvwxyz") is None
        assert sessions.revoke("sess_2abcdefghijklmnopqrstuvwxyz") is None
        made = orjson.loads(sessions.create("user_2abcdefghijklmnopqrstuvwxyz"))
        assert [orjson.loads(b)["id"] for b in sessions.page(status="active")] == [made["id"]]
        assert sessions.count(user_id=made["user_id"]) == 1
    finally:
        sessions.store.close()
