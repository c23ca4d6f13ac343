"""Deterministic RSA-2048 test keys: the same seed always gives the same key pair.

No private key is stored anywhere: each one is derived again from its seed.
The primes come from a SHAKE-256 stream of a domain-separated seed, searched
with trial division and Miller-Rabin; ``cryptography`` only assembles the key.
These are *test* keys: anyone who knows the seed has the private key.

>>> key = KeyPair.from_seed("docs")
>>> key.kid == KeyPair.from_seed("docs").kid, key.kid.startswith("ins_")
(True, True)
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..ids import make_id
from . import _extra

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

__all__ = ["KeyPair"]

PUBLIC_EXPONENT = 65537
KEY_BITS = 2048
_DOMAIN = b"sessionfaker/rsa-2048/v1\x00"
# The KSUID second of every kid: Clerk's kid is the instance id (ins_...),
# and the rest of the id comes from the key's RFC 7638 thumbprint.
_KID_SECOND = 1_704_067_200
_SIEVE_LIMIT = 1 << 15
_WINDOW = 4096  # odd candidates sieved at a time
# Random 1024-bit candidates that pass trial division: 4 Miller-Rabin rounds
# leave an error probability far below 2**-80 (Damgard, Landrock, Pomerance 1993).
_WITNESSES = (2, 3, 5, 7)


@functools.cache
def _small_primes() -> tuple[int, ...]:
    flags = bytearray([1]) * _SIEVE_LIMIT
    flags[0:2] = b"\x00\x00"
    for n in range(2, int(_SIEVE_LIMIT**0.5) + 1):
        if flags[n]:
            flags[n * n :: n] = bytes(len(range(n * n, _SIEVE_LIMIT, n)))
    return tuple(n for n in range(3, _SIEVE_LIMIT) if flags[n])


def _block(seed: bytes, counter: int, size: int) -> bytes:
    return hashlib.shake_256(_DOMAIN + seed + b"\x00" + counter.to_bytes(8, "big")).digest(size)


def _is_probable_prime(n: int) -> bool:
    """Miller-Rabin with fixed witnesses (the candidates are random, not adversarial)."""
    d, r = n - 1, 0
    while d % 2 == 0:
        d //= 2
        r += 1
    for a in _WITNESSES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(seed: bytes, counter: int, bits: int) -> int:
    """The first prime at or above a seeded odd start with its two top bits set
    (so that the product of two is exactly ``2 * bits`` long)."""
    start = int.from_bytes(_block(seed, counter, bits // 8), "big") | (0b11 << (bits - 2)) | 1
    while True:
        # Sieve start, start + 2, ... start + 2 * (_WINDOW - 1) by the small primes.
        alive = bytearray([1]) * _WINDOW
        for p in _small_primes():
            first = (-(start % p) * ((p + 1) // 2)) % p
            alive[first::p] = bytes(len(range(first, _WINDOW, p)))
        for i in range(_WINDOW):
            candidate = start + 2 * i
            if alive[i] and candidate % PUBLIC_EXPONENT != 1 and _is_probable_prime(candidate):
                return candidate
        start += 2 * _WINDOW


def _b64url_int(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _seed_bytes(seed: str | int) -> bytes:
    if isinstance(seed, bool) or not isinstance(seed, str | int):
        from ..errors import InvalidArgument

        raise InvalidArgument(f"Cannot have key seed {seed!r}: expected a string or an integer")
    return str(seed).encode("utf-8")


@dataclass(frozen=True, eq=False)
class KeyPair:
    """An RSA-2048 key pair (e = 65537) derived from a seed, with its ``kid``."""

    seed: str
    private_key: RSAPrivateKey
    kid: str
    thumbprint: str

    @classmethod
    def from_seed(cls, seed: str | int) -> KeyPair:
        """The key pair of ``seed`` (``1`` and ``"1"`` are the same seed); cached."""
        return _from_seed(_seed_bytes(seed).decode("utf-8"))

    @property
    def public_key(self) -> RSAPublicKey:
        return self.private_key.public_key()

    def jwk(self) -> dict[str, str]:
        """The public key as a JWK, in the member order of Clerk's JWKS."""
        numbers = self.public_key.public_numbers()
        return {
            "use": "sig",
            "kty": "RSA",
            "kid": self.kid,
            "alg": "RS256",
            "n": _b64url_int(numbers.n),
            "e": _b64url_int(numbers.e),
        }

    def jwks(self) -> dict[str, Any]:
        """``{"keys": [jwk]}``: what ``GET /v1/jwks`` returns."""
        return {"keys": [self.jwk()]}

    def public_pem(self) -> str:
        """The public key as PEM (SubjectPublicKeyInfo), for ``jwt_key``."""
        ser = _extra.crypto("serialization")
        return str(
            self.public_key.public_bytes(
                ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo
            ).decode("ascii")
        )

    def private_pem(self) -> str:
        """The private key as unencrypted PKCS#8 PEM (a test key: never use it for real)."""
        ser = _extra.crypto("serialization")
        return str(
            self.private_key.private_bytes(
                ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption()
            ).decode("ascii")
        )

    def __repr__(self) -> str:
        return f"<KeyPair seed={self.seed!r} kid={self.kid!r}>"


def jwk_thumbprint(n: str, e: str) -> str:
    """The RFC 7638 thumbprint of an RSA JWK: SHA-256 of its required members
    in lexicographic order without spaces, base64url."""
    members = {"e": e, "kty": "RSA", "n": n}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":")).encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@functools.lru_cache(maxsize=64)
def _from_seed(seed: str) -> KeyPair:
    rsa = _extra.crypto("asymmetric.rsa")
    raw = seed.encode("utf-8")
    half = KEY_BITS // 2
    p = _prime(raw, 0, half)
    counter = 1
    while True:
        q = _prime(raw, counter, half)
        # FIPS 186-4: the primes differ in their top 100 bits.
        if abs(p - q) >> (half - 100):
            break
        counter += 1
    p, q = max(p, q), min(p, q)
    # Built from primes checked above, so OpenSSL's own (slow) key check is skipped.
    lam = math.lcm(p - 1, q - 1)
    d = pow(PUBLIC_EXPONENT, -1, lam)
    private = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p),
        dmq1=rsa.rsa_crt_dmq1(d, q),
        iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=rsa.RSAPublicNumbers(PUBLIC_EXPONENT, p * q),
    ).private_key(unsafe_skip_rsa_key_validation=True)
    thumbprint = jwk_thumbprint(_b64url_int(p * q), _b64url_int(PUBLIC_EXPONENT))
    digest = base64.urlsafe_b64decode(thumbprint + "=")
    kid = make_id("ins_", _KID_SECOND, int.from_bytes(digest[:16], "big"))
    return KeyPair(seed=seed, private_key=private, kid=kid, thumbprint=thumbprint)
