"""Finding plugins: the `credflow` entry points, filtered by allow- and block-lists, and the trace switch."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata

from ..errors import PluginError

__all__ = [
    "BLOCK_ENV",
    "ENTRY_POINT_GROUP",
    "LOAD_ENV",
    "TRACE_ENV",
    "LoadedPlugin",
    "entry_point_plugins",
    "tracing_requested",
]

ENTRY_POINT_GROUP = "credflow"
LOAD_ENV = "CREDFLOW_LOAD_PLUGINS"
BLOCK_ENV = "CREDFLOW_BLOCK_PLUGINS"
TRACE_ENV = "CREDFLOW_TRACE_PLUGINS"


@dataclass(frozen=True, slots=True)
class LoadedPlugin:
    """A plugin the host loaded, for `credflow plugins`."""

    name: str
    distribution: str | None
    version: str | None


def _split_env(name: str) -> set[str] | None:
    raw = os.environ.get(name)
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def tracing_requested() -> bool:
    """Whether `CREDFLOW_TRACE_PLUGINS` asks for every hook call to be printed."""
    return os.environ.get(TRACE_ENV, "") not in ("", "0", "false")


def entry_point_plugins() -> Iterator[tuple[object, str, metadata.Distribution | None]]:
    """The plugins of the `credflow` entry points the allow- and block-lists let through, imported."""
    allow = _split_env(LOAD_ENV)
    block = _split_env(BLOCK_ENV) or set()
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = entry_point.dist
        names = {entry_point.name}
        if dist is not None:
            names.add(dist.metadata["Name"])
        if allow is not None and not names & allow:
            continue
        if names & block:
            continue
        try:
            plugin = entry_point.load()
        except Exception as exc:
            raise PluginError(
                f"plugin {entry_point.name!r} ({entry_point.value}) failed to import: "
                f"{type(exc).__name__}: {exc}. Uninstall it, or set "
                f"{BLOCK_ENV}={entry_point.name} to skip it."
            ) from exc
        yield plugin, entry_point.name, dist
