from __future__ import annotations

import click

from ..generator import Generator
from ..output import FORMATS, write_sessions
from .common import errors, profile_options, resolve_profile


@click.command()
@click.option("-n", "count", type=click.IntRange(min=0), default=10, show_default=True,
              help="How many sessions.")
@profile_options
@click.option("--start", type=click.IntRange(min=0), default=0, show_default=True,
              help="Index of the first session: --start K -n N is a slice of the full run.")
@click.option("-f", "--format", "fmt", type=click.Choice(sorted(FORMATS)), default="ndjson",
              show_default=True)
@click.option("--pretty", is_flag=True, help="Indent each session (json format).")
@click.option("--dialect", type=click.Choice(["sqlite", "postgresql", "mysql"]), default="sqlite",
              show_default=True, help="SQL dialect (sql format).")
@click.option("--table", default="sessions", show_default=True,
              help="Table the INSERT statements target (sql format).")
@click.option("--int64-as-string", is_flag=True,
              help="Write int64 values as strings (the JSON Structure wire encoding).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Output file, written atomically (default: stdout).")
def generate(
    count: int,
    profile_ref: str,
    seed: str,
    now: str | None,
    overrides: tuple[str, ...],
    start: int,
    fmt: str,
    pretty: bool,
    dialect: str,
    table: str,
    int64_as_string: bool,
    output: str | None,
) -> None:
    """Generate sessions (NDJSON on stdout by default)."""
    profile = resolve_profile(profile_ref, now, overrides)
    with errors():
        sessions = Generator(profile, seed).generate(start, count)
        write_sessions(
            sessions, output, fmt, pretty=pretty, int64_as_string=int64_as_string,
            dialect=dialect, table=table,
        )
