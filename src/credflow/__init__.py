"""credflow: OAuth2 client-credentials tokens, the client secret read at token time."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clock import Clock, SystemClock
    from .clock import ManualClock as ManualClock
    from .config._client import CachePolicy, ClientConfig, RotationPolicy, SinkPolicy
    from .config._file import CredflowConfig, load_config
    from .config._telemetry import TelemetryConfig

    # Names that left `__all__` in 0.2.0 (now in `credflow.plugin`, `credflow.testing`) keep their types.
    from .engine._cache import CacheContext as CacheContext
    from .engine._cache import CacheScope as CacheScope
    from .engine._cache import MemoryTokenCache
    from .engine._cache import TokenCacheBackend as TokenCacheBackend
    from .engine._cache import TokenCacheFactory as TokenCacheFactory
    from .engine._engine import TokenEngine
    from .errors import (
        AgentError,
        ApiError,
        ConfigError,
        CredentialsRejectedError,
        CredflowError,
        ExcessScopesError,
        InsecureTransportError,
        OAuthError,
        PluginError,
        RetriesExhaustedError,
        SecretAccessDeniedError,
        SecretNotFoundError,
        SecretSourceError,
        SecretSourceUnavailableError,
        TokenEndpointError,
        TokenResponseError,
        UnknownSecretSchemeError,
    )
    from .hookspecs import RegisterSecretSource as RegisterSecretSource
    from .hookspecs import RegisterTokenCache as RegisterTokenCache
    from .hookspecs import hookimpl
    from .http_auth import HttpxAuth, RequestsAuth
    from .plugins._host import PluginHost, default_plugin_host
    from .secret._cache import SecretCache as SecretCache
    from .secret._reference import SecretReference
    from .secret._source import AsyncSecretSource as AsyncSecretSource
    from .secret._source import RotatingSecretSource as RotatingSecretSource
    from .secret._source import SecretSource as SecretSource
    from .secret._source import SecretSourceFactory as SecretSourceFactory
    from .secret._source import SourceContext as SourceContext
    from .secret._value import SecretValue, fingerprint
    from .token import Token
    from .transport._retry import RetryPolicy
    from .transport._retry import set_testing as set_testing

# Where each public name lives; `__getattr__` imports it on first use, so `credflow --version`
# and a cached `credflow token` load only the modules they need (httpx only to talk HTTP).
_LAZY: dict[str, str] = {
    "AgentError": "errors",
    "ApiError": "errors",
    "AsyncSecretSource": "secret._source",
    "CacheContext": "engine._cache",
    "CachePolicy": "config._client",
    "CacheScope": "engine._cache",
    "ClientConfig": "config._client",
    "Clock": "clock",
    "ConfigError": "errors",
    "CredentialsRejectedError": "errors",
    "CredflowConfig": "config._file",
    "CredflowError": "errors",
    "ExcessScopesError": "errors",
    "HttpxAuth": "http_auth",
    "InsecureTransportError": "errors",
    "ManualClock": "clock",
    "MemoryTokenCache": "engine._cache",
    "OAuthError": "errors",
    "PluginError": "errors",
    "PluginHost": "plugins._host",
    "RegisterSecretSource": "hookspecs",
    "RegisterTokenCache": "hookspecs",
    "RequestsAuth": "http_auth",
    "RetriesExhaustedError": "errors",
    "RetryPolicy": "transport._retry",
    "RotatingSecretSource": "secret._source",
    "RotationPolicy": "config._client",
    "SecretAccessDeniedError": "errors",
    "SecretCache": "secret._cache",
    "SecretNotFoundError": "errors",
    "SecretReference": "secret._reference",
    "SecretSource": "secret._source",
    "SecretSourceError": "errors",
    "SecretSourceFactory": "secret._source",
    "SecretSourceUnavailableError": "errors",
    "SecretValue": "secret._value",
    "SinkPolicy": "config._client",
    "SourceContext": "secret._source",
    "SystemClock": "clock",
    "TelemetryConfig": "config._telemetry",
    "Token": "token",
    "TokenCacheBackend": "engine._cache",
    "TokenCacheFactory": "engine._cache",
    "TokenEndpointError": "errors",
    "TokenEngine": "engine._engine",
    "TokenResponseError": "errors",
    "UnknownSecretSchemeError": "errors",
    "default_plugin_host": "plugins._host",
    "fingerprint": "secret._value",
    "hookimpl": "hookspecs",
    "load_config": "config._file",
    "set_testing": "transport._retry",
}

__version__ = "0.1.0"

# What an application needs: configure, get tokens, attach them, handle errors.
# Plugin authors import from `credflow.plugin`, tests from `credflow.testing`;
# tests/core/test_plugin_surface.py pins this list. The names that left it in 0.2.0
# (the plugin contract, `ManualClock`, `set_testing`) stay importable through `_LAZY`.
__all__ = [
    "AgentError",
    "ApiError",
    "CachePolicy",
    "ClientConfig",
    "Clock",
    "ConfigError",
    "CredentialsRejectedError",
    "CredflowConfig",
    "CredflowError",
    "ExcessScopesError",
    "HttpxAuth",
    "InsecureTransportError",
    "MemoryTokenCache",
    "OAuthError",
    "PluginError",
    "PluginHost",
    "RequestsAuth",
    "RetriesExhaustedError",
    "RetryPolicy",
    "RotationPolicy",
    "SecretAccessDeniedError",
    "SecretNotFoundError",
    "SecretReference",
    "SecretSourceError",
    "SecretSourceUnavailableError",
    "SecretValue",
    "SinkPolicy",
    "SystemClock",
    "TelemetryConfig",
    "Token",
    "TokenEndpointError",
    "TokenEngine",
    "TokenResponseError",
    "UnknownSecretSchemeError",
    "__version__",
    "default_plugin_host",
    "fingerprint",
    "hookimpl",
    "load_config",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'credflow' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


import logging as _logging  # noqa: E402 - after the names, as the last step of importing credflow

# A library never configures logging; this only keeps Python's last-resort
# handler from printing audit warnings when the application configured none.
_logging.getLogger("credflow").addHandler(_logging.NullHandler())
