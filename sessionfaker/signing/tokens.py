"""Clerk session tokens: RS256 JWTs whose claims come from a session.

A :class:`Signer` turns a live session (active or pending at ``now``) into
the token Clerk's Frontend API would hand its browser, in Clerk's v2 claims
format (or v1 on request), signed with a :class:`~.keys.KeyPair` whose
public half verifies it offline.

>>> from sessionfaker.generator import Generator
>>> from sessionfaker.profile import load_profile
>>> p = load_profile(now="2026-11-01T00:00:00Z")
>>> session = next(s for s in Generator(p, 1).generate() if s["status"] == "active")
>>> signer = Signer(KeyPair.from_seed("docs"), profile=p)
>>> token = signer.token(session, now=p.now)
>>> signer.claims(session, now=p.now)["sid"] == session["id"], token.count(".")
(True, 2)
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import orjson

from ..errors import InvalidArgument, ProfileError
from ..rules import LIVE_STATUSES, check_session
from ..timeutil import format_instant
from . import _extra
from .keys import KeyPair

if TYPE_CHECKING:
    from ..profile import Profile

__all__ = ["CLAIMS_FORMATS", "DEFAULT_AZP", "DEFAULT_ISSUER", "Signer", "live_problem"]

DEFAULT_ISSUER = "https://sessionfaker-test.clerk.accounts.dev"
DEFAULT_AZP = "http://localhost:3000"
CLAIMS_FORMATS = ("v2", "v1")
# Clerk backdates nbf by 10 s so that a verifier whose clock is a little behind accepts it.
NBF_SKEW_S = 10


def b64url(raw: bytes) -> bytes:
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


def live_problem(session: Mapping[str, Any], now: int) -> str | None:
    """Why ``session`` cannot have a token at ``now`` (epoch ms), or None when it is live."""
    status = session.get("status")
    if status not in LIVE_STATUSES:
        return f"status {status!r} is not live (active or pending)"
    # The rules' now.future and now.live, compared directly: signing is timed
    # against PyJWT, and the full rule check costs a tenth of an RSA signature.
    try:
        if all(session[n] <= now for n in _PAST) and all(session[n] > now for n in _FUTURE):
            return None
    except (KeyError, TypeError):
        pass
    broken = check_session(session, now=now)
    for v in broken:
        if v.rule.startswith("now."):
            when = "after" if v.rule == "now.future" else "not after"
            return f"{v.field} {format_instant(int(v.value))} is {when} now"
    return f"not a session ({broken[0].describe()})" if broken else None


_PAST = ("created_at", "last_active_at", "updated_at")
_FUTURE = ("expire_at", "abandon_at")


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class _Organisation:
    """What the profile says every organisation membership carries."""

    def __init__(self, profile: Profile | None) -> None:
        raw = _settings(profile)
        self.roles = _split(raw["tokens.org_roles"][0]) or ["admin"]
        for role in self.roles:
            if role.startswith("org:"):
                raise ProfileError(
                    raw["tokens.org_roles"][1],
                    "tokens.org_roles",
                    f"write roles without the 'org:' prefix ({role!r})",
                )
        self.permissions = _split(raw["tokens.org_permissions"][0])
        features: list[str] = []
        names: list[str] = []
        for perm in self.permissions:
            parts = perm.split(":")
            if len(parts) != 3 or parts[0] != "org" or not all(parts):
                raise ProfileError(
                    raw["tokens.org_permissions"][1],
                    "tokens.org_permissions",
                    f"expected permissions like 'org:invoices:read' ({perm!r})",
                )
            if parts[1] not in features:
                features.append(parts[1])
            if parts[2] not in names:
                names.append(parts[2])
        self.per = ",".join(names)
        # One bitmask per feature, bit i set when the feature has permission names[i].
        self.fpm = ",".join(
            str(sum(1 << i for i, n in enumerate(names) if f"org:{f}:{n}" in self.permissions))
            for f in features
        )
        # The SDK pairs fpm's masks with fea's first entries: organisation features lead.
        fea = [f"o:{f}" for f in features]
        fea += [f for f in _scoped(raw, "tokens.features") if f not in fea]
        self.fea = ",".join(fea)
        self.pla = ",".join(_scoped(raw, "tokens.plan"))

    def role(self, user_id: str, org_id: str) -> str:
        """A user's role in an organisation: the same in every token."""
        digest = hashlib.sha256(f"{user_id}/{org_id}".encode()).digest()
        return self.roles[int.from_bytes(digest[:4], "big") % len(self.roles)]


def _scoped(raw: dict[str, tuple[str, str]], path: str) -> list[str]:
    """Entries such as ``u:free_user`` or ``o:sso``: a user (u) or organisation (o) scope."""
    out = _split(raw[path][0])
    for entry in out:
        scope, _, name = entry.partition(":")
        if scope not in ("u", "o") or not name or ":" in name:
            raise ProfileError(
                raw[path][1], path, f"expected entries like 'u:free_user' or 'o:pro' ({entry!r})"
            )
    return out


def _settings(profile: Profile | None) -> dict[str, tuple[str, str]]:
    from ..profile import KEYS_BY_PATH

    out = {}
    for path in ("tokens.org_roles", "tokens.org_permissions", "tokens.plan", "tokens.features"):
        key = KEYS_BY_PATH[path]
        if profile is None:
            out[path] = (str(key.default), "default")
        else:
            out[path] = (str(getattr(profile, key.attr)), profile.origins.get(path, profile.source))
    return out


def org_slug(org_id: str) -> str:
    """A stable slug for an organisation id (sessions carry no organisation names)."""
    return "org-" + hashlib.sha256(org_id.encode()).hexdigest()[:8]


