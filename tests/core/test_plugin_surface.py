"""The public surface plugins build on: what they may import from credflow, and `credflow.__all__`.

The surface is written down here, once:

- a plugin's code imports only from `credflow` (what an application uses),
  `credflow.plugin` (the plugin kit), `credflow.hookspecs` (the contract) and
  `credflow.events` (audit records);
- a plugin's tests, benchmarks and test kit (its `testing.py`) may also import `credflow.testing`,
  `credflow.clock` (the engine's `ManualClock`, which tests move by hand) and
  `credflow.cli` to run a command (`main(["check", ...])`) in-process;
- every name imported from those modules is in that module's `__all__`, and
  none starts with `_`.

A plugin that needs more asks for it to be added to `credflow.plugin`.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import credflow

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ROOT / "plugins"
PUBLIC = ("credflow", "credflow.plugin", "credflow.hookspecs", "credflow.events")
PUBLIC_FOR_TESTS = (*PUBLIC, "credflow.testing", "credflow.clock", "credflow.cli")

EXPECTED_ALL = [
    "AgentError",
    "ApiError",
    "CachePolicy",
    "ClientConfig",
    "Clock",
    "ConfigError",
    "CredentialsRejectedError",
    "CredflowConfig",
    "CredflowError",
    "ExcessScopesError",
    "HttpxAuth",
    "InsecureTransportError",
    "MemoryTokenCache",
    "OAuthError",
    "PluginError",
    "PluginHost",
    "RequestsAuth",
    "RetriesExhaustedError",
    "RetryPolicy",
    "RotationPolicy",
    "SecretAccessDeniedError",
    "SecretNotFoundError",
    "SecretReference",
    "SecretSourceError",
    "SecretSourceUnavailableError",
    "SecretValue",
    "SinkPolicy",
    "SystemClock",
    "TelemetryConfig",
    "Token",
    "TokenEndpointError",
    "TokenEngine",
    "TokenResponseError",
    "UnknownSecretSchemeError",
    "__version__",
    "default_plugin_host",
    "fingerprint",
    "hookimpl",
    "load_config",
]


def _is_test_file(path: Path) -> bool:
    parts = path.relative_to(PLUGINS).parts
    # A plugin's `testing.py` is its kit for tests (a real server to test against), built on ours.
    return "tests" in parts or "bench" in parts or path.name in {"conftest.py", "testing.py"}


def credflow_imports(path: Path) -> list[tuple[int, str, str | None]]:
    """Every (line, module, name) of `credflow` imported by `path`; name is None for `import module`."""
    found: list[tuple[int, str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None:
            if node.module == "credflow" or node.module.startswith("credflow."):
                found.extend((node.lineno, node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend(
                (node.lineno, alias.name, None)
                for alias in node.names
                if alias.name == "credflow" or alias.name.startswith("credflow.")
            )
    return found


def offers(module: str, name: str) -> bool:
    """Whether public module `module` offers `name` (in its `__all__`, not private)."""
    return not name.startswith("_") and name in importlib.import_module(module).__all__


def surface_violations(path: Path, *, for_tests: bool, shown: str) -> list[str]:
    """What `path` imports from credflow beyond the public surface, one line each."""
    allowed = PUBLIC_FOR_TESTS if for_tests else PUBLIC
    problems = []
    for line, module, name in credflow_imports(path):
        if module not in allowed:
            problems.append(f"{shown}:{line}: imports module {module} (public: {', '.join(allowed)})")
        elif name is not None and not offers(module, name):
            problems.append(f"{shown}:{line}: imports {name} from {module}, which does not offer it")
    return problems


def test_plugins_import_only_the_public_surface() -> None:
    """No package under plugins/ imports a private name or a credflow module outside the surface."""
    files = sorted(PLUGINS.rglob("*.py"))
    assert len(files) > 20  # the four plugins are really there
    problems = [
        problem
        for path in files
        for problem in surface_violations(
            path, for_tests=_is_test_file(path), shown=str(path.relative_to(ROOT))
        )
    ]
    assert [] == problems


def test_the_surface_check_catches_a_private_import(tmp_path: Path) -> None:
    """A plugin module importing a private module, a name outside `__all__` or the testing kit is reported."""
    source = tmp_path / "source.py"
    source.write_text(
        "from credflow.sources._values import select_value\n"
        "from credflow import SourceContext\n"
        "from credflow.plugin import select_value as pick\n"
        "from credflow.testing import AuthServer\n",
        "utf-8",
    )

    problems = surface_violations(source, for_tests=False, shown="source.py")

    expected = [
        "source.py:1: imports module credflow.sources._values (public: "
        "credflow, credflow.plugin, credflow.hookspecs, credflow.events)",
        "source.py:2: imports SourceContext from credflow, which does not offer it",
        "source.py:4: imports module credflow.testing (public: "
        "credflow, credflow.plugin, credflow.hookspecs, credflow.events)",
    ]
    assert expected == problems


def test_credflow_all_is_what_applications_use() -> None:
    """`credflow.__all__` is pinned: a name added or removed is a decision, written here."""
    assert EXPECTED_ALL == credflow.__all__


def test_every_public_module_offers_what_its_all_lists() -> None:
    """Each name in the `__all__` of a public module is importable from it."""
    missing = [
        f"{module}.{name}"
        for module in PUBLIC_FOR_TESTS
        for name in importlib.import_module(module).__all__
        if not hasattr(importlib.import_module(module), name)
    ]
    assert [] == missing


def test_names_that_left_all_still_import_from_credflow() -> None:
    """Code written against 0.1 (`from credflow import SourceContext`) keeps working."""
    import credflow.plugin

    assert credflow.plugin.SourceContext is credflow.SourceContext
    assert credflow.plugin.SecretCache is credflow.SecretCache
