"""Helpers shared by the aws-sm tests: a host builder type and a scripted AWS error server."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Protocol, Self

from credflow_aws.source import AwsSecretsManagerSource

from credflow import PluginHost, SecretReference


class MakeHost(Protocol):
    """Builds a `PluginHost` whose `[sources.aws-sm]` is the moto server's plus `settings`."""

    def __call__(self, **settings: Any) -> PluginHost: ...


def ref(text: str) -> SecretReference:
    """Parse a reference string."""
    return SecretReference.parse(text)


def aws_source(host: PluginHost) -> AwsSecretsManagerSource:
    """The host's `aws-sm` source object."""
    source = host.secret_source("aws-sm")
    assert isinstance(source, AwsSecretsManagerSource)
    return source


Answer = tuple[int, dict[str, Any]]


class ScriptedAwsServer:
    """A real HTTP server on 127.0.0.1 that answers like Secrets Manager's JSON API, from a script.

    Each request gets the next answer; the last one repeats. Used where moto
    cannot produce a response: the exact AWS error shapes, throttling, 5xx.
    """

    def __init__(self, answers: Sequence[Answer]) -> None:
        self.answers = list(answers)
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                self.rfile.read(length)
                outer.requests.append(self.headers.get("X-Amz-Target", ""))
                index = min(len(outer.requests), len(outer.answers)) - 1
                status, body = outer.answers[index]
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("x-amzn-RequestId", f"req-{len(outer.requests)}")
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint_url(self) -> str:
        """The server's URL."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def aws_error(code: str, message: str, status: int = 400) -> Answer:
    """An AWS JSON-protocol error answer (`__type` + `message`), as Secrets Manager sends it."""
    return status, {"__type": code, "message": message}
