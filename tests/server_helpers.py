"""Fixtures shared by the server's test modules (``pytest_plugins``): one
server per module, over the module's ``COUNT`` sessions of the default
profile at its ``SEED``, whose clock stands at its ``CLOCK``, with its JWT
``TEMPLATES`` if it has some; reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from clerk_backend_api import Clerk

from sessionfaker.server import Server, Sessions, create_app, from_profile
from sessionfaker.server.testing import SECRET_KEY

from .conftest import profile


@pytest.fixture(scope="module")
def running(request: pytest.FixtureRequest) -> Iterator[tuple[Server, Sessions]]:
    module = request.module
    sessions = from_profile(
        profile("default"), module.COUNT, seed=module.SEED, clock=lambda: module.CLOCK
    )
    templates = getattr(module, "TEMPLATES", None)
    with Server(create_app(sessions, secret_key=SECRET_KEY, templates=templates)) as server:
        yield server, sessions
    sessions.store.close()


@pytest.fixture
def server(running: tuple[Server, Sessions]) -> Server:
    running[1].reset()
    return running[0]


@pytest.fixture
def clerk(server: Server) -> Clerk:
    return Clerk(bearer_auth=SECRET_KEY, server_url=server.url)


@pytest.fixture
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {SECRET_KEY}"}
    ) as client:
        yield client
