from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .common import UsageError, errors

if TYPE_CHECKING:
    from ..signing import KeyPair

F = TypeVar("F", bound=Callable[..., Any])

NO_KEY_SEED = "missing --key-seed (or --seed, which it is derived from)"


def key_seed_option(f: F) -> F:
    """--key-seed (default: derived from --seed)."""
    return click.option(
        "--key-seed",
        metavar="SEED",
        help="Seed of the RSA test key: the same seed gives the same key (default: --seed).",
    )(f)


def resolve_key(key_seed: str | None, seed: str | None) -> KeyPair:
    """The key pair of --key-seed, else of --seed; neither is a usage error."""
    chosen = key_seed if key_seed is not None else seed
    if chosen is None:
        raise UsageError(NO_KEY_SEED)
    with errors():
        from ..signing import KeyPair

        return KeyPair.from_seed(chosen)


@click.command()
@key_seed_option
@click.option("--seed", help="Derive the key seed from this seed.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jwks", "public-pem", "private-pem"]),
    default="jwks",
    show_default=True,
    help="The JWKS (what GET /v1/jwks returns), the public key as PEM (verify_token's "
    "jwt_key), or the private key as PEM.",
)
def keys(key_seed: str | None, seed: str | None, fmt: str) -> None:
    """Print the deterministic RSA test key pair of a key seed.

    The same seed always gives the same key; nothing is stored. The private
    key is a test key: anyone with the seed can derive it.
    """
    key = resolve_key(key_seed, seed)
    with errors():
        if fmt == "jwks":
            click.echo(json.dumps(key.jwks(), indent=2))
        elif fmt == "public-pem":
            click.echo(key.public_pem(), nl=False)
        else:
            click.echo(key.private_pem(), nl=False)
