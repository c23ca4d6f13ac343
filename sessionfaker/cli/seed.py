from __future__ import annotations

import click

from ..sinks.db import IF_EXISTS, read_user_ids
from ..sinks.db import seed as seed_database
from .common import (
    count_option,
    errors,
    on_interrupt,
    profile_options,
    resolve_profile,
    start_option,
    table_option,
)
from .progress import progress


@click.command()
@click.argument("url")
@count_option("How many sessions.", default=1000)
@profile_options
@start_option("Index of the first session (as for generate).")
@table_option("Table to load into.")
@click.option(
    "--if-exists",
    type=click.Choice(IF_EXISTS),
    default="fail",
    show_default=True,
    help="When the table exists: refuse, add rows, drop and recreate it, or empty it.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=None,
    help="Rows per INSERT, executemany or COPY chunk (default: per engine).",
)
@click.option(
    "--user-ids-from",
    "user_ids_from",
    default=None,
    metavar="FILE",
    help="Draw user_id from these ids, one a line.",
)
@click.option(
    "--user-ids-query",
    default=None,
    metavar="SQL",
    help="Draw user_id from the first column of this query, run on the target.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line.")
def seed(
    url: str,
    count: int,
    profile_ref: str,
    seed: str,
    now: str | None,
    overrides: tuple[str, ...],
    start: int,
    table: str,
    if_exists: str,
    batch_size: int | None,
    user_ids_from: str | None,
    user_ids_query: str | None,
    quiet: bool,
) -> None:
    """Load generated sessions into a database table, in one transaction.

    URL is sqlite:///PATH, postgresql://USER@HOST/DB or mysql://USER@HOST/DB
    (mariadb:// too). The table is created when missing; on any error or
    Ctrl-C it is left as it was.
    """
    profile = resolve_profile(profile_ref, now, overrides)
    with errors():
        user_ids = read_user_ids(user_ids_from) if user_ids_from is not None else None
        with (
            on_interrupt(f"nothing was written to {table}"),
            progress(count, "seeding", quiet) as bar,
        ):
            result = seed_database(
                url,
                profile,
                count,
                seed=seed,
                start=start,
                table=table,
                if_exists=if_exists,
                batch_size=batch_size,
                user_ids=user_ids,
                user_ids_query=user_ids_query,
                progress=bar,
            )
    if not quiet:
        click.echo(result.summary(), err=True)
