"""Options and error handling shared by the commands."""

from __future__ import annotations

import importlib
import sys
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import click

from ..errors import InputError, InvalidArgument, ProfileError, SessionfakerError, StructureError
from ..profile import Profile, load_profile
from ..reader import FORMATS

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INTERRUPTED = 130
"""Exit code of every command stopped by Ctrl-C (128 + SIGINT, as shells report it)."""


class UsageError(click.ClickException):
    """A one-line error with exit code 2 (bad input), without click's usage dump."""

    exit_code = 2


@contextmanager
def errors() -> Iterator[None]:
    """Turn library errors into one-line click errors: bad input (arguments,
    profiles, an input file that is not sessions) exits 2, anything that went
    wrong while running exits 1."""
    try:
        yield
    except (ProfileError, InvalidArgument, StructureError, InputError) as exc:
        raise UsageError(str(exc)) from None
    except (SessionfakerError, OSError) as exc:
        raise click.ClickException(str(exc)) from None


def interrupted(outcome: str | None = None) -> NoReturn:
    """End the command after Ctrl-C: ``interrupted: OUTCOME`` on stderr, exit 130.

    ``outcome`` says what state things were left in (``nothing was written
    to sessions``); every command uses this one wording and exit code.
    """
    click.echo("interrupted" + (f": {outcome}" if outcome else ""), err=True)
    sys.exit(EXIT_INTERRUPTED)


@contextmanager
def on_interrupt(outcome: str | None = None) -> Iterator[None]:
    """Turn Ctrl-C inside the block into :func:`interrupted` with ``outcome``."""
    try:
        yield
    except KeyboardInterrupt:
        interrupted(outcome)


class Group(click.Group):
    """A command group whose commands all end the same way on Ctrl-C (exit 130),
    whether or not they say more with :func:`on_interrupt`."""

    def invoke(self, ctx: click.Context) -> Any:
        with on_interrupt():
            return super().invoke(ctx)


class LazyGroup(Group):
    """A group that imports each command's module only when that command runs.

    ``lazy`` maps a command name to (module in ``sessionfaker.cli`` defining
    a command of that name, the one-line help ``--help`` lists); ``hidden_lazy``
    maps names left out of ``--help`` to their module. Commands added the
    usual way (``add_command``) work too.
    """

    def __init__(
        self,
        *args: Any,
        lazy: Mapping[str, tuple[str, str]] | None = None,
        hidden_lazy: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})
        self.hidden_lazy = dict(hidden_lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.lazy, *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = self.lazy[cmd_name][0] if cmd_name in self.lazy else None
        module = module or self.hidden_lazy.get(cmd_name)
        if module is None:
            return super().get_command(ctx, cmd_name)
        command = getattr(importlib.import_module(f"{__package__}.{module}"), cmd_name)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, short) for name, (_, short) in self.lazy.items()]
        limit = formatter.width - 6 - max(map(len, self.list_commands(ctx)), default=0)
        for name in super().list_commands(ctx):
            command = super().get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(sorted(rows))


def parse_set(values: tuple[str, ...]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs; VALUE is read as a TOML value when it is one, else as text."""
    out: dict[str, Any] = {}
    for item in values:
        key, sep, raw = utf8_text("--set", item).partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set: expected KEY=VALUE ({item!r})")
        try:
            value: Any = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        except RecursionError:
            raise UsageError(f"--set: {key.strip()}: value nested too deeply") from None
        except ValueError:  # Python's limit on int("9" * 4301)
            raise UsageError(f"--set: {key.strip()}: integer of more than 4300 digits") from None
        out[key.strip()] = value
    return out


def utf8_text(option: str, value: str) -> str:
    """``value`` when it has a UTF-8 spelling; a command line that is not
    UTF-8 reaches Python as lone surrogates, which nothing can write out."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{option}: not UTF-8 text ({value!r})") from None
    return value


def check_seed(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A seed is text that has a UTF-8 spelling (the same bytes on every machine)."""
    return utf8_text("--seed", value)


def input_format_option(f: F) -> F:
    """-f/--format of a sessions file that is read (validate, stats)."""
    return click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=None,
        help="Format of FILE (default: csv and parquet by suffix, else NDJSON or JSON by content).",
    )(f)


def profile_option(
    help: str = "Built-in profile name or a profile file.", *, default: str | None = "default"
) -> Callable[[F], F]:
    """-p/--profile NAME|PATH (``default=None``: no profile unless given)."""
    return click.option(
        "-p",
        "--profile",
        "profile_ref",
        default=default,
        show_default=default is not None,
        metavar="NAME|PATH",
        help=help,
    )


def seed_option(
    help: str = "Seed: the same seed gives the same bytes.", *, default: str = "0"
) -> Callable[[F], F]:
    """--seed TEXT, checked by :func:`check_seed`."""
    return click.option(
        "--seed", default=default, show_default=True, callback=check_seed, help=help
    )


def now_option(help: str = "Reference time (default: the profile's time.now).") -> Callable[[F], F]:
    """--now ISO-8601|EPOCH_MS; each command says what the reference time is for."""
    return click.option("--now", metavar="ISO-8601|EPOCH_MS", help=help)


def profile_options(f: F) -> F:
    """--profile, --seed, --now and --set."""
    f = click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override one profile key, e.g. --set actor.rate=0.5 (repeatable).",
    )(f)
    f = now_option()(f)
    f = seed_option()(f)
    return profile_option()(f)


def count_option(help: str, *, default: int, minimum: int = 0) -> Callable[[F], F]:
    """-n COUNT: how many sessions (each command its own default)."""
    return click.option(
        "-n",
        "count",
        type=click.IntRange(min=minimum),
        default=default,
        show_default=True,
        help=help,
    )


def start_option(help: str) -> Callable[[F], F]:
    """--start K: the index of the first session, so that a run can be cut in slices."""
    return click.option(
        "--start", type=click.IntRange(min=0), default=0, show_default=True, help=help
    )


def table_option(help: str) -> Callable[[F], F]:
    """--table NAME (default ``sessions``): the table a command writes or reads."""
    return click.option("--table", default="sessions", show_default=True, help=help)


def dialect_option(f: F) -> F:
    """--dialect of the SQL a command writes."""
    # Imported here: only the commands that write SQL load the dialects.
    from ..sinks.db.dialects import DIALECTS

    return click.option(
        "--dialect",
        type=click.Choice(DIALECTS),
        default="sqlite",
        show_default=True,
        help="SQL dialect (sql format).",
    )(f)


def resolve_profile(profile_ref: str, now: str | None, overrides: tuple[str, ...]) -> Profile:
    with errors():
        return load_profile(profile_ref, now=now, overrides=parse_set(overrides) or None)
