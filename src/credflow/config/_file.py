"""Loading `credflow.toml` and its environment overrides into a `CredflowConfig`.

The file is the `path` argument (the CLI's `--config`), else the file named by
`$CREDFLOW_CONFIG`, else `./credflow.toml`; the last may be absent, so a
deployment can be configured from environment variables alone.

Environment variables override the file, for twelve-factor deployments::

    CREDFLOW_CLIENTS__<NAME>__<KEY>=value            # clients.<name>.<key>
    CREDFLOW_CLIENTS__<NAME>__<TABLE>__<KEY>=value   # clients.<name>.<table>.<key>
    CREDFLOW_SOURCES__<SCHEME>__<KEY>=value          # sources.<scheme>.<key>
    CREDFLOW_TELEMETRY__<KEY>=value                  # telemetry.<key>

- `__` separates levels and every level is lower-cased; a single `_` stays
  part of a name (`CLIENT_SECRET` is `client_secret`).
- A client name keeps its `_`, and matches a client of the file whose name
  has `-` in its place: `CREDFLOW_CLIENTS__BILLING_SVC__SCOPES` sets
  `[clients.billing-svc]` when the file has it, `[clients.billing_svc]`
  otherwise. A client may be defined from variables alone.
- A scheme's `_` becomes `-` (`AWS_SM` is `aws-sm`): schemes never hold `_`.
- A value is read as a TOML value when it is one (`30`, `true`,
  `'["api.read", "api.write"]'`, `'"quoted"'`) and as a string otherwise.
"""

from __future__ import annotations

import os
import re
import stat
import threading
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..plugins._builtin import BUILTIN_CACHE_BACKENDS, BUILTIN_SECRET_SCHEMES
from ..plugins._install_hints import KNOWN_SCHEME_PACKAGES
from ._build import CheckCacheSettings, build_client, build_telemetry
from ._checks import MAX_FILE_BYTES
from ._client import ClientConfig
from ._telemetry import TelemetryConfig

if TYPE_CHECKING:
    from ..agent.settings import AgentSettings
    from ..engine._engine import TokenEngine
    from ..plugins._host import PluginHost

__all__ = ["CONFIG_ENV", "DEFAULT_CONFIG_PATH", "CredflowConfig", "load_config"]

CONFIG_ENV = "CREDFLOW_CONFIG"
DEFAULT_CONFIG_PATH = "credflow.toml"
_SECTIONS = ("clients", "sources", "telemetry", "agent")
# Tables whose keys are settings, not named sub-tables (the agent's are checked once the clients are known).
_FLAT_SECTIONS = ("telemetry", "agent")
_ENV_PREFIX = "CREDFLOW_"
# The deepest setting is 5 levels down (clients.<name>.cache.tls.ca_file); plugins' tables are shallower.
_MAX_DEPTH = 16
_TOML_POSITION = re.compile(r"^(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")

Path_ = tuple[str, ...]


