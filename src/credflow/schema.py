"""The configuration schema: what a `[clients.<name>]` table may hold, both ways.

There is one schema and it is not written down here: it is read from the
dataclass fields of `ClientConfig`, `RetryPolicy`, `CachePolicy` and
`RotationPolicy` (the annotation gives the TOML type, the default the
default, `metadata["doc"]` the documentation). This module turns a TOML
table into a `ClientConfig` with errors that name the key and what is
expected, turns a `ClientConfig` back into a table for `credflow config show`,
and lists every key for the generated configuration reference.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from .config import ClientConfig
from .errors import ConfigError, InsecureTransportError
from .plugins import KNOWN_CACHE_PACKAGES, KNOWN_SCHEME_PACKAGES
from .reference import SecretReference, looks_like_reference
from .telemetry import TelemetryConfig

__all__ = [
    "ClientSchema",
    "ReferenceRow",
    "Setting",
    "ValueType",
    "build_client",
    "build_telemetry",
    "client_schema",
    "client_table",
    "configuration_reference",
    "redact_settings",
    "telemetry_reference",
]

# Settings whose value is a secret reference: checked against the installed
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


def _settings_of(cls: type, prefix: str) -> dict[str, Setting]:
    hints = get_type_hints(cls)
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
    return ClientSchema(settings=_settings_of(ClientConfig, ""), tables=tables)


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


def toml_value(value: object) -> str:
    """Write a plain value (string, number, boolean, list, table) as TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise."""
    return key if _BARE_KEY.match(key) else _toml_string(key)


# --- table -> ClientConfig ---------------------------------------------------

Locate = Callable[[str], str]  # key path inside the client table -> where it was set
# (backend, its keys of the cache table, "clients.<name>.cache", locate) -> the checked keys
CheckCacheSettings = Callable[[str, Mapping[str, Any], str, Locate], Mapping[str, Any]]


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unknown_key(key: str, known: list[str], *, hint: str = "") -> str:
    close = difflib.get_close_matches(key, known, n=1)
    suggestion = f"; did you mean '{close[0]}'?" if close else f" (known keys: {', '.join(sorted(known))})"
    return f"unknown key{suggestion}{hint}"


def build_client(
    name: str,
    table: Mapping[str, Any],
    *,
    locate: Locate,
    secret_schemes: frozenset[str],
    cache_backends: frozenset[str],
    check_cache_settings: CheckCacheSettings | None = None,
) -> ClientConfig:
    """Validate one `[clients.<name>]` table and build its `ClientConfig`.

    `locate(key)` names where a key was set (the file, or an environment
    variable) for the error message. Every error is a `ConfigError` reading
    `<where>: clients.<name>.<key>: <what is expected>`; a secret reference
    is never echoed.
    """
    schema = client_schema()

    def fail(key: str, message: str) -> ConfigError:
        # "scopes[2]" was set where "scopes" was.
        return ConfigError(f"{locate(key.split('[', 1)[0])}: clients.{name}.{key}: {message}")

    arguments: dict[str, Any] = {}
    for key, value in table.items():
        if key in schema.tables:
            arguments[key] = _build_policy(schema.tables[key], value, fail)
        elif key in schema.settings:
            arguments[key] = _checked(schema.settings[key], value, fail)
        else:
            known = list(schema.settings) + list(schema.tables)
            raise fail(key, _unknown_key(key, known))
    for setting in schema.settings.values():
        if setting.required and setting.name not in arguments:
            raise fail(setting.key, f"missing: {setting.doc}")
    for key in sorted(SECRET_REFERENCE_KEYS & set(arguments)):
        if isinstance(arguments[key], str):
            _check_reference(arguments[key], key, secret_schemes, fail)
    rotation = arguments.get("rotation")
    if rotation is not None:
        for text in rotation.fallback_secrets:
            _check_reference(text, "rotation.fallback_secrets", secret_schemes, fail)
    cache_policy = arguments.get("cache")
    if cache_policy is not None and cache_policy.backend not in cache_backends:
        raise fail("cache.backend", _unknown_backend(cache_policy.backend, cache_backends))
    if cache_policy is not None and check_cache_settings is not None:
        # The backend's own keys, checked against what its plugin declared, before any token.
        checked = check_cache_settings(
            cache_policy.backend,
            cache_policy.settings,
            f"clients.{name}.cache",
            lambda key: locate(key.removeprefix(f"clients.{name}.")),
        )
        arguments["cache"] = dataclasses.replace(cache_policy, settings=checked)
    try:
        return ClientConfig(**arguments)
    except (ConfigError, InsecureTransportError) as exc:
        # ClientConfig's own checks name the key first ("scopes: ...", "cache.renew_fraction: ...").
        key, _, message = str(exc).partition(": ")
        raise fail(key, message) from None


def _checked(setting: Setting, value: object, fail: Callable[[str, str], ConfigError]) -> object:
    if setting.type.accepts(value):
        return tuple(value) if isinstance(value, list) else value
    if setting.is_secret_reference:
        # Never echo what was given here: a mistake may be the secret itself.
        what = "a list of secret references" if setting.type is STRING_LIST else "a secret reference"
        raise fail(setting.key, f"expected {what} such as 'env:NAME', got {_kind_of(value)}")
    hint = f'; write ["{value}"]' if setting.type is STRING_LIST and isinstance(value, str) else ""
    raise fail(setting.key, f"expected {setting.type.expected}, got {_shown(value)}{hint}")


def _kind_of(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "a table"
    return f"a {type(value).__name__}"


def _build_policy(table: PolicyTable, value: object, fail: Callable[[str, str], ConfigError]) -> object:
    if not isinstance(value, Mapping):
        raise fail(table.name, f"expected a table ([clients.<name>.{table.name}]), got {_shown(value)}")
    arguments: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, item in value.items():
        setting = table.settings.get(key)
        if setting is not None:
            arguments[key] = _checked(setting, item, fail)
            continue
        close = difflib.get_close_matches(key, list(table.settings), n=1, cutoff=0.8)
        if table.open and not close:
            extra[key] = item
            continue
        hint = f" (other keys of [{table.name}] go to the backend plugin)" if table.open else ""
        raise fail(f"{table.name}.{key}", _unknown_key(key, list(table.settings), hint=hint))
    if table.open:
        arguments[_OPEN_TABLE_FIELD] = extra
    try:
        return table.policy(**arguments)
    except ConfigError as exc:
        key, _, message = str(exc).partition(": ")
        raise fail(key, message) from None


# --- the [telemetry] table ---------------------------------------------------


def build_telemetry(table: Mapping[str, Any], *, locate: Locate) -> TelemetryConfig:
    """Validate the `[telemetry]` table and build its `TelemetryConfig` (the same checks as a client's)."""
    settings = _settings_of(TelemetryConfig, "")

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{locate(key)}: telemetry.{key}: {message}")

    arguments: dict[str, Any] = {}
    for key, value in table.items():
        setting = settings.get(key)
        if setting is None:
            raise fail(key, _unknown_key(key, list(settings)))
        arguments[key] = _checked(setting, value, fail)
    return TelemetryConfig(**arguments)


def telemetry_reference() -> list[ReferenceRow]:
    """Every key of the `[telemetry]` table, for the generated configuration reference."""
    rows = []
    for setting in _settings_of(TelemetryConfig, "").values():
        row = _row(setting)
        rows.append(dataclasses.replace(row, key=f"telemetry.{setting.key}"))
    return rows


def _installed(schemes: frozenset[str]) -> str:
    return ", ".join(sorted(schemes)) or "none"


def _check_reference(
    text: str, key: str, schemes: frozenset[str], fail: Callable[[str, str], ConfigError]
) -> None:
    """Refuse a literal secret or a reference no installed plugin serves, without echoing it."""
    move_it = (
        "credflow reads the secret when it needs a token, so the configuration only names where it is: "
        "put it in an environment variable and write 'env:VARIABLE_NAME', or in a file and write "
        "'file:/path/to/file'"
    )
    if not looks_like_reference(text):
        raise fail(key, f"expected a secret reference, not a literal secret; {move_it}")
    scheme = text.split(":", 1)[0]
    if scheme not in schemes:
        package = KNOWN_SCHEME_PACKAGES.get(scheme)
        if package is not None:
            raise fail(
                key,
                f"no installed plugin serves '{scheme}:' references; install it with "
                f"pip install '{package}' (installed schemes: {_installed(schemes)})",
            )
        # The scheme may be the start of a literal secret: do not name it.
        raise fail(
            key,
            "the value is not a reference to an installed secret source (installed schemes: "
            f"{_installed(schemes)}; vault:, aws-sm: and azure-kv: come with credflow[vault], "
            f"credflow[aws] and credflow[azure]). If it is the secret itself: {move_it}",
        )
    try:
        SecretReference.parse(text, config_key=key)
    except ConfigError as exc:
        # The parser's messages never echo the reference: keep what it found.
        detail = str(exc).partition(": ")[2]
        raise fail(
            key, f"malformed '{scheme}:' secret reference (scheme:body[#key][?param=value]): {detail}"
        ) from None


def _unknown_backend(backend: str, backends: frozenset[str]) -> str:
    package = KNOWN_CACHE_PACKAGES.get(backend)
    install = f"; install it with pip install '{package}'" if package else ""
    return (
        f"no installed plugin provides the token cache backend '{backend}' "
        f"(installed: {_installed(backends)}){install}"
    )


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
