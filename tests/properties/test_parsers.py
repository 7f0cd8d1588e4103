"""Property tests: every parser of outside input raises only its documented typed errors, and ends.

Each test is bounded (`max_examples`) so the suite stays fast, and has no
Hypothesis deadline (a loaded machine makes single examples slow); the
suite-wide pytest-timeout stops a hang.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from credflow import ClientConfig, load_config
from credflow._security import ensure_secure_url, is_loopback_host
from credflow.errors import ConfigError, OAuthError, TokenResponseError
from credflow.protocol import RawResponse, parse_retry_after, parse_server_metadata, parse_token_response
from credflow.secret._reference import SecretReference

from .strategies import config_documents, json_values, token_documents

# A hang fails the test instead of holding the suite.
pytestmark = pytest.mark.timeout(120)
bounded = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ISSUED_AT = datetime(2026, 1, 1, tzinfo=UTC)
ENDPOINT = "https://login.example.com/oauth2/token"
_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=60)


def _parse(status: int, body: bytes, headers: dict[str, str] | None = None) -> Any:
    response = RawResponse(status=status, headers=headers or {"content-type": "application/json"}, body=body)
    return parse_token_response(response, endpoint=ENDPOINT, issued_at=ISSUED_AT)


def _check_parsed(parsed: Any) -> None:
    lifetime = parsed.token.lifetime_seconds
    assert math.isfinite(lifetime)
    assert lifetime > 0
    assert isinstance(parsed.token.access_token, str)
    assert parsed.token.access_token


# --- the token response parser ----------------------------------------------------


@bounded
@given(
    status=st.integers(min_value=100, max_value=599),
    body=st.binary(max_size=200),
    headers=st.dictionaries(_text, _text, max_size=3),
)
def test_token_response_from_any_bytes(status: int, body: bytes, headers: dict[str, str]) -> None:
    """Any status, headers and body: a valid token or TokenResponseError/OAuthError, nothing else."""
    try:
        parsed = _parse(status, body, headers)
    except (TokenResponseError, OAuthError):
        return
    _check_parsed(parsed)


@bounded
@given(status=st.sampled_from([200, 201, 400, 401, 403, 404, 418]), document=json_values)
def test_token_response_from_any_json(status: int, document: Any) -> None:
    """Any JSON document (Python's parser: NaN and Infinity too) gives a token or a typed error."""
    body = json.dumps(document).encode()
    try:
        parsed = _parse(status, body)
    except (TokenResponseError, OAuthError):
        return
    _check_parsed(parsed)


@bounded
@given(status=st.sampled_from([200, 400, 401]), document=token_documents)
def test_token_response_from_token_shaped_json(status: int, document: dict[str, Any]) -> None:
    """Token-shaped JSON with any value in any field: a token with a sane lifetime, or a typed error."""
    body = json.dumps(document).encode()
    try:
        parsed = _parse(status, body)
    except (TokenResponseError, OAuthError):
        return
    _check_parsed(parsed)
    assert parsed.token.access_token == document["access_token"]


@bounded
@given(
    value=st.one_of(
        st.none(), _text, st.integers(min_value=0).map(str), st.sampled_from(["²", "٣", "9" * 400])
    )
)
def test_retry_after_from_any_text(value: str | None) -> None:
    """A Retry-After header of any text gives a non-negative number of seconds or None."""
    seconds = parse_retry_after(value, ISSUED_AT)

    assert seconds is None or seconds >= 0


@bounded
@given(status=st.sampled_from([200, 404, 500]), document=json_values | token_documents)
def test_server_metadata_from_any_json(status: int, document: Any) -> None:
    """Any discovery document gives metadata naming a token endpoint, or TokenResponseError."""
    response = RawResponse(status=status, headers={}, body=json.dumps(document).encode())
    try:
        metadata = parse_server_metadata(response, url=ENDPOINT, issuer="https://login.example.com")
    except TokenResponseError:
        return
    assert isinstance(metadata["token_endpoint"], str)


# --- secret references ------------------------------------------------------------


@bounded
@given(text=st.one_of(_text, st.from_regex(r"[a-z][a-z0-9+.\-]{0,6}:[^\n]{0,30}", fullmatch=True)))
def test_secret_reference_from_any_text(text: str) -> None:
    """Any text parses to a reference that prints back to an equal one, or raises ConfigError."""
    try:
        reference = SecretReference.parse(text)
    except ConfigError:
        return
    assert reference.scheme
    assert reference.body
    assert reference == SecretReference.parse(str(reference))


@bounded
@given(value=st.one_of(st.none(), st.integers(), st.binary(max_size=8), st.lists(_text, max_size=2)))
def test_secret_reference_from_non_text(value: Any) -> None:
    """A value that is not text raises ConfigError, not TypeError."""
    try:
        SecretReference.parse(value)
    except ConfigError:
        return
    raise AssertionError(f"{value!r} was accepted as a secret reference")


# --- URL checks -------------------------------------------------------------------

_urls = st.one_of(
    _text,
    st.builds(
        lambda scheme, userinfo, host, port, path: f"{scheme}://{userinfo}{host}{port}{path}",
        st.sampled_from(["http", "https", "HTTP", "ftp", "", "javascript"]),
        st.sampled_from(["", "user@", "user:pass@", "@", ":@"]),
        st.one_of(
            st.sampled_from(
                [
                    "localhost",
                    "127.0.0.1",
                    "[::1]",
                    "a.localhost",
                    "[::1",
                    "::1]",
                    "10.0.0.1",
                    "[fe80::1%eth0]",
                ]
            ),
            _text,
        ),
        st.sampled_from(["", ":8080", ":0", ":99999", ":x", ":"]),
        st.sampled_from(["", "/", "/token", "?a=b", "#f"]),
    ),
)


@bounded
@given(url=_urls, allow_insecure_http=st.booleans())
def test_url_check_on_any_text(url: str, allow_insecure_http: bool) -> None:
    """Any text is accepted or refused with a ConfigError naming the setting, never a bare ValueError.

    (`InsecureTransportError`, the refusal of plain http, is a `ConfigError`.)
    """
    try:
        ensure_secure_url(url, allow_insecure_http=allow_insecure_http, what="token_endpoint")
    except ConfigError as error:
        message = str(error)
    else:
        return
    assert message.startswith("token_endpoint: ")


@bounded
@given(host=_text)
def test_loopback_check_on_any_text(host: str) -> None:
    """Any host text gives a bool."""
    assert isinstance(is_loopback_host(host), bool)


# --- the configuration loader -----------------------------------------------------


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return "{" + ", ".join(f"{json.dumps(key)} = {_toml(item)}" for key, item in value.items()) + "}"


def _load_text(text: str | bytes, env: dict[str, str] | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="credflow-prop-") as directory:
        path = Path(directory) / "credflow.toml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, "utf-8")
        try:
            config = load_config(path, env=env or {}, load_entry_points=False)
        except ConfigError:
            return
        with config:
            for client in config.clients.values():
                assert [] == _non_finite_numbers(client)


def _non_finite_numbers(client: ClientConfig) -> list[str]:
    """The numeric settings of `client` that are NaN or infinite (a loaded config has none)."""
    numbers = {
        "timeout": client.timeout,
        "default_lifetime": client.default_lifetime,
        "max_lifetime": client.max_lifetime,
        "retry.deadline": client.retry.deadline,
        "retry.initial_backoff": client.retry.initial_backoff,
        "retry.max_backoff": client.retry.max_backoff,
        "cache.renew_fraction": client.cache.renew_fraction,
        "cache.renew_min_ahead": client.cache.renew_min_ahead,
        "cache.expiry_leeway": client.cache.expiry_leeway,
    }
    return [name for name, number in numbers.items() if not math.isfinite(number)]


_toml_ish = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "[clients.billing]",
                "[clients.billing.retry]",
                "[clients.billing.cache]",
                "[sources.file]",
                "[[clients]]",
                'client_id = "billing"',
                'client_secret = "env:X"',
                'token_endpoint = "https://login.example.com/token"',
                "timeout = nan",
                "deadline = inf",
                "attempts = 0",
                "scopes = [1, 2]",
                "a.b.c = 1",
                "x = {y = {z = [[[]]]}}",
                "deep = " + "[" * 3000 + "]" * 3000,
                'client_secret = "literal"',
            ]
        ),
        _text,
    ),
    max_size=8,
).map("\n".join)


