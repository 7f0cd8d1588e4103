"""The configuration schema, read off the dataclass fields: what a `[clients.<name>]` table may hold.

There is one schema and it is not written down here: it is read from the
dataclass fields of `ClientConfig`, `RetryPolicy`, `CachePolicy` and
`RotationPolicy` (the annotation gives the TOML type, the default the
default, `metadata["doc"]` the documentation). `_build` checks a TOML table
against it, `_show` writes a client back, and the configuration reference
is generated from `configuration_reference()`."""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from ._client import ClientConfig
from ._toml import toml_value

__all__ = [
    "ClientSchema",
    "PolicyTable",
    "ReferenceRow",
    "Setting",
    "ValueType",
    "client_schema",
    "configuration_reference",
    "telemetry_reference",
]

# schemes and never echoed back in an error, since a mistake may be a real secret.
SECRET_REFERENCE_KEYS = frozenset(
    {
        "client_secret",
        "rotation.fallback_secrets",
        # client authentication (issue 11)
        "private_key",
        "certificate",
        "client_certificate",
        "client_key",
        "client_assertion",
    }
)

# Fallback documentation for fields that carry no `metadata["doc"]` yet
# (RetryPolicy's fields are plain defaults); metadata wins when present.
_OPEN_TABLE_FIELD = "settings"  # CachePolicy.settings: every other key of the `cache` table


@dataclass(frozen=True, slots=True)
class ValueType:
    """A TOML value type: its name in the reference, its phrase in errors, and its test."""

    name: str
    expected: str
    accepts: Callable[[object], bool]


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


STRING = ValueType("string", "a string", _is_str)
BOOLEAN = ValueType("boolean", "true or false", lambda value: isinstance(value, bool))
INTEGER = ValueType(
    "integer", "an integer", lambda value: isinstance(value, int) and not isinstance(value, bool)
)
NUMBER = ValueType("number", "a number", _is_number)
STRING_LIST = ValueType(
    "list of strings",
    "a list of strings",
    lambda value: isinstance(value, list | tuple) and all(isinstance(item, str) for item in value),
)
INTEGER_LIST = ValueType(
    "list of integers",
    "a list of integers",
    lambda value: (
        isinstance(value, list | tuple)
        and all(isinstance(item, int) and not isinstance(item, bool) for item in value)
    ),
)
STRING_TABLE = ValueType(
    "table of strings",
    'a table of strings (key = "value")',
    lambda value: isinstance(value, Mapping) and all(isinstance(item, str) for item in value.values()),
)


def _choice(options: tuple[str, ...]) -> ValueType:
    quoted = ", ".join(f"'{option}'" for option in options)
    return ValueType(
        " | ".join(f'"{option}"' for option in options),
        f"one of {quoted}",
        lambda value: value in options,
    )


def _value_type(hint: Any) -> ValueType:
    origin, args = get_origin(hint), get_args(hint)
    simple = {str: STRING, bool: BOOLEAN, int: INTEGER, float: NUMBER}
    if hint in simple:
        return simple[hint]
    if origin is Literal:
        return _choice(tuple(str(arg) for arg in args))
    if origin in (Union, types.UnionType) and type(None) in args:
        (inner,) = (arg for arg in args if arg is not type(None))
        return _value_type(inner)
    if origin is tuple and args == (str, Ellipsis):
        return STRING_LIST
    if origin is tuple and args == (int, Ellipsis):
        return INTEGER_LIST
    if origin is Mapping and args == (str, str):
        return STRING_TABLE
    # A new field type needs a TOML type here before it can be configured from a file.
    raise TypeError(f"no TOML type for the annotation {hint!r}")


_MISSING = object()


@dataclass(frozen=True, slots=True)
class Setting:
    """One key of a client table: `key` is its path inside the table ("scopes", "retry.attempts")."""

    key: str
    name: str
    type: ValueType
    default: object
    required: bool
    doc: str

    @property
    def is_secret_reference(self) -> bool:
        """Whether the value is a secret reference (never echoed in errors)."""
        return self.key in SECRET_REFERENCE_KEYS


