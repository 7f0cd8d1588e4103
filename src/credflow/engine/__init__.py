"""6. The token cache and single flight: `TokenEngine`, and the acquisition it runs.

`_engine` holds `TokenEngine`: the current token (the hot path reads only that), renewal ahead of
expiry and one flight at a time; `_acquisition` is the sans-I/O flow of one acquisition (secret,
request, rotation, shared cache) yielding typed effects; `_effects` performs them, sync or async;
`_cache` holds the token cache backends and the cache key; `_rotation` the rotation state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from ._cache import MemoryTokenCache as MemoryTokenCache
    from ._cache import cache_key as cache_key
    from ._cache import renewal_times as renewal_times
    from ._engine import TokenEngine as TokenEngine

__all__ = ["MemoryTokenCache", "TokenEngine", "cache_key", "renewal_times"]

# Loaded on first use, so that importing one module of this package never drags in the rest
# (and no import cycle runs through this file).
_MODULE_OF = {
    "TokenEngine": "._engine",
    "MemoryTokenCache": "._cache",
    "cache_key": "._cache",
    "renewal_times": "._cache",
}

__getattr__, __dir__ = lazy_exports(__name__, _MODULE_OF, __all__)
