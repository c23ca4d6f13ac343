from __future__ import annotations

import sys

import click

from ..errors import InvalidArgument
from ..generator import Generator
from ..runs import available_cpus, check_range, parse_jobs, parse_shard, shard_range, worker_count
from ..sinks import FORMATS, atomic_output, write_ndjson, write_sessions
from ..sinks.db.dialects import DIALECTS
from .common import UsageError, errors, profile_options, resolve_profile
from .progress import Stopwatch, pipe_closed_is_the_end, progress, summary


@click.command()
@click.option(
    "-n",
    "count",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="How many sessions.",
)
@profile_options
@click.option(
    "--start",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Index of the first session: --start K -n N is a slice of the full run.",
)
@click.option(
    "-f", "--format", "fmt", type=click.Choice(sorted(FORMATS)), default="ndjson", show_default=True
)
@click.option("--pretty", is_flag=True, help="Indent each session (json format).")
@click.option(
    "--dialect",
    type=click.Choice(DIALECTS),
    default="sqlite",
    show_default=True,
    help="SQL dialect (sql format).",
)
@click.option(
    "--table",
    default="sessions",
    show_default=True,
    help="Table the INSERT statements target (sql format).",
)
@click.option(
    "--int64-as-string",
    is_flag=True,
    help="Write int64 values as strings (the JSON Structure wire encoding).",
)
@click.option(
    "-o",
    "--output",
    default=None,
    metavar="PATH",
    help="Output file, written atomically (default: stdout); a device or FIFO is written in place.",
)
@click.option(
    "-j",
    "--jobs",
    default="1",
    show_default=True,
    metavar="J",
    help="Worker processes (ndjson format); the bytes are the same for any J.",
)
@click.option(
    "--shard",
    default=None,
    metavar="I/K",
    help="Write only the I-th of K contiguous slices of the run (I from 1 to K): "
    "K machines with --shard 1/K .. K/K together write the whole run.",
)
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
    jobs: str,
    shard: str | None,
) -> None:
    """Generate sessions (NDJSON on stdout by default)."""
    ctx = click.get_current_context()
    for option, needs in (("pretty", "json"), ("dialect", "sql"), ("table", "sql")):
        given = ctx.get_parameter_source(option) is not click.core.ParameterSource.DEFAULT
        if given and fmt != needs:
            raise UsageError(f"--{option} goes with --format {needs} (not {fmt})")
    with errors():
        workers = parse_jobs(jobs)
        if shard is not None:
            start, count = shard_range(start, count, *parse_shard(shard))
        check_range(start, count)
        if workers > 1 and fmt != "ndjson":
            raise InvalidArgument(f"--jobs: only the ndjson format is written in parallel ({fmt})")
    profile = resolve_profile(profile_ref, now, overrides)
    if workers > available_cpus():
        click.echo(
            f"--jobs {workers}: using {worker_count(workers, count)} worker processes, "
            "one per CPU available",
            err=True,
        )
    where = "stdout" if output in (None, "-") else output
    clock = Stopwatch()
    try:
        with errors(), pipe_closed_is_the_end(), progress(count, "generating") as bar:
            if fmt == "ndjson":
                with atomic_output(output) as stream:
                    write_ndjson(
                        stream,
                        profile,
                        seed,
                        start=start,
                        count=count,
                        jobs=workers,
                        int64_as_string=int64_as_string,
                        progress=bar,
                    )
            else:
                write_sessions(
                    Generator(profile, seed).generate(start, count),
                    output,
                    fmt,
                    progress=bar,
                    pretty=pretty,
                    int64_as_string=int64_as_string,
                    dialect=dialect,
                    table=table,
                )
    except KeyboardInterrupt:
        outcome = None if where == "stdout" else f"nothing was written to {where}"
        click.echo("interrupted" + (f": {outcome}" if outcome else ""), err=True)
        sys.exit(130)
    summary(f"wrote {clock.rate(count, 'sessions')} to {where}")
