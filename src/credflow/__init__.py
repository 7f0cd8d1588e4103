"""credflow: OAuth2 client-credentials tokens, the client secret read at token time."""

from __future__ import annotations

from .cache import CacheContext, CacheScope, MemoryTokenCache, TokenCacheBackend, TokenCacheFactory
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
from .hookspecs import RegisterSecretSource, RegisterTokenCache, hookimpl
from .plugins import PluginHost, default_plugin_host
from .reference import SecretReference
from .secret import SecretValue, fingerprint
from .secret_cache import SecretCache
from .source import AsyncSecretSource, RotatingSecretSource, SecretSource, SecretSourceFactory, SourceContext
from .token import Token

__version__ = "0.1.0"

__all__ = [
    "ApiError",
    "AsyncSecretSource",
    "CacheContext",
    "CacheScope",
    "ConfigError",
    "CredentialsRejectedError",
    "CredflowError",
    "InsecureTransportError",
    "MemoryTokenCache",
    "OAuthError",
    "PluginError",
    "PluginHost",
    "RegisterSecretSource",
    "RegisterTokenCache",
    "RetriesExhaustedError",
    "RotatingSecretSource",
    "SecretAccessDeniedError",
    "SecretCache",
    "SecretNotFoundError",
    "SecretReference",
    "SecretSource",
    "SecretSourceError",
    "SecretSourceFactory",
    "SecretSourceUnavailableError",
    "SecretValue",
    "SourceContext",
    "Token",
    "TokenCacheBackend",
    "TokenCacheFactory",
    "TokenEndpointError",
    "TokenResponseError",
    "UnknownSecretSchemeError",
    "__version__",
    "default_plugin_host",
    "fingerprint",
    "hookimpl",
]

import logging as _logging

# A library never configures logging; this only keeps Python's last-resort
# handler from printing audit warnings when the application configured none.
_logging.getLogger("credflow").addHandler(_logging.NullHandler())
