"""Turning a `[clients.<name>]` table into a `ClientConfig`, with errors naming the key and what is expected.

A secret reference is never echoed back in an error: a mistake there may be the secret itself."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ConfigError, InsecureTransportError
from ..plugins._install_hints import KNOWN_CACHE_PACKAGES, KNOWN_SCHEME_PACKAGES, first_party_schemes
from ..secret._reference import SecretReference, looks_like_reference
from ._client import ClientConfig
from ._schema import (
    _OPEN_TABLE_FIELD,
    SECRET_REFERENCE_KEYS,
    STRING_LIST,
    PolicyTable,
    Setting,
    _settings_of,
    client_schema,
)
from ._telemetry import TelemetryConfig

__all__ = ["CheckCacheSettings", "Locate", "build_client", "build_telemetry"]

# --- table -> ClientConfig ---------------------------------------------------

Locate = Callable[[str], str]  # key path inside the client table -> where it was set
# (backend, its keys of the cache table, "clients.<name>.cache", locate) -> the checked keys
CheckCacheSettings = Callable[[str, Mapping[str, Any], str, Locate], Mapping[str, Any]]


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unknown_key(key: str, known: list[str], *, hint: str = "") -> str:
    import difflib  # here: a valid table (the usual case) never needs it

    close = difflib.get_close_matches(key, known, n=1)
    suggestion = f"; did you mean '{close[0]}'?" if close else f" (known keys: {', '.join(sorted(known))})"
    return f"unknown key{suggestion}{hint}"


def build_client(
    name: str,
    table: Mapping[str, Any],
    *,
    locate: Locate,
    secret_schemes: frozenset[str],
    cache_backends: frozenset[str],
    check_cache_settings: CheckCacheSettings | None = None,
) -> ClientConfig:
    """Validate one `[clients.<name>]` table and build its `ClientConfig`.

    `locate(key)` names where a key was set (the file, or an environment
    variable) for the error message. Every error is a `ConfigError` reading
    `<where>: clients.<name>.<key>: <what is expected>`; a secret reference
    is never echoed.
    """
    schema = client_schema()

    def fail(key: str, message: str) -> ConfigError:
        # "scopes[2]" was set where "scopes" was.
        return ConfigError(f"{locate(key.split('[', 1)[0])}: clients.{name}.{key}: {message}")

    arguments: dict[str, Any] = {}
    for key, value in table.items():
        if key in schema.tables:
            arguments[key] = _build_policy(schema.tables[key], value, fail)
        elif key in schema.settings:
            arguments[key] = _checked(schema.settings[key], value, fail)
        else:
            known = list(schema.settings) + list(schema.tables)
            raise fail(key, _unknown_key(key, known))
    for setting in schema.settings.values():
        if setting.required and setting.name not in arguments:
            raise fail(setting.key, f"missing: {setting.doc}")
    for key in sorted(SECRET_REFERENCE_KEYS & set(arguments)):
        if isinstance(arguments[key], str):
            _check_reference(arguments[key], key, secret_schemes, fail)
    rotation = arguments.get("rotation")
    if rotation is not None:
        for text in rotation.fallback_secrets:
            _check_reference(text, "rotation.fallback_secrets", secret_schemes, fail)
    cache_policy = arguments.get("cache")
    if cache_policy is not None and cache_policy.backend not in cache_backends:
        raise fail("cache.backend", _unknown_backend(cache_policy.backend, cache_backends))
    if cache_policy is not None and check_cache_settings is not None:
        # The backend's own keys, checked against what its plugin declared, before any token.
        checked = check_cache_settings(
            cache_policy.backend,
            cache_policy.settings,
            f"clients.{name}.cache",
            lambda key: locate(key.removeprefix(f"clients.{name}.")),
        )
        arguments["cache"] = dataclasses.replace(cache_policy, settings=checked)
    try:
        return ClientConfig(**arguments)
    except (ConfigError, InsecureTransportError) as exc:
        # ClientConfig's own checks name the key first ("scopes: ...", "cache.renew_fraction: ...").
        key, _, message = str(exc).partition(": ")
        raise fail(key, message) from None


def build_telemetry(table: Mapping[str, Any], *, locate: Locate) -> TelemetryConfig:
    """Validate the `[telemetry]` table and build its `TelemetryConfig` (the same checks as a client's)."""
    settings = _settings_of(TelemetryConfig, "")

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{locate(key)}: telemetry.{key}: {message}")

    arguments: dict[str, Any] = {}
    for key, value in table.items():
        setting = settings.get(key)
        if setting is None:
            raise fail(key, _unknown_key(key, list(settings)))
        arguments[key] = _checked(setting, value, fail)
    return TelemetryConfig(**arguments)


def _checked(setting: Setting, value: object, fail: Callable[[str, str], ConfigError]) -> object:
    if setting.type.accepts(value):
        return tuple(value) if isinstance(value, list) else value
    if setting.is_secret_reference:
        # Never echo what was given here: a mistake may be the secret itself.
        what = "a list of secret references" if setting.type is STRING_LIST else "a secret reference"
        raise fail(setting.key, f"expected {what} such as 'env:NAME', got {_kind_of(value)}")
    hint = f'; write ["{value}"]' if setting.type is STRING_LIST and isinstance(value, str) else ""
    raise fail(setting.key, f"expected {setting.type.expected}, got {_shown(value)}{hint}")


def _kind_of(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "a table"
    return f"a {type(value).__name__}"


def _build_policy(table: PolicyTable, value: object, fail: Callable[[str, str], ConfigError]) -> object:
    if not isinstance(value, Mapping):
        raise fail(table.name, f"expected a table ([clients.<name>.{table.name}]), got {_shown(value)}")
    arguments: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, item in value.items():
        setting = table.settings.get(key)
        if setting is not None:
            arguments[key] = _checked(setting, item, fail)
            continue
        import difflib  # here: only a key outside the schema needs it

        close = difflib.get_close_matches(key, list(table.settings), n=1, cutoff=0.8)
        if table.open and not close:
            extra[key] = item
            continue
        hint = f" (other keys of [{table.name}] go to the backend plugin)" if table.open else ""
        raise fail(f"{table.name}.{key}", _unknown_key(key, list(table.settings), hint=hint))
    if table.open:
        arguments[_OPEN_TABLE_FIELD] = extra
    try:
        return table.policy(**arguments)
    except ConfigError as exc:
        key, _, message = str(exc).partition(": ")
        raise fail(key, message) from None


def _installed(schemes: frozenset[str]) -> str:
    return ", ".join(sorted(schemes)) or "none"


def _check_reference(
    text: str, key: str, schemes: frozenset[str], fail: Callable[[str, str], ConfigError]
) -> None:
    """Refuse a literal secret or a reference no installed plugin serves, without echoing it."""
    move_it = (
        "credflow reads the secret when it needs a token, so the configuration only names where it is: "
        "put it in an environment variable and write 'env:VARIABLE_NAME', or in a file and write "
        "'file:/path/to/file'"
    )
    if not looks_like_reference(text):
        raise fail(key, f"expected a secret reference, not a literal secret; {move_it}")
    scheme = text.split(":", 1)[0]
    if scheme not in schemes:
        package = KNOWN_SCHEME_PACKAGES.get(scheme)
        if package is not None:
            raise fail(
                key,
                f"no installed plugin serves '{scheme}:' references; install it with "
                f"pip install '{package}' (installed schemes: {_installed(schemes)})",
            )
        # The scheme may be the start of a literal secret: do not name it.
        raise fail(
            key,
            "the value is not a reference to an installed secret source (installed schemes: "
            f"{_installed(schemes)}; {first_party_schemes()}). If it is the secret itself: {move_it}",
        )
    try:
        SecretReference.parse(text, config_key=key)
    except ConfigError as exc:
        # The parser's messages never echo the reference: keep what it found.
        detail = str(exc).partition(": ")[2]
        raise fail(
            key, f"malformed '{scheme}:' secret reference (scheme:body[#key][?param=value]): {detail}"
        ) from None


def _unknown_backend(backend: str, backends: frozenset[str]) -> str:
    package = KNOWN_CACHE_PACKAGES.get(backend)
    install = f"; install it with pip install '{package}'" if package else ""
    return (
        f"no installed plugin provides the token cache backend '{backend}' "
        f"(installed: {_installed(backends)}){install}"
    )
