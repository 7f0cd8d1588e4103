"""`credflow token` and `credflow request`: use one client's tokens."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx

from ..engine import TokenEngine
from ..errors import ApiError
from ..protocol import server_text
from ..security import tls_context
from ..token import Token
from .exit_codes import ExitCode, UsageError
from .options import chosen_client, load_from_args

__all__ = ["run_request", "run_token", "token_json"]

# Calls to the API get the same bound as a token request, and more for slow APIs.
_API_TIMEOUT_SECONDS = 30.0


def token_json(token: Token, requested_scopes: tuple[str, ...], now: datetime) -> dict[str, Any]:
    """The `--json` form of a token: value, type, seconds left, expiry (UTC, `Z`) and scope."""
    # RFC 6749 §5.1: a response without `scope` grants exactly the scopes requested.
    scope = token.scope if token.scope is not None else (" ".join(requested_scopes) or None)
    return {
        "access_token": token.access_token,
        "token_type": token.token_type,
        "expires_in": max(0, int((token.expires_at - now).total_seconds())),
        "expires_at": token.expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "scope": scope,
    }


def run_token(args: argparse.Namespace) -> int:
    """Print the access token alone, or with `--json` the token and its lifetime.

    A client whose tokens would stay in this process (the `memory` backend, the default) uses
    the per-user `file` cache instead, so a shell loop makes one token request per lifetime;
    `--no-cache` keeps the memory backend (a fresh token on every call).
    """
    config = load_from_args(args)
    name = chosen_client(config, args.client)
    client = config.clients[name]
    if client.cache.backend == "memory" and not args.no_cache:
        client = replace(client, cache=replace(client.cache, backend="file"))
    with config, TokenEngine(client, plugins=config.plugin_host()) as engine:
        token = engine.get_token()
    if args.json:
        print(json.dumps(token_json(token, config.clients[name].scopes, datetime.now(UTC)), indent=2))
    else:
        print(token.access_token)
    return ExitCode.OK


def _headers(values: list[str]) -> list[tuple[str, str]]:
    headers = []
    for value in values:
        name, colon, content = value.partition(":")
        if not colon or not name.strip():
            raise UsageError(f"-H expects 'Name: value', got {value!r}")
        if name.strip().lower() == "authorization":
            raise UsageError("-H Authorization: credflow sets the Authorization header itself")
        headers.append((name.strip(), content.strip()))
    return headers


def _body(data: str | None) -> bytes | None:
    if data is None:
        return None
    if data == "@-":
        return sys.stdin.buffer.read()
    if data.startswith("@"):
        with open(data[1:], "rb") as handle:
            return handle.read()
    return data.encode()


def run_request(args: argparse.Namespace) -> int:
    """Call an API with the client's token; print the body; fail on an HTTP error status."""
    config = load_from_args(args)
    name = chosen_client(config, args.client)
    client = config.clients[name]
    headers = _headers(args.header)
    body = _body(args.data)
    method = (args.method or ("POST" if body is not None else "GET")).upper()
    engine = config.engine(name)
    with (
        engine,
        httpx.Client(
            auth=engine.httpx_auth(),
            timeout=max(client.timeout, _API_TIMEOUT_SECONDS),
            verify=tls_context(client.ca_bundle),
        ) as http,
    ):
        response = http.request(method, args.url, headers=headers, content=body)
    text = response.text
    sys.stdout.write(text if not text or text.endswith("\n") else text + "\n")
    if 300 <= response.status_code < 400 and response.status_code != 304:
        raise _not_followed(method, args.url, response)
    if response.is_error:
        raise ApiError(
            f"{method} {args.url} answered HTTP {response.status_code} {response.reason_phrase}",
            status=response.status_code,
        )
    return ExitCode.OK


def _not_followed(method: str, url: str, response: httpx.Response) -> ApiError:
    """A redirect is not followed (a token must not reach a URL the command line did not name)."""
    location = response.headers.get("location")
    if location is None:
        where = "with no Location header"
        hint = ""
    else:
        # The Location is the API's text: resolved against the URL, escaped and cut before shown.
        target = server_text(str(response.url.join(location)))
        where = f"redirecting to {target}"
        hint = "; to call it, run credflow request with that URL"
    return ApiError(
        f"{method} {url} answered HTTP {response.status_code} {response.reason_phrase} {where}, "
        f"not followed: credflow request does not follow redirects{hint}",
        status=response.status_code,
    )
