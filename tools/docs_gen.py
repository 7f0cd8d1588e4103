"""The generated parts of the documentation, rewritten from the code they describe.

A page marks a generated region with two HTML comments::

    <!-- generated: configuration-reference -->
    ...written by this module...
    <!-- end generated: configuration-reference -->

`python tools/docs_gen.py` rewrites every region of every page under
`docs/`; `--check` only reports pages that differ (exit status 1). The docs
tests run the check, so a setting added to `ClientConfig` without
regenerating the reference fails the suite.

A region named in `WRITTEN_ELSEWHERE` belongs to another generator (the fault
matrix of `docs/reliability.md` is written from the test suite's parameters by
`python -m tests.faults.table`); this module leaves it as it is.

The configuration reference comes from `credflow.config._schema.configuration_reference()`,
the same schema the configuration loader validates against; the exit codes
from `credflow.cli.exit_codes`, the table `credflow --help` prints.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from credflow.cli.exit_codes import ExitCode, exit_codes_help
from credflow.config._plugin_settings import SettingSpec
from credflow.config._schema import ReferenceRow, configuration_reference, telemetry_reference
from credflow.config._toml import toml_value
from credflow.plugins._host import PluginHost

__all__ = [
    "GENERATORS",
    "WRITTEN_ELSEWHERE",
    "configuration_reference_markdown",
    "exit_codes_markdown",
    "main",
    "plugin_settings_markdown",
    "render_page",
    "telemetry_reference_markdown",
]

_REGION = re.compile(
    r"(?P<begin><!-- generated: (?P<name>[a-z-]+) -->\n)(?P<body>.*?)"
    r"(?P<end><!-- end generated: (?P=name) -->)",
    re.DOTALL,
)

# Where each sub-table of a client is explained in prose, for the generated headings.
_TABLE_TITLES = {
    "": "The client: `[clients.<name>]`",
    "retry": "Retries: `[clients.<name>.retry]`",
    "cache": "Renewal and token cache: `[clients.<name>.cache]`",
    "rotation": "Rotation: `[clients.<name>.rotation]`",
}


def _table_of(row: ReferenceRow) -> tuple[str, str]:
    """Split `clients.<name>.retry.attempts` into ("retry", "attempts")."""
    path = row.key.removeprefix("clients.<name>.")
    table, _, key = path.rpartition(".")
    return table, key


def _environment_variable(row: ReferenceRow) -> str:
    path = row.key.removeprefix("clients.<name>.")
    return "CREDFLOW_CLIENTS__<NAME>__" + "__".join(part.upper() for part in path.split("."))


def _type_cell(row: ReferenceRow) -> str:
    # A choice reads `"a" | "b"`; a pipe would split the Markdown table cell.
    return " or ".join(f"`{part}`" if part.startswith('"') else part for part in row.type.split(" | "))


def _default_cell(row: ReferenceRow) -> str:
    if row.required:
        return "**required**"
    if row.default is None:
        return "not set"
    return f"`{row.default}`"


def configuration_reference_markdown() -> str:
    """One table per `[clients.<name>]` table: key and variable, type, default, meaning."""
    tables: dict[str, list[ReferenceRow]] = {}
    for row in configuration_reference():
        tables.setdefault(_table_of(row)[0], []).append(row)
    parts: list[str] = []
    for table, rows in tables.items():
        parts.append(f"### {_TABLE_TITLES.get(table, f'`[clients.<name>.{table}]`')}\n")
        parts.append("| key | type | default | meaning |")
        parts.append("| --- | --- | --- | --- |")
        for row in rows:
            key = _table_of(row)[1]
            # The open table's catch-all row has no variable of its own.
            key_cell = "*any other key*" if key == "<other>" else f"`{key}`<br>`{_environment_variable(row)}`"
            doc = " ".join(row.doc.split())
            parts.append(f"| {key_cell} | {_type_cell(row)} | {_default_cell(row)} | {doc} |")
        parts.append("")
    return "\n".join(parts)


def telemetry_reference_markdown() -> str:
    """The `[telemetry]` table: key and variable, type, default, meaning."""
    lines = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for row in telemetry_reference():
        key = row.key.removeprefix("telemetry.")
        variable = f"CREDFLOW_TELEMETRY__{key.upper()}"
        lines.append(f"| `{key}`<br>`{variable}` | {_type_cell(row)} | {_default_cell(row)} | {row.doc} |")
    return "\n".join(lines) + "\n"


def _plugin_rows(specs: tuple[SettingSpec, ...], path: str, variable: str) -> list[str]:
    rows = []
    for spec in specs:
        key, name = f"{path}.{spec.name}", f"{variable}__{spec.name.upper()}"
        if spec.kind in ("table", "tables"):
            inner = f"{key}.<name>" if spec.kind == "tables" else key
            rows.append(f"| `{key}` | {spec.type_name} | not set | {' '.join(spec.help.split())} |")
            rows.extend(
                _plugin_rows(spec.fields, inner, name + ("__<NAME>" if spec.kind == "tables" else ""))
            )
            continue
        default = (
            "**required**"
            if spec.required
            else ("not set" if spec.default is None else f"`{toml_value(spec.default)}`")
        )
        kind = " or ".join(
            f"`{part}`" if part.startswith('"') else part for part in spec.type_name.split(" | ")
        )
        rows.append(f"| `{key}`<br>`{name}` | {kind} | {default} | {' '.join(spec.help.split())} |")
    return rows


def plugin_settings_markdown() -> str:
    """One table per installed plugin that declared its settings, from those declarations."""
    host = PluginHost()
    parts: list[str] = []
    for registration in sorted(host.registrations, key=lambda item: (item.kind, item.name)):
        declared = registration.settings
        if declared is None:
            continue
        if registration.kind == "secret-source":
            title = f"`[sources.{registration.name}]`"
            path, variable = (
                f"sources.{registration.name}",
                f"CREDFLOW_SOURCES__{registration.name.upper().replace('-', '_')}",
            )
        else:
            title = f'`[clients.<name>.cache]` with `backend = "{registration.name}"`'
            path, variable = "cache", "CREDFLOW_CLIENTS__<NAME>__CACHE"
        origin = registration.distribution or registration.plugin
        parts.append(f"### {title}\n")
        parts.append(f"{' '.join(declared.help.split())} From `{origin}`.\n".lstrip())
        parts.append("| key | type | default | meaning |")
        parts.append("| --- | --- | --- | --- |")
        parts.extend(_plugin_rows(declared.fields, path, variable))
        parts.append("")
    return "\n".join(parts)


def exit_codes_markdown() -> str:
    """The exit codes of `credflow`, as `credflow --help` lists them."""
    lines = ["| code | name | meaning |", "| --- | --- | --- |"]
    meanings = {}
    for line in exit_codes_help().splitlines()[1:]:
        number, _, meaning = line.strip().partition(" ")
        meanings[int(number)] = meaning.strip()
    for code in ExitCode:
        lines.append(f"| `{code.value}` | `{code.name}` | {meanings[code.value]} |")
    return "\n".join(lines) + "\n"


GENERATORS: dict[str, Callable[[], str]] = {
    "configuration-reference": configuration_reference_markdown,
    "exit-codes": exit_codes_markdown,
    "plugin-settings": plugin_settings_markdown,
    "telemetry-reference": telemetry_reference_markdown,
}


# Regions written by another tool, by the command that writes them.
WRITTEN_ELSEWHERE: dict[str, str] = {"fault-matrix": "python -m tests.faults.table"}


def render_page(
    text: str, *, where: str = "<page>", generators: Mapping[str, Callable[[], str]] = GENERATORS
) -> str:
    """Return `text` with every generated region rewritten; an unknown region name is an error.

    A region of `WRITTEN_ELSEWHERE` without a generator in `generators` is left as it is.
    """

    def replace(match: re.Match[str]) -> str:
        name = match["name"]
        generator = generators.get(name)
        if generator is None and name in WRITTEN_ELSEWHERE:
            return match[0]
        if generator is None:
            raise ValueError(f"{where}: unknown generated region {name!r} (known: {', '.join(generators)})")
        return match["begin"] + "\n" + generator() + "\n" + match["end"]

    return _REGION.sub(replace, text)


def _pages(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.md") if "<!-- generated: " in path.read_text("utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite (or with `--check`, compare) the generated regions of the pages under `--docs`."""
    parser = argparse.ArgumentParser(
        prog="python tools/docs_gen.py", description="Rewrite the generated regions of the docs."
    )
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="documentation root (default docs)")
    parser.add_argument("--check", action="store_true", help="only report pages that are out of date")
    args = parser.parse_args(argv)
    stale = []
    for page in _pages(args.docs):
        text = page.read_text("utf-8")
        rendered = render_page(text, where=str(page))
        if rendered == text:
            continue
        stale.append(page)
        if not args.check:
            page.write_text(rendered, "utf-8")
    verb = "out of date" if args.check else "rewritten"
    for page in stale:
        print(f"{page}: {verb}")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
