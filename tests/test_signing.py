"""Keys, session tokens and webhook events, checked by Clerk's and Svix's own verifiers.

Time is pinned with time-machine: PyJWT checks exp/nbf and svix its 5-minute
window against the wall clock.
"""

from __future__ import annotations

import base64
import doctest
import hashlib
import importlib
import json
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
import time_machine
from clerk_backend_api import models
from clerk_backend_api.security import authenticate_request, verify_token
from clerk_backend_api.security.types import (
    AuthenticateRequestOptions,
    AuthStatus,
    TokenVerificationError,
    VerifyTokenOptions,
)
from hypothesis import HealthCheck, given, settings
from svix.webhooks import Webhook

from sessionfaker.errors import InvalidArgument, MissingExtraError, ProfileError
from sessionfaker.generator import Generator
from sessionfaker.profile import Profile, load_profile
from sessionfaker.rules import check_session
from sessionfaker.signing import (
    DEFAULT_AZP,
    KeyPair,
    Signer,
    WebhookSigner,
    signed_events,
    webhook_events,
)
from sessionfaker.signing.keys import jwk_thumbprint
from sessionfaker.strategies import invalid_tokens, session_tokens

from .conftest import NOW, NOW_MS
from .signing_helpers import Endpoint, local_server

SECRET = "whsec_" + base64.b64encode(b"sessionfaker-test-secret").decode()
PERMISSIONS = "org:invoices:read,org:invoices:manage,org:reports:read"
# Written out, so that the pinned bytes below do not move with the generator.
IMPERSONATED: dict[str, Any] = {
    "object": "session",
    "id": "sess_3LTtm2mE8wkThIlmmT5Oo1yOOYq",
    "user_id": "user_35vYXnEPMsblniVyYmBaJETq8t4",
    "client_id": "client_30riX0ouUAG8h317cXuEYF0wdhq",
    "actor": {
        "iss": "https://dashboard.clerk.com",
        "sid": "sess_3LTovXzJooZmZM4VG6aDWmZh9id",
        "sub": "user_31viSoOOBGGW4uCykXfQHtdjIt0",
    },
    "status": "active",
    "last_active_organization_id": "org_3BJh4ZGLpCiwSijYM4Vj1kQqAw8",
    "last_active_at": 1793490804573,
    "latest_activity": {
        "object": "session_activity",
        "id": "sess_activity_3LTtgydp90KJeVgG7wMhE2uKlgp",
        "is_mobile": False,
        "device_type": "Macintosh",
        "browser_name": "Firefox",
        "browser_version": "133.0",
        "ip_address": "198.51.100.229",
        "city": "Noida",
        "country": "IN",
    },
    "expire_at": 1793491840381,
    "abandon_at": 1796082040381,
    "updated_at": 1793491192020,
    "created_at": 1793490040381,
    "tasks": None,
}
REVOKED: dict[str, Any] = {
    "object": "session",
    "id": "sess_3HuAkbgnNrIHkU6KlEnE1PSSjod",
    "user_id": "user_37vCqyV2nZJmQOGQPkt4WCDXZjN",
    "client_id": "client_3HJLiCq9EvKIlHMPdCST7qLNFzA",
    "actor": {"sub": "user_32WGP5JT0ap4yPOzmNjrWQFhnW6", "type": "agent"},
    "status": "revoked",
    "last_active_organization_id": None,
    "last_active_at": 1786708017462,
    "latest_activity": None,
    "expire_at": 1786709523379,
    "abandon_at": 1789299723379,
    "updated_at": 1786708511431,
    "created_at": 1786707723379,
    "tasks": None,
}


@pytest.fixture(scope="module")
def key() -> KeyPair:
    return KeyPair.from_seed(7)


@pytest.fixture(scope="module")
def rich_profile() -> Profile:
    """Organisations, actors and pending sessions often, with permissions and a plan."""
    return load_profile(
        now=NOW,
        overrides={
            "organization.rate": 0.6,
            "actor.rate": 0.3,
            "status.weights.pending": 30,
            "tokens.org_permissions": PERMISSIONS,
            "tokens.plan": "u:free_user",
            "tokens.features": "u:export",
        },
    )


@pytest.fixture
def at_now() -> Iterator[None]:
    with time_machine.travel(NOW_MS / 1000, tick=False):
        yield


