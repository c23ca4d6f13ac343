"""Hypothesis strategies for signed session tokens, good and broken.

Re-exported from :mod:`sessionfaker.strategies`. PyJWT checks ``exp`` and
``nbf`` against the wall clock: pin it to the strategy's ``now`` (for
example with ``time_machine.travel(now_ms / 1000, tick=False)``).
"""

from __future__ import annotations

import base64
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from ..errors import InvalidArgument, did_you_mean
from ..rules import LIVE_STATUSES
from .keys import KeyPair
from .tokens import NBF_SKEW_S, Signer, b64url, check_lifetime

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from ..profile import Profile
    from ..session import Session

__all__ = ["INVALID_TOKEN_CASES", "invalid_tokens", "session_tokens"]

DEFAULT_KEY_SEED = 0
# Each way a token fails offline, and the TokenVerificationErrorReason value
# (its first element) that clerk_backend_api 7.0.0's verify_token reports.
# "unknown kid" is only visible to a verifier that looks the kid up in a JWKS
# (verify_token with secret_key/api_url); with jwt_key=PEM it is a bad signature.
INVALID_TOKEN_CASES = {
    "expired": "token-expired",
    "not yet valid": "token-not-active-yet",
    "bad signature": "token-invalid-signature",
    "unknown kid": "jwk-kid-mismatch",
    "wrong algorithm": "token-invalid",
    "unauthorised azp": "token-invalid-authorized-parties",
    "malformed": "token-invalid",
}
FOREIGN_AZP = "https://attacker.example"
# verify_token's default clock_skew_in_ms is 5000: go past it.
_SKEW_S = 5


def _live_sessions(
    profile: Profile | str | Path | None, now: int | str | datetime | None, fixed: dict[str, Any]
) -> tuple[SearchStrategy[Session], int, Profile]:
    from .. import strategies as core
    from ..strategies.common import resolve_profile

    p = resolve_profile(profile, now)
    status = fixed.pop("status", None)
    if status is None:
        status = tuple(s for s in LIVE_STATUSES if p.status_weights.get(s, 0) > 0)
        if not status:
            raise InvalidArgument(
                f"Cannot draw tokens: profile {p.name!r} gives no live status "
                f"({', '.join(LIVE_STATUSES)}) a weight"
            )
    named = (status,) if isinstance(status, str) else tuple(status)
    for s in named:
        if s not in LIVE_STATUSES:
            raise InvalidArgument(
                f"Cannot have status={status!r}: only live sessions "
                f"({', '.join(LIVE_STATUSES)}) have tokens"
            )
    return core.sessions(p, status=status, **fixed), p.now, p


def session_tokens(
    signer: Signer | None = None,
    *,
    profile: Profile | str | Path | None = None,
    now: int | str | datetime | None = None,
    lifetime_s: int | None = None,
    **fixed: Any,
) -> SearchStrategy[tuple[Session, str]]:
    """``(session, token)`` pairs: a live session (active or pending at ``now``)
    and its session token, signed by ``signer`` (by default a :class:`Signer`
    with the key of seed 0 and the profile's roles and permissions).

    ``profile``, ``now`` and ``fixed`` (``status=``, ``actor=``, pinned fields)
    are those of :func:`sessionfaker.strategies.sessions`. Shrinks as the
    session does.

    >>> from hypothesis import find
    >>> session, token = find(session_tokens(now=1793491200000), lambda pair: True)
    >>> session["status"], token.count(".")
    ('active', 2)
    """
    live, now_ms, p = _live_sessions(profile, now, fixed)
    sig = signer if signer is not None else Signer(KeyPair.from_seed(DEFAULT_KEY_SEED), profile=p)
    if lifetime_s is not None:
        check_lifetime(lifetime_s)
    return live.map(lambda s: (s, sig.token(s, now=now_ms, lifetime_s=lifetime_s)))