class CredflowConfig:
    """A loaded configuration: the clients, the plugin settings, and where they came from.

    `clients` maps each name to its validated `ClientConfig`; `sources` maps a
    secret scheme to its `[sources.<scheme>]` table; `telemetry` is the
    `[telemetry]` table; `path` is the file read (`None` when there was none).
    `plugins` is the `PluginHost`, or a function that builds it when first used.
    """

    def __init__(
        self,
        *,
        clients: Mapping[str, ClientConfig],
        sources: Mapping[str, Mapping[str, Any]],
        path: Path | None,
        plugins: PluginHost | Callable[[], PluginHost],
        origin: str,
        telemetry: TelemetryConfig | None = None,
        agent: AgentSettings | None = None,
    ) -> None:
        self.telemetry = telemetry or TelemetryConfig()
        self.clients: Mapping[str, ClientConfig] = MappingProxyType(dict(clients))
        self.sources: Mapping[str, Mapping[str, Any]] = MappingProxyType(
            {scheme: MappingProxyType(dict(table)) for scheme, table in sources.items()}
        )
        self.path = path
        #: The `[agent]` table, checked; `None` when the file has none.
        self.agent = agent
        self._plugins: PluginHost | None = None if callable(plugins) else plugins
        self._build_plugins: Callable[[], PluginHost] = plugins if callable(plugins) else lambda: plugins
        self._plugins_lock = threading.Lock()
        self._origin = origin
        self._engines: dict[str, TokenEngine] = {}
        self._engines_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<CredflowConfig {self._origin} clients={sorted(self.clients)!r}>"

    def client_name(self, name: str | None = None) -> str:
        """The name of client `name`, or of the only client when `name` is `None`."""
        if name is not None:
            if name in self.clients:
                return name
            import difflib  # here: only a misspelt name needs it

            close = difflib.get_close_matches(name, list(self.clients), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"{self._origin}: no client named '{name}'{hint} (clients: {self._names()})")
        if len(self.clients) == 1:
            return next(iter(self.clients))
        if not self.clients:
            raise ConfigError(
                f"{self._origin}: no client is configured; add a [clients.<name>] table, "
                f"or set CREDFLOW_CLIENTS__<NAME>__CLIENT_ID and friends"
            )
        raise ConfigError(
            f"{self._origin}: {len(self.clients)} clients are configured ({self._names()}); "
            "name the one to use"
        )

    def _names(self) -> str:
        return ", ".join(sorted(self.clients)) or "none"

    def client(self, name: str | None = None) -> ClientConfig:
        """The client `name`; `name` may be omitted when exactly one client is configured."""
        return self.clients[self.client_name(name)]

    def plugin_host(self) -> PluginHost:
        """The `PluginHost` built with the `[sources.*]` settings (once: at load time, or on first use).

        A configuration that needs the built-in plugins alone was checked without one (see
        `load_config`); its host, and pluggy with it, is built here the first time it is asked for.
        """
        host = self._plugins
        if host is None:
            with self._plugins_lock:
                host = self._plugins
                if host is None:
                    host = self._plugins = self._build_plugins()
        return host

    def engine(self, name: str | None = None) -> TokenEngine:
        """The `TokenEngine` of client `name` (the same engine on every call for one name)."""
        from ..engine._engine import TokenEngine

        resolved = self.client_name(name)
        with self._engines_lock:
            engine = self._engines.get(resolved)
            if engine is None:
                engine = self._engines[resolved] = TokenEngine(
                    self.clients[resolved], plugins=self.plugin_host()
                )
        return engine

    def close(self) -> None:
        """Close the engines made by `engine()` and the secret sources' connections."""
        with self._engines_lock:
            engines, self._engines = list(self._engines.values()), {}
        for engine in engines:
            engine.close()
        if self._plugins is not None:  # a host never built holds nothing to close
            self._plugins.close()

    def __enter__(self) -> CredflowConfig:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def as_dict(self, client: str | None = None) -> dict[str, Any]:
        """The effective configuration as a TOML-shaped dict, safe to print.

        Secret references are shown as references, never resolved; plugin
        settings that look secret are redacted. With `client`, only that client.
        """
        from ._show import client_table, redact_settings

        schemes = self.plugin_host().secret_schemes
        if client is not None:
            names = [self.client_name(client)]
            sources: dict[str, Any] = {}
        else:
            names = sorted(self.clients)
            sources = {scheme: redact_settings(table, schemes) for scheme, table in self.sources.items()}
        document: dict[str, Any] = {
            "clients": {name: client_table(self.clients[name], schemes) for name in names}
        }
        if sources:
            document["sources"] = sources
        if client is None and self.telemetry != TelemetryConfig():
            document["telemetry"] = {"enabled": self.telemetry.enabled}
        return document


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    plugins: tuple[object, ...] = (),
    load_entry_points: bool = True,
) -> CredflowConfig:
    """Read, override from `env`, and validate the configuration.

    Raises `ConfigError` naming the file (or variable), the client, the key
    and what is expected. `plugins` and `load_entry_points` are passed to the
    `PluginHost` that serves the configured secret schemes. `env` defaults
    to `os.environ` (a `None` default keeps the environment out of `help()`).

    With the built-in plugins alone (`load_entry_points=False`, no `plugins`, no
    `[sources.*]` table) building the host checks nothing: what it would serve is
    known (`plugins._builtin`), so the clients are checked against that and the
    host is built on first use. A warm `credflow token` so never imports pluggy.
    """
    env = os.environ if env is None else env
    file = _find_file(path, env)
    label = str(file) if file is not None else "environment"
    document = _read_toml(file) if file is not None else {}
    origins: dict[Path_, str] = {}
    _check_sections(document, label)
    _apply_environment(document, env, origins)
    _check_depth(document, origins, label)
    sources = document.get("sources", {})
    telemetry = build_telemetry(
        document.get("telemetry", {}), locate=lambda key: _locate(origins, ("telemetry", key), label)
    )

    def build_host() -> PluginHost:
        from ..plugins._host import PluginHost

        return PluginHost(
            source_settings=sources,
            plugins=plugins,
            load_entry_points=load_entry_points,
            telemetry=telemetry,
            locate=lambda key: _locate(origins, tuple(key.split(".")), label),
        )

    host: PluginHost | None = None
    secret_schemes, cache_backends = BUILTIN_SECRET_SCHEMES, BUILTIN_CACHE_BACKENDS
    # The built-in backends declare no settings: their keys of a cache table are kept as given.
    check_cache_settings: CheckCacheSettings | None = None
    if load_entry_points or plugins or sources:
        host = build_host()
        _check_sources(sources, host.secret_schemes, origins, label)
        secret_schemes, cache_backends = host.secret_schemes, host.cache_backends
        check_cache_settings = host.check_cache_settings

    clients: dict[str, ClientConfig] = {}
    for name, table in document.get("clients", {}).items():

        def locate(key: str, name: str = name) -> str:
            return _locate(origins, ("clients", name, *key.split(".")), label)

        clients[name] = build_client(
            name,
            table,
            locate=locate,
            secret_schemes=secret_schemes,
            cache_backends=cache_backends,
            check_cache_settings=check_cache_settings,
        )
    origin = label if file is not None else f"environment variables (no ./{DEFAULT_CONFIG_PATH})"
    agent = None
    if "agent" in document:
        from ..agent.settings import AgentSettings

        agent = AgentSettings.from_table(document["agent"], clients=frozenset(clients), label=label)
    return CredflowConfig(
        clients=clients,
        sources=host.source_settings if host is not None else {},
        path=file,
        plugins=host if host is not None else build_host,
        origin=origin,
        telemetry=telemetry,
        agent=agent,
    )


