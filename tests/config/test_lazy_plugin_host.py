"""Built-in plugins alone: the configuration is checked without a PluginHost, built on first use."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from credflow import ConfigError, PluginHost, load_config
from credflow.plugins._builtin import BUILTIN_CACHE_BACKENDS, BUILTIN_SECRET_SCHEMES
from credflow.testing import AuthServer

from .conftest import WriteConfig

SECRET_VARIABLE = "LAZY_HOST_TEST_SECRET"


@pytest.fixture
def server(credflow_auth_server: AuthServer) -> AuthServer:
    """The local authorization server and its test client."""
    return credflow_auth_server


class _NoHooks:
    """A plugin that implements nothing: passing it makes load_config build its host at once."""


def _client(server: AuthServer, **keys: str) -> str:
    table = {
        "token_endpoint": server.token_endpoint,
        "client_id": server.test_client_id,
        "client_secret": f"env:{SECRET_VARIABLE}",
        **keys,
    }
    return "[clients.api]\n" + "".join(f'{key} = "{value}"\n' for key, value in table.items())


def _error_of(path: Path, *, eager: bool) -> str:
    plugins: tuple[object, ...] = (_NoHooks(),) if eager else ()
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={}, load_entry_points=False, plugins=plugins)
    return str(caught.value)


def test_builtin_names_are_those_a_host_of_builtin_plugins_serves() -> None:
    """The schemes and backends known without a host are exactly what a built-in-only host registers."""
    host = PluginHost(load_entry_points=False)

    assert (BUILTIN_SECRET_SCHEMES, BUILTIN_CACHE_BACKENDS) == (host.secret_schemes, host.cache_backends)


def test_builtin_plugins_declare_no_settings() -> None:
    """No built-in scheme or backend declares settings, so checking them without a host skips nothing."""
    host = PluginHost(load_entry_points=False)

    assert [] == [entry.name for entry in host.registrations if entry.settings is not None]


@pytest.mark.parametrize(
    ("keys", "table"),
    [
        ({"client_secret": "vault:kv/data/app#secret"}, ""),
        ({"client_secret": "s3cr3t-literal"}, ""),
        ({"client_secret": "nosuch:thing"}, ""),
        ({"client_secret": "env:"}, ""),
        ({}, '[clients.api.cache]\nbackend = "redis"\n'),
        ({}, '[clients.api.cache]\nbackend = "file"\ndirectory = "/tmp/x"\nrenew_fractio = 0.5\n'),
        ({}, '[clients.api.rotation]\nfallback_secrets = ["aws-sm:prod/app"]\n'),
    ],
    ids=[
        "plugin-scheme",
        "literal",
        "unknown-scheme",
        "malformed",
        "plugin-backend",
        "misspelt-cache-key",
        "fallback",
    ],
)
def test_load_errors_are_those_of_a_built_host(
    write_config: WriteConfig, server: AuthServer, keys: dict[str, str], table: str
) -> None:
    """Each client error reads the same whether the host was built at load or is left for later."""
    path = write_config(_client(server, **keys) + table)

    assert _error_of(path, eager=True) == _error_of(path, eager=False)


def test_an_environment_sources_table_is_checked_at_load(
    write_config: WriteConfig, server: AuthServer
) -> None:
    """A [sources.X] table from the environment builds the host at load and is refused there as before."""
    path = write_config(_client(server))

    with pytest.raises(ConfigError) as caught:
        load_config(path, env={"CREDFLOW_SOURCES__NOSUCH__URL": "x"}, load_entry_points=False)

    assert "sources.nosuch: no installed plugin serves the secret scheme 'nosuch'" in str(caught.value)


def test_the_host_is_built_once_on_first_use(
    write_config: WriteConfig, server: AuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Threads asking for the host together get one PluginHost, and its engine gets a token."""
    monkeypatch.setenv(SECRET_VARIABLE, server.test_client_secret)
    config = load_config(write_config(_client(server)), load_entry_points=False)
    barrier = threading.Barrier(8)
    hosts: list[PluginHost] = []

    def ask() -> None:
        barrier.wait(timeout=30)
        hosts.append(config.plugin_host())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with config:
        token = config.engine().get_token()

    assert (1, True, 1) == (
        len({id(host) for host in hosts}),
        hosts[0] is config.plugin_host(),
        server.counters.token_requests,
    )
    assert token.access_token


async def test_an_engine_of_a_lazy_host_gets_a_token_async(
    write_config: WriteConfig, server: AuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The async path of an engine made from a configuration whose host was built on first use."""
    monkeypatch.setenv(SECRET_VARIABLE, server.test_client_secret)
    config = load_config(write_config(_client(server)), load_entry_points=False)

    with config:
        token = await config.engine().aget_token()

    assert (1, "Bearer") == (server.counters.token_requests, token.token_type)


def test_show_builds_the_host_it_needs(write_config: WriteConfig, server: AuthServer) -> None:
    """`as_dict` (credflow config show) of a lazily hosted configuration reads as an eager one."""
    path = write_config(_client(server))

    lazy = load_config(path, env={}, load_entry_points=False).as_dict()
    eager = load_config(path, env={}, load_entry_points=False, plugins=(_NoHooks(),)).as_dict()

    assert eager == lazy


def test_loading_and_closing_built_in_only_imports_no_pluggy(
    write_config: WriteConfig, server: AuthServer
) -> None:
    """Loading and closing such a configuration imports neither pluggy nor the host; asking for it does."""
    path = write_config(_client(server))
    script = (
        "import json, sys\nfrom credflow import load_config\n"
        f"config = load_config({str(path)!r}, env={{}}, load_entry_points=False)\n"
        "config.close()\nbefore = 'pluggy' in sys.modules or 'credflow.plugins._host' in sys.modules\n"
        "config.plugin_host()\nprint(json.dumps([before, 'pluggy' in sys.modules]))"
    )

    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)

    assert [False, True] == json.loads(output.stdout)
