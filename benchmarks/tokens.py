"""Signing speed: sessionfaker's session tokens and webhook signatures beside their peers.

    .venv/bin/python benchmarks/tokens.py            # the figures in docs/tokens.md
    .venv/bin/python benchmarks/tokens.py --quick    # a smoke run

- tokens: ``Signer.token(session, now=...)`` (claims from the session, then
  RS256) against PyJWT's own ``jwt.encode`` of the same claims with the same
  key object and ``kid``. Target: at least 0.8x PyJWT's rate.
- webhooks: ``WebhookSigner.headers`` against the ``svix`` package's
  ``Webhook(secret).sign`` of the same message (reported, no target).

Rounds alternate between the two sides so that both see the same machine
load; each side's figure is its median round. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import jwt
from svix.webhooks import Webhook

from sessionfaker.generator import Generator
from sessionfaker.profile import load_profile
from sessionfaker.signing import KeyPair, Signer, WebhookSigner

NOW = "2026-11-01T00:00:00Z"
TOKEN_TARGET = 0.8
SECRET = "whsec_" + base64.b64encode(b"sessionfaker-benchmark-secret").decode()


def _rate(fn: Callable[[int], Any], n: int) -> float:
    t0 = time.perf_counter()
    fn(n)
    return n / (time.perf_counter() - t0)


def side_by_side(
    ours: Callable[[int], Any], theirs: Callable[[int], Any], n: int, rounds: int
) -> tuple[float, float]:
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        a.append(_rate(ours, n))
        b.append(_rate(theirs, n))
    return statistics.median(a), statistics.median(b)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    ap.add_argument("-n", type=int, default=2000, help="tokens per round")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args(argv)
    n, rounds = (200, 3) if args.quick else (args.n, args.rounds)

    profile = load_profile(
        now=NOW,
        overrides={"organization.rate": 0.5, "tokens.org_permissions": "org:invoices:read"},
    )
    live = [s for s in Generator(profile, 1).generate(0, 2000) if s["status"] == "active"][:500]
    t0 = time.perf_counter()
    key = KeyPair.from_seed("benchmark")
    keygen_s = time.perf_counter() - t0
    signer = Signer(key, profile=profile)
    now = profile.now
    claims = [signer.claims(s, now=now) for s in live]
    # The two sides produce the same token: the comparison is like for like.
    sample = signer.token(live[0], now=now)
    assert sample == jwt.encode(claims[0], key.private_key, "RS256", headers={"kid": key.kid})

    def ours(k: int) -> None:
        for i in range(k):
            signer.token(live[i % len(live)], now=now)

    def pyjwt(k: int) -> None:
        for i in range(k):
            jwt.encode(claims[i % len(claims)], key.private_key, "RS256", headers={"kid": key.kid})

    tok_ours, tok_peer = side_by_side(ours, pyjwt, n, rounds)

    body = '{"data":{},"object":"event","type":"session.created"}'
    ws = WebhookSigner(SECRET)
    svix = Webhook(SECRET)
    stamp = datetime.fromtimestamp(now / 1000, tz=UTC)

    def ours_wh(k: int) -> None:
        for i in range(k):
            ws.headers(f"msg_{i}", now // 1000, body)

    def svix_wh(k: int) -> None:
        for i in range(k):
            svix.sign(f"msg_{i}", stamp, body)

    assert ws.headers("msg_1", now // 1000, body)["svix-signature"] == svix.sign(
        "msg_1", stamp, body
    )
    wh_ours, wh_peer = side_by_side(ours_wh, svix_wh, n * 10, rounds)

    ratio = tok_ours / tok_peer
    print(f"key derivation (RSA-2048 from a seed, first use): {keygen_s * 1000:.0f} ms")
    print(f"{'':34}{'sessionfaker':>14}{'peer':>12}{'ratio':>8}")
    print(
        f"{'session tokens/s (vs PyJWT encode)':34}{tok_ours:14,.0f}{tok_peer:12,.0f}"
        f"{ratio:7.2f}x  target >= {TOKEN_TARGET}x"
    )
    print(
        f"{'webhook signatures/s (vs svix)':34}{wh_ours:14,.0f}{wh_peer:12,.0f}"
        f"{wh_ours / wh_peer:7.2f}x"
    )
    if ratio < TOKEN_TARGET:
        print(f"MISSED: session tokens at {ratio:.2f}x PyJWT (target {TOKEN_TARGET}x)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
