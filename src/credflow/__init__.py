"""credflow: OAuth2 client-credentials tokens, the client secret read at token time."""

from __future__ import annotations

from .auth import HttpxAuth, RequestsAuth
from .cache import CacheContext, CacheScope, MemoryTokenCache, TokenCacheBackend, TokenCacheFactory
from .clock import Clock, ManualClock, SystemClock
from .config import CachePolicy, ClientConfig, RotationPolicy
from .config_file import CredflowConfig, load_config
from .engine import TokenEngine
from .errors import (
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
from .hookspecs import RegisterSecretSource, RegisterTokenCache, hookimpl
from .plugins import PluginHost, default_plugin_host
from .reference import SecretReference
from .retry import RetryPolicy, set_testing
from .secret import SecretValue, fingerprint
from .secret_cache import SecretCache
from .source import (
    AsyncSecretSource,
    RotatingSecretSource,
    SecretSource,
    SecretSourceFactory,
    SourceContext,
)
from .token import Token

__version__ = "0.1.0"

__all__ = [
    "ApiError",
    "AsyncSecretSource",
    "CacheContext",
    "CachePolicy",
    "CacheScope",
    "ClientConfig",
    "Clock",
    "ConfigError",
    "CredentialsRejectedError",
    "CredflowConfig",
    "CredflowError",
    "ExcessScopesError",
    "HttpxAuth",
    "InsecureTransportError",
    "ManualClock",
    "MemoryTokenCache",
    "OAuthError",
    "PluginError",
    "PluginHost",
    "RegisterSecretSource",
    "RegisterTokenCache",
    "RequestsAuth",
    "RetriesExhaustedError",
    "RetryPolicy",
    "RotatingSecretSource",
    "RotationPolicy",
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
    "SystemClock",
    "Token",
    "TokenCacheBackend",
    "TokenCacheFactory",
    "TokenEndpointError",
    "TokenEngine",
    "TokenResponseError",
    "UnknownSecretSchemeError",
    "__version__",
    "default_plugin_host",
    "fingerprint",
    "hookimpl",
    "load_config",
    "set_testing",
]

import logging as _logging

# A library never configures logging; this only keeps Python's last-resort
# handler from printing audit warnings when the application configured none.
_logging.getLogger("credflow").addHandler(_logging.NullHandler())
