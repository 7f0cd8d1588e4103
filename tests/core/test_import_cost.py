"""`import credflow` stays light; the CLI imports only what a command needs (no httpx for a cached token)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from credflow.testing import AuthServer

HEAVY = ("boto3", "botocore", "hvac", "azure", "redis", "cryptography", "authlib", "flask", "requests")


def imported_after(code: str) -> list[str]:
    """The top-level modules a fresh interpreter has imported after running `code`."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    output = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    return list(json.loads(output.stdout.splitlines()[-1]))


def modules_after(code: str) -> set[str]:
    """Every module (dotted names included) a fresh interpreter has imported after running `code`."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    output = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    return set(json.loads(output.stdout.splitlines()[-1]))


def test_import_credflow_imports_no_plugin_and_no_sdk() -> None:
    """Importing the package loads none of the plugins nor their SDKs, installed or not."""
    modules = imported_after("import credflow")
    assert [] == [name for name in modules if name.startswith(HEAVY) or name.startswith("credflow_")]


PLUGIN_MODULES = {"credflow_aws", "credflow_vault", "credflow_azure", "credflow_redis"}


def test_plugins_are_found_from_their_metadata_without_importing_them() -> None:
    """A PluginHost knows the schemes and caches plugins declare, yet imports none of them."""
    modules = imported_after(
        "import credflow\nhost = credflow.PluginHost()\n"
        "assert {'vault', 'aws-sm', 'azure-kv'} <= host.secret_schemes, host.secret_schemes\n"
        "assert 'redis' in host.cache_backends, host.cache_backends"
    )
    assert set() == PLUGIN_MODULES & set(modules)


def test_using_a_backend_imports_only_its_plugin() -> None:
    """The first use of a declared backend imports that plugin alone, not the others."""
    modules = imported_after(
        "import credflow\ncredflow.PluginHost().token_cache('redis', {'url': 'redis://127.0.0.1:1'})"
    )
    assert {"credflow_redis"} == PLUGIN_MODULES & set(modules)


def test_listing_plugins_imports_every_plugin_but_no_sdk() -> None:
    """`host.plugins` (credflow plugins) imports every plugin module, their SDKs only on first use."""
    modules = imported_after("import credflow\ncredflow.PluginHost().plugins")
    assert PLUGIN_MODULES <= set(modules)
    assert [] == [name for name in modules if name.startswith(HEAVY)]


def test_every_public_name_resolves_lazily() -> None:
    """Each name of `credflow.__all__` is importable from the package, and nothing else is advertised."""
    modules = imported_after(
        "import credflow\nmissing = [n for n in credflow.__all__ if getattr(credflow, n, None) is None]\n"
        "assert not missing, missing"
    )
    assert "credflow" in modules


def test_version_imports_no_http_client_and_no_plugin_machinery() -> None:
    """`credflow --version` imports the parser and nothing of the engine: no httpx, pluggy, tenacity."""
    modules = imported_after(
        "from credflow.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass"
    )
    assert [] == [name for name in modules if name in {"httpx", "pluggy", "tenacity", "asyncio", "ssl"}]


def test_warm_token_imports_no_http_client(
    server: AuthServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A `credflow token` served from the file cache imports neither httpx, tenacity, asyncio nor ssl."""
    config = tmp_path / "credflow.toml"
    config.write_text(
        f'[clients.api]\ntoken_endpoint = "{server.token_endpoint}"\n'
        f'client_id = "{server.test_client_id}"\nclient_secret = "env:TEST_CLIENT_SECRET"\n'
    )
    warm_up = subprocess.run(
        [sys.executable, "-m", "credflow", "token", "--config", str(config)], capture_output=True, check=False
    )
    assert 0 == warm_up.returncode
    # The module `credflow.cli.main`, not the package's `main` (which tries the shortcut first): the
    # normal warm path, which answers whenever the shortcut cannot (tests/cli/test_token_fast_path.py).
    code = (
        "import contextlib, io\nfrom credflow.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['token', '--config', {str(config)!r}]) == 0"
    )

    modules = imported_after(code)

    assert ([], 1) == (
        [name for name in modules if name in {"httpx", "tenacity", "asyncio", "ssl"}],
        server.counters.token_requests,
    )


