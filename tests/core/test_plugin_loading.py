"""Loading plugins from the `credflow` entry-point group, with the allow-list and block-list.

The test distribution `tests/fixtures/credflow-testplugin` (entry point `testplugin-dict`, scheme
`dict`) is installed in the test environment by the nox `tests` session.
"""

from __future__ import annotations

import pytest

from credflow import PluginHost


def test_entry_point_plugins_are_loaded_with_their_distribution() -> None:
    """An installed plugin's scheme is registered and named with its distribution and version."""
    host = PluginHost()
    [registration] = [r for r in host.registrations if r.name == "dict"]
    assert ("testplugin-dict", "credflow-testplugin", "0.0.1") == (
        registration.plugin,
        registration.distribution,
        registration.version,
    )


def test_empty_allow_list_loads_no_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    """CREDFLOW_LOAD_PLUGINS='' loads only the built-in plugins."""
    monkeypatch.setenv("CREDFLOW_LOAD_PLUGINS", "")
    assert frozenset({"env", "file"}) == PluginHost().secret_schemes


@pytest.mark.parametrize("name", ["testplugin-dict", "credflow-testplugin"])
def test_allow_list_by_entry_point_or_distribution(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """CREDFLOW_LOAD_PLUGINS names entry points or distributions to load, and nothing else."""
    monkeypatch.setenv("CREDFLOW_LOAD_PLUGINS", name)
    assert frozenset({"env", "file", "dict"}) == PluginHost().secret_schemes


def test_block_list_skips_a_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    """CREDFLOW_BLOCK_PLUGINS keeps a plugin out even when it is installed."""
    monkeypatch.setenv("CREDFLOW_BLOCK_PLUGINS", "testplugin-dict")
    host = PluginHost()
    assert "dict" not in host.secret_schemes
    assert "env" in host.secret_schemes
