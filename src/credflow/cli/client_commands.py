"""`credflow token` and `credflow request`: use one client's tokens."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..agent import AGENT_ENV
from ..config._client import SECRET_METHODS, ClientConfig
from ..errors import ApiError, CredflowError
from ..protocol import server_text
from ..token import Token
from ._fast_token import FAST_SECRET_SCHEMES, Options, record_path, token_document, write_record
from .exit_codes import ExitCode, UsageError
from .options import chosen_client, load_from_args

if TYPE_CHECKING:
    # Only `credflow request` calls an API with httpx; `credflow token` never imports it.
    import httpx

    from ..config._file import CredflowConfig
    from ..secret._reference import SecretReference
    from ..secret._value import SecretValue

__all__ = ["run_request", "run_token", "token_json"]

# The built-in audit plugin's logger (plugins._audit_log; importing it would import pluggy).
_AUDIT_LOGGER = "credflow.audit"
# Calls to the API get the same bound as a token request, and more for slow APIs.
_API_TIMEOUT_SECONDS = 30.0


def token_json(token: Token, requested_scopes: tuple[str, ...], now: datetime) -> dict[str, Any]:
    """The `--json` form of a token: value, type, seconds left, expiry (UTC, `Z`) and scope."""
    # One function with the shortcut's, so both print the same bytes.
    return token_document(
        token.access_token,
        token_type=token.token_type,
        expires_at=token.expires_at,
        scope=token.scope,
        requested_scopes=requested_scopes,
        now=now,
    )


def run_token(args: argparse.Namespace) -> int:
    """Print the access token alone, or with `--json` the token and its lifetime.

    A client whose tokens would stay in this process (the `memory` backend, the default) uses
    the per-user `file` cache instead, so a shell loop makes one token request per lifetime;
    `--no-cache` keeps the memory backend (a fresh token on every call).
    """
    agent_socket = os.environ.get(AGENT_ENV)
    if agent_socket:
        return _token_from_agent(agent_socket, args)
    options: Options = (getattr(args, "config", None), args.client, bool(args.json))
    # Where the shortcut for these inputs goes, taken before the configuration is read (see _remember).
    shortcut = None if args.no_cache or getattr(args, "debug", False) else record_path(options, os.environ)
    cached = None if args.no_cache else cached_token(args)
    if cached is not None:
        token, client, config = cached
    else:
        from ..engine._engine import TokenEngine

        config = load_from_args(args)
        client = _with_file_cache(config.clients[chosen_client(config, args.client)], args.no_cache)
        with config, TokenEngine(client, plugins=config.plugin_host()) as engine:
            token = engine.get_token()
    if shortcut is not None:
        _remember(shortcut, options, client, config)
    if args.json:
        print(json.dumps(token_json(token, client.scopes, datetime.now(UTC)), indent=2))
    else:
        print(token.access_token)
    return ExitCode.OK


def _token_from_agent(socket_path: str, args: argparse.Namespace) -> int:
    """One round trip to the agent named by $CREDFLOW_AGENT: no configuration read, no engine."""
    from ..agent.client import agent_get

    document = agent_get(socket_path, "/v1/token", args.client)
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        print(document["access_token"])
    return ExitCode.OK


def _remember(path: str, options: Options, client: ClientConfig, config: CredflowConfig) -> None:
    """Leave the shortcut record (`cli._fast_token`) for the next `credflow token` with these inputs.

    Only where the shortcut answers exactly as this path does: the built-in file cache in its
    default directory, a secret method with an `env:` or `file:` secret read by its built-in source
    (no `[sources]` settings), nobody listening for the audit record of the secret read. The
    record is named by the configuration's bytes read before and after loading it: an edit in
    between leaves no record for either version.
    """
    reference = client.secret_reference
    if (
        client.cache.backend != "file"
        or client.cache.settings
        or config.sources
        or reference.scheme not in FAST_SECRET_SCHEMES
        or reference.params
        or client.auth_method not in SECRET_METHODS
        or logging.getLogger(_AUDIT_LOGGER).isEnabledFor(logging.INFO)
        or record_path(options, os.environ) != path
    ):
        return
    from ..engine._cache import cache_key
    from ..engine._file_entries import entry_file_name

    key = cache_key(client)
    record = {
        "entry": entry_file_name(key),
        "client_id": client.client_id,
        "cache_key": key,
        "secret": {"scheme": reference.scheme, "body": reference.body, "key": reference.key},
        "scopes": list(client.scopes),
        "renew_fraction": client.cache.renew_fraction,
        "renew_min_ahead": client.cache.renew_min_ahead,
        "expiry_leeway": client.cache.expiry_leeway,
    }
    write_record(path, record)


def _with_file_cache(client: ClientConfig, no_cache: bool) -> ClientConfig:
    if client.cache.backend == "memory" and not no_cache:
        return replace(client, cache=replace(client.cache, backend="file"))
    return client


def cached_token(args: argparse.Namespace) -> tuple[Token, ClientConfig, CredflowConfig] | None:
    """The client's token from the file cache, if one is there and not yet due for renewal.

    What an engine does first, without building one: no entry-point plugin, no plugin host
    (pluggy), no HTTP client, no event loop is imported, so a warm `credflow token` costs little
    more than starting Python. Anything else (a miss, a plugin's secret scheme or cache backend,
    any error) returns `None` and the command runs the engine, which loads everything and
    reports errors properly.
    """
    from ..config._file import load_config
    from ..engine._cache import CacheScope, cache_key, renewal_times
    from ..engine._file_cache import FileTokenCache, default_cache_directory

    try:
        config = load_config(getattr(args, "config", None), env=os.environ, load_entry_points=False)
        with config:
            client = _with_file_cache(config.clients[chosen_client(config, args.client)], no_cache=False)
            if client.cache.backend != "file" or set(client.cache.settings) - {"directory"}:
                return None
            directory = client.cache.settings.get("directory")
            cache = FileTokenCache(Path(directory).expanduser() if directory else default_cache_directory())
            secret = _warm_secret(config, client.secret_reference)
            if secret is None:
                return None
            token = cache.load(CacheScope(cache_key(client), client.client_id, secret))
    except (CredflowError, UsageError, OSError):
        return None
    if token is None or datetime.now(UTC) >= renewal_times(token, client)[0]:
        return None
    return token, client, config


def _warm_secret(config: CredflowConfig, reference: SecretReference) -> SecretValue | None:
    """The client's secret for the warm path, or `None` when it cannot be read (the engine says why).

    A host's resolution adds one thing to a built-in source's read: an audit record. Unless
    someone would see it (`--debug`, an application's logging), the built-in source is called
    directly and no plugin host (pluggy) is built.
    """
    from ..plugins._builtin import BUILTIN_SECRET_SCHEMES, builtin_secret_source

    if (
        reference.scheme not in BUILTIN_SECRET_SCHEMES
        or config.sources
        or logging.getLogger(_AUDIT_LOGGER).isEnabledFor(logging.INFO)
    ):
        return config.plugin_host().resolve_secret(reference, fresh=False)
    try:
        return builtin_secret_source(reference.scheme).fetch(reference, fresh=False)
    except Exception:  # the engine's run reads it again and reports the failure, audited
        return None


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
    import httpx

    from .._security import tls_context

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
