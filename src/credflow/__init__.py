"""credflow: OAuth2 client-credentials tokens, the client secret read at token time."""

from __future__ import annotations

import logging as _logging
from typing import TYPE_CHECKING, Any

from .clock import Clock, SystemClock
from .config._client import CachePolicy, ClientConfig, RotationPolicy
from .config._file import CredflowConfig, load_config
from .engine._cache import MemoryTokenCache
from .engine._engine import TokenEngine
from .errors import (
    ApiError,
    ConfigError,
    CredentialsRejectedError,
    CredflowError,
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
from .hookspecs import hookimpl
from .http_auth import HttpxAuth, RequestsAuth
from .plugins._host import PluginHost, default_plugin_host
from .secret._reference import SecretReference
from .secret._value import SecretValue, fingerprint
from .token import Token
from .transport._retry import RetryPolicy

if TYPE_CHECKING:  # the names that moved keep their types for code importing them from here
    from .clock import ManualClock as ManualClock
    from .engine._cache import CacheContext as CacheContext
    from .engine._cache import CacheScope as CacheScope
    from .engine._cache import TokenCacheBackend as TokenCacheBackend
    from .engine._cache import TokenCacheFactory as TokenCacheFactory
    from .hookspecs import RegisterSecretSource as RegisterSecretSource
    from .hookspecs import RegisterTokenCache as RegisterTokenCache
    from .secret._cache import SecretCache as SecretCache
    from .secret._source import AsyncSecretSource as AsyncSecretSource
    from .secret._source import RotatingSecretSource as RotatingSecretSource
    from .secret._source import SecretSource as SecretSource
    from .secret._source import SecretSourceFactory as SecretSourceFactory
    from .secret._source import SourceContext as SourceContext
    from .transport._retry import set_testing as set_testing

__version__ = "0.1.0"

# What an application needs: configure, get tokens, attach them, handle errors.
# Plugin authors import from `credflow.plugin`, tests from `credflow.testing`;
# tests/core/test_public_names.py pins this list.
__all__ = [
    "ApiError",
    "CachePolicy",
    "ClientConfig",
    "Clock",
    "ConfigError",
    "CredentialsRejectedError",
    "CredflowConfig",
    "CredflowError",
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
    "SystemClock",
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

# Names that left `__all__` for `credflow.plugin` or `credflow.testing` in 0.2.0 and are
# still importable from here, so code written against 0.1 keeps working (see CHANGELOG).
_MOVED = {
    "AsyncSecretSource": "credflow.plugin",
    "CacheContext": "credflow.plugin",
    "CacheScope": "credflow.plugin",
    "RegisterSecretSource": "credflow.plugin",
    "RegisterTokenCache": "credflow.plugin",
    "RotatingSecretSource": "credflow.plugin",
    "SecretCache": "credflow.plugin",
    "SecretSource": "credflow.plugin",
    "SecretSourceFactory": "credflow.plugin",
    "SourceContext": "credflow.plugin",
    "TokenCacheBackend": "credflow.plugin",
    "TokenCacheFactory": "credflow.plugin",
    "ManualClock": "credflow.testing",
    "set_testing": "credflow.testing",
}


def __getattr__(name: str) -> Any:
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


# A library never configures logging; this only keeps Python's last-resort
# handler from printing audit warnings when the application configured none.
_logging.getLogger("credflow").addHandler(_logging.NullHandler())