def live_sessions(p: Profile, n: int, seed: int = 1) -> list[dict[str, Any]]:
    out = []
    for s in Generator(p, seed).generate():
        if s["status"] in ("active", "pending"):
            out.append(dict(s))
            if len(out) == n:
                return out
    raise AssertionError("not enough live sessions")


# ---------------------------------------------------------------- keys


@pytest.mark.parametrize(
    "name",
    [
        "sessionfaker.signing",
        "sessionfaker.signing.keys",
        "sessionfaker.signing.tokens",
        "sessionfaker.signing.webhooks",
        "sessionfaker.signing.strategies",
    ],
)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_a_key_is_rsa_2048_derived_from_its_seed_alone(key: KeyPair) -> None:
    numbers = key.private_key.private_numbers()
    assert numbers.public_numbers.e == 65537
    assert numbers.public_numbers.n.bit_length() == 2048
    assert numbers.p * numbers.q == numbers.public_numbers.n
    again = KeyPair.from_seed("7")
    assert again.public_pem() == key.public_pem() and again.kid == key.kid
    assert KeyPair.from_seed(8).kid != key.kid
    # Pinned: the same seed gives this key on every machine and every version.
    assert key.kid == "ins_2aKVLKtVCknqQF37JXmGDznWuYk"
    assert hashlib.sha256(key.public_pem().encode()).hexdigest()[:16] == "0f1e082972acaf80"


def test_the_jwks_is_clerks_shape_and_holds_the_same_public_key(key: KeyPair) -> None:
    jwks = key.jwks()
    assert list(jwks) == ["keys"] and len(jwks["keys"]) == 1
    jwk = jwks["keys"][0]
    assert list(jwk) == ["use", "kty", "kid", "alg", "n", "e"]
    assert (jwk["use"], jwk["kty"], jwk["kid"], jwk["alg"], jwk["e"]) == (
        "sig",
        "RSA",
        key.kid,
        "RS256",
        "AQAB",
    )
    from_jwk = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))
    assert from_jwk.public_numbers() == key.public_key.public_numbers()  # type: ignore[union-attr]


def test_the_private_pem_is_the_key_pair(key: KeyPair) -> None:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    loaded = load_pem_private_key(key.private_pem().encode(), password=None)
    assert loaded.public_key().public_numbers() == key.public_key.public_numbers()  # type: ignore[union-attr]
    assert key.private_pem().startswith("-----BEGIN PRIVATE KEY-----\n")


def test_the_thumbprint_follows_rfc_7638() -> None:
    # The example of RFC 7638 section 3.1.
    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
        "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0"
        "_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWh"
        "AI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    )
    assert jwk_thumbprint(n, "AQAB") == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_a_missing_tokens_extra_names_it(monkeypatch: pytest.MonkeyPatch, key: KeyPair) -> None:
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives.asymmetric.padding", None)
    with pytest.raises(MissingExtraError) as exc:
        Signer(key)
    assert str(exc.value) == (
        "signing needs cryptography, from the 'tokens' extra: pip install 'sessionfaker[tokens]'"
    )


# ---------------------------------------------------------------- tokens


def test_same_seeds_and_now_give_the_same_token_bytes(rich_profile: Profile) -> None:
    one = Signer(KeyPair.from_seed(3), profile=rich_profile).token(IMPERSONATED, now=NOW_MS)
    two = Signer(KeyPair.from_seed("3"), profile=rich_profile).token(IMPERSONATED, now=NOW_MS)
    assert one == two
    assert hashlib.sha256(one.encode()).hexdigest()[:16] == "210288bf23eb01aa"
    later = Signer(KeyPair.from_seed(3), profile=rich_profile).token(
        IMPERSONATED, now=NOW_MS + 1000
    )
    assert later != one