VALID_CLIENT = (
    '[clients.billing]\nclient_id = "billing"\nclient_secret = "env:X"\n'
    'token_endpoint = "https://login.example.com/token"\n'
)


@bounded
@given(text=st.one_of(_toml_ish, _text))
@example(text=VALID_CLIENT + "timeout = nan\n")
@example(text=VALID_CLIENT + "[clients.billing.retry]\ndeadline = inf\n")
@example(text="deep = " + "[" * 3000 + "]" * 3000)
def test_config_loader_on_toml_ish_text(text: str) -> None:
    """TOML-shaped or arbitrary text: a configuration, or ConfigError."""
    _load_text(text)


@bounded
@given(data=st.binary(max_size=100))
def test_config_loader_on_any_bytes(data: bytes) -> None:
    """Arbitrary bytes (not UTF-8, NUL bytes): a configuration, or ConfigError."""
    _load_text(data)


@bounded
@given(document=config_documents)
def test_config_loader_on_generated_documents(document: dict[str, Any]) -> None:
    """Generated TOML documents with any value in any known or unknown key: ConfigError at worst."""
    _load_text("\n".join(f"{json.dumps(key)} = {_toml(value)}" for key, value in document.items()))


@bounded
@given(
    variables=st.dictionaries(
        st.builds(
            lambda parts: "CREDFLOW_" + "__".join(parts),
            st.lists(
                st.sampled_from(["CLIENTS", "SOURCES", "BILLING", "RETRY", "TIMEOUT", "CLIENT_ID", "", "X"]),
                min_size=1,
                max_size=4,
            ),
        ),
        _text.filter(lambda text: "\x00" not in text),
        max_size=4,
    )
)
def test_config_loader_on_generated_environment(variables: dict[str, str]) -> None:
    """Generated CREDFLOW_* variables over a valid file: a configuration, or ConfigError."""
    _load_text(VALID_CLIENT, env=variables)


def test_config_loader_reads_a_valid_file() -> None:
    """The loader's happy path works here, so the properties above exercise more than refusals."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "credflow.toml"
        path.write_text(VALID_CLIENT, "utf-8")
        with load_config(path, env={}, load_entry_points=False) as config:
            assert "billing" == config.client().client_id
    assert not os.path.exists(path)
