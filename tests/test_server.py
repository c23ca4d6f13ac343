"""The local Clerk Backend API, through Clerk's official Python SDK."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import orjson
import pytest

pytest.importorskip("starlette")

from clerk_backend_api import Clerk, models
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from sessionfaker import ids
from sessionfaker.generator import Generator
from sessionfaker.rules import STATUSES, check_session
from sessionfaker.server import Server, create_app, from_profile
from sessionfaker.server.app import query
from sessionfaker.server.testing import SECRET_KEY

from .conftest import NOW_MS, profile

pytest_plugins = ["tests.server_helpers"]

CLOCK = NOW_MS + 60_000  # when the server changes a session
COUNT = 3000
SEED = 7


@pytest.fixture(scope="module")
def generated() -> list[dict[str, Any]]:
    return list(Generator(profile("default"), SEED).generate(0, COUNT))


def newest_first(sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    order = sorted(range(len(sessions)), key=lambda k: (-sessions[k]["created_at"], k))
    return [sessions[k] for k in order]


def dump(model: Any) -> dict[str, Any]:
    out: dict[str, Any] = orjson.loads(model.model_dump_json(by_alias=True))
    return out


def error(exc: pytest.ExceptionInfo[models.ClerkErrors]) -> tuple[int, str, str]:
    e = exc.value.data.errors[0]
    return exc.value.raw_response.status_code, e.code, e.long_message


# -- what is served


def test_each_session_is_byte_for_byte_what_generate_writes(http: httpx.Client) -> None:
    lines = b"".join(Generator(profile("default"), SEED).ndjson(0, COUNT)).splitlines()
    for k in range(0, COUNT, 97):
        session_id = orjson.loads(lines[k])["id"]
        response = http.get(f"/sessions/{session_id}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.content == lines[k]


def test_get_through_the_sdk(clerk: Clerk, generated: list[dict[str, Any]]) -> None:
    for s in generated[:5]:
        got = clerk.sessions.get(session_id=s["id"])
        assert got.id == s["id"]
        assert got.status.value == s["status"]
        assert got.created_at == s["created_at"]


def test_list_is_newest_first_with_limit_and_offset(
    clerk: Clerk, generated: list[dict[str, Any]]
) -> None:
    expected = [s["id"] for s in newest_first(generated)]
    assert [s.id for s in clerk.sessions.list()] == expected[:10]
    assert [s.id for s in clerk.sessions.list(limit=500)] == expected[:500]
    assert [s.id for s in clerk.sessions.list(limit=7, offset=1234)] == expected[1234:1241]
    assert [s.id for s in clerk.sessions.list(limit=50, offset=COUNT - 3)] == expected[-3:]
    assert clerk.sessions.list(offset=COUNT) == []
    assert clerk.sessions.list(offset=10**15) == []


@pytest.mark.parametrize(
    "filters",
    [
        {"user_id": "top"},
        {"user_id": "top", "status": "active"},
        {"client_id": "top"},
        {"client_id": "top", "status": "ended"},
        {"user_id": "top", "client_id": "top"},
        {"status": "expired"},
        {"status": "revoked"},
        {"user_id": "user_unknown"},
        {"client_id": "client_unknown", "status": "active"},
    ],
)
def test_filters(clerk: Clerk, generated: list[dict[str, Any]], filters: dict[str, str]) -> None:
    # "top": the user (client) with the most sessions
    resolved = dict(filters)
    for key in ("user_id", "client_id"):
        if resolved.get(key) == "top":
            counts: dict[str, int] = {}
            for s in generated:
                counts[s[key]] = counts.get(s[key], 0) + 1
            resolved[key] = max(counts, key=lambda v: counts[v])
    if resolved.get("client_id") == "top" and "user_id" in resolved:
        resolved["client_id"] = next(
            s["client_id"] for s in generated if s["user_id"] == resolved["user_id"]
        )
    expected = [
        s["id"]
        for s in newest_first(generated)
        if all(s[key] == value for key, value in resolved.items())
    ]
    args: dict[str, Any] = dict(resolved)
    if "status" in args:
        args["status"] = models.QueryParamStatus(args["status"])
    assert [s.id for s in clerk.sessions.list(**args, limit=500)] == expected[:500]
    assert [s.id for s in clerk.sessions.list(**args, limit=3, offset=2)] == expected[2:5]


def test_paginated_switches_to_an_envelope(
    http: httpx.Client, generated: list[dict[str, Any]]
) -> None:
    user = generated[0]["user_id"]
    mine = [s for s in newest_first(generated) if s["user_id"] == user]
    body = http.get("/sessions", params={"user_id": user, "paginated": "true", "limit": 1}).json()
    assert body == {"data": mine[:1], "total_count": len(mine)}
    bare = http.get("/sessions", params={"user_id": user, "paginated": "false"}).json()
    assert bare == mine[:10]


def test_the_sdk_cannot_parse_the_paginated_envelope(clerk: Clerk) -> None:
    # clerk-backend-api 7.0.0 declares a bare array for every response.
    with pytest.raises(models.ResponseValidationError):
        clerk.sessions.list(paginated=True)


# -- errors


def test_unknown_session_is_404(clerk: Clerk) -> None:
    for call in (clerk.sessions.get, clerk.sessions.revoke):
        with pytest.raises(models.ClerkErrors) as exc:
            call(session_id="sess_2abcdefghijklmnopqrstuvwxyz")
        assert error(exc) == (
            404,
            "resource_not_found",
            "No session was found with id 'sess_2abcdefghijklmnopqrstuvwxyz'",
        )


def test_a_wrong_secret_key_is_401(server: Server) -> None:
    wrong = Clerk(bearer_auth="sk_test_other", server_url=server.url)
    with pytest.raises(models.ClerkErrors) as exc:
        wrong.sessions.list()
    assert error(exc)[:2] == (401, "clerk_key_invalid")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "sk_test_x"},
        {"Authorization": "Basic sk_test_x"},
        {"Authorization": "Bearer"},
    ],
)
def test_no_bearer_key_is_401(server: Server, headers: dict[str, str]) -> None:
    response = httpx.get(server.url + "/sessions", headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "errors": [
            {
                "message": "Invalid authentication",
                "long_message": "Unable to authenticate the request: send "
                "Authorization: Bearer sk_test_...",
                "code": "authentication_invalid",
            }
        ]
    }


def test_without_secret_key_any_test_key_is_accepted() -> None:
    sessions = from_profile(profile("default"), 10, seed=1)
    with Server(create_app(sessions)) as server:
        assert (
            len(Clerk(bearer_auth="sk_test_anything", server_url=server.url).sessions.list()) == 10
        )
        with pytest.raises(models.ClerkErrors) as exc:
            Clerk(bearer_auth="sk_live_abc", server_url=server.url).sessions.list()
        assert error(exc)[:2] == (401, "clerk_key_invalid")
    sessions.store.close()


@pytest.mark.parametrize(
    ("query", "param", "message"),
    [
        ("limit=0", "limit", "limit must be between 1 and 500 (got 0)"),
        ("limit=501", "limit", "limit must be between 1 and 500 (got 501)"),
        ("limit=ten", "limit", "limit must be an integer (got 'ten')"),
        ("limit=1.5", "limit", "limit must be an integer (got '1.5')"),
        ("limit=", "limit", "limit must be an integer (got '')"),
        ("offset=-1", "offset", "offset must be >= 0 (got -1)"),
        ("offset=1e3", "offset", "offset must be an integer (got '1e3')"),
        (
            "status=actve",
            "status",
            "status must be one of active, pending, ended, removed, revoked, expired, "
            "abandoned, replaced (got 'actve') (did you mean 'active'?)",
        ),
        ("paginated=yes", "paginated", "paginated must be true or false (got 'yes')"),
    ],
)
def test_malformed_list_parameters_are_400(
    http: httpx.Client, query: str, param: str, message: str
) -> None:
    response = http.get("/sessions?" + query)
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": f"{param} is invalid",
                "long_message": message,
                "code": "form_param_format_invalid",
                "meta": {"param_name": param},
            }
        ]
    }


def test_the_sdk_raises_clerk_errors_for_400(clerk: Clerk) -> None:
    with pytest.raises(models.ClerkErrors) as exc:
        clerk.sessions.list(limit=501)
    assert error(exc) == (
        400,
        "form_param_format_invalid",
        "limit must be between 1 and 500 (got 501)",
    )


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (b"", "form_param_missing", "user_id is required"),
        (b"{}", "form_param_missing", "user_id is required"),
        (b'{"user_id": 5}', "form_param_format_invalid", "user_id must be a string (got 5)"),
        (
            b'{"user_id": "user_2abcdefghijklmnopqrstuvwxyz", "active_organization_id": []}',
            "form_param_format_invalid",
            "active_organization_id must be a string (got [])",
        ),
        (b"[1]", "request_body_invalid", "the request body must be a JSON object, not list"),
        (
            b"{user_id",
            "request_body_invalid",
            "the request body is not JSON (line 1, column 2)",
        ),
    ],
)
def test_invalid_create_bodies_are_422(
    http: httpx.Client, body: bytes, code: str, message: str
) -> None:
    response = http.post("/sessions", content=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == code
    assert response.json()["errors"][0]["long_message"] == message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"user_id": "user_x"}, "No user was found with id 'user_x'"),
        (
            {"user_id": "sess_2abcdefghijklmnopqrstuvwxyz"},
            "No user was found with id 'sess_2abcdefghijklmnopqrstuvwxyz'",
        ),
        (
            {"user_id": "user_2abcdefghijklmnopqrstuvwxyz", "active_organization_id": "org_1"},
            "No organization was found with id 'org_1'",
        ),
    ],
)
def test_create_for_what_is_not_an_id_is_404(
    clerk: Clerk, body: dict[str, str], message: str
) -> None:
    with pytest.raises(models.ClerkErrors) as exc:
        clerk.sessions.create(request=body)  # type: ignore[arg-type]
    assert error(exc) == (404, "resource_not_found", message)


def test_unknown_routes_and_methods(http: httpx.Client) -> None:
    missing = http.get("/users")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "resource_not_found"
    wrong = http.delete("/sessions")
    assert wrong.status_code == 405
    assert wrong.json()["errors"][0]["long_message"] == "DELETE is not allowed on /v1/sessions"


# -- changes


def test_revoke_is_seen_everywhere(clerk: Clerk, generated: list[dict[str, Any]]) -> None:
    target = next(s for s in generated if s["status"] == "active")
    before_active = clerk.sessions.list(
        user_id=target["user_id"], status=models.QueryParamStatus.ACTIVE, limit=500
    )
    revoked = clerk.sessions.revoke(session_id=target["id"])
    assert revoked.status == models.Status.REVOKED
    assert revoked.updated_at == CLOCK
    expected = {**target, "status": "revoked", "updated_at": CLOCK}
    assert dump(revoked) == expected
    assert dump(clerk.sessions.get(session_id=target["id"])) == expected
    assert check_session(expected, now=CLOCK) == []
    after_active = clerk.sessions.list(
        user_id=target["user_id"], status=models.QueryParamStatus.ACTIVE, limit=500
    )
    assert [s.id for s in after_active] == [s.id for s in before_active if s.id != target["id"]]
    by_status = clerk.sessions.list(status=models.QueryParamStatus.REVOKED, limit=500)
    assert target["id"] in [s.id for s in by_status]
    everything = clerk.sessions.list(limit=500, offset=0)
    assert all(s.status == models.Status.REVOKED for s in everything if s.id == target["id"])


def test_revoke_leaves_finished_sessions_as_they_are(
    clerk: Clerk, generated: list[dict[str, Any]]
) -> None:
    for status in ("ended", "expired", "abandoned"):
        target = next(s for s in generated if s["status"] == status)
        assert dump(clerk.sessions.revoke(session_id=target["id"])) == target
    live = next(s for s in generated if s["status"] == "pending")
    first = dump(clerk.sessions.revoke(session_id=live["id"]))
    assert first["status"] == "revoked"
    assert dump(clerk.sessions.revoke(session_id=live["id"])) == first


def test_status_totals_follow_revocations(
    http: httpx.Client, generated: list[dict[str, Any]]
) -> None:
    def total(status: str) -> int:
        body = http.get("/sessions", params={"status": status, "paginated": "true"}).json()
        return int(body["total_count"])

    counts = {s: sum(g["status"] == s for g in generated) for s in STATUSES}
    assert {s: total(s) for s in STATUSES} == counts
    actives = [s for s in newest_first(generated) if s["status"] == "active"][:25]
    for s in actives:
        assert http.post(f"/sessions/{s['id']}/revoke").status_code == 200
    assert total("active") == counts["active"] - 25
    assert total("revoked") == counts["revoked"] + 25
    page = http.get("/sessions", params={"status": "active", "limit": 500}).json()
    assert [s["id"] for s in page] == [
        s["id"] for s in newest_first(generated) if s["status"] == "active"
    ][25:525]


def test_create_makes_the_newest_active_session(
    clerk: Clerk, http: httpx.Client, generated: list[dict[str, Any]]
) -> None:
    user = generated[3]["user_id"]
    org = ids.make_id("org_", NOW_MS // 1000, 1)
    made = clerk.sessions.create(request={"user_id": user, "active_organization_id": org})
    session = http.get(f"/sessions/{made.id}").json()
    assert list(session) == list(generated[0])
    assert session["actor"] is session["latest_activity"] is session["tasks"] is None
    assert session["status"] == "active"
    assert session["user_id"] == user
    assert session["last_active_organization_id"] == org
    assert session["created_at"] == session["updated_at"] == CLOCK
    assert session["expire_at"] == CLOCK + 7 * 86_400_000
    assert check_session(session, now=CLOCK) == []
    assert dump(clerk.sessions.get(session_id=made.id)) == dump(made)
    assert clerk.sessions.list(user_id=user)[0].id == made.id
    assert clerk.sessions.list(client_id=made.client_id)[0].id == made.id
    assert clerk.sessions.list()[0].id == made.id
    newest = clerk.sessions.list(limit=2, offset=1)
    assert [s.id for s in newest] == [s["id"] for s in newest_first(generated)[:2]]
    revoked = clerk.sessions.revoke(session_id=made.id)
    assert revoked.status == models.Status.REVOKED
    assert clerk.sessions.list(status=models.QueryParamStatus.REVOKED)[0].id == made.id
    assert made.id not in [s.id for s in clerk.sessions.list(status=models.QueryParamStatus.ACTIVE)]


def test_reset_forgets_changes(
    server: Server, clerk: Clerk, generated: list[dict[str, Any]]
) -> None:
    target = next(s for s in generated if s["status"] == "active")
    clerk.sessions.revoke(session_id=target["id"])
    made = clerk.sessions.create(request={"user_id": target["user_id"]})
    response = httpx.post(server.root + "/__sessionfaker/reset")
    assert response.status_code == 200
    assert dump(clerk.sessions.get(session_id=target["id"])) == target
    with pytest.raises(models.ClerkErrors):
        clerk.sessions.get(session_id=made.id)


def test_concurrent_clients_lose_and_duplicate_nothing(
    server: Server, generated: list[dict[str, Any]]
) -> None:
    actives = [s["id"] for s in generated if s["status"] == "active"][:120]
    users = sorted({s["user_id"] for s in generated})[:8]
    made: list[str] = []
    problems: list[str] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        client = Clerk(bearer_auth=SECRET_KEY, server_url=server.url)
        for session_id in actives[i::8]:
            if client.sessions.revoke(session_id=session_id).status != models.Status.REVOKED:
                problems.append(session_id)
            page = client.sessions.list(status=models.QueryParamStatus.ACTIVE, limit=100)
            if len({s.id for s in page}) != len(page) or any(
                s.status != models.Status.ACTIVE for s in page
            ):
                problems.append(f"page {i}")
        new = client.sessions.create(request={"user_id": users[i]})
        with lock:
            made.append(new.id)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert problems == []
    clerk = Clerk(bearer_auth=SECRET_KEY, server_url=server.url)
    revoked: set[str] = set()
    offset = 0
    while page := clerk.sessions.list(
        status=models.QueryParamStatus.REVOKED, limit=500, offset=offset
    ):
        revoked.update(s.id for s in page)
        offset += 500
    assert set(actives) <= revoked
    assert len(revoked) == sum(s["status"] == "revoked" for s in generated) + len(actives)
    assert {s.id for s in clerk.sessions.list(limit=8)} == set(made)


@given(st.text(alphabet="ab=&%+;2é", max_size=24))
def test_the_query_reads_as_starlettes_query_params(text: str) -> None:
    request = Request({"type": "http", "query_string": text.encode()})
    assert dict(query(request)) == dict(request.query_params)


def test_the_fast_path_answers_as_starlette_does(
    running: tuple[Server, Any], generated: list[dict[str, Any]]
) -> None:
    # The front answers plain GETs itself; Starlette's app behind it must
    # give the same status, headers and bytes for every one of them.
    import asyncio

    front = running[0].app
    some = generated[11]
    paths = [
        f"/v1/sessions/{some['id']}",
        f"/v1/sessions?user_id={some['user_id']}&limit=3",
        f"/v1/sessions?user_id={some['user_id']}&status={some['status']}",
        f"/v1/sessions?client_id={some['client_id']}&paginated=true",
        "/v1/sessions?status=active&offset=5&limit=7&paginated=false",
        "/v1/sessions?user_id=user%5Fx&limit=2",  # escaped: Starlette's own
        "/v1/sessions?limit=0",  # 400
        "/v1/sessions/sess_unknown",  # 404
        "/v1/sessions/",  # Starlette's redirect or 404
        f"/v1/sessions/{some['id']}/",
    ]

    async def both(path: str, key: str) -> tuple[Any, Any]:
        headers = {"Authorization": f"Bearer {key}"}
        out = []
        for app in (front, front.app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                r = await client.get(path, headers=headers)
                out.append((r.status_code, r.headers.raw, r.content))
        return out[0], out[1]

    for path in paths:
        for key in (SECRET_KEY, "sk_test_other"):
            fast, slow = asyncio.run(both(path, key))
            assert fast == slow, path
    auth = [(b"authorization", f"Bearer {SECRET_KEY}".encode())]
    scope = {"method": "GET", "path": paths[0], "query_string": b"", "headers": auth}
    assert front.api.fast(scope) == asyncio.run(both(paths[0], SECRET_KEY))[1][2]
