"""Session tokens and the JWKS from the local Clerk Backend API, checked by
Clerk's own verifier (``verify_token`` fetching the server's JWKS)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytest.importorskip("starlette")
pytest.importorskip("cryptography")

import time_machine
from clerk_backend_api import Clerk, models
from clerk_backend_api.security import verify_token
from clerk_backend_api.security.types import TokenVerificationError, VerifyTokenOptions

from sessionfaker.generator import Generator
from sessionfaker.server import Server
from sessionfaker.server.testing import SECRET_KEY
from sessionfaker.signing import KeyPair, Signer

from .conftest import NOW_MS, profile

pytest_plugins = ["tests.server_helpers"]

SEED = 11
CLOCK = NOW_MS + 60_000  # when the server changes a session
COUNT = 500
TEMPLATES = {"supabase": {"role": "authenticated", "app": {"plan": "pro"}, "sid": "not this"}}


@pytest.fixture(scope="module")
def generated() -> list[dict[str, Any]]:
    return list(Generator(profile("default"), SEED).generate(0, 500))


def active(generated: list[dict[str, Any]], i: int = 0) -> dict[str, Any]:
    return [s for s in generated if s["status"] == "active"][i]


def verify(server: Server, jwt: str) -> dict[str, Any]:
    """What Clerk's verifier makes of ``jwt``, fetching the JWKS from the server."""
    options = VerifyTokenOptions(secret_key=SECRET_KEY, api_url=server.root)
    with time_machine.travel(CLOCK / 1000, tick=False):
        claims: dict[str, Any] = verify_token(jwt, options)
    return claims


def test_jwks_is_the_key_of_the_seed(clerk: Clerk) -> None:
    jwks = clerk.jwks.get_jwks()
    assert jwks.keys is not None
    assert [k.kid for k in jwks.keys] == [KeyPair.from_seed(SEED).kid]


def test_tokens_verify_with_the_servers_jwks(
    server: Server, clerk: Clerk, generated: list[dict[str, Any]]
) -> None:
    s = active(generated)
    token = clerk.sessions.create_token(session_id=s["id"])
    assert token.object == models.CreateSessionTokenObject.TOKEN
    assert token.jwt is not None
    claims = verify(server, token.jwt)
    assert (claims["sid"], claims["sub"]) == (s["id"], s["user_id"])
    assert claims["iat"] == CLOCK // 1000
    assert claims["exp"] - claims["iat"] == 60


def test_expires_in_seconds_and_templates(
    server: Server, clerk: Clerk, generated: list[dict[str, Any]]
) -> None:
    s = active(generated, 1)
    long = clerk.sessions.create_token(session_id=s["id"], expires_in_seconds=3600)
    assert long.jwt is not None
    claims = verify(server, long.jwt)
    assert claims["exp"] - claims["iat"] == 3600
    templated = clerk.sessions.create_token_from_template(
        session_id=s["id"], template_name="supabase", expires_in_seconds=120
    )
    assert templated.jwt is not None
    claims = verify(server, templated.jwt)
    # The template's claims, and Clerk's reserved ones from the session
    # (the template cannot change sid), without the session token's own (v, fva).
    assert sorted(claims) == ["app", "azp", "exp", "iat", "iss", "jti", "nbf", "role", "sid", "sub"]
    assert (claims["sid"], claims["sub"], claims["role"]) == (
        s["id"],
        s["user_id"],
        "authenticated",
    )
    assert claims["exp"] - claims["iat"] == 120


def test_an_unknown_template_is_404(clerk: Clerk, generated: list[dict[str, Any]]) -> None:
    s = active(generated, 1)
    with pytest.raises(models.ClerkErrors) as exc:
        clerk.sessions.create_token_from_template(session_id=s["id"], template_name="firebase")
    assert exc.value.raw_response.status_code == 404
    e = exc.value.data.errors[0]
    assert (e.code, e.long_message) == (
        "resource_not_found",
        "No JWT template was found with name 'firebase'",
    )
    with pytest.raises(models.ClerkErrors) as exc:  # an unknown session first
        clerk.sessions.create_token_from_template(session_id="sess_none", template_name="supabase")
    assert exc.value.data.errors[0].long_message == "No session was found with id 'sess_none'"


@pytest.mark.parametrize(
    ("templates", "message"),
    [
        ({"": {}}, "templates: a template name must be a word, not ''"),
        ({"a/b": {}}, "templates: a template name must be a word, not 'a/b'"),
        ({"t": [1]}, "templates.t: claims must be a JSON object, not list"),
        (
            {"t": {"x": object()}},
            "templates.t: claims are not JSON (Type is not JSON serializable: object)",
        ),
    ],
)
def test_bad_templates_are_refused_when_the_app_is_made(
    templates: dict[str, Any], message: str
) -> None:
    from sessionfaker.errors import InvalidArgument
    from sessionfaker.server import create_app, from_profile

    sessions = from_profile(profile("default"), 0)
    with pytest.raises(InvalidArgument) as exc:
        create_app(sessions, templates=templates)
    assert str(exc.value) == message


