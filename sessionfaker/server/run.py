"""Running the app on uvicorn: in this thread until Ctrl-C, or in a
background thread (for tests), on a socket bound before it starts."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

import uvicorn

from ..errors import InvalidArgument


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (port 0: a free one)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise InvalidArgument(f"--host: cannot resolve {host!r} ({exc})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise InvalidArgument(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    return sock


class _Uvicorn(uvicorn.Server):
    """uvicorn's server, telling when it listens."""

    def __init__(self, config: uvicorn.Config, ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._ready()


class Server:
    """An ASGI app served by uvicorn on ``host:port``.

    The socket is bound when the object is made (or given, bound by
    :func:`bind`), so :attr:`url` is known (and a port of 0 resolved)
    before the server starts.
    """

    def __init__(
        self,
        app: Any,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        sock: socket.socket | None = None,
    ) -> None:
        self.app = app
        self.sock = bind(host, port) if sock is None else sock
        address = self.sock.getsockname()
        shown = f"[{address[0]}]" if self.sock.family == socket.AF_INET6 else address[0]
        self.root = f"http://{shown}:{address[1]}"
        self.url = self.root + "/v1"
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self._server = _Uvicorn(config, self._started.set)

    def run(self, ready: Callable[[str], None] | None = None) -> None:
        """Serve in this thread until Ctrl-C (``KeyboardInterrupt`` once
        uvicorn has shut down cleanly); ``ready(url)`` runs once it listens."""
        if ready is not None:
            on_ready = self._server._ready

            def both() -> None:
                on_ready()
                ready(self.url)

            self._server._ready = both
        try:
            self._server.run(sockets=[self.sock])
        finally:
            self.sock.close()

    def start(self) -> Server:
        """Serve in a background thread; return once it listens."""
        self._thread = threading.Thread(target=self._serve, name="sessionfaker-serve", daemon=True)
        self._thread.start()
        while not self._started.wait(0.05):
            if not self._thread.is_alive():
                raise RuntimeError("the server thread stopped before it listened")
        return self

    def _serve(self) -> None:
        asyncio.run(self._server.serve(sockets=[self.sock]))

    def stop(self) -> None:
        """Stop a server started with :meth:`start` and wait for it."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.sock.close()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
