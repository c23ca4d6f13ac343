from __future__ import annotations

import click

from ..reader import read_sessions
from ..validate import Report, check_records
from .common import UsageError, errors, resolve_profile


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--now",
    metavar="ISO-8601|EPOCH_MS",
    help="Reference time: also check the rules relative to now.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Also check sessionfaker's generation policy (against --profile).",
)
@click.option(
    "-p",
    "--profile",
    "profile_ref",
    default="default",
    show_default=True,
    metavar="NAME|PATH",
    help="Profile whose actor policy --strict checks.",
)
def validate(file: str, now: str | None, strict: bool, profile_ref: str) -> None:
    """Check an NDJSON or JSON file of sessions against the structure and rules.

    Prints each violation as `line N: field: rule (value)`, then a summary on
    stderr. Exits 0 only if every session passes.
    """
    now_ms = None
    policy = None
    if now is not None or strict:
        profile = resolve_profile(profile_ref, now, ())
        now_ms = profile.now if now is not None else None
        policy = profile.policy if strict else None
    report = Report()
    with errors():
        for line, v in check_records(read_sessions(file), now=now_ms, policy=policy, report=report):
            click.echo(f"line {line}: {v.describe()}")
    click.echo(report.summary(), err=True)
    if not report.ok:
        raise SystemExit(1)
    if report.checked == 0:
        raise UsageError("no sessions")
