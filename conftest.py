"""Suite-wide set-up: the leak scan over every test and the oidc-provider fixture.

Retries run without their waits through `credflow_skip_retry_waits` in
pyproject.toml; the credflow pytest plugin restores the switch after each test.
"""

from __future__ import annotations

pytest_plugins = ["tests.leakcheck", "tests.interop.oidc_provider_server"]
