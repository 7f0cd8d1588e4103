"""Finding plugins: the `credflow` entry points, filtered by allow- and block-lists, and the trace switch.

A plugin whose distribution also declares what it serves in the
`credflow.provides` entry-point group (`secret-source.<scheme>`,
`token-cache.<name>`) is found from that metadata alone and imported the
first time one of those is used, so a command that needs none of them never
imports it. A plugin that declares nothing there (one with audit hooks, say)
is imported when the host is built.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import PluginError

if TYPE_CHECKING:
    from importlib import metadata

__all__ = [
    "BLOCK_ENV",
    "ENTRY_POINT_GROUP",
    "LOAD_ENV",
    "PROVIDES_GROUP",
    "TRACE_ENV",
    "LoadedPlugin",
    "allowed_entry_points",
    "distribution_name",
    "import_entry_point",
    "provided",
    "tracing_requested",
]

ENTRY_POINT_GROUP = "credflow"
PROVIDES_GROUP = "credflow.provides"
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


def allowed_entry_points() -> Iterator[metadata.EntryPoint]:
    """The `credflow` entry points the allow- and block-lists let through, not imported."""
    from importlib import metadata  # here: a host without entry points (a warm CLI) never needs it

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
        yield entry_point


def import_entry_point(entry_point: metadata.EntryPoint) -> object:
    """The plugin an entry point names, imported; a failure names the switch that skips it."""
    try:
        return entry_point.load()
    except Exception as exc:
        raise PluginError(
            f"plugin {entry_point.name!r} ({entry_point.value}) failed to import: "
            f"{type(exc).__name__}: {exc}. Uninstall it, or set "
            f"{BLOCK_ENV}={entry_point.name} to skip it."
        ) from exc


def distribution_name(entry_point: metadata.EntryPoint) -> str | None:
    """The name of the distribution that declares `entry_point` (None for one outside any)."""
    return entry_point.dist.metadata["Name"] if entry_point.dist is not None else None


def provided() -> dict[tuple[str | None, str], list[tuple[str, str]]]:
    """(distribution, module) -> the (kind, name) pairs its `credflow.provides` entry points declare."""
    from importlib import metadata

    declared: dict[tuple[str | None, str], list[tuple[str, str]]] = {}
    for entry_point in metadata.entry_points(group=PROVIDES_GROUP):
        kind, dot, name = entry_point.name.partition(".")
        if dot and name and kind in ("secret-source", "token-cache"):
            declared.setdefault((distribution_name(entry_point), entry_point.value), []).append((kind, name))
    return declared
