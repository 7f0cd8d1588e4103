"""An HTTPS front for the local `AuthServer`, with a `trustme` certificate, that counts TLS handshakes.

It proves what credflow does with a real TLS handshake against a certificate it
trusts or not (OpenSSL's verification, not a mock); it cannot show what a
public CA's chain or OCSP would add.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

import httpx
import trustme
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

__all__ = ["QuietHandler", "TlsFront"]


class QuietHandler(WSGIRequestHandler):
    """A request handler that logs nothing."""

    def log(self, type: str, message: str, *args: Any) -> None:
        return None


class TlsFront:
    """HTTPS on 127.0.0.1 forwarding every request to `upstream` (the AuthServer's base URL).

    `certificate="issued"` serves a leaf issued by a throw-away CA whose PEM is
    at `ca_bundle`; `"self-signed"` serves that CA's own certificate as the
    leaf. `handshakes` counts the ClientHellos received.
    """

    def __init__(
        self, upstream: str, workdir: Path, *, certificate: Literal["issued", "self-signed"] = "issued"
    ) -> None:
        self._upstream = upstream.rstrip("/")
        self._ca = trustme.CA()
        self.ca_bundle = str(workdir / "front-ca.pem")
        self._ca.cert_pem.write_to_path(self.ca_bundle)
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if certificate == "issued":
            self._ca.issue_cert("127.0.0.1").configure_cert(self._context)
        else:
            key = workdir / "front-ca-key.pem"
            self._ca.private_key_pem.write_to_path(str(key))
            self._context.load_cert_chain(self.ca_bundle, str(key))
        self._context.sni_callback = self._hello
        self._lock = threading.Lock()
        self._handshakes = 0
        self._client = httpx.Client()
        self._server: BaseWSGIServer | None = None

    @property
    def handshakes(self) -> int:
        """How many TLS handshakes clients began."""
        with self._lock:
            return self._handshakes

    def url(self, path: str) -> str:
        """The https URL of `path` on this front."""
        assert self._server is not None
        return f"https://127.0.0.1:{self._server.server_port}{path}"

    def _hello(self, sock: ssl.SSLObject, name: str | None, context: ssl.SSLContext) -> None:
        with self._lock:
            self._handshakes += 1

    def __enter__(self) -> Self:
        server = make_server(
            "127.0.0.1", 0, self._app, threaded=True, ssl_context=self._context, request_handler=QuietHandler
        )
        self._server = server
        threading.Thread(target=server.serve_forever, name="tls-front", daemon=True).start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self._client.close()

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        headers.pop("host", None)
        upstream = self._client.request(
            environ["REQUEST_METHOD"],
            self._upstream + environ.get("PATH_INFO", "/"),
            headers=headers,
            content=environ["wsgi.input"].read(length) if length else b"",
        )
        start_response(
            f"{upstream.status_code} {upstream.reason_phrase}",
            [("Content-Type", upstream.headers.get("content-type", "application/json"))],
        )
        return [upstream.content]
