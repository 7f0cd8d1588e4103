"""Writing a `ClientConfig` back as a table, and plugin settings with what looks secret redacted."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..plugins._install_hints import KNOWN_SCHEME_PACKAGES
from ..secret._reference import looks_like_reference
from ._client import ClientConfig
from ._schema import _OPEN_TABLE_FIELD, client_schema

__all__ = ["REDACTED", "client_table", "redact_settings"]

# --- ClientConfig -> table ----------------------------------------------------


def client_table(config: ClientConfig, schemes: frozenset[str] | None = None) -> dict[str, Any]:
    """The effective settings of a client as a TOML-shaped table.

    Secret references stay references; backend settings are redacted where
    they look like secrets (`schemes` as in `redact_settings`). Unset
    optional values are `None`.
    """
    schema = client_schema()
    table: dict[str, Any] = {}
    for setting in schema.settings.values():
        table[setting.name] = _plain(getattr(config, setting.name))
    for name, policy_table in schema.tables.items():
        policy = getattr(config, name)
        sub = {
            setting.name: _plain(getattr(policy, setting.name)) for setting in policy_table.settings.values()
        }
        if policy_table.open:
            sub.update(redact_settings(getattr(policy, _OPEN_TABLE_FIELD), schemes))
        table[name] = sub
    return table


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


_SECRET_LOOKING_KEY = re.compile(
    r"(password|passwd|secret|token|credential|passphrase|api_?key|private_?key|sas|connection_string)",
    re.IGNORECASE,
)
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^/@:\s]*:)(?P<password>[^/@\s]+)(?=@)", re.I)
REDACTED = "<redacted>"
_REFERENCE_SCHEMES = frozenset({"env", "file", *KNOWN_SCHEME_PACKAGES})


def redact_settings(settings: Mapping[str, Any], schemes: frozenset[str] | None = None) -> dict[str, Any]:
    """Plugin settings safe to show: secret-looking literals and URL passwords replaced.

    A value that is a secret reference (`env:…`, `file:…`) is shown as it is;
    a literal under a key that looks secret (`password`, `token`, `secret_id`…)
    is replaced, and so is the password part of any URL. `schemes` are the
    reference schemes to recognise (default: the built-in and first-party ones).
    """
    schemes = _REFERENCE_SCHEMES if schemes is None else schemes
    shown: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, Mapping) and _SECRET_LOOKING_KEY.search(key):
            # Everything under a secret-looking table ([sources.x.secrets]) is secret.
            shown[key] = {name: _redacted_leaf(item, schemes) for name, item in value.items()}
        elif isinstance(value, Mapping):
            shown[key] = redact_settings(value, schemes)
        elif isinstance(value, str):
            if _SECRET_LOOKING_KEY.search(key) and not looks_like_reference(value, schemes):
                shown[key] = REDACTED
            else:
                shown[key] = _URL_PASSWORD.sub(lambda match: match["head"] + REDACTED, value)
        elif isinstance(value, list | tuple):
            shown[key] = [
                REDACTED if isinstance(item, str) and _SECRET_LOOKING_KEY.search(key) else item
                for item in value
            ]
        else:
            shown[key] = value
    return shown


def _redacted_leaf(value: object, schemes: frozenset[str]) -> object:
    if isinstance(value, str) and looks_like_reference(value, schemes):
        return value
    if isinstance(value, Mapping):
        return {name: _redacted_leaf(item, schemes) for name, item in value.items()}
    return REDACTED