@pytest.mark.usefixtures("at_now")
def test_verify_token_accepts_every_v2_token_with_the_sessions_claims(
    key: KeyPair, rich_profile: Profile
) -> None:
    signer = Signer(key, profile=rich_profile)
    options = VerifyTokenOptions(jwt_key=key.public_pem(), authorized_parties=[DEFAULT_AZP])
    seen: Counter[str] = Counter()
    for session in live_sessions(rich_profile, 120):
        token = signer.token(session, now=NOW_MS)
        header = jwt.get_unverified_header(token)
        assert header == {"alg": "RS256", "kid": key.kid, "typ": "JWT"}
        claims = verify_token(token, options)
        assert list(claims) == sorted(claims)
        assert (claims["sid"], claims["sub"], claims["v"]) == (session["id"], session["user_id"], 2)
        assert claims["iat"] == NOW_MS // 1000 and claims["exp"] == claims["iat"] + 60
        assert claims["nbf"] == claims["iat"] - 10
        assert claims["azp"] == DEFAULT_AZP and claims["pla"] == "u:free_user"
        assert claims.get("act") == session["actor"]
        assert claims.get("sts") == ("pending" if session["status"] == "pending" else None)
        org = session["last_active_organization_id"]
        if org is None:
            assert "o" not in claims
        else:
            assert claims["o"]["id"] == org and claims["o"]["rol"] in ("admin", "member")
            assert (claims["o"]["per"], claims["o"]["fpm"]) == ("read,manage", "3,1")
        assert claims["fea"] == "o:invoices,o:reports,u:export"
        seen["org" if org else "no org"] += 1
        seen["actor" if session["actor"] else "no actor"] += 1
        seen[session["status"]] += 1
    assert min(seen.values()) >= 5, seen


@pytest.mark.usefixtures("at_now")
def test_authenticate_request_reads_the_header_and_the_cookie(
    key: KeyPair, rich_profile: Profile
) -> None:
    signer = Signer(key, profile=rich_profile)
    options = AuthenticateRequestOptions(jwt_key=key.public_pem(), authorized_parties=[DEFAULT_AZP])
    with_org = [s for s in live_sessions(rich_profile, 40) if s["last_active_organization_id"]]
    for session in with_org[:10]:
        token = signer.token(session, now=NOW_MS)
        for headers in ({"Authorization": f"Bearer {token}"}, {"Cookie": f"__session={token}"}):
            state = authenticate_request(
                httpx.Request("GET", "http://app/", headers=headers), options
            )
            assert state.status is AuthStatus.SIGNED_IN, state.reason
            auth = state.to_auth()
            assert (auth.sid, auth.sub) == (session["id"], session["user_id"])  # type: ignore[attr-defined]
            assert auth.org_id == session["last_active_organization_id"]  # type: ignore[attr-defined]
            assert auth.org_permissions == PERMISSIONS.split(",")  # type: ignore[attr-defined]
            role = signer.claims(session, now=NOW_MS)["o"]["rol"]
            assert auth.org_role == role  # type: ignore[attr-defined]


@pytest.mark.usefixtures("at_now")
def test_v1_tokens_carry_the_flat_organisation_claims(key: KeyPair, rich_profile: Profile) -> None:
    signer = Signer(key, profile=rich_profile, claims="v1", azp=None)
    options = AuthenticateRequestOptions(jwt_key=key.public_pem())
    session = next(s for s in live_sessions(rich_profile, 40) if s["last_active_organization_id"])
    token = signer.token(session, now=NOW_MS, lifetime_s=3600)
    request = httpx.Request("GET", "http://app/", headers={"Authorization": f"Bearer {token}"})
    auth = authenticate_request(request, options).to_auth()
    assert type(auth).__name__ == "SessionAuthObjectV1"
    assert (auth.session_id, auth.user_id) == (session["id"], session["user_id"])  # type: ignore[attr-defined]
    assert auth.org_id == session["last_active_organization_id"]  # type: ignore[attr-defined]
    assert auth.org_role in ("org:admin", "org:member")  # type: ignore[attr-defined]
    assert auth.org_permissions == PERMISSIONS.split(",")  # type: ignore[attr-defined]
    claims = auth.claims  # type: ignore[attr-defined]
    assert "azp" not in claims and "v" not in claims and "o" not in claims
    assert claims["exp"] - claims["iat"] == 3600


