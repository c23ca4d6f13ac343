"""The server as a test fixture: started once, reset between tests.

The pytest plugin's ``clerk_server`` fixture is a thin adapter over
:func:`running`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..profile import Profile
from .app import create_app
from .run import Server
from .sources import from_profile
from .state import Sessions

SECRET_KEY = "sk_test_sessionfaker"


@dataclass
class ClerkServer:
    """A running server: its base URL (``.../v1``), key and sessions."""

    url: str
    root: str
    secret_key: str
    sessions: Sessions

    @cached_property
    def client(self) -> Any:
        """A ``clerk_backend_api.Clerk`` talking to this server."""
        from clerk_backend_api import Clerk

        return Clerk(bearer_auth=self.secret_key, server_url=self.url)

    def reset(self) -> None:
        """Forget every revocation and created session."""
        self.sessions.reset()


@contextmanager
def running(
    profile: Profile,
    count: int,
    *,
    seed: int | str = 0,
    secret_key: str = SECRET_KEY,
    templates: Mapping[str, Mapping[str, Any]] | None = None,
) -> Iterator[ClerkServer]:
    """A server on a free port of 127.0.0.1 for the block's duration (with
    JWT ``templates``, see :func:`~.app.create_app`)."""
    sessions = from_profile(profile, count, seed=seed)
    try:
        server = Server(create_app(sessions, secret_key=secret_key, templates=templates))
        with server:
            yield ClerkServer(server.url, server.root, secret_key, sessions)
    finally:
        sessions.store.close()