class Signer:
    """Signs session tokens for live sessions with one key.

    ``issuer`` is the instance's Frontend API URL, ``azp`` the origin the
    token was minted for (``None`` leaves the claim out, as for native apps),
    ``claims`` ``"v2"`` (Clerk's default) or ``"v1"``; ``profile`` supplies
    organisation roles and permissions and the ``pla``/``fea`` claims.
    """

    def __init__(
        self,
        key: KeyPair,
        *,
        issuer: str = DEFAULT_ISSUER,
        azp: str | None = DEFAULT_AZP,
        lifetime_s: int = 60,
        claims: str = "v2",
        profile: Profile | None = None,
    ) -> None:
        check_lifetime(lifetime_s)
        if claims not in CLAIMS_FORMATS:
            raise InvalidArgument(f"Cannot have claims={claims!r}: expected 'v2' or 'v1'")
        if not isinstance(issuer, str) or not issuer:
            raise InvalidArgument(f"Cannot have issuer={issuer!r}: expected a URL")
        self.key = key
        self.issuer = issuer
        self.azp = azp
        self.lifetime_s = lifetime_s
        self.claims_format = claims
        self._org = _Organisation(profile)
        self._header = _header("RS256", key.kid)
        self._padding = _extra.crypto("asymmetric.padding").PKCS1v15()
        self._hash = _extra.crypto("hashes").SHA256()

    @property
    def kid(self) -> str:
        return self.key.kid

    def jwks(self) -> dict[str, Any]:
        return self.key.jwks()

    def public_pem(self) -> str:
        return self.key.public_pem()

    def claims(
        self, session: Mapping[str, Any], *, now: int, lifetime_s: int | None = None
    ) -> dict[str, Any]:
        """The claims of ``session``'s token at ``now`` (epoch ms), keys in Clerk's order."""
        problem = live_problem(session, now)
        if problem is not None:
            raise InvalidArgument(f"Cannot sign a token for {session.get('id')}: {problem}")
        life = self.lifetime_s if lifetime_s is None else check_lifetime(lifetime_s)
        iat = now // 1000
        sid, sub = session["id"], session["user_id"]
        out: dict[str, Any] = {}
        if session.get("actor") is not None:
            out["act"] = dict(session["actor"])
        if self.azp is not None:
            out["azp"] = self.azp
        out["exp"] = iat + life
        out["fva"] = [max(0, (now - int(session["created_at"])) // 60_000), -1]
        out["iat"] = iat
        out["iss"] = self.issuer
        digest = hashlib.sha256(f"{self.kid}/{sid}/{iat}/{life}".encode()).hexdigest()
        out["jti"] = digest[:20]
        out["nbf"] = iat - NBF_SKEW_S
        org_id = session.get("last_active_organization_id")
        org = self._org
        if self.claims_format == "v1":
            if org_id is not None:
                out["org_id"] = org_id
                out["org_permissions"] = list(org.permissions)
                out["org_role"] = "org:" + org.role(sub, org_id)
                out["org_slug"] = org_slug(org_id)
            out["sid"] = sid
            out["sub"] = sub
            return dict(sorted(out.items()))
        if org.fea:
            out["fea"] = org.fea
        if org_id is not None:
            o = {"id": org_id, "rol": org.role(sub, org_id), "slg": org_slug(org_id)}
            if org.per:
                o.update(fpm=org.fpm, per=org.per)
            out["o"] = dict(sorted(o.items()))
        if org.pla:
            out["pla"] = org.pla
        out["sid"] = sid
        if session["status"] == "pending":
            out["sts"] = "pending"
        out["sub"] = sub
        out["v"] = 2
        # Clerk writes the claims in lexicographic order.
        return dict(sorted(out.items()))

    def sign(self, claims: Mapping[str, Any], *, kid: str | None = None, alg: str = "RS256") -> str:
        """A compact JWS of ``claims`` signed with this signer's key: RS256 and its
        ``kid`` unless ``kid`` or ``alg`` (``RS384``, ``RS512``) say otherwise."""
        if kid is None and alg == "RS256":
            head, digest = self._header, self._hash
        elif alg in _RS_HASHES:
            head = _header(alg, self.kid if kid is None else kid)
            digest = getattr(_extra.crypto("hashes"), _RS_HASHES[alg])()
        else:
            raise InvalidArgument(
                f"Cannot have alg={alg!r}: expected one of {', '.join(_RS_HASHES)}"
            )
        signing_input = head + b"." + b64url(orjson.dumps(claims))
        signature = self.key.private_key.sign(signing_input, self._padding, digest)
        return (signing_input + b"." + b64url(signature)).decode("ascii")

    def token(self, session: Mapping[str, Any], *, now: int, lifetime_s: int | None = None) -> str:
        """The signed token of a live ``session`` at ``now`` (epoch ms).

        Raises :class:`~sessionfaker.errors.InvalidArgument` when the session is
        not live at ``now`` or ``lifetime_s`` is below 1.
        """
        return self.sign(self.claims(session, now=now, lifetime_s=lifetime_s))


_RS_HASHES = {"RS256": "SHA256", "RS384": "SHA384", "RS512": "SHA512"}


def _header(alg: str, kid: str) -> bytes:
    return b64url(orjson.dumps({"alg": alg, "kid": kid, "typ": "JWT"}))


def check_lifetime(lifetime_s: Any) -> int:
    if isinstance(lifetime_s, bool) or not isinstance(lifetime_s, int) or lifetime_s < 1:
        raise InvalidArgument(
            f"Cannot have lifetime_s={lifetime_s!r}: expected a whole number of seconds >= 1"
        )
    return lifetime_s
