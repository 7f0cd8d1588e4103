"""Small API servers on real loopback sockets that redirect, reject and record `Authorization`."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

import pytest


class RecordingApi:
    """An API at `url` answering `/to?url=U` with 307 to U, `/reject` with 401, `/whoami` with 200.

    `authorizations` lists, for every request received, its `Authorization` header (None when absent).
    """

    def __init__(self, host: str) -> None:
        self.authorizations: list[str | None] = []
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api._record(self.headers.get("Authorization"))
                parts = urlsplit(self.path)
                if parts.path == "/to":
                    self._answer(307, b"", Location=parse_qs(parts.query)["url"][0])
                elif parts.path == "/reject":
                    self._answer(401, b"", **{"WWW-Authenticate": 'Bearer error="invalid_token"'})
                else:
                    body = json.dumps({"authorization": self.headers.get("Authorization")}).encode()
                    self._answer(200, body, **{"Content-Type": "application/json"})

            def _answer(self, status: int, body: bytes, **headers: str) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output quiet

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _record(self, authorization: str | None) -> None:
        with self._lock:
            self.authorizations.append(authorization)

    @property
    def tokens_received(self) -> list[bool]:
        """For every request received, whether it carried an `Authorization` header."""
        with self._lock:
            return [authorization is not None for authorization in self.authorizations]

    def redirect_to(self, target: str) -> str:
        """A URL on this API that answers 307 to `target`."""
        return f"{self.url}/to?url={quote(target, safe='')}"

    def close(self) -> None:
        """Stop serving and release the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture
def api() -> Iterator[RecordingApi]:
    """The API the caller talks to, on 127.0.0.1."""
    server = RecordingApi("127.0.0.1")
    yield server
    server.close()


@pytest.fixture(params=["another host", "another port"])
def elsewhere(request: pytest.FixtureRequest) -> Iterator[RecordingApi]:
    """A redirect target on another origin: 127.0.0.2, or a second port on 127.0.0.1."""
    server = RecordingApi("127.0.0.2" if request.param == "another host" else "127.0.0.1")
    yield server
    server.close()