@dataclass(frozen=True, slots=True)
class PolicyTable:
    """A sub-table of a client (`retry`, `cache`, `rotation`) and the dataclass it builds."""

    name: str
    policy: type
    settings: Mapping[str, Setting]
    doc: str
    open: bool  # other keys are kept for a plugin (the cache backend) instead of refused


@dataclass(frozen=True, slots=True)
class ClientSchema:
    """The keys of a `[clients.<name>]` table and of its sub-tables."""

    settings: Mapping[str, Setting]
    tables: Mapping[str, PolicyTable]

    def all_settings(self) -> Iterator[Setting]:
        """Every setting, the client's own first, then each table's."""
        yield from self.settings.values()
        for table in self.tables.values():
            yield from table.settings.values()


def _settings_of(cls: type, prefix: str, hints: Mapping[str, Any] | None = None) -> dict[str, Setting]:
    if hints is None:
        hints = get_type_hints(cls)  # evaluates every annotation: a caller that has them passes them
    settings: dict[str, Setting] = {}
    for item in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[item.name]) or item.name == _OPEN_TABLE_FIELD:
            continue
        key = prefix + item.name
        if item.default is not dataclasses.MISSING:
            default: object = item.default
        elif item.default_factory is not dataclasses.MISSING:
            default = item.default_factory()
        else:
            default = _MISSING
        settings[item.name] = Setting(
            key=key,
            name=item.name,
            type=_value_type(hints[item.name]),
            default=default,
            required=default is _MISSING,
            doc=item.metadata.get("doc", ""),
        )
    return settings


@cache
def client_schema() -> ClientSchema:
    """The schema, read once from the dataclass fields."""
    hints = get_type_hints(ClientConfig)
    tables: dict[str, PolicyTable] = {}
    for item in dataclasses.fields(ClientConfig):
        policy = hints[item.name]
        if dataclasses.is_dataclass(policy):
            assert isinstance(policy, type)
            tables[item.name] = PolicyTable(
                name=item.name,
                policy=policy,
                settings=_settings_of(policy, f"{item.name}."),
                doc=item.metadata.get("doc", ""),
                open=any(f.name == _OPEN_TABLE_FIELD for f in dataclasses.fields(policy)),
            )
    return ClientSchema(settings=_settings_of(ClientConfig, "", hints), tables=tables)


# --- the configuration reference --------------------------------------------


@dataclass(frozen=True, slots=True)
class ReferenceRow:
    """One row of the generated configuration reference."""

    key: str  # "clients.<name>.retry.attempts"
    type: str  # "integer", "list of strings", '"client_secret_basic" | "client_secret_post"'
    default: str | None  # the default as TOML; None when required or unset by default
    required: bool
    doc: str


def configuration_reference() -> list[ReferenceRow]:
    """Every key of a client table with its type, default and documentation, in field order."""
    schema = client_schema()
    rows: list[ReferenceRow] = []
    for setting in schema.settings.values():
        rows.append(_row(setting))
    for table in schema.tables.values():
        for setting in table.settings.values():
            rows.append(_row(setting))
        if table.open:
            rows.append(
                ReferenceRow(
                    key=f"clients.<name>.{table.name}.<other>",
                    type="any",
                    default=None,
                    required=False,
                    doc="Any other key is passed to the backend plugin as its settings.",
                )
            )
    return rows


def _row(setting: Setting) -> ReferenceRow:
    default = None if setting.required or setting.default is None else toml_value(setting.default)
    kind = setting.type.name
    if setting.is_secret_reference:
        kind = "list of secret references" if setting.type is STRING_LIST else "secret reference"
    return ReferenceRow(
        key=f"clients.<name>.{setting.key}",
        type=kind,
        default=default,
        required=setting.required,
        doc=setting.doc,
    )


def telemetry_reference() -> list[ReferenceRow]:
    """Every key of the `[telemetry]` table, for the generated configuration reference."""
    from ._telemetry import TelemetryConfig

    rows = []
    for setting in _settings_of(TelemetryConfig, "").values():
        row = _row(setting)
        rows.append(dataclasses.replace(row, key=f"telemetry.{setting.key}"))
    return rows
