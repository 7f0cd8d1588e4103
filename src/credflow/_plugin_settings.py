"""A plugin's settings, declared once: checked when the configuration loads, documented from the same rows.

A plugin hands a `SettingsTable` to its `register(...)` call; the core checks
`[sources.<scheme>]` (or a backend's keys of `[clients.<name>.cache]`) against
it when the configuration loads, before any token is requested, and the
configuration reference is generated from it. Declaring imports no SDK.

Each error reads `<table>.<key>: expected …, got …` (with a did-you-mean for an
unknown key); the loader puts the file or variable in front. A value declared
a secret reference is never echoed: a mistake there may be the secret itself.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .errors import ConfigError
from .reference import looks_like_reference
from .validation import MAX_SECONDS, check_integer, check_seconds

__all__ = [
    "SettingSpec",
    "SettingsTable",
    "boolean",
    "check_settings",
    "choice",
    "integer",
    "seconds",
    "secret_cache_settings",
    "string",
    "strings",
    "table",
    "tables",
]

_KINDS = ("string", "strings", "boolean", "integer", "seconds", "choice", "table", "tables")


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """One key of a plugin's settings table.

    `kind` is one of "string", "strings" (a list of them), "boolean", "integer", "seconds", "choice" (one
    of `choices`), "table" (a sub-table of `fields`) or "tables" (a table of
    named sub-tables, each of `fields`, such as Vault's `mounts`). `default`
    is filled in when the key is absent (`None`: unset). `secret_reference`
    marks a string that must be a secret reference (never echoed). `strip`
    keeps surrounding blanks out of a string; `empty_ok` allows `""`.
    """

    name: str
    kind: str
    default: object = None
    help: str = ""
    secret_reference: bool = False
    required: bool = False
    positive: bool = False  # "seconds": zero is refused too
    minimum: int = 0  # "integer"
    maximum: int = 1 << 31  # "integer"
    choices: tuple[str, ...] = ()  # "choice"
    fields: tuple[SettingSpec, ...] = ()  # "table", "tables"
    hint: str = ""  # an example shown with a type error, such as `{ method = "approle" }`

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"setting {self.name!r}: kind {self.kind!r} is not one of {', '.join(_KINDS)}")

    @property
    def type_name(self) -> str:
        """The type as the configuration reference shows it."""
        if self.secret_reference:
            return "secret reference"
        if self.kind == "choice":
            return " | ".join(f'"{choice}"' for choice in self.choices)
        if self.kind == "seconds":
            return "number (seconds)"
        if self.kind == "tables":
            return "table of tables"
        if self.kind == "strings":
            return "list of strings"
        return self.kind


Check = Callable[[Mapping[str, Any]], None]


@dataclass(frozen=True, slots=True)
class SettingsTable:
    """Every key of one plugin table, and the rules that span several keys.

    `check(values)` receives the checked values, defaults filled in, and
    raises `ConfigError("<key>: <what to fix>")` for a rule no single key can
    state (two keys that exclude each other, a key required by another).
    """

    fields: tuple[SettingSpec, ...]
    help: str = ""
    check: Check | None = None
    by_name: Mapping[str, SettingSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", MappingProxyType({spec.name: spec for spec in self.fields}))


def _unknown(key: str, known: Mapping[str, SettingSpec]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    suggestion = f"; did you mean '{close[0]}'?" if close else f" (known keys: {', '.join(sorted(known))})"
    return f"unknown key{suggestion}"


def _shown(value: object) -> str:
    # Numbers and booleans as written; a string only by its kind: a misplaced string may be a secret.
    if isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list"
    return "a string" if isinstance(value, str) else f"a {type(value).__name__}"


def _fields(
    specs: tuple[SettingSpec, ...], table: object, where: str, *, absent: bool = False
) -> dict[str, Any]:
    known = {spec.name: spec for spec in specs}
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: expected a table, got {_shown(table)}")
    for key in table:
        if key not in known:
            raise ConfigError(f"{where}.{key}: {_unknown(str(key), known)}")
    values: dict[str, Any] = {}
    for spec in specs:
        key = f"{where}.{spec.name}"
        if table.get(spec.name) is None:  # TOML has no null: None is a default filled in by a check
            if spec.required and not absent:  # a key required inside a table that is not there at all
                raise ConfigError(f"{key}: missing; {spec.help}".rstrip("; "))
            values[spec.name] = (
                MappingProxyType(_fields(spec.fields, {}, key, absent=True))
                if spec.kind == "table"
                else spec.default
            )
            continue
        values[spec.name] = _value(spec, table[spec.name], key)
    return values


def _value(spec: SettingSpec, value: object, key: str) -> Any:
    kind = spec.kind
    if kind == "string":
        if not isinstance(value, str) or not value.strip():
            if spec.secret_reference:
                raise ConfigError(
                    f"{key}: expected a secret reference such as 'env:NAME', got {_shown(value)}"
                )
            raise ConfigError(f"{key}: expected a non-empty string, got {_shown(value)}")
        text = value.strip()
        if spec.secret_reference and not looks_like_reference(text):
            raise ConfigError(
                f"{key}: expected a secret reference such as 'env:NAME' or 'file:/run/secrets/name', "
                "not a literal value"
            )
        return text
    if kind == "strings":
        if not isinstance(value, list | tuple) or not all(isinstance(item, str) and item for item in value):
            raise ConfigError(f"{key}: expected a list of non-empty strings, got {_shown(value)}")
        return tuple(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: expected true or false, got {_shown(value)}")
        return value
    if kind == "integer":
        return check_integer(value, key, minimum=spec.minimum, maximum=spec.maximum)
    if kind == "seconds":
        return check_seconds(value, key, positive=spec.positive, maximum=MAX_SECONDS)
    if kind == "choice":
        if value not in spec.choices:
            options = ", ".join(f"'{choice}'" for choice in spec.choices)
            raise ConfigError(f"{key}: expected one of {options}, got {_shown(value)}")
        return value
    if kind == "table":
        if not isinstance(value, Mapping):
            raise ConfigError(
                f"{key}: expected a table such as {spec.hint or '{ ... }'}, got {_shown(value)}"
            )
        return MappingProxyType(_fields(spec.fields, value, key))
    # "tables": free names, each a table of `fields`.
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"{key}: expected a table such as {spec.hint or '{ name = { ... } }'}, got {_shown(value)}"
        )
    return MappingProxyType(
        {
            str(name): MappingProxyType(_fields(spec.fields, item, f"{key}.{name}"))
            for name, item in value.items()
        }
    )


def check_settings(declared: SettingsTable, table: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    """Check `table` against `declared`; the values with defaults filled in, or `ConfigError`.

    `where` is the table's path ("sources.vault", "clients.billing.cache");
    every message starts with `<where>.<key>: `.
    """
    values = _fields(declared.fields, table, where)
    if declared.check is not None:
        try:
            declared.check(MappingProxyType(values))
        except ConfigError as exc:
            raise ConfigError(f"{where}.{exc}") from None
    return MappingProxyType(values)


# --- the declarations, one function per kind ---------------------------------------


def string(
    name: str,
    *,
    help: str,
    default: str | None = None,
    required: bool = False,
    secret_reference: bool = False,
) -> SettingSpec:
    """A non-empty string, blanks around it dropped; with `secret_reference`, a reference (`env:NAME`)."""
    return SettingSpec(name, "string", default, help, secret_reference=secret_reference, required=required)


def strings(name: str, *, help: str) -> SettingSpec:
    """A list of non-empty strings (absent: unset)."""
    return SettingSpec(name, "strings", None, help)


def boolean(name: str, *, help: str, default: bool = False) -> SettingSpec:
    """`true` or `false`."""
    return SettingSpec(name, "boolean", default, help)


def integer(name: str, *, help: str, default: int | None, minimum: int, maximum: int) -> SettingSpec:
    """A whole number from `minimum` to `maximum`."""
    return SettingSpec(name, "integer", default, help, minimum=minimum, maximum=maximum)


def seconds(name: str, *, help: str, default: float | None, positive: bool = False) -> SettingSpec:
    """A finite, non-negative number of seconds (positive with `positive`), at most ten years."""
    return SettingSpec(name, "seconds", default, help, positive=positive)


def choice(name: str, options: tuple[str, ...], *, help: str, default: str | None = None) -> SettingSpec:
    """One of `options`."""
    return SettingSpec(name, "choice", default, help, choices=options)


def table(name: str, fields: tuple[SettingSpec, ...], *, help: str, hint: str = "") -> SettingSpec:
    """A sub-table of declared keys; absent, its keys take their defaults."""
    return SettingSpec(name, "table", None, help, fields=fields, hint=hint)


def tables(name: str, fields: tuple[SettingSpec, ...], *, help: str, hint: str = "") -> SettingSpec:
    """A table of named sub-tables, each of the declared keys (absent: empty)."""
    return SettingSpec(name, "tables", MappingProxyType({}), help, fields=fields, hint=hint)


def secret_cache_settings(*, ttl: float = 300.0, stale_if_error: float = 900.0) -> tuple[SettingSpec, ...]:
    """`cache_ttl` and `stale_if_error`: the two settings `SecretCache.from_settings` reads."""
    return (
        seconds(
            "cache_ttl",
            default=ttl,
            help="Seconds a secret is served from memory before the backend is read again.",
        ),
        seconds(
            "stale_if_error",
            default=stale_if_error,
            help="Seconds past `cache_ttl` the last value may be served while the backend is unavailable.",
        ),
    )
