"""Loading the plugin: entry point, registration, and no SDK import until it is used."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from credflow import PluginHost


def test_entry_point_registers_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed distribution's entry point serves azure-kv."""
    monkeypatch.setenv("CREDFLOW_LOAD_PLUGINS", "azure-kv")
    host = PluginHost(source_settings={})
    registration = next(r for r in host.registrations if r.name == "azure-kv")

    assert ("secret-source", "credflow-azure", "azure-kv") == (
        registration.kind,
        registration.distribution,
        registration.plugin,
    )


def test_loading_does_not_import_the_sdk() -> None:
    """Importing credflow and loading every plugin imports no azure module."""
    code = textwrap.dedent(
        """
        import sys
        import credflow
        host = credflow.PluginHost()
        assert "azure-kv" in host.secret_schemes, host.secret_schemes
        print(sorted(m for m in sys.modules if m == "azure" or m.startswith("azure.")))
        """
    )
    env = {**os.environ, "CREDFLOW_LOAD_PLUGINS": "azure-kv"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60, env=env
    )

    assert "[]" == result.stdout.strip()
