from __future__ import annotations

import click

from ..sinks.fixture_files import SCENARIOS, check_fixtures, recorded_now, write_fixtures
from .common import count_option, errors, profile_options, resolve_profile


@click.command()
@click.argument("directory")
@profile_options
@count_option("Sessions per scenario.", default=3, minimum=1)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing: exit 1 listing the files that differ from what would be "
    "written (--now defaults to the time the manifest records).",
)
def fixtures(
    directory: str,
    profile_ref: str,
    seed: str,
    now: str | None,
    overrides: tuple[str, ...],
    count: int,
    check: bool,
) -> None:
    """Write a deterministic fixture set: one JSON file per scenario and a manifest.

    Scenarios: each status, each actor kind, each pending task, with and
    without an organisation, native-app activity, boundary timelines.
    """
    if check and now is None:
        with errors():
            now = recorded_now(directory)
    profile = resolve_profile(profile_ref, now, overrides)
    with errors():
        if check:
            problems = check_fixtures(directory, profile, seed, count)
            for problem, name in problems:
                click.echo(f"{problem}: {name}")
            if problems:
                click.echo(
                    f"{directory}: {len(problems)} fixture files out of date "
                    "(rerun sessionfaker fixtures without --check)",
                    err=True,
                )
                raise SystemExit(1)
            click.echo(f"{directory}: {len(SCENARIOS) + 1} fixture files up to date", err=True)
            return
        changed = write_fixtures(directory, profile, seed, count)
    click.echo(
        f"{directory}: {len(SCENARIOS)} scenarios and a manifest, {len(changed)} files changed",
        err=True,
    )
