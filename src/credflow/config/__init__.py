"""1. Configuration: a client's settings, the file and environment they come from, and their checks.

`_client` holds `ClientConfig` and its policies (the schema is their dataclass fields), `_file`
loads `credflow.toml`, `_schema` reads the schema off the dataclasses, `_build` checks a TOML table
against it, `_show` writes a client back (redacted), `_toml` writes TOML values, `_checks` holds
the number checks shared with plugins, `_plugin_settings` the plugins' declared settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from ._client import AUTH_METHODS as AUTH_METHODS
    from ._client import CachePolicy as CachePolicy
    from ._client import ClientConfig as ClientConfig
    from ._client import RotationPolicy as RotationPolicy
    from ._file import CONFIG_ENV as CONFIG_ENV
    from ._file import DEFAULT_CONFIG_PATH as DEFAULT_CONFIG_PATH
    from ._file import CredflowConfig as CredflowConfig
    from ._file import load_config as load_config

__all__ = [
    "AUTH_METHODS",
    "CONFIG_ENV",
    "DEFAULT_CONFIG_PATH",
    "CachePolicy",
    "ClientConfig",
    "CredflowConfig",
    "RotationPolicy",
    "load_config",
]

# Loaded on first use, so that importing one module of this package never drags in the rest
# (and no import cycle runs through this file).
_MODULE_OF = {
    "AUTH_METHODS": "._client",
    "CachePolicy": "._client",
    "ClientConfig": "._client",
    "RotationPolicy": "._client",
    "CONFIG_ENV": "._file",
    "DEFAULT_CONFIG_PATH": "._file",
    "CredflowConfig": "._file",
    "load_config": "._file",
}

__getattr__, __dir__ = lazy_exports(__name__, _MODULE_OF, __all__)
