from __future__ import annotations

import click

from ..reader import position_word, read_records, source_label
from ..validate import Report, check_records
from .common import (
    UsageError,
    errors,
    input_format_option,
    now_option,
    profile_option,
    resolve_profile,
)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@now_option("Reference time: also check the rules relative to now.")
@click.option(
    "--strict",
    is_flag=True,
    help="Also check sessionfaker's generation policy (against --profile).",
)
@profile_option("Profile whose actor policy --strict checks.")
@input_format_option
def validate(file: str, now: str | None, strict: bool, profile_ref: str, fmt: str | None) -> None:
    """Check a file of sessions against the structure and rules.

    FILE is NDJSON, a JSON array, Clerk's {"data": [...]}, or the CSV or
    Parquet that generate writes; - reads stdin. Prints each violation as
    `line N: field: rule (value)` (`row N` for CSV and Parquet), then a
    summary on stderr. Exits 0 only if every session passes.
    """
    now_ms = None
    policy = None
    if now is not None or strict:
        profile = resolve_profile(profile_ref, now, ())
        now_ms = profile.now if now is not None else None
        policy = profile.policy if strict else None
    report = Report()
    word = position_word(file, fmt)
    with errors():
        records = read_records(file, fmt)
        for line, v in check_records(records, now=now_ms, policy=policy, report=report):
            click.echo(f"{word} {line}: {v.describe()}")
    if report.checked == 0:
        raise UsageError(f"{source_label(file)}: no sessions")
    click.echo(report.summary(), err=True)
    if not report.ok:
        raise SystemExit(1)
