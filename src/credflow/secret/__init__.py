"""2. Secret references and 3. the sources that read them.

`_reference` parses `scheme:body#key?params`, `_value` holds `SecretValue` (never shown), `_source`
is the contract a source plugin implements, `_select` picks the `#key` of a JSON secret,
`_cache` is the per-reference cache with stale-if-error, `_bounded_reads` bounds a read in time;
`env` and `file` are the built-in sources, registered through the same hooks as any plugin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from ._reference import SecretReference as SecretReference
    from ._reference import looks_like_reference as looks_like_reference
    from ._value import SecretValue as SecretValue
    from ._value import fingerprint as fingerprint

__all__ = ["SecretReference", "SecretValue", "fingerprint", "looks_like_reference"]

# Loaded on first use, so that importing one module of this package never drags in the rest
# (and no import cycle runs through this file).
_MODULE_OF = {
    "SecretValue": "._value",
    "fingerprint": "._value",
    "SecretReference": "._reference",
    "looks_like_reference": "._reference",
}

__getattr__, __dir__ = lazy_exports(__name__, _MODULE_OF, __all__)
