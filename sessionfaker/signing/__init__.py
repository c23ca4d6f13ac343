"""Signed things about sessions: test keys, session tokens and webhook events.

Needs the ``tokens`` extra (``pip install 'sessionfaker[tokens]'``).

>>> from sessionfaker.signing import KeyPair, Signer
>>> signer = Signer(KeyPair.from_seed("docs"))
>>> signer.jwks()["keys"][0]["kid"] == signer.kid
True
"""

from __future__ import annotations

from .keys import KeyPair
from .tokens import DEFAULT_AZP, DEFAULT_ISSUER, Signer, live_problem
from .webhooks import (
    SignedEvent,
    WebhookEvent,
    WebhookSigner,
    default_instance_id,
    signed_events,
    webhook_events,
)

__all__ = [
    "DEFAULT_AZP",
    "DEFAULT_ISSUER",
    "KeyPair",
    "SignedEvent",
    "Signer",
    "WebhookEvent",
    "WebhookSigner",
    "default_instance_id",
    "live_problem",
    "signed_events",
    "webhook_events",
]