def test_created_sessions_get_tokens(
    server: Server, clerk: Clerk, generated: list[dict[str, Any]]
) -> None:
    made = clerk.sessions.create(request={"user_id": generated[0]["user_id"]})
    jwt = clerk.sessions.create_token(session_id=made.id).jwt
    assert jwt is not None
    assert verify(server, jwt)["sid"] == made.id


def test_revoked_sessions_get_no_tokens(clerk: Clerk, generated: list[dict[str, Any]]) -> None:
    s = active(generated, 2)
    clerk.sessions.revoke(session_id=s["id"])
    with pytest.raises(models.ClerkErrors) as exc:
        clerk.sessions.create_token(session_id=s["id"])
    assert exc.value.raw_response.status_code == 404
    e = exc.value.data.errors[0]
    assert (e.code, e.long_message) == (
        "session_not_active",
        f"Session {s['id']} cannot have a token: status 'revoked' is not live (active or pending)",
    )


def test_finished_and_unknown_sessions_get_no_tokens(
    clerk: Clerk, generated: list[dict[str, Any]]
) -> None:
    ended = next(s for s in generated if s["status"] == "ended")
    with pytest.raises(models.ClerkErrors) as exc:
        clerk.sessions.create_token(session_id=ended["id"])
    assert exc.value.data.errors[0].code == "session_not_active"
    with pytest.raises(models.ClerkErrors) as exc:
        clerk.sessions.create_token(session_id="sess_none")
    assert exc.value.data.errors[0].code == "resource_not_found"


@pytest.mark.parametrize("lifetime", [29, 315_360_001, "60", True, 1.5])
def test_expires_in_seconds_out_of_range_is_422(
    server: Server, generated: list[dict[str, Any]], lifetime: object
) -> None:
    response = httpx.post(
        f"{server.url}/sessions/{active(generated)['id']}/tokens",
        json={"expires_in_seconds": lifetime},
        headers={"Authorization": f"Bearer {SECRET_KEY}"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["long_message"] == (
        f"expires_in_seconds must be an integer between 30 and 315360000 (got {lifetime!r})"
    )


def test_refresh_gives_a_new_token_for_an_expired_one(
    server: Server, clerk: Clerk, generated: list[dict[str, Any]]
) -> None:
    s = active(generated, 3)
    old = clerk.sessions.create_token(session_id=s["id"]).jwt
    assert old is not None
    refreshed = clerk.sessions.refresh(
        session_id=s["id"],
        expired_token=old,
        refresh_token="refresh",
        request_origin="http://localhost:3000",
    )
    assert isinstance(refreshed, models.Token)
    assert verify(server, refreshed.jwt)["sid"] == s["id"]
    cookies = clerk.sessions.refresh(
        session_id=s["id"],
        expired_token=old,
        refresh_token="refresh",
        request_origin="http://localhost:3000",
        format_=models.Format.COOKIE,
    )
    assert isinstance(cookies, models.Cookies)
    assert cookies.cookies[0].startswith("__session=ey")


def test_refresh_refuses_what_is_not_this_sessions_token(
    clerk: Clerk, generated: list[dict[str, Any]]
) -> None:
    s, other = active(generated, 4), active(generated, 5)
    others = clerk.sessions.create_token(session_id=other["id"]).jwt
    assert others is not None
    foreign = Signer(KeyPair.from_seed("elsewhere")).token(s, now=CLOCK)
    for token in (others, foreign, "not.a.token", others[:-4] + "AAAA", "x"):
        with pytest.raises(models.ClerkErrors) as exc:
            clerk.sessions.refresh(
                session_id=s["id"], expired_token=token, refresh_token="r", request_origin="o"
            )
        assert exc.value.raw_response.status_code == 401
        assert exc.value.data.errors[0].long_message == (
            f"expired_token is not a token of session {s['id']} signed by this server"
        )
    mine = clerk.sessions.create_token(session_id=s["id"]).jwt
    assert mine is not None
    clerk.sessions.revoke(session_id=s["id"])
    with pytest.raises(models.ClerkErrors) as exc:
        clerk.sessions.refresh(
            session_id=s["id"], expired_token=mine, refresh_token="r", request_origin="o"
        )
    assert exc.value.raw_response.status_code == 401


def test_refresh_without_its_fields_is_400(server: Server, generated: list[dict[str, Any]]) -> None:
    response = httpx.post(
        f"{server.url}/sessions/{active(generated)['id']}/refresh",
        json={"expired_token": "x"},
        headers={"Authorization": f"Bearer {SECRET_KEY}"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "message": "refresh_token is invalid",
        "long_message": "refresh_token must be a non-empty string (got None)",
        "code": "form_param_missing",
        "meta": {"param_name": "refresh_token"},
    }


def test_a_token_is_refused_by_a_verifier_after_it_expires(
    server: Server, clerk: Clerk, generated: list[dict[str, Any]]
) -> None:
    jwt = clerk.sessions.create_token(session_id=active(generated)["id"]).jwt
    assert jwt is not None
    options = VerifyTokenOptions(secret_key=SECRET_KEY, api_url=server.root)
    with time_machine.travel(CLOCK / 1000 + 120, tick=False), pytest.raises(TokenVerificationError):
        verify_token(jwt, options)
