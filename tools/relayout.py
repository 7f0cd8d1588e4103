"""Point the credflow imports of files written against the old layout at the new one (issue 10).

The modules moved with `git mv` (history follows); code from another branch
that still imports `credflow.acquisition`, `credflow.schema`, … is rewritten
with `python tools/relayout.py tests plugins bench`: each
`from credflow.<old> import …` becomes the module's new home (`MOVES`).

`python tools/relayout.py --move` applies the moves themselves to a tree that
still has the old layout: it rewrites every import inside `src/credflow` for
the module's new place, every absolute import outside it, then `git mv`s each
module. Run it once, on a clean tree; the sub-packages' `__init__`s and the
splits of `schema.py` and `plugins.py` are not part of it.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from pathlib import Path

#: old module -> new module (dotted, from credflow)
MOVES = {
    "credflow.config": "credflow.config._client",
    "credflow.config_file": "credflow.config._file",
    "credflow.schema": "credflow.config._schema",  # build_client: _build, client_table and redaction: _show
    "credflow.validation": "credflow.config._checks",
    "credflow._plugin_settings": "credflow.config._plugin_settings",
    "credflow.secret": "credflow.secret._value",
    "credflow.reference": "credflow.secret._reference",
    "credflow.source": "credflow.secret._source",
    "credflow.secret_cache": "credflow.secret._cache",
    "credflow.secret_reads": "credflow.secret._bounded_reads",
    "credflow.sources._values": "credflow.secret._select",
    "credflow.sources.env": "credflow.secret.env",
    "credflow.sources.file": "credflow.secret.file",
    "credflow.plugins": "credflow.plugins._host",
    "credflow.audit": "credflow.plugins._audit_log",
    "credflow.transport": "credflow.transport._http",
    "credflow.retry": "credflow.transport._retry",
    "credflow.cache": "credflow.engine._cache",
    "credflow.engine": "credflow.engine._engine",
    "credflow.acquisition": "credflow.engine._acquisition",
    "credflow.effects": "credflow.engine._effects",
    "credflow.rotation": "credflow.engine._rotation",
    "credflow.auth": "credflow.http_auth",
    "credflow.security": "credflow._security",
    "credflow.doctor": "credflow.cli._doctor",
    "credflow.client_auth": "credflow.client_auth._methods",
    "credflow.tls_client": "credflow.client_auth._tls",
    "credflow.client_auth_check": "credflow.cli._client_auth_check",
    "credflow.file_cache": "credflow.engine._file_cache",
    "credflow.sealing": "credflow.engine._sealing",
    "credflow.telemetry": "credflow.config._telemetry",
}
#: old modules whose name is now a package re-exporting their public names
PACKAGES = ("config", "secret", "plugins", "engine", "transport", "client_auth")
#: `from credflow.sources import env` names a module, not a name in one
PACKAGE_MOVES = {"credflow.sources": "credflow.secret"}


def resolve(node: ast.ImportFrom, package: str) -> str:
    if node.level == 0:
        return node.module or ""
    base = package.split(".")
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def relative(target: str, package: str) -> str:
    """`target` as a relative import from inside `package`."""
    here, there = package.split("."), target.split(".")
    common = 0
    while common < min(len(here), len(there)) and here[common] == there[common]:
        common += 1
    dots = "." * (len(here) - common + 1)
    return dots + ".".join(there[common:])


def rewrite(text: str, old_package: str | None, new_package: str | None) -> str:
    """`text` with every credflow import pointed at the new layout."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []
    renamed: dict[str, str] = {}  # `import credflow.acquisition`: the module and its uses
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level and old_package is None:
                continue  # a relative import outside the package (tests' helpers)
            absolute = resolve(node, old_package) if (node.level and old_package) else (node.module or "")
            if not (absolute == "credflow" or absolute.startswith("credflow.")):
                continue
            names = [alias.name for alias in node.names]
            target = MOVES.get(absolute, absolute)
            if absolute in PACKAGE_MOVES:
                target = PACKAGE_MOVES[absolute]
            if absolute == "credflow" and node.level:
                # `from . import env as env_source` and friends: modules named from the package
                moved = {name: MOVES.get(f"credflow.{name}") for name in names}
                if any(moved.values()):
                    raise SystemExit(
                        f"cannot rewrite `from . import {names}` in {old_package}: do it by hand"
                    )
            if target == absolute and node.level == 0:
                continue
            spelled = relative(target, new_package) if (node.level and new_package) else target
            if (
                node.level
                and new_package
                and target == absolute
                and relative(absolute, new_package) == "." * node.level + (node.module or "")
            ):
                continue
            edits.append((node.lineno, node.col_offset, spelled))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MOVES and alias.name.rpartition(".")[2] not in PACKAGES:
                    renamed[alias.name] = MOVES[alias.name]
    # Replace the module part of each `from X import` statement only.
    for lineno, col, spelled in sorted(edits, reverse=True):
        line = lines[lineno - 1]
        head = line[col:]
        assert head.startswith("from "), head
        after_from = head[5:]
        module_end = after_from.index(" import")
        lines[lineno - 1] = line[:col] + "from " + spelled + after_from[module_end:]
    text = "".join(lines)
    for old, new in renamed.items():
        text = re.sub(rf"\b{re.escape(old)}\b", new, text)
    return text


def _module_of(path: Path, src: Path) -> str:
    parts = path.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def move(root: Path) -> None:
    """Rewrite imports for the new layout and `git mv` every module of `MOVES` (once, on a clean tree)."""
    src, package = root / "src", root / "src" / "credflow"
    plan: list[tuple[Path, Path]] = []
    for path in sorted(package.rglob("*.py")):
        old = _module_of(path, src)
        new = MOVES.get(old, old)
        is_init = path.name == "__init__.py"
        old_package = old if is_init else old.rpartition(".")[0]
        new_package = new if is_init else new.rpartition(".")[0]
        text = path.read_text("utf-8")
        out = rewrite(text, old_package, new_package)
        if out != text:
            path.write_text(out, "utf-8")
        if new != old:
            plan.append((path, src / Path(*new.split(".")).with_suffix(".py")))
    main(
        [
            str(root / name)
            for name in ("tests", "plugins", "bench", "tools", "conftest.py")
            if (root / name).exists()
        ]
    )
    for source, target in plan:
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "-C", str(root), "mv", str(source), str(target)], check=True)  # noqa: S603, S607


def main(argv: list[str] | None = None) -> int:
    """Rewrite the credflow imports of the files under each path (tests, plugins, bench, tools)."""
    parser = argparse.ArgumentParser(description="Point credflow imports at the layout of issue 10.")
    parser.add_argument(
        "--move", action="store_true", help="also move the modules (run from the repository root)"
    )
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    if args.move:
        move(Path.cwd())
        return 0
    for root in args.paths:
        for path in [root] if root.is_file() else sorted(root.rglob("*.py")):
            if "node_modules" in path.parts or path.name == "relayout.py":
                continue
            text = path.read_text("utf-8")
            out = rewrite(text, None, None)
            if out != text:
                path.write_text(out, "utf-8")
                print(f"rewrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
