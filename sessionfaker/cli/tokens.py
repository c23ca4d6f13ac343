from __future__ import annotations

import sys

import click
import orjson

from ..reader import source_label
from ..timeutil import parse_duration
from .common import UsageError, errors, input_format_option, profile_options, resolve_profile
from .keys import key_seed_option, resolve_key


def _lifetime_s(text: str) -> int:
    try:
        ms = parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"--lifetime: {exc}") from None
    if ms < 1000 or ms % 1000:
        raise UsageError(f"--lifetime: expected a whole number of seconds, at least 1s ({text!r})")
    return ms // 1000


@click.command()
@click.argument("file", default="-", type=click.Path(dir_okay=False, allow_dash=True))
@input_format_option
@key_seed_option
@profile_options
@click.option(
    "--lifetime", default="60s", show_default=True, help="Token lifetime: exp - iat (e.g. 60s, 1h)."
)
@click.option(
    "--azp",
    metavar="ORIGIN",
    help="The azp claim: the origin the token is for (default http://localhost:3000; "
    "'' leaves it out).",
)
@click.option(
    "--issuer",
    metavar="URL",
    help="The iss claim: the instance's Frontend API URL "
    "(default https://sessionfaker-test.clerk.accounts.dev).",
)
@click.option(
    "--claims",
    "claims_format",
    type=click.Choice(["v2", "v1"]),
    default="v2",
    show_default=True,
    help="Clerk's session token format.",
)
@click.pass_context
def tokens(
    ctx: click.Context,
    file: str,
    fmt: str | None,
    key_seed: str | None,
    profile_ref: str,
    seed: str,
    now: str | None,
    overrides: tuple[str, ...],
    lifetime: str,
    azp: str | None,
    issuer: str | None,
    claims_format: str,
) -> None:
    """Sign session tokens for the live sessions of FILE.

    FILE is NDJSON, a JSON array, Clerk's {"data": [...]}, or the CSV or Parquet
    that generate writes; - or nothing reads stdin.
    Writes NDJSON lines {"session_id": ..., "token": ...} for the sessions active
    or pending at --now; the others are skipped and counted on stderr. The
    profile supplies organisation roles and permissions (the tokens.* keys).
    """
    seed_given = ctx.get_parameter_source("seed") is not click.core.ParameterSource.DEFAULT
    lifetime_s = _lifetime_s(lifetime)
    key = resolve_key(key_seed, seed if seed_given else None)
    profile = resolve_profile(profile_ref, now, overrides)
    with errors():
        from ..signing import DEFAULT_AZP, DEFAULT_ISSUER, Signer
        from ..signing.batch import TokenCount, read_checked, token_lines

        signer = Signer(
            key,
            issuer=issuer if issuer is not None else DEFAULT_ISSUER,
            azp=(azp or None) if azp is not None else DEFAULT_AZP,
            lifetime_s=lifetime_s,
            claims=claims_format,
            profile=profile,
        )
        count = TokenCount()
        out = sys.stdout
        for line in token_lines(read_checked(file, fmt), signer, now=profile.now, count=count):
            out.write(orjson.dumps(line).decode("utf-8") + "\n")
    if count.signed + count.skipped == 0:
        raise UsageError(f"{source_label(file)}: no sessions")
    click.echo(count.summary(), err=True)
