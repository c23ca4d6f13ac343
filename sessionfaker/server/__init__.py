"""A local Clerk Backend API (the session part of v1) over generated sessions.

``sessionfaker serve`` and the pytest plugin's ``clerk_server`` fixture
run it; Clerk's official SDKs talk to it unchanged. Needs the ``server``
extra: ``pip install 'sessionfaker[server]'``.

>>> import sessionfaker
>>> from sessionfaker.server import Server, create_app, from_profile
>>> p = sessionfaker.load_profile(now="2026-11-01T00:00:00Z")
>>> with Server(create_app(from_profile(p, 100, seed=1))) as server:
...     server.url.startswith("http://127.0.0.1:")
True
"""

from __future__ import annotations

from . import _extra  # noqa: F401  (first: names the extra when starlette is missing)
from .app import ClerkError, create_app
from .run import Server
from .sources import from_profile, from_table
from .state import Sessions
from .store import Store

__all__ = [
    "ClerkError",
    "Server",
    "Sessions",
    "Store",
    "create_app",
    "from_profile",
    "from_table",
]
