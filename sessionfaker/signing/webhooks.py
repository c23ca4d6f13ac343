"""Clerk webhook events for sessions, signed the way Svix signs them.

:func:`webhook_events` lists the events a session's history implies, with
their bodies in Clerk's envelope; :class:`WebhookSigner` adds the
``svix-id``/``svix-timestamp``/``svix-signature`` headers that the ``svix``
package's ``Webhook(secret).verify(body, headers)`` checks.

>>> signer = WebhookSigner("whsec_" + "c2Vzc2lvbmZha2VyLXRlc3Qtc2VjcmV0")
>>> signer.headers("msg_1", 1793491200, "{}")["svix-signature"]
'v1,cYTFTR8XoCm//wiqycHqD0dHBYeoS6YbtHRiZTwskSk='
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from ..errors import InvalidArgument
from ..ids import id_unix_seconds, make_id

__all__ = ["SignedEvent", "WebhookEvent", "WebhookSigner", "signed_events", "webhook_events"]

SECRET_PREFIX = "whsec_"
# Events Clerk sends when a session ends in this status (webhooks/2025-04-15.yml).
ENDING_EVENTS = {
    "ended": "session.ended",
    "removed": "session.removed",
    "revoked": "session.revoked",
}
_DAY_MS = 86_400_000


@dataclass(frozen=True)
class WebhookEvent:
    """One event before signing: its type, when it happened (epoch ms) and its body."""

    type: str
    timestamp: int
    session_id: str
    body: str


@dataclass(frozen=True)
class SignedEvent:
    """An event as delivered: the Svix headers and the exact body bytes."""

    headers: dict[str, str]
    body: str

    def to_dict(self) -> dict[str, Any]:
        return {"headers": self.headers, "body": self.body}


class WebhookSigner:
    """Signs webhook bodies with a Svix endpoint secret (``whsec_`` + base64)."""

    def __init__(self, secret: str) -> None:
        self._key = _secret_key(secret)

    def headers(self, msg_id: str, timestamp_s: int, body: str) -> dict[str, str]:
        """``svix-id``, ``svix-timestamp`` (seconds) and ``svix-signature`` for ``body``."""
        mac = hmac.new(self._key, f"{msg_id}.{timestamp_s}.{body}".encode(), hashlib.sha256)
        return {
            "svix-id": msg_id,
            "svix-timestamp": str(timestamp_s),
            "svix-signature": "v1," + base64.b64encode(mac.digest()).decode("ascii"),
        }

    def sign(self, event: WebhookEvent, *, now: int) -> SignedEvent:
        """``event`` as delivered at ``now`` (epoch ms): ``svix-timestamp`` is the delivery time."""
        digest = hashlib.sha256(f"{event.session_id}/{event.type}".encode()).digest()
        msg_id = make_id("msg_", event.timestamp // 1000, int.from_bytes(digest[:16], "big"))
        return SignedEvent(self.headers(msg_id, now // 1000, event.body), event.body)


def _secret_key(secret: str) -> bytes:
    problem = "expected 'whsec_' followed by base64"
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
        raise InvalidArgument(f"secret: not a Svix signing secret ({problem})")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except binascii.Error:
        raise InvalidArgument(f"secret: not a Svix signing secret ({problem})") from None
    if not key:
        raise InvalidArgument(f"secret: not a Svix signing secret ({problem})")
    return key


def default_instance_id(seed: str) -> str:
    """A stable ``ins_`` id for a seed (a key's ``kid`` is its instance's id)."""
    digest = hashlib.sha256(f"sessionfaker/instance/{seed}".encode()).digest()
    return make_id("ins_", 1_704_067_200, int.from_bytes(digest[:16], "big"))


def _user(user_id: str, signed_in_at: int, at: int) -> dict[str, Any]:
    """A minimal user with every field the webhook schema requires, consistent with the id."""
    try:
        created = min(id_unix_seconds(user_id, "user_") * 1000, signed_in_at)
    except ValueError:
        created = signed_in_at
    return {
        "id": user_id,
        "object": "user",
        "username": None,
        "first_name": None,
        "last_name": None,
        "has_image": False,
        "primary_email_address_id": None,
        "primary_phone_number_id": None,
        "primary_web3_wallet_id": None,
        "password_enabled": True,
        "two_factor_enabled": False,
        "totp_enabled": False,
        "backup_code_enabled": False,
        "email_addresses": [],
        "phone_numbers": [],
        "web3_wallets": [],
        "passkeys": [],
        "external_accounts": [],
        "saml_accounts": [],
        "enterprise_accounts": [],
        "public_metadata": {},
        "external_id": None,
        "last_sign_in_at": signed_in_at,
        "banned": False,
        "locked": False,
        "lockout_expires_in_seconds": None,
        "verification_attempts_remaining": None,
        "created_at": created,
        "updated_at": at,
        "delete_self_enabled": True,
        "create_organization_enabled": True,
        "last_active_at": at - at % _DAY_MS,  # day precision, as the schema says
        "mfa_enabled_at": None,
        "mfa_disabled_at": None,
        "legal_accepted_at": None,
    }


def _data(session: Mapping[str, Any], at: int, **changes: Any) -> dict[str, Any]:
    """The session in the webhook schema's shape (no ``tasks``, a ``user`` after ``user_id``)."""
    out: dict[str, Any] = {}
    for name, value in {**session, **changes}.items():
        if name == "tasks":
            continue
        out[name] = value
        if name == "user_id":
            out["user"] = _user(value, int(session["created_at"]), at)
    return out


def _body(data: Mapping[str, Any], type_: str, at: int, instance_id: str) -> str:
    envelope = {
        "data": data,
        "instance_id": instance_id,
        "object": "event",
        "timestamp": at,
        "type": type_,
    }
    return orjson.dumps(envelope).decode("utf-8")


def webhook_events(session: Mapping[str, Any], *, now: int, instance_id: str) -> list[WebhookEvent]:
    """The events ``session``'s history implies up to ``now`` (epoch ms), oldest first.

    ``session.created`` at ``created_at`` (the session as it was then), then
    ``session.pending`` for a pending session, or ``session.ended``,
    ``session.removed`` or ``session.revoked`` at ``updated_at`` for a session
    that ended so. Expiry, abandonment and replacement have no event.
    """
    sid, status = str(session["id"]), session["status"]
    created = int(session["created_at"])

    def event(kind: str, at: int, data: Mapping[str, Any]) -> WebhookEvent:
        return WebhookEvent(kind, at, sid, _body(data, kind, at, instance_id))

    at_creation = _data(
        session,
        created,
        status="pending" if status == "pending" else "active",
        last_active_at=min(int(session["last_active_at"]), created),
        updated_at=created,
    )
    out = [event("session.created", created, at_creation)]
    if status == "pending":
        out.append(event("session.pending", created, at_creation))
    elif status in ENDING_EVENTS:
        ended = int(session["updated_at"])
        out.append(event(ENDING_EVENTS[status], ended, _data(session, ended)))
    return [e for e in out if e.timestamp <= now]


def signed_events(
    sessions: Iterable[Mapping[str, Any]],
    signer: WebhookSigner,
    *,
    now: int,
    instance_id: str,
) -> list[SignedEvent]:
    """Every session's events, signed for delivery at ``now``, in time order."""
    events = [e for s in sessions for e in webhook_events(s, now=now, instance_id=instance_id)]
    events.sort(key=lambda e: e.timestamp)  # stable: ties keep the input order
    return [signer.sign(e, now=now) for e in events]