def test_a_role_is_the_same_for_a_user_and_organisation_in_every_token(
    key: KeyPair, rich_profile: Profile
) -> None:
    signer = Signer(key, profile=rich_profile)
    session = next(s for s in live_sessions(rich_profile, 40) if s["last_active_organization_id"])
    other = {**session, "id": "sess_2aKVLLBy2nxrGuV6E20rGrd1vry"}
    assert signer.claims(session, now=NOW_MS)["o"] == signer.claims(other, now=NOW_MS + 5000)["o"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"status": "ended"},
            "Cannot sign a token for {id}: status 'ended' is not live (active or pending)",
        ),
        (
            {"expire_at": NOW_MS},
            "Cannot sign a token for {id}: expire_at 2026-11-01T00:00:00Z is not after now",
        ),
        (
            {"updated_at": NOW_MS + 1},
            "Cannot sign a token for {id}: updated_at 2026-11-01T00:00:00.001Z is after now",
        ),
        (
            {"abandon_at": None},
            "Cannot sign a token for {id}: not a session (abandon_at: null (null))",
        ),
    ],
)
def test_a_session_that_is_not_live_gets_no_token(
    key: KeyPair, change: dict[str, Any], message: str
) -> None:
    session = {**live_sessions(load_profile(now=NOW), 1)[0], **change}
    with pytest.raises(InvalidArgument) as exc:
        Signer(key).token(session, now=NOW_MS)
    assert str(exc.value) == message.format(id=session["id"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lifetime_s": 0}, "Cannot have lifetime_s=0: expected a whole number of seconds >= 1"),
        (
            {"lifetime_s": 1.5},
            "Cannot have lifetime_s=1.5: expected a whole number of seconds >= 1",
        ),
        ({"claims": "v3"}, "Cannot have claims='v3': expected 'v2' or 'v1'"),
        ({"issuer": ""}, "Cannot have issuer='': expected a URL"),
    ],
)
def test_bad_signer_arguments_are_refused(
    key: KeyPair, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgument) as exc:
        Signer(key, **kwargs)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"tokens.org_permissions": "invoices:read"},
            "--set: tokens.org_permissions: expected permissions like 'org:invoices:read' "
            "('invoices:read')",
        ),
        (
            {"tokens.plan": "free_user"},
            "--set: tokens.plan: expected entries like 'u:free_user' or 'o:pro' ('free_user')",
        ),
        (
            {"tokens.features": "u:export,x:y"},
            "--set: tokens.features: expected entries like 'u:free_user' or 'o:pro' ('x:y')",
        ),
        (
            {"tokens.org_roles": "org:admin"},
            "--set: tokens.org_roles: write roles without the 'org:' prefix ('org:admin')",
        ),
    ],
)
def test_bad_token_settings_in_a_profile_name_the_key(
    key: KeyPair, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ProfileError) as exc:
        Signer(key, profile=load_profile(now=NOW, overrides=overrides))
    assert str(exc.value) == message


# ---------------------------------------------------------------- strategies


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair=session_tokens(now=NOW_MS, profile="b2b"))
def test_session_tokens_verify(pair: tuple[dict[str, Any], str]) -> None:
    session, token = pair
    with time_machine.travel(NOW_MS / 1000, tick=False):
        claims = verify_token(token, VerifyTokenOptions(jwt_key=KeyPair.from_seed(0).public_pem()))
    assert claims["sid"] == session["id"] and claims["sub"] == session["user_id"]


@pytest.fixture(scope="module")
def jwks_server() -> Iterator[Endpoint]:
    with local_server(Endpoint(jwks=KeyPair.from_seed(0).jwks())) as endpoint:
        yield endpoint


def _reason(token: str, options: VerifyTokenOptions) -> str:
    with (
        time_machine.travel(NOW_MS / 1000, tick=False),
        pytest.raises(TokenVerificationError) as exc,
    ):
        verify_token(token, options)
    return str(exc.value.reason.value[0])


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=invalid_tokens(now=NOW_MS))
def test_every_invalid_token_fails_with_its_reason(
    case: tuple[str, str], jwks_server: Endpoint
) -> None:
    token, reason = case
    key = KeyPair.from_seed(0)
    # Through the JWKS, as an app with a secret key does (here a local endpoint).
    remote = VerifyTokenOptions(
        secret_key="sk_test_sessionfaker",
        api_url=jwks_server.url,
        authorized_parties=[DEFAULT_AZP],
    )
    assert _reason(token, remote) == reason
    # With the PEM (networkless): an unknown kid is not looked up, so it is a bad signature.
    pem = VerifyTokenOptions(jwt_key=key.public_pem(), authorized_parties=[DEFAULT_AZP])
    expected = "token-invalid-signature" if reason == "jwk-kid-mismatch" else reason
    assert _reason(token, pem) == expected


def test_token_strategies_check_their_statuses_when_built() -> None:
    with pytest.raises(InvalidArgument) as exc:
        session_tokens(now=NOW_MS, status="ended")
    assert str(exc.value) == (
        "Cannot have status='ended': only live sessions (active, pending) have tokens"
    )
    no_live = load_profile(
        now=NOW, overrides={"status.weights": {"active": 0, "pending": 0, "ended": 1}}
    )
    with pytest.raises(InvalidArgument) as exc:
        invalid_tokens(profile=no_live)
    assert str(exc.value) == (
        "Cannot draw tokens: profile 'default' gives no live status (active, pending) a weight"
    )