def invalid_tokens(
    signer: Signer | None = None,
    *,
    profile: Profile | str | Path | None = None,
    now: int | str | datetime | None = None,
    cases: Collection[str] | None = None,
    **fixed: Any,
) -> SearchStrategy[tuple[str, str]]:
    """``(token, reason)`` pairs: a token for a live session, broken in one of
    the ways of :data:`INVALID_TOKEN_CASES`, and the reason
    (``TokenVerificationErrorReason.X.value[0]``) Clerk's verifier gives.

    The verifier is assumed to use ``signer``'s public key, the clock at
    ``now`` and ``authorized_parties=[signer.azp]``. ``cases`` narrows the
    kinds of breakage. Shrinks towards an expired token.
    """
    live, now_ms, p = _live_sessions(profile, now, fixed)
    sig = signer if signer is not None else Signer(KeyPair.from_seed(DEFAULT_KEY_SEED), profile=p)
    chosen = list(INVALID_TOKEN_CASES) if cases is None else list(cases)
    for case in chosen:
        if case not in INVALID_TOKEN_CASES:
            raise InvalidArgument(
                f"Cannot have cases={list(chosen)!r}: unknown case {case!r}"
                + did_you_mean(case, INVALID_TOKEN_CASES)
                + f" (cases: {', '.join(INVALID_TOKEN_CASES)})"
            )
    if not chosen:
        raise InvalidArgument("Cannot have cases=[]: expected at least one case")

    @st.composite
    def broken(draw: DrawFn) -> tuple[str, str]:
        case = draw(st.sampled_from(chosen))
        session = draw(live)
        return _break(draw, case, sig, session, now_ms), INVALID_TOKEN_CASES[case]

    return broken()


def _break(draw: DrawFn, case: str, sig: Signer, session: Session, now: int) -> str:
    claims = sig.claims(session, now=now)
    life = claims["exp"] - claims["iat"]
    now_s = now // 1000
    if case == "expired":
        exp = now_s - _SKEW_S - 1 - draw(st.integers(0, 7 * 86_400))
        claims.update(exp=exp, iat=exp - life, nbf=exp - life - NBF_SKEW_S)
    elif case == "not yet valid":
        nbf = now_s + _SKEW_S + 1 + draw(st.integers(0, 7 * 86_400))
        claims.update(exp=nbf + NBF_SKEW_S + life, iat=nbf + NBF_SKEW_S, nbf=nbf)
    elif case == "bad signature":
        # Forged claims under the signature of the genuine ones.
        head, _, signature = sig.sign(claims).split(".")
        forged = {**claims, "sub": _other_id(claims["sub"])}
        payload = sig.sign(forged).split(".")[1]
        return f"{head}.{payload}.{signature}"
    elif case == "unknown kid":
        # Another instance's token: its own key and kid.
        other = Signer(KeyPair.from_seed(f"{sig.key.seed}/other-instance"), issuer=sig.issuer)
        return other.sign(claims)
    elif case == "wrong algorithm":
        return sig.sign(claims, alg=draw(st.sampled_from(("RS512", "RS384"))))
    elif case == "unauthorised azp":
        claims["azp"] = FOREIGN_AZP
    else:
        return _malformed(draw, sig.sign(claims))
    return sig.sign(claims)


def _other_id(identifier: str) -> str:
    prefix, _, rest = identifier.rpartition("_")
    swapped = rest[:-1] + ("1" if rest[-1:] != "1" else "2")
    return f"{prefix}_{swapped}"


def _malformed(draw: DrawFn, token: str) -> str:
    head, payload, signature = token.split(".")
    not_json = b64url(b"{not json").decode("ascii")
    return draw(
        st.sampled_from(
            (
                f"{head}.{payload}",  # the signature cut off
                f"{head}.{payload}.{signature}.{signature}",  # a segment too many
                f"{not_json}.{payload}.{signature}",  # a header that is not JSON
                f"{head}.{payload}.{signature}"[: len(head) + 10],  # truncated
                base64.b64encode(b"session").decode("ascii"),  # not a JWT at all
            )
        )
    )
