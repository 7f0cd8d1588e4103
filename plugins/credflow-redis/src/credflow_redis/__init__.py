"""credflow-redis: a token cache shared across replicas through Redis or Valkey.

Select it per client with `[clients.<name>.cache] backend = "redis"` and
`url = "env:REDIS_URL"`. Importing this package imports neither redis nor
cryptography; building a backend does.
"""

from __future__ import annotations

from .plugin import redis_cache_factory
from .settings import RedisSettings, SentinelSettings, TlsSettings, parse_settings

__version__ = "0.1.0"

__all__ = [
    "RedisSettings",
    "SentinelSettings",
    "TlsSettings",
    "__version__",
    "parse_settings",
    "redis_cache_factory",
]
