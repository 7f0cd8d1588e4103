"""5. Transport and retry: sending the pure protocol's requests over HTTP, retried.

`_http` holds `TokenTransport` (one pooled `httpx.Client`, and one `httpx.AsyncClient` per event
loop); `_retry` is the only module that imports tenacity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from ._http import TokenTransport as TokenTransport
    from ._retry import RetryPolicy as RetryPolicy
    from ._retry import set_testing as set_testing

__all__ = ["RetryPolicy", "TokenTransport", "set_testing"]

# Loaded on first use, so that importing one module of this package never drags in the rest
# (and no import cycle runs through this file).
_MODULE_OF = {
    "RetryPolicy": "._retry",
    "set_testing": "._retry",
    "TokenTransport": "._http",
}

__getattr__, __dir__ = lazy_exports(__name__, _MODULE_OF, __all__)
