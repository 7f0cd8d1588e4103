"""The plugin host: loading plugins, what they register, resolving references through them, audit.

`_host` holds `PluginHost` (loading, the registry, the typed facade the engine calls),
`_install_hints` the one table of which extra serves which scheme or backend, `_audit_log` the
built-in plugin that writes audit events to the `credflow.audit` logger."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

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

__getattr__, __dir__ = lazy_exports(__name__, _MODULE_OF, __all__)