# What a `credflow token` answered from the file cache must not import: the engine's flow and its
# events, provider profiles, client authentication beyond a secret, entry-point metadata (and the
# email package it pulls in), the HTTP date parser, what only writing, locking or retrying needs.
NOT_ON_THE_WARM_PATH = {
    "credflow.engine._acquisition",
    "credflow.engine._effects",
    "credflow.engine._engine",
    "credflow.transport._http",
    "credflow.client_auth",
    "credflow.providers",
    "credflow._engine_events",
    "importlib.metadata",
    "email.utils",
    "tempfile",
    "secrets",
    "random",
    "concurrent.futures",
}


def test_warm_token_imports_only_what_reading_the_cache_needs(
    server: AuthServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm `credflow token` (secret method) imports no engine, profile, client_auth or metadata code."""
    config = tmp_path / "credflow.toml"
    config.write_text(
        f'[clients.api]\ntoken_endpoint = "{server.token_endpoint}"\n'
        f'client_id = "{server.test_client_id}"\nclient_secret = "env:TEST_CLIENT_SECRET"\n'
    )
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    warm_up = subprocess.run(
        [sys.executable, "-m", "credflow", "token", "--config", str(config)], capture_output=True, check=False
    )
    assert 0 == warm_up.returncode
    # The module `credflow.cli.main`, not the package's `main` (which tries the shortcut first): the
    # normal warm path, which answers whenever the shortcut cannot (tests/cli/test_token_fast_path.py).
    code = (
        "import contextlib, io\nfrom credflow.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['token', '--config', {str(config)!r}]) == 0"
    )

    modules = modules_after(code)

    assert ([], 1) == (sorted(NOT_ON_THE_WARM_PATH & modules), server.counters.token_requests)


def test_engine_events_resolve_from_credflow_events() -> None:
    """`credflow.events` loads the engine's events on first use; every name of its `__all__` resolves."""
    modules = modules_after(
        "import sys\nimport credflow.events as events\n"
        "assert 'credflow._engine_events' not in sys.modules\n"
        "missing = [n for n in events.__all__ if not issubclass(getattr(events, n), events.AuditEvent)]\n"
        "assert not missing, missing"
    )
    assert "credflow._engine_events" in modules


# The plugin machinery a warm `credflow token` of built-in plugins does without: pluggy, the host
# and its hook specifications, the configuration printer, the engine's events, fuzzy matching.
NO_PLUGIN_HOST = {
    "pluggy",
    "credflow.hookspecs",
    "credflow.plugins._host",
    "credflow.plugins._resolution",
    "credflow.plugins._loading",
    "credflow.config._plugin_settings",
    "credflow.config._show",
    "credflow.events",
    "difflib",
}


@pytest.mark.parametrize("scheme", ["env", "file"])
def test_warm_token_builds_no_plugin_host(
    server: AuthServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    """A warm `credflow token` reads an env: or file: secret by its built-in source: no pluggy, no host."""
    secret_file = tmp_path / "secret"
    secret_file.write_text(server.test_client_secret)
    secret_file.chmod(0o600)
    reference = "env:TEST_CLIENT_SECRET" if scheme == "env" else f"file:{secret_file}"
    config = tmp_path / "credflow.toml"
    config.write_text(
        f'[clients.api]\ntoken_endpoint = "{server.token_endpoint}"\n'
        f'client_id = "{server.test_client_id}"\nclient_secret = "{reference}"\n'
    )
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    warm_up = subprocess.run(
        [sys.executable, "-m", "credflow", "token", "--config", str(config)], capture_output=True, check=False
    )
    assert 0 == warm_up.returncode
    # The module `credflow.cli.main`, not the package's `main` (which tries the shortcut first): the
    # normal warm path, which answers whenever the shortcut cannot (tests/cli/test_token_fast_path.py).
    code = (
        "import contextlib, io\nfrom credflow.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['token', '--config', {str(config)!r}]) == 0"
    )

    modules = modules_after(code)

    assert ([], 1) == (sorted(NO_PLUGIN_HOST & modules), server.counters.token_requests)