# --- the file -----------------------------------------------------------------


def _find_file(path: str | os.PathLike[str] | None, env: Mapping[str, str]) -> Path | None:
    if path is not None:
        given, source = Path(path), ""
    elif env.get(CONFIG_ENV):
        given, source = Path(env[CONFIG_ENV]), f" (from {CONFIG_ENV})"
    else:
        default = Path(DEFAULT_CONFIG_PATH)
        return default if default.exists() else None
    if not given.exists():
        raise ConfigError(f"{given}: configuration file not found{source}")
    return given


def _read_toml(file: Path) -> dict[str, Any]:
    data = _read_limited(file)
    try:
        return tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POSITION.match(str(exc))
        if match is None:
            raise ConfigError(f"{file}: invalid TOML: {exc}") from None
        raise ConfigError(
            f"{file}:{match['line']}:{match['column']}: invalid TOML: {match['message']} "
            f"(line {match['line']}, column {match['column']})"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{file}: invalid TOML: the file is not UTF-8 text") from None
    except RecursionError:
        # tomllib parses arrays and inline tables recursively: a few hundred levels exhaust the stack.
        raise ConfigError(f"{file}: invalid TOML: arrays or inline tables nested too deeply") from None


def _read_limited(file: Path) -> bytes:
    """The file's bytes, refusing anything but a regular file of at most `MAX_FILE_BYTES`."""
    # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(file, flags)
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the configuration file: {_why(file, exc)}") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(
                f"{file}: not a regular file ({_file_kind(info.st_mode)}); "
                "--config and CREDFLOW_CONFIG must name a TOML file"
            )
        if info.st_size > MAX_FILE_BYTES:
            raise ConfigError(_too_large(file))
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES:  # the file may grow after fstat: read at most one byte past the limit
            chunk = os.read(descriptor, MAX_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise ConfigError(_too_large(file))
        return b"".join(chunks)
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the configuration file: {exc.strerror}") from None
    finally:
        os.close(descriptor)


def _too_large(file: Path) -> str:
    return f"{file}: larger than {MAX_FILE_BYTES // 1024} KiB, the most a configuration file may hold"


def _why(file: Path, error: OSError) -> str:
    # Opening a socket fails with "No such device or address": say what the path is instead.
    try:
        mode = os.stat(file).st_mode
    except OSError:
        return str(error.strerror)
    return str(error.strerror) if stat.S_ISREG(mode) else f"not a regular file ({_file_kind(mode)})"


def _file_kind(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    )
    return next((name for test, name in kinds if test(mode)), "not a plain file")


def _check_depth(document: dict[str, Any], origins: dict[Path_, str], label: str) -> None:
    """Refuse tables and arrays nested deeper than any setting needs (iteratively: no recursion)."""
    pending: list[tuple[Path_, object]] = [((), document)]
    while pending:
        path, value = pending.pop()
        if len(path) > _MAX_DEPTH:
            shown = ".".join(path[:4])
            raise ConfigError(
                f"{_locate(origins, path, label)}: {shown}...: nested more than {_MAX_DEPTH} levels deep; "
                "no setting is"
            )
        if isinstance(value, dict):
            pending.extend(((*path, str(key)), item) for key, item in value.items())
        elif isinstance(value, list):
            pending.extend(((*path, f"[{index}]"), item) for index, item in enumerate(value))


def _check_sections(document: dict[str, Any], label: str) -> None:
    for key, value in document.items():
        if key not in _SECTIONS:
            import difflib  # here: only a misspelt table needs it

            close = difflib.get_close_matches(key, _SECTIONS, n=1)
            hint = (
                f"did you mean '{close[0]}'?" if close else "expected [clients.<name>] or [sources.<scheme>]"
            )
            raise ConfigError(f"{label}: {key}: unknown table; {hint}")
        if not isinstance(value, dict):
            shape = f"[{key}]" if key in _FLAT_SECTIONS else f"[{key}.<name>]"
            raise ConfigError(f"{label}: {key}: expected a table ({shape}), got {value!r}")
        if key in _FLAT_SECTIONS:
            continue  # its keys are settings, checked when the table is built
        for name, table in value.items():
            if not isinstance(table, dict):
                raise ConfigError(
                    f"{label}: {key}.{name}: expected a table ([{key}.{name}]), got a {type(table).__name__}"
                )


def _check_sources(
    sources: dict[str, Any], schemes: frozenset[str], origins: dict[Path_, str], label: str
) -> None:
    for scheme in sources:
        if scheme in schemes:
            continue
        package = KNOWN_SCHEME_PACKAGES.get(scheme)
        install = (
            f"install it with pip install '{package}'"
            if package
            else "install the credflow plugin that provides it"
        )
        raise ConfigError(
            f"{_locate(origins, ('sources', scheme), label)}: sources.{scheme}: no installed plugin serves "
            f"the secret scheme '{scheme}'; {install} (installed schemes: {', '.join(sorted(schemes))})"
        )


def _locate(origins: dict[Path_, str], path: Path_, label: str) -> str:
    for length in range(len(path), 0, -1):
        origin = origins.get(path[:length])
        if origin is not None:
            return origin
    return label


# --- environment overrides ------------------------------------------------------


def _env_value(raw: str, variable: str) -> object:
    try:
        parsed = tomllib.loads(f"value = {raw}")
    except tomllib.TOMLDecodeError:
        return raw
    except RecursionError:
        raise ConfigError(
            f"environment variable {variable}: arrays or inline tables nested too deeply"
        ) from None
    return parsed["value"] if parsed.keys() == {"value"} else raw


def _apply_environment(document: dict[str, Any], env: Mapping[str, str], origins: dict[Path_, str]) -> None:
    for variable in sorted(env):
        path = _env_path(variable, document)
        if path is None:
            continue
        table = document
        for depth, part in enumerate(path[:-1]):
            created = part not in table
            child = table.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(
                    f"{variable}: {'.'.join(path[: depth + 1])} is not a table in the file, "
                    "so it cannot have keys"
                )
            if created and depth >= 1:
                # A table the environment creates: errors about it name the variables.
                prefix = "__".join(part.upper().replace("-", "_") for part in path[: depth + 1])
                origins[path[: depth + 1]] = f"environment (CREDFLOW_{prefix}__*)"
            table = child
        table[path[-1]] = _env_value(env[variable], variable)
        origins[path] = f"environment variable {variable}"


def _env_path(variable: str, document: dict[str, Any]) -> Path_ | None:
    upper = variable.upper()
    if not upper.startswith(("CREDFLOW_CLIENTS", "CREDFLOW_SOURCES", "CREDFLOW_TELEMETRY")):
        return None
    parts = variable[len(_ENV_PREFIX) :].split("__")
    section = parts[0].lower()
    if section in _FLAT_SECTIONS:
        if len(parts) != 2 or not parts[1]:
            raise ConfigError(
                f"environment variable {variable}: expected CREDFLOW_{section.upper()}__<KEY> "
                "(two underscores before the key)"
            )
        return (section, parts[1].lower())
    if section not in _SECTIONS or len(parts) < 3 or not all(parts):
        raise ConfigError(
            f"environment variable {variable}: expected CREDFLOW_CLIENTS__<NAME>__<KEY>, "
            "CREDFLOW_CLIENTS__<NAME>__<TABLE>__<KEY> or CREDFLOW_SOURCES__<SCHEME>__<KEY> "
            "(levels are separated by two underscores)"
        )
    keys = tuple(part.lower() for part in parts[2:])
    if section == "sources":
        return ("sources", parts[1].lower().replace("_", "-"), *keys)
    return ("clients", _env_client_name(parts[1].lower(), document, variable), *keys)


def _env_client_name(name: str, document: dict[str, Any], variable: str) -> str:
    existing = document.get("clients", {})
    matches = [candidate for candidate in existing if candidate.lower().replace("-", "_") == name]
    if len(matches) > 1:
        raise ConfigError(
            f"environment variable {variable}: matches clients {', '.join(sorted(matches))}; "
            "rename one of them so their names differ other than by '-' and '_'"
        )
    return matches[0] if matches else name
