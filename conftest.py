"""Suite-wide set-up: the leak scan over every test, the oidc-provider fixture, a private token cache.

Retries run without their waits through `credflow_skip_retry_waits` in
pyproject.toml; the credflow pytest plugin restores the switch after each test.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.leakcheck", "tests.interop.oidc_provider_server"]


@pytest.fixture(autouse=True)
def _private_token_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test (and every process it starts) gets its own per-user file cache, never the real one."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
