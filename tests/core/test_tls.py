"""TLS to the token endpoint: a bad `ca_bundle` is a ConfigError, an untrusted certificate is not retried."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from werkzeug.serving import make_server

from credflow import ClientConfig, ConfigError, RetriesExhaustedError, TokenEndpointError
from credflow.events import TokenRetried
from credflow.testing import AuditRecorder, AuthServer
from credflow.testing.app import TOKEN_PATH
from tests.leakcheck import LEDGER

from .conftest import EngineFactory
from .tls_front import QuietHandler, TlsFront

SETTINGS = {"token_endpoint": "https://auth.example.com/token", "client_id": "c", "client_secret": "env:S"}


@pytest.fixture
def front(server: AuthServer, tmp_path: Path) -> Iterator[TlsFront]:
    """An HTTPS front for the auth server with a certificate from a throw-away CA."""
    with TlsFront(server.issuer, tmp_path) as running:
        yield running


@pytest.fixture
def self_signed_front(server: AuthServer, tmp_path: Path) -> Iterator[TlsFront]:
    """An HTTPS front for the auth server serving a self-signed certificate."""
    with TlsFront(server.issuer, tmp_path, certificate="self-signed") as running:
        yield running


# --- ca_bundle ------------------------------------------------------------------


def _bad_bundles(tmp_path: Path) -> dict[str, tuple[str, str]]:
    """Each kind of unusable ca_bundle: its path and the error it must give."""
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("these are not certificates\n")
    fifo = tmp_path / "ca.fifo"
    os.mkfifo(fifo)
    missing = tmp_path / "missing.pem"
    return {
        "missing": (str(missing), f"ca_bundle: {missing}: no such file; give a PEM file of CA certificates"),
        "directory": (
            str(tmp_path),
            f"ca_bundle: {tmp_path}: not a regular file; give a PEM file of CA certificates",
        ),
        "fifo": (str(fifo), f"ca_bundle: {fifo}: not a regular file; give a PEM file of CA certificates"),
        "empty": (
            str(empty),
            f"ca_bundle: {empty}: not a PEM file of CA certificates (NO_CERTIFICATE_OR_CRL_FOUND)",
        ),
        "not PEM": (
            str(not_pem),
            f"ca_bundle: {not_pem}: not a PEM file of CA certificates (NO_CERTIFICATE_OR_CRL_FOUND)",
        ),
    }


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", ["missing", "directory", "fifo", "empty", "not PEM"])
def test_unusable_ca_bundle_is_a_config_error_naming_key_and_path(tmp_path: Path, kind: str) -> None:
    """Missing, a directory, a FIFO, empty or not PEM: ConfigError when the client is built."""
    path, expected = _bad_bundles(tmp_path)[kind]

    with pytest.raises(ConfigError) as caught:
        ClientConfig(**SETTINGS, ca_bundle=path)  # type: ignore[arg-type]

    assert expected == str(caught.value)


def test_ca_bundle_error_from_the_file_names_file_client_and_key(tmp_path: Path) -> None:
    """Loaded from credflow.toml, the error reads <file>: clients.<name>.ca_bundle: <path>: …."""
    from credflow.config._file import load_config

    config = tmp_path / "credflow.toml"
    config.write_text(
        '[clients.billing]\ntoken_endpoint = "https://a.example/t"\nclient_id = "c"\n'
        'client_secret = "env:S"\n'
        f'ca_bundle = "{tmp_path / "nope.pem"}"\n'
    )

    with pytest.raises(ConfigError) as caught:
        load_config(config, env={})

    assert (
        f"{config}: clients.billing.ca_bundle: {tmp_path / 'nope.pem'}: no such file; "
        "give a PEM file of CA certificates"
    ) == str(caught.value)


def test_the_right_ca_bundle_gets_a_token_over_tls(make_engine: EngineFactory, front: TlsFront) -> None:
    """With the front's CA as ca_bundle, a token comes through the real TLS handshake."""
    engine = make_engine(token_endpoint=front.url(TOKEN_PATH), ca_bundle=front.ca_bundle)

    token = engine.get_token()

    assert ("Bearer", 1) == (token.token_type, front.handshakes)


# --- verification failures ------------------------------------------------------


def _unverified_message(url: str, reason: str) -> str:
    return (
        f"TLS connection to {url} failed: certificate verify failed: {reason}. The server's certificate is "
        "not trusted; if it comes from a private CA, set ca_bundle to that CA's PEM file "
        "(verification cannot be turned off)"
    )


def test_untrusted_certificate_fails_at_once_with_its_cause(
    make_engine: EngineFactory, front: TlsFront, recorder: AuditRecorder
) -> None:
    """A certificate from an unknown CA: one handshake, no retry, OpenSSL's reason in the message."""
    url = front.url(TOKEN_PATH)
    engine = make_engine(token_endpoint=url)

    with pytest.raises(TokenEndpointError) as caught:
        engine.get_token()

    assert not isinstance(caught.value, RetriesExhaustedError)
    assert (_unverified_message(url, "unable to get local issuer certificate"), 1, []) == (
        str(caught.value),
        front.handshakes,
        recorder.of_type(TokenRetried),
    )


