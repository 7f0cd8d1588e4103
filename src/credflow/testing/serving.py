"""`BackgroundServer`: werkzeug's threaded WSGI server in a daemon thread.

Transport only: binding, serving, and stopping like a server that dies,
with in-flight requests cut off rather than finished.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

__all__ = ["BackgroundServer", "WSGIApp"]

logger = logging.getLogger("credflow.testing")

WSGIApp = Callable[[dict[str, Any], Any], Any]


class BackgroundServer:
    """Serves a WSGI app on `host`:`port` (0: any free port) from a daemon thread.

    `make_app` receives the bound port, since the app's URLs depend on it.
    Request lines go to the "credflow.testing" logger: at INFO with
    `log_requests`, else at DEBUG. They never carry a secret, which travels
    in headers and bodies.
    """

    def __init__(self, host: str, port: int, *, log_requests: bool = False) -> None:
        self.host = host
        self.port = port
        self._connections = _OpenConnections()
        self._handler = _request_handler(self._connections, log_requests)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the server is accepting requests."""
        return self._server is not None

    def start(self, make_app: Callable[[int], WSGIApp]) -> None:
        """Bind the port (the same one again after a stop) and serve."""
        if self._server is not None:
            raise RuntimeError("the server is already running")
        self._connections.reopen()
        try:
            server = make_server(
                self.host, self.port, _not_yet_bound, threaded=True, request_handler=self._handler
            )
        except SystemExit:
            # werkzeug prints and exits when it cannot bind; a library must raise instead.
            raise OSError(f"cannot listen on {self.host}:{self.port}: the address is in use") from None
        # stop() cuts in-flight requests off by shutting their sockets down;
        # it need not wait for their threads.
        server.block_on_close = False  # type: ignore[attr-defined]  # socketserver.ThreadingMixIn
        self.port = server.server_port
        server.app = make_app(self.port)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"credflow-auth-server-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting and drop every open connection; nothing if not running."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        self._connections.shut_down_all()
        server.server_close()
        thread.join()
        self._server = self._thread = None


def _not_yet_bound(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The WSGI app for the instant between binding and `make_app`."""
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


class _OpenConnections:
    """Sockets of requests in flight, so that stop() can cut them off."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._shut = False

    def reopen(self) -> None:
        with self._lock:
            self._shut = False

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            if not self._shut:
                self._sockets.add(sock)
                return
        # Accepted just before stop(): it dies with the rest.
        _shut_down(sock)

    def discard(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)

    def shut_down_all(self) -> None:
        with self._lock:
            self._shut = True
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _shut_down(sock)


def _shut_down(sock: socket.socket) -> None:
    # OSError: the peer closed it first.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _request_handler(connections: _OpenConnections, log_requests: bool) -> type[WSGIRequestHandler]:
    class _RequestHandler(WSGIRequestHandler):
        # Not werkzeug's logger: on first use it attaches a stderr handler.
        def log(self, type: str, message: str, *args: Any) -> None:
            level = logging.INFO if log_requests and type == "info" else logging.DEBUG
            if type == "error":
                level = logging.WARNING
            logger.log(level, "%s - " + message, self.address_string(), *args)

        def send_response(self, code: int, message: str | None = None) -> None:
            # As http.server's, without its Date header: the application sends Date from the
            # server's clock (which a test may move), and a second Date would contradict it.
            self.log_request(code)
            self.send_response_only(code, message)
            self.send_header("Server", self.version_string())

        def setup(self) -> None:
            super().setup()
            connections.add(self.connection)

        def finish(self) -> None:
            connections.discard(self.connection)
            super().finish()

    return _RequestHandler
