"""Tokens and webhook events for a sessions file, and delivering events to an endpoint."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, InvalidArgument, SessionfakerError
from ..reader import position_word, read_records, source_label
from ..rules import check_session
from .tokens import Signer, live_problem
from .webhooks import SignedEvent

__all__ = ["Delivery", "DeliveryError", "TokenCount", "deliver", "read_checked", "token_lines"]


def read_checked(source: str | Path, fmt: str | None = None) -> Iterator[dict[str, Any]]:
    """The sessions of a file in any format ``generate`` writes (``-`` is stdin),
    each checked against the structure and the rules; the first record that is
    not a session raises :class:`InputError`."""
    label, word = source_label(source), position_word(source, fmt)
    for position, record in read_records(source, fmt):
        broken = check_session(record)
        if broken:
            raise InputError(f"{label}: {word} {position}: not a session ({broken[0].describe()})")
        yield record


@dataclass
class TokenCount:
    """How many sessions got a token, and how many were skipped as not live."""

    signed: int = 0
    skipped: int = 0

    def summary(self) -> str:
        return f"{self.signed} tokens signed, {self.skipped} sessions not live at now skipped"


def token_lines(
    sessions: Iterable[dict[str, Any]],
    signer: Signer,
    *,
    now: int,
    count: TokenCount | None = None,
) -> Iterator[dict[str, str]]:
    """``{"session_id", "token"}`` for each session live at ``now``; the others are counted."""
    tally = count if count is not None else TokenCount()
    for session in sessions:
        if live_problem(session, now) is not None:
            tally.skipped += 1
            continue
        tally.signed += 1
        yield {"session_id": session["id"], "token": signer.token(session, now=now)}


class DeliveryError(SessionfakerError, OSError):
    """The endpoint could not be reached at all."""


@dataclass
class Delivery:
    """What :func:`deliver` did: events accepted, refused (4xx or 5xx to the end), retries."""

    url: str
    delivered: int = 0
    failed: list[str] = field(default_factory=list)
    retries: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        text = f"{self.url}: {self.delivered} events delivered, {len(self.failed)} failed"
        text += f" ({self.retries} retries)"
        if self.failed:
            text += ": " + ", ".join(self.failed[:5]) + (", ..." if len(self.failed) > 5 else "")
        return text


def deliver(
    events: Iterable[SignedEvent],
    url: str,
    *,
    retries: int = 3,
    backoff_s: float = 0.2,
    timeout_s: float = 10.0,
) -> Delivery:
    """POST each event to ``url`` in order, retrying a 5xx answer up to ``retries``
    times (waiting ``backoff_s``, doubled each time). A 4xx, or a 5xx after the
    last retry, counts as failed; an endpoint that cannot be reached raises
    :class:`DeliveryError`."""
    if not url.startswith(("http://", "https://")):
        raise InvalidArgument(f"--deliver: expected an http:// or https:// URL ({url!r})")
    result = Delivery(url)
    for event in events:
        headers = {"Content-Type": "application/json", **event.headers}
        for attempt in range(retries + 1):
            status = _post(url, event.body.encode("utf-8"), headers, timeout_s)
            if status < 500 or attempt == retries:
                break
            result.retries += 1
            time.sleep(backoff_s * 2**attempt)
        if 200 <= status < 300:
            result.delivered += 1
        else:
            result.failed.append(f"{event.headers['svix-id']} HTTP {status}")
    return result


def _post(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except urllib.error.URLError as exc:
        reason = getattr(exc.reason, "strerror", None) or str(exc.reason)
        raise DeliveryError(f"{url}: cannot deliver: {reason.lower()}") from None
    except OSError as exc:
        raise DeliveryError(f"{url}: cannot deliver: {exc}") from None