def test_invalid_tokens_cover_every_reason_and_check_the_cases() -> None:
    from sessionfaker.signing.strategies import INVALID_TOKEN_CASES

    assert set(INVALID_TOKEN_CASES.values()) == {
        "token-expired",
        "token-not-active-yet",
        "token-invalid-signature",
        "jwk-kid-mismatch",
        "token-invalid",
        "token-invalid-authorized-parties",
    }
    with pytest.raises(InvalidArgument) as exc:
        invalid_tokens(cases=["expird"])
    assert str(exc.value) == (
        "Cannot have cases=['expird']: unknown case 'expird' (did you mean 'expired'?) (cases: "
        "expired, not yet valid, bad signature, unknown kid, wrong algorithm, unauthorised azp, "
        "malformed)"
    )


# ---------------------------------------------------------------- webhooks


def test_every_event_verifies_with_svix_and_its_data_is_a_session(rich_profile: Profile) -> None:
    p = load_profile(now=NOW, overrides={"status.weights.pending": 10, "actor.rate": 0.2})
    sessions = [s for s, _ in zip(Generator(p, 2).generate(), range(300), strict=False)]
    by_id = {s["id"]: s for s in sessions}
    events = signed_events(sessions, WebhookSigner(SECRET), now=NOW_MS, instance_id="ins_x")
    kinds: Counter[str] = Counter()
    last = 0
    with time_machine.travel(NOW_MS / 1000, tick=False):
        for event in events:
            Webhook(SECRET).verify(event.body, event.headers)
            assert event.headers["svix-timestamp"] == str(NOW_MS // 1000)
            body = json.loads(event.body)
            assert list(body) == ["data", "instance_id", "object", "timestamp", "type"]
            assert (body["object"], body["instance_id"]) == ("event", "ins_x")
            assert body["timestamp"] >= last
            last = body["timestamp"]
            data = body["data"]
            user = data.pop("user")
            assert "tasks" not in data and user["id"] == data["user_id"]
            original = by_id[data["id"]]
            models.Session.model_validate(data)
            models.User.model_validate(user)
            assert check_session({**data, "tasks": original["tasks"]}) == []
            kinds[body["type"]] += 1
    assert kinds["session.created"] == len(sessions)
    statuses = Counter(s["status"] for s in sessions)
    assert kinds["session.pending"] == statuses["pending"] > 0
    for status in ("ended", "removed", "revoked"):
        assert kinds[f"session.{status}"] == statuses[status] > 0


def test_a_sessions_events_follow_its_history() -> None:
    revoked = REVOKED
    events = webhook_events(revoked, now=NOW_MS, instance_id="ins_x")
    assert [(e.type, e.timestamp) for e in events] == [
        ("session.created", revoked["created_at"]),
        ("session.revoked", revoked["updated_at"]),
    ]
    created = json.loads(events[0].body)["data"]
    assert created["status"] == "active" and created["updated_at"] == revoked["created_at"]
    assert json.loads(events[1].body)["data"]["status"] == "revoked"
    assert webhook_events(revoked, now=revoked["created_at"] - 1, instance_id="ins_x") == []


def test_the_same_inputs_give_the_same_event_bytes() -> None:
    sessions = [IMPERSONATED, REVOKED]
    one = signed_events(sessions, WebhookSigner(SECRET), now=NOW_MS, instance_id="ins_x")
    two = signed_events(sessions, WebhookSigner(SECRET), now=NOW_MS, instance_id="ins_x")
    assert [json.loads(e.body)["type"] for e in one] == [
        "session.created",
        "session.revoked",
        "session.created",
    ]
    assert one == two
    text = "\n".join(json.dumps(e.to_dict()) for e in one)
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == "51c7ad8f85a2c143"


@pytest.mark.parametrize("secret", ["abc", "whsec_", "whsec_not base64!", "c2VjcmV0"])
def test_a_secret_that_is_not_whsec_base64_is_refused(secret: str) -> None:
    with pytest.raises(InvalidArgument) as exc:
        WebhookSigner(secret)
    assert str(exc.value) == (
        "secret: not a Svix signing secret (expected 'whsec_' followed by base64)"
    )
