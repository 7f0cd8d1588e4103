"""The plugin host: loading plugins, what they register, resolving references through them, audit.

`_host` holds `PluginHost` (loading, the registry, the typed facade the engine calls),
`_install_hints` the one table of which extra serves which scheme or backend, `_audit_log` the
built-in plugin that writes audit events to the `credflow.audit` logger."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._host import PluginHost as PluginHost
    from ._host import Registration as Registration
    from ._host import default_plugin_host as default_plugin_host

__all__ = ["PluginHost", "Registration", "default_plugin_host"]

# Loaded on first use, so that importing one module of this package never drags in the rest
# (and no import cycle runs through this file).
_MODULE_OF = {
    "PluginHost": "._host",
    "Registration": "._host",
    "default_plugin_host": "._host",
}


def __getattr__(name: str) -> Any:
    try:
        module = _MODULE_OF[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return getattr(importlib.import_module(module, __name__), name)


def __dir__() -> list[str]:
    return sorted(__all__)
