"""The pytest fixtures and the foreground dev server."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import threading

import httpx

from credflow.testing import AuthServer, wait_until
from credflow.testing.devserver import run_dev_server
from credflow.testing.pytest_plugin import AuthServerFactory


def test_fixture_server_has_test_client(credflow_auth_server: AuthServer, http: httpx.Client) -> None:
    """The fixture's server is running and its test client gets tokens."""
    response = http.post(
        credflow_auth_server.token_endpoint,
        data={"grant_type": "client_credentials"},
        auth=(credflow_auth_server.test_client_id, credflow_auth_server.test_client_secret),
    )
    expected = ("test-client", 200, "api.read api.write")
    actual = (credflow_auth_server.test_client_id, response.status_code, response.json()["scope"])
    assert expected == actual


def test_factory_starts_independent_servers(
    credflow_auth_server_factory: AuthServerFactory,
) -> None:
    """Each factory call starts its own server with the given settings."""
    first = credflow_auth_server_factory(token_lifetime=5)
    second = credflow_auth_server_factory()
    expected = (True, True, 5, True)
    actual = (first.running, second.running, first.token_lifetime, first.issuer != second.issuer)
    assert expected == actual


_BLOCK_TESTING_EXTRA = """
import sys

class BlockTestingExtra:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"authlib", "flask", "joserfc", "werkzeug"}:
            raise ImportError(f"{name} is blocked")
        return None

sys.meta_path.insert(0, BlockTestingExtra())
import credflow.testing.pytest_plugin
print(sorted(m for m in sys.modules if m.split(".")[0] in {"authlib", "flask"}))
"""


def test_plugin_imports_without_testing_extra() -> None:
    """The pytest plugin loads where Authlib and Flask are not installed."""
    result = subprocess.run(
        [sys.executable, "-c", _BLOCK_TESTING_EXTRA],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (0, "[]") == (result.returncode, result.stdout.strip())


def test_dev_server_serves_until_stopped(http: httpx.Client) -> None:
    """The dev server prints its endpoints, issues tokens, and stops when told."""
    out = io.StringIO()
    stop = threading.Event()
    runner = threading.Thread(
        target=run_dev_server, kwargs={"port": 0, "out": out, "stop": stop}, daemon=True
    )
    runner.start()
    wait_until(lambda: "Ctrl-C" in out.getvalue(), message="the dev server printed its endpoints")
    match = re.search(r"token endpoint: +(\S+)", out.getvalue())
    assert match is not None
    response = http.post(
        match.group(1),
        data={"grant_type": "client_credentials"},
        auth=("dev-client", "dev-secret"),
    )
    stop.set()
    runner.join(timeout=5)
    assert (200, False) == (response.status_code, runner.is_alive())
