"""The plugin host: the registry of what plugins register, and the typed facade the engine calls.

`PluginHost` owns a pluggy `PluginManager`: it registers the built-in
plugins and the entry points `_loading` finds, checks every hook
implementation names a real hook, collects what plugins register (checking
their declared settings), builds sources and caches on first use, and
exposes one typed method per use. Resolving references through the hooks is
`_resolution`'s; sending audit events to their hooks, `_audit`'s.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

import pluggy

from .. import hookspecs
from ..config._plugin_settings import SettingsTable, check_settings
from ..config._telemetry import TelemetryConfig
from ..engine._cache import CacheContext, TokenCacheBackend, TokenCacheFactory
from ..errors import ConfigError, PluginError, UnknownSecretSchemeError
from ..secret._bounded_reads import BoundedReads
from ..secret._source import SecretSource, SecretSourceFactory, SourceContext
from ._audit import dispatch
from ._builtin import builtin_secret_source
from ._install_hints import KNOWN_CACHE_PACKAGES, KNOWN_SCHEME_PACKAGES
from ._loading import (
    BLOCK_ENV,
    PROVIDES_GROUP,
    LoadedPlugin,
    allowed_entry_points,
    distribution_name,
    import_entry_point,
    provided,
    tracing_requested,
)
from ._resolution import BuiltinResolver, SecretResolution

if TYPE_CHECKING:
    from importlib import metadata

    from ..events import AuditEvent

__all__ = ["PluginHost", "Registration", "default_plugin_host"]

logger = logging.getLogger("credflow.plugins")


@dataclass(frozen=True, slots=True)
class Registration:
    """Something a plugin registered: a secret scheme or a token-cache backend."""

    kind: str  # "secret-source" or "token-cache"
    name: str
    factory: Callable[[Any], Any]
    plugin: str
    distribution: str | None
    version: str | None
    description: str
    settings: SettingsTable | None = None  # the keys its table may hold, checked at load


class PluginHost(SecretResolution):
    """The plugin manager with a typed method for every hook the engine uses.

    `source_settings` maps a scheme to its `[sources.<scheme>]` table.
    `load_entry_points=False` registers only the built-in plugins and the
    `plugins` given (tests). `telemetry` (the `[telemetry]` table, enabled by
    default) is handed to telemetry plugins once they are loaded. Each
    `[sources.<scheme>]` table is checked here against the settings its plugin
    declared; `locate(path)` names where a key was set (a file, a variable) for
    the error.
    """

    def __init__(
        self,
        *,
        source_settings: Mapping[str, Mapping[str, Any]] | None = None,
        plugins: tuple[object, ...] = (),
        load_entry_points: bool = True,
        telemetry: TelemetryConfig | None = None,
        locate: Callable[[str], str] | None = None,
    ) -> None:
        self._source_settings: dict[str, Mapping[str, Any]] = {
            k: MappingProxyType(dict(v)) for k, v in (source_settings or {}).items()
        }
        self._pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self._pm.add_hookspecs(hookspecs)
        self._plugins: list[LoadedPlugin] = []
        self._registrations: dict[tuple[str, str], Registration] = {}
        self._sources: dict[str, SecretSource] = {}
        # Re-entrant: a source factory may resolve a nested reference of another scheme.
        self._sources_lock = threading.RLock()
        self._current_plugin: tuple[str, str | None, str | None] = ("", None, None)
        # (kind, name) -> the entry point that declared it, not imported yet.
        self._deferred: dict[tuple[str, str], metadata.EntryPoint] = {}
        self._deferred_lock = threading.RLock()
        self.reads = BoundedReads()

        from ._audit_log import AuditLogPlugin

        self._register_plugin(BuiltinResolver(self), "credflow.resolver", None)
        self._register_plugin(_BuiltinCaches(), "credflow.memory-cache", None)
        self._register_plugin(_BuiltinFileCache(), "credflow.file-cache", None)
        self._register_plugin(_BuiltinSecretSource("env", "environment variables"), "credflow.env", None)
        self._register_plugin(
            _BuiltinSecretSource("file", "files, whole or one key of a JSON object"), "credflow.file", None
        )
        self._register_plugin(AuditLogPlugin(), "credflow.audit", None)
        for index, plugin in enumerate(plugins):
            name = getattr(plugin, "__name__", None) or f"{type(plugin).__name__}-{index}"
            self._register_plugin(plugin, name, None)
        if load_entry_points:
            self._load_entry_points()
        try:
            self._pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"a credflow plugin implements an unknown hook: {exc}") from exc
        if tracing_requested():
            self._pm.trace.root.setwriter(sys.stderr.write)
            self._pm.enable_tracing()
        self._collect_registrations()
        self.telemetry = telemetry or TelemetryConfig()
        self._pm.hook.credflow_configure_telemetry(settings=self.telemetry)
        self._check_source_settings(locate)

    # --- loading ----------------------------------------------------------

    def _register_plugin(self, plugin: object, name: str, dist: metadata.Distribution | None) -> None:
        try:
            self._pm.register(plugin, name=name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            raise PluginError(f"plugin {name!r} could not be registered: {exc}") from exc
        dist_name = dist.metadata["Name"] if dist is not None else None
        version = dist.version if dist is not None else None
        self._plugins.append(LoadedPlugin(name, dist_name, version))

    def _load_entry_points(self) -> None:
        declared_by = provided()
        for entry_point in allowed_entry_points():
            declared = declared_by.get((distribution_name(entry_point), entry_point.value))
            if declared:
                for what in declared:
                    self._deferred.setdefault(what, entry_point)
                continue
            self._import_entry_point(entry_point)

    def _import_entry_point(self, entry_point: metadata.EntryPoint) -> None:
        self._register_plugin(import_entry_point(entry_point), entry_point.name, entry_point.dist)

    def _collect_registrations(self) -> None:
        self._collect_from(None)

    def _collect_from(self, plugin_name: str | None) -> None:
        """Call the registration hooks of `plugin_name` (every plugin when `None`)."""
        for impl in self._pm.hook.credflow_register_secret_sources.get_hookimpls():
            if plugin_name in (None, impl.plugin_name):
                self._current_plugin = self._plugin_identity(impl.plugin_name)
                impl.function(register=self._register_secret_source)
        for impl in self._pm.hook.credflow_register_token_caches.get_hookimpls():
            if plugin_name in (None, impl.plugin_name):
                self._current_plugin = self._plugin_identity(impl.plugin_name)
                impl.function(register=self._register_token_cache)
        self._current_plugin = ("", None, None)

    def _load_deferred(self, kind: str, name: str | None = None) -> None:
        """Import the plugin declared to serve (`kind`, `name`); every deferred plugin when `name` is None."""
        with self._deferred_lock:
            wanted = [key for key in self._deferred if name is None or key == (kind, name)]
            for key in wanted:
                entry_point = self._deferred.get(key)
                if entry_point is None:
                    continue  # loaded meanwhile, with another name it declared
                for other in [k for k, v in self._deferred.items() if v == entry_point]:
                    del self._deferred[other]
                self._import_entry_point(entry_point)
                try:
                    self._pm.check_pending()
                except pluggy.PluginValidationError as exc:
                    raise PluginError(f"a credflow plugin implements an unknown hook: {exc}") from exc
                self._collect_from(entry_point.name)
                if key not in self._registrations:
                    raise PluginError(
                        f"plugin {entry_point.name!r} declares {key[0]} {key[1]!r} in its "
                        f"{PROVIDES_GROUP} entry points but did not register it"
                    )

    def _plugin_identity(self, plugin_name: str) -> tuple[str, str | None, str | None]:
        for loaded in self._plugins:
            if loaded.name == plugin_name:
                return (loaded.name, loaded.distribution, loaded.version)
        return (plugin_name, None, None)

    def _add_registration(
        self,
        kind: str,
        name: str,
        factory: Callable[[Any], Any],
        description: str,
        settings: SettingsTable | None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise PluginError(f"plugin {self._current_plugin[0]!r} registered a {kind} with no name")
        if not callable(factory):
            raise PluginError(
                f"plugin {self._current_plugin[0]!r} registered {kind} {name!r} with a non-callable factory"
            )
        existing = self._registrations.get((kind, name))
        if existing is not None:
            raise PluginError(
                f"{kind} {name!r} is registered twice: by {existing.plugin!r} and by "
                f"{self._current_plugin[0]!r}; uninstall or block one of them ({BLOCK_ENV})"
            )
        plugin, dist, version = self._current_plugin
        if settings is not None and not isinstance(settings, SettingsTable):
            raise PluginError(
                f"plugin {plugin!r} registered {kind} {name!r} with settings that are not a "
                "credflow.plugin.SettingsTable"
            )
        self._registrations[(kind, name)] = Registration(
            kind, name, factory, plugin, dist, version, description, settings
        )

    def _register_secret_source(
        self,
        scheme: str,
        factory: SecretSourceFactory,
        *,
        description: str = "",
        settings: SettingsTable | None = None,
    ) -> None:
        self._add_registration("secret-source", scheme, factory, description, settings)

    def _register_token_cache(
        self,
        name: str,
        factory: TokenCacheFactory,
        *,
        description: str = "",
        settings: SettingsTable | None = None,
    ) -> None:
        self._add_registration("token-cache", name, factory, description, settings)

    def _check_source_settings(self, locate: Callable[[str], str] | None) -> None:
        """Check every `[sources.<scheme>]` table its plugin declared, defaults filled in."""
        for scheme, table in self._source_settings.items():
            if ("secret-source", scheme) in self._deferred:
                # A table of settings means the scheme is used: import its plugin now to check them.
                self._load_deferred("secret-source", scheme)
            registration = self._registrations.get(("secret-source", scheme))
            if registration is None or registration.settings is None:
                continue  # an unknown scheme is the loader's error; an undeclared table the plugin's
            self._source_settings[scheme] = _checked(
                registration.settings, table, f"sources.{scheme}", locate
            )

    def check_cache_settings(
        self,
        backend: str,
        settings: Mapping[str, Any],
        where: str,
        locate: Callable[[str], str] | None = None,
    ) -> Mapping[str, Any]:
        """A backend's keys of a `cache` table, checked against its declaration (as given without one)."""
        if ("token-cache", backend) in self._deferred:
            self._load_deferred("token-cache", backend)
        registration = self._registrations.get(("token-cache", backend))
        if registration is None or registration.settings is None:
            return settings
        return _checked(registration.settings, settings, where, locate)

    # --- introspection ----------------------------------------------------

    @property
    def plugins(self) -> tuple[LoadedPlugin, ...]:
        """Every plugin, built-in ones first (imports the plugins found from their metadata alone)."""
        self._load_deferred("", None)
        return tuple(self._plugins)

    @property
    def registrations(self) -> tuple[Registration, ...]:
        """Every secret scheme and token-cache backend registered (imports every plugin)."""
        self._load_deferred("", None)
        return tuple(self._registrations.values())

    @property
    def secret_schemes(self) -> frozenset[str]:
        """The secret-reference schemes some plugin serves or declares (without importing it)."""
        return frozenset(
            name for kind, name in (*self._registrations, *self._deferred) if kind == "secret-source"
        )

    @property
    def cache_backends(self) -> frozenset[str]:
        """The token-cache backend names some plugin serves or declares (without importing it)."""
        return frozenset(
            name for kind, name in (*self._registrations, *self._deferred) if kind == "token-cache"
        )

    @property
    def source_settings(self) -> Mapping[str, Mapping[str, Any]]:
        """The `[sources.<scheme>]` tables, checked against what their plugins declared."""
        return MappingProxyType(self._source_settings)

    @property
    def plugin_manager(self) -> pluggy.PluginManager:
        """The underlying pluggy manager (for tracing and tests; the engine does not use it)."""
        return self._pm

    def describe_telemetry(self) -> tuple[str, ...]:
        """What each installed telemetry plugin says it records into (empty: none installed)."""
        return tuple(str(text) for text in self._pm.hook.credflow_describe_telemetry() if text)

    # --- secret sources ---------------------------------------------------

    def secret_source(self, scheme: str) -> SecretSource:
        """Return the source for `scheme`, creating it on first use."""
        source = self._sources.get(scheme)
        if source is not None:
            return source
        registration = self._registrations.get(("secret-source", scheme))
        if registration is None and ("secret-source", scheme) in self._deferred:
            self._load_deferred("secret-source", scheme)
            registration = self._registrations.get(("secret-source", scheme))
        if registration is None:
            raise self._unknown_scheme(scheme)
        with self._sources_lock:
            source = self._sources.get(scheme)
            if source is None:
                context = SourceContext(
                    scheme=scheme,
                    settings=self._source_settings.get(scheme, MappingProxyType({})),
                    resolve=self.resolve_reference_text,
                    emit=self.emit,
                )
                source = cast(SecretSource, registration.factory(context))
                if not callable(getattr(source, "fetch", None)):
                    raise PluginError(
                        f"plugin {registration.plugin!r} returned a {scheme}: source without fetch()"
                    )
                self._sources[scheme] = source
        return source

    def _unknown_scheme(self, scheme: str, reference: str | None = None) -> UnknownSecretSchemeError:
        installed = ", ".join(sorted(self.secret_schemes)) or "none"
        hint = KNOWN_SCHEME_PACKAGES.get(scheme)
        install = f" Install it with: pip install '{hint}'." if hint else ""
        return UnknownSecretSchemeError(
            f"no installed plugin serves secret references of scheme {scheme!r}"
            f" (installed schemes: {installed}).{install}",
            reference=reference,
        )

    def close(self) -> None:
        """Close every secret source that holds connections (those with a `close()`)."""
        with self._sources_lock:
            sources, self._sources = list(self._sources.values()), {}
        for source in sources:
            close = getattr(source, "close", None)
            if callable(close):
                try:
                    close()
                except Exception:
                    logger.warning(
                        "closing the %s secret source failed", type(source).__name__, exc_info=True
                    )

    def emit(self, event: AuditEvent) -> None:
        """Send an audit event to its hook. A failing audit plugin is logged, never raised."""
        dispatch(self._pm, event)

    # --- token caches -----------------------------------------------------

    def token_cache(self, name: str, settings: Mapping[str, Any] | None = None) -> TokenCacheBackend:
        """Create the token-cache backend registered as `name`."""
        registration = self._registrations.get(("token-cache", name))
        if registration is None and ("token-cache", name) in self._deferred:
            self._load_deferred("token-cache", name)
            registration = self._registrations.get(("token-cache", name))
        if registration is None:
            installed = ", ".join(sorted(self.cache_backends))
            hint = KNOWN_CACHE_PACKAGES.get(name)
            install = f" Install it with: pip install '{hint}'." if hint else ""
            raise PluginError(
                f"no installed plugin provides the token cache backend {name!r}"
                f" (installed: {installed}).{install}"
            )
        context = CacheContext(
            name=name,
            settings=MappingProxyType(dict(settings or {})),
            resolve=self.resolve_reference_text,
            emit=self.emit,
        )
        return cast(TokenCacheBackend, registration.factory(context))


