"""One client, three secret backends, switched by configuration alone, against a real server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from credflow.config._file import load_config
from credflow.testing import AuthServer


def client_table(server: AuthServer) -> str:
    return (
        "[clients.api]\n"
        f'token_endpoint = "{server.token_endpoint}"\n'
        f'client_id = "{server.test_client_id}"\n'
        'scopes = ["api.read"]\n'
    )


def call_api(config_path: Path, api_url: str) -> tuple[int, str | None]:
    """Get a token through the configuration and call the protected API with it."""
    config = load_config(config_path, env={})
    with config.engine() as engine, httpx.Client(auth=engine.httpx_auth()) as http:
        answer = http.get(f"{api_url}/read")
    return answer.status_code, answer.json().get("client_id")


def test_secret_from_file_then_environment_then_entry_point_plugin(
    credflow_auth_server: AuthServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """file:, env: and a plugin's dict: scheme (found by entry point) all get the same client a token."""
    server = credflow_auth_server
    config_path = tmp_path / "credflow.toml"
    secret_file = tmp_path / "client-secret"
    secret_file.write_text(server.test_client_secret + "\n")
    monkeypatch.setenv("API_CLIENT_SECRET", server.test_client_secret)
    backends = {
        "file": f'client_secret = "file:{secret_file}"\n',
        "env": 'client_secret = "env:API_CLIENT_SECRET"\n',
        "dict": (
            'client_secret = "dict:api"\n'
            f'[sources.dict]\nsecrets = {{ api = "{server.test_client_secret}" }}\n'
        ),
    }

    answers = {}
    for name, secret_line in backends.items():
        config_path.write_text(client_table(server) + secret_line)
        answers[name] = call_api(config_path, server.api_url)

    expected = (200, server.test_client_id)
    assert {"file": expected, "env": expected, "dict": expected} == answers
    assert 3 == server.counters.tokens_issued


def test_dict_scheme_comes_from_the_installed_test_distribution(tmp_path: Path) -> None:
    """The dict: scheme is registered by credflow-testplugin through its entry point, not by hand."""
    config_path = tmp_path / "credflow.toml"
    config_path.write_text('[sources.dict]\nsecrets = { a = "b" }\n')

    host = load_config(config_path, env={}).plugin_host()

    (registration,) = [r for r in host.registrations if r.kind == "secret-source" and r.name == "dict"]
    assert ("testplugin-dict", "credflow-testplugin") == (registration.plugin, registration.distribution)
