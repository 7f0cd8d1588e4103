"""An HTTPS front for the local `AuthServer`, shaped like a Microsoft Entra authority.

MSAL and azure-identity accept only an `https://host/<tenant>` authority and
discover the token endpoint at `<authority>/v2.0/.well-known/openid-configuration`.
This front serves TLS with a throw-away `trustme` CA and forwards every
request to the `AuthServer`, stripping the `/<tenant>[/v2.0]` prefix and
pointing the discovered endpoints back at itself, so those libraries reach
the same real token endpoint as everyone else in the benchmark.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
import trustme
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

__all__ = ["EntraFront"]

TENANT = "bench-tenant"


class _QuietHandler(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        return None


class EntraFront:
    """HTTPS at `authority` (…/bench-tenant), forwarding to `upstream` (the AuthServer's issuer)."""

    def __init__(self, upstream: str, workdir: Path) -> None:
        self._upstream = upstream.rstrip("/")
        ca = trustme.CA()
        certificate = ca.issue_cert("127.0.0.1", "localhost")
        self.ca_bundle = str(workdir / "bench-ca.pem")
        ca.cert_pem.write_to_path(self.ca_bundle)
        self._client = httpx.Client(base_url=self._upstream)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._certificate = certificate  # configured into the server's TLS context on entry

    @property
    def base(self) -> str:
        assert self._server is not None
        return f"https://127.0.0.1:{self._server.server_port}"

    @property
    def authority(self) -> str:
        return f"{self.base}/{TENANT}"

    def __enter__(self) -> Self:
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._certificate.configure_cert(context)
        server = make_server(
            "127.0.0.1", 0, self._app, threaded=True, ssl_context=context, request_handler=_QuietHandler
        )
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="bench-entra-front", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self._client.close()

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        for prefix in (f"/{TENANT}/v2.0", f"/{TENANT}"):
            if path.startswith(prefix + "/"):
                path = path[len(prefix) :]
                break
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_") and key not in ("HTTP_HOST", "HTTP_CONNECTION")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        upstream = self._client.request(
            environ["REQUEST_METHOD"], path, content=body, headers=headers, params=environ.get("QUERY_STRING")
        )
        content = upstream.content
        if path.endswith("/.well-known/openid-configuration") and upstream.status_code == 200:
            document = json.loads(content)
            for key, value in list(document.items()):
                if isinstance(value, str) and value.startswith(self._upstream):
                    document[key] = self.authority + value[len(self._upstream) :]
            document["issuer"] = self.authority + "/v2.0"
            # MSAL insists on an authorization endpoint; the client-credentials grant never calls it.
            document.setdefault("authorization_endpoint", self.authority + "/oauth2/authorize")
            content = json.dumps(document).encode()
        start_response(
            f"{upstream.status_code} {upstream.reason_phrase}",
            [
                ("Content-Type", upstream.headers.get("content-type", "application/json")),
                ("Content-Length", str(len(content))),
            ],
        )
        return [content]
