from __future__ import annotations

import sys

import click
import orjson

from ..timeutil import parse_instant, wall_clock_ms
from .common import UsageError, errors, input_format_option, now_option


@click.command()
@click.argument("file", default="-", type=click.Path(dir_okay=False, allow_dash=True))
@input_format_option
@click.option(
    "--secret",
    required=True,
    envvar="SESSIONFAKER_WEBHOOK_SECRET",
    metavar="whsec_...",
    help="The endpoint's Svix signing secret (or $SESSIONFAKER_WEBHOOK_SECRET).",
)
@now_option("Delivery time: svix-timestamp (default: the wall clock).")
@click.option(
    "--instance-id",
    metavar="ins_...",
    help="The envelope's instance_id (default: one derived from the secret).",
)
@click.option(
    "--deliver",
    "url",
    metavar="URL",
    help="POST the events, in order, to this endpoint instead of printing them.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="With --deliver: retries of an event answered with 5xx.",
)
def webhooks(
    file: str,
    fmt: str | None,
    secret: str,
    now: str | None,
    instance_id: str | None,
    url: str | None,
    retries: int,
) -> None:
    """Sign the webhook events the sessions of FILE imply, as Svix does.

    session.created, .pending, .ended, .removed and .revoked, in time order.

    Writes NDJSON lines {"headers": {"svix-id", "svix-timestamp",
    "svix-signature"}, "body": "..."}, or with --deliver posts them.
    """
    try:
        now_ms = parse_instant(now) if now is not None else wall_clock_ms()
    except ValueError as exc:
        raise UsageError(f"--now: {exc}") from None
    with errors():
        from ..errors import InvalidArgument
        from ..signing import WebhookSigner, default_instance_id, signed_events
        from ..signing.batch import deliver, read_checked

        try:
            signer = WebhookSigner(secret)
        except InvalidArgument as exc:
            raise UsageError(f"--{exc}") from None
        instance = instance_id or default_instance_id(secret)
        events = signed_events(read_checked(file, fmt), signer, now=now_ms, instance_id=instance)
        if url is None:
            out = sys.stdout
            for event in events:
                out.write(orjson.dumps(event.to_dict()).decode("utf-8") + "\n")
            click.echo(f"{len(events)} events signed", err=True)
            return
        result = deliver(events, url, retries=retries)
    click.echo(result.summary(), err=True)
    if not result.ok:
        raise SystemExit(1)
