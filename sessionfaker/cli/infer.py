from __future__ import annotations

from typing import Any

import click

from ..errors import InputError
from ..infer import infer_file
from ..sinks.files import atomic_output
from .common import UsageError, errors, now_option
from .stats import parse_now_option


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the profile here (default: stdout).",
)
@now_option(
    "Reference time, written as time.now "
    "(default: the latest created_at, last_active_at or updated_at in the file)."
)
@click.option("--description", default=None, help="The profile's description line.")
def infer(file: str, output: str | None, now: str | None, description: str | None) -> None:
    """Fit a profile to the sessions in FILE.

    FILE is NDJSON, a JSON array or Clerk's {"data": [...]} from GET
    /sessions; - reads stdin. The result is a commented TOML profile of aggregate parameters only:
    status weights, actor rate and kinds, lifetimes, organisation rate,
    device and task mixes, population shape, creation window and reference
    time. No id, IP address, city or other value of the input is kept.
    """
    now_ms = parse_now_option(now)
    with errors():
        try:
            fit = infer_file(file, now=now_ms, description=description)
        except InputError as exc:
            raise UsageError(str(exc)) from None
        if output is None:
            click.echo(fit.text, nl=False)
        else:
            with atomic_output(output) as f:  # all or nothing, even on Ctrl-C
                f.write(fit.text.encode("utf-8"))
            click.echo(f"wrote {output} (fitted to {fit.sessions:,} sessions)", err=True)


@click.group(hidden=True)
def profile() -> None:
    """Deprecated: use `sessionfaker profiles infer`."""


@profile.command("infer", params=infer.params, help=infer.help, hidden=True)
@click.pass_context
def deprecated_infer(ctx: click.Context, /, **options: Any) -> None:
    click.echo(
        "warning: 'sessionfaker profile infer' is deprecated: use 'sessionfaker profiles infer'",
        err=True,
    )
    ctx.invoke(infer, **options)
