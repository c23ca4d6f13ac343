from __future__ import annotations

import os
import stat

import click

from ..errors import InvalidArgument
from ..generator import Generator
from ..runs import available_cpus, check_range, parse_jobs, parse_shard, shard_range, worker_count
from ..sinks import FORMATS, atomic_output, write_ndjson, write_sessions
from .common import (
    UsageError,
    count_option,
    dialect_option,
    errors,
    on_interrupt,
    profile_options,
    resolve_profile,
    start_option,
    table_option,
)
from .progress import Stopwatch, pipe_closed_is_the_end, progress, summary


def _special(path: str) -> bool:
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


@click.command()
@count_option("How many sessions.", default=10)
@profile_options
@start_option("Index of the first session: --start K -n N is a slice of the full run.")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(sorted(FORMATS)),
    default="ndjson",
    show_default=True,
    help="Output format (docs/outputs.md describes each).",
)
@click.option("--pretty", is_flag=True, help="Indent each session (json format).")
@dialect_option
@table_option("Table the INSERT statements target (sql format).")
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
    cpus = available_cpus()
    if workers > cpus:
        n = worker_count(workers, count)
        click.echo(
            f"--jobs {workers}: {cpus} CPUs available, using {n} worker "
            + ("process" if n == 1 else "processes"),
            err=True,
        )
    where = "stdout" if output in (None, "-") else output
    # A regular file is replaced only when complete; a device or FIFO is written in place.
    kept = output is not None and where != "stdout" and not _special(output)
    clock = Stopwatch()
    with (
        on_interrupt(f"nothing was written to {where}" if kept else None),
        errors(),
        pipe_closed_is_the_end(),
        progress(count, "generating") as bar,
    ):
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
    summary(f"wrote {clock.rate(count, 'sessions')} to {where}")
