"""Suite-wide set-up: no waits between retries, a private token cache, and the leak scan over every test."""

from __future__ import annotations

import pytest

import credflow

pytest_plugins = ["tests.leakcheck", "tests.interop.oidc_provider_server"]

# Retries still happen and their delays are still computed; only the sleeping is skipped.
credflow.set_testing(True)


@pytest.fixture(autouse=True)
def _private_token_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test (and every process it starts) gets its own per-user file cache, never the real one."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
