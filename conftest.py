"""Suite-wide set-up: no waits between retries, and the leak scan over every test."""

from __future__ import annotations

import credflow

pytest_plugins = ["tests.leakcheck", "tests.interop.oidc_provider_server"]

# Retries still happen and their delays are still computed; only the sleeping is skipped.
credflow.set_testing(True)