async def test_untrusted_certificate_fails_at_once_with_its_cause_async(
    make_engine: EngineFactory, front: TlsFront, recorder: AuditRecorder
) -> None:
    """The async path: one handshake, no retry, OpenSSL's reason in the message."""
    url = front.url(TOKEN_PATH)
    engine = make_engine(token_endpoint=url)

    with pytest.raises(TokenEndpointError) as caught:
        await engine.aget_token()

    assert not isinstance(caught.value, RetriesExhaustedError)
    assert (_unverified_message(url, "unable to get local issuer certificate"), 1, []) == (
        str(caught.value),
        front.handshakes,
        recorder.of_type(TokenRetried),
    )


def test_self_signed_certificate_is_named_as_such(
    make_engine: EngineFactory, self_signed_front: TlsFront, recorder: AuditRecorder
) -> None:
    """A self-signed certificate: the message says so (OpenSSL's wording), and it is not retried."""
    engine = make_engine(token_endpoint=self_signed_front.url(TOKEN_PATH))

    with pytest.raises(TokenEndpointError) as caught:
        engine.get_token()

    assert re.search(r"certificate verify failed: self[- ]signed certificate\.", str(caught.value))
    assert (1, []) == (self_signed_front.handshakes, recorder.of_type(TokenRetried))


def test_certificate_of_another_ca_is_not_retried_through_discovery(
    make_engine: EngineFactory, front: TlsFront, tmp_path: Path, recorder: AuditRecorder
) -> None:
    """Discovery (issuer=) over a certificate from another CA fails at once too, naming the metadata URL."""
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    engine = make_engine(token_endpoint=None, issuer=front.url(""), ca_bundle=str(other_ca))

    with pytest.raises(TokenEndpointError) as caught:
        engine.get_token()

    assert str(caught.value).startswith(f"TLS connection to {front.url('/.well-known/')}")
    assert "certificate verify failed: unable to get local issuer certificate" in str(caught.value)
    assert (1, []) == (front.handshakes, recorder.of_type(TokenRetried))


# --- a discovered token endpoint with credentials ---------------------------------------


class _MetadataServer:
    """Serves RFC 8414 metadata whose token_endpoint carries `user:password@`; counts token requests."""

    def __init__(self, password: str) -> None:
        self._password = password
        self.token_requests = 0
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True, request_handler=QuietHandler)
        threading.Thread(target=self._server.serve_forever, name="metadata", daemon=True).start()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["PATH_INFO"].startswith("/.well-known/"):
            endpoint = self.issuer.replace("http://", f"http://u:{self._password}@") + "/token"
            body = json.dumps({"issuer": self.issuer, "token_endpoint": endpoint}).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        self.token_requests += 1
        start_response("400 Bad Request", [("Content-Type", "application/json")])
        return [b'{"error": "invalid_request"}']


@pytest.fixture
def metadata_server() -> Iterator[_MetadataServer]:
    """A metadata server publishing a token endpoint with credentials in it."""
    running = _MetadataServer(URL_PASSWORD)
    yield running
    running.close()


URL_PASSWORD = "discovered-url-password-31Ab"


def _assert_refused_unsent(error: ConfigError, server: _MetadataServer) -> None:
    message = str(error)
    redacted = f": 'http://***@{server.issuer[7:]}/token' carries credentials (user:password@)"
    assert (True, True, 0) == (
        message.startswith(f"token_endpoint discovered at {server.issuer}/.well-known/"),
        redacted in message,
        server.token_requests,
    )
    assert URL_PASSWORD not in message


def test_discovered_token_endpoint_with_credentials_is_never_called(
    make_engine: EngineFactory, metadata_server: _MetadataServer
) -> None:
    """Metadata naming http://u:pw@host/token: ConfigError before any token request, the password hidden."""
    LEDGER.canary(URL_PASSWORD)
    engine = make_engine(token_endpoint=None, issuer=metadata_server.issuer)

    with pytest.raises(ConfigError) as caught:
        engine.get_token()

    _assert_refused_unsent(caught.value, metadata_server)


async def test_discovered_token_endpoint_with_credentials_is_never_called_async(
    make_engine: EngineFactory, metadata_server: _MetadataServer
) -> None:
    """The async path: ConfigError before any token request, the password hidden."""
    LEDGER.canary(URL_PASSWORD)
    engine = make_engine(token_endpoint=None, issuer=metadata_server.issuer)

    with pytest.raises(ConfigError) as caught:
        await engine.aget_token()

    _assert_refused_unsent(caught.value, metadata_server)
