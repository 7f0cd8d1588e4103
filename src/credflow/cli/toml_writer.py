"""Writing a configuration dict back as TOML, for `credflow config show`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config._toml import toml_key, toml_value

__all__ = ["render_toml"]


def render_toml(document: Mapping[str, Any], *, header: str = "") -> str:
    """Render nested tables as `[a.b]` sections; `None` values are left out (TOML has no null)."""
    lines = [f"# {line}" for line in header.splitlines()]
    _table(lines, (), document)
    return "\n".join(lines).strip("\n") + "\n"


def _table(lines: list[str], path: tuple[str, ...], table: Mapping[str, Any]) -> None:
    scalars = {k: v for k, v in table.items() if v is not None and not (isinstance(v, Mapping) and v)}
    tables = {k: v for k, v in table.items() if isinstance(v, Mapping) and v}
    if path and (scalars or not tables):
        lines.extend(["", "[" + ".".join(toml_key(part) for part in path) + "]"])
    lines.extend(f"{toml_key(key)} = {toml_value(value)}" for key, value in scalars.items())
    for key, value in tables.items():
        _table(lines, (*path, key), value)