def _checked(
    declared: SettingsTable, table: Mapping[str, Any], where: str, locate: Callable[[str], str] | None
) -> Mapping[str, Any]:
    try:
        return check_settings(declared, table, where)
    except ConfigError as exc:
        if locate is None:
            raise
        key = str(exc).partition(": ")[0]
        raise ConfigError(f"{locate(key)}: {exc}") from None


class _BuiltinCaches:
    """Registers the in-process `memory` token cache."""

    def __init__(self) -> None:
        from ..engine._cache import MemoryTokenCache

        self._memory = MemoryTokenCache()

    @hookspecs.hookimpl
    def credflow_register_token_caches(self, register: hookspecs.RegisterTokenCache) -> None:
        register(
            "memory",
            lambda context: self._memory,
            description="in-process cache shared by the engines of one process",
        )


class _BuiltinFileCache:
    """Registers the per-user `file` token cache (its module is imported when a backend is made)."""

    @hookspecs.hookimpl
    def credflow_register_token_caches(self, register: hookspecs.RegisterTokenCache) -> None:
        register("file", self._make, description="per-user files shared by the processes of a user")

    @staticmethod
    def _make(context: CacheContext) -> TokenCacheBackend:
        from ..engine._file_cache import file_token_cache

        return file_token_cache(context)


class _BuiltinSecretSource:
    """Registers a built-in secret scheme (`env`, `file`); their modules hold no hook (no pluggy)."""

    def __init__(self, scheme: str, description: str) -> None:
        self._scheme = scheme
        self._description = description

    @hookspecs.hookimpl
    def credflow_register_secret_sources(self, register: hookspecs.RegisterSecretSource) -> None:
        register(
            self._scheme, lambda context: builtin_secret_source(context.scheme), description=self._description
        )


_default_host: PluginHost | None = None
_default_host_lock = threading.Lock()


def default_plugin_host() -> PluginHost:
    """The process-wide host with entry-point plugins, created on first use."""
    global _default_host  # noqa: PLW0603 - one lazily built host per process, like logging's root
    if _default_host is None:
        with _default_host_lock:
            if _default_host is None:
                _default_host = PluginHost()
    return _default_host
