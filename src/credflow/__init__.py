"""credflow: OAuth2 client-credentials tokens, the client secret read at token time."""

from __future__ import annotations

import logging as _logging
from typing import TYPE_CHECKING, Any

from .auth import HttpxAuth, RequestsAuth
from .cache import MemoryTokenCache
from .clock import Clock, SystemClock
from .config import CachePolicy, ClientConfig, RotationPolicy
from .config_file import CredflowConfig, load_config
from .engine import TokenEngine
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
from .plugins import PluginHost, default_plugin_host
from .reference import SecretReference
from .retry import RetryPolicy
from .secret import SecretValue, fingerprint
from .token import Token

if TYPE_CHECKING:  # the names that moved keep their types for code importing them from here
    from .cache import CacheContext as CacheContext
    from .cache import CacheScope as CacheScope
    from .cache import TokenCacheBackend as TokenCacheBackend
    from .cache import TokenCacheFactory as TokenCacheFactory
    from .clock import ManualClock as ManualClock
    from .hookspecs import RegisterSecretSource as RegisterSecretSource
    from .hookspecs import RegisterTokenCache as RegisterTokenCache
    from .retry import set_testing as set_testing
    from .secret_cache import SecretCache as SecretCache
    from .source import AsyncSecretSource as AsyncSecretSource
    from .source import RotatingSecretSource as RotatingSecretSource
    from .source import SecretSource as SecretSource
    from .source import SecretSourceFactory as SecretSourceFactory
    from .source import SourceContext as SourceContext

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
    "ManualClock": "credflow.clock",
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
