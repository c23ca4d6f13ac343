from __future__ import annotations

import click

from .common import (
    UsageError,
    count_option,
    errors,
    interrupted,
    profile_options,
    resolve_profile,
    table_option,
)
from .keys import key_seed_option


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port to listen on (0: a free one, shown when ready).",
)
@count_option("How many generated sessions to serve.", default=1000)
@profile_options
@click.option(
    "--from",
    "from_url",
    metavar="DATABASE_URL",
    default=None,
    help="Serve the sessions in a table written by 'sessionfaker seed' instead.",
)
@table_option("The table --from reads.")
@key_seed_option
@click.option(
    "--secret-key",
    metavar="sk_test_...",
    default=None,
    help="The only bearer key accepted (default: any sk_test_ key).",
)
def serve(
    host: str,
    port: int,
    count: int,
    profile_ref: str,
    seed: str,
    now: str | None,
    overrides: tuple[str, ...],
    from_url: str | None,
    table: str,
    key_seed: str | None,
    secret_key: str | None,
) -> None:
    """Serve sessions through Clerk's Backend API (the session part of v1).

    Clerk's SDKs work against it unchanged: point them at the URL printed
    on stderr once the server is ready (``http://HOST:PORT/v1``). Served
    sessions are byte for byte what 'sessionfaker generate' writes for the
    same options; revocations and created sessions last until Ctrl-C.
    """
    ctx = click.get_current_context()
    if (
        from_url is not None
        and ctx.get_parameter_source("count") is not click.core.ParameterSource.DEFAULT
    ):
        raise UsageError("-n does not apply to --from: the table holds the sessions")
    profile = resolve_profile(profile_ref, now, overrides)
    with errors():
        from ..server import Server, create_app, from_profile, from_table
        from ..server.run import bind

        sock = bind(host, port)  # first: a port in use fails before the sessions are built
        try:
            if from_url is None:
                sessions = from_profile(profile, count, seed=seed)
            else:
                sessions = from_table(from_url, profile, table=table, seed=seed)
        except BaseException:
            sock.close()
            raise
        try:
            app = create_app(sessions, key_seed=key_seed, secret_key=secret_key)
            n = sessions.store.n
            Server(app, sock=sock).run(
                lambda url: click.echo(f"serving {n:,} sessions at {url} (Ctrl-C stops)", err=True)
            )
        except KeyboardInterrupt:
            interrupted("server stopped")
        finally:
            sessions.store.close()
