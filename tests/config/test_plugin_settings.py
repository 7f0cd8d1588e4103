"""A plugin's declared settings are checked when the configuration loads, naming file, table and key."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from credflow import ConfigError, MemoryTokenCache, PluginHost, load_config
from credflow.plugin import (
    RegisterSecretSource,
    RegisterTokenCache,
    SecretValue,
    SettingsTable,
    SourceContext,
    boolean,
    choice,
    hookimpl,
    integer,
    seconds,
    string,
    table,
)

CLIENT = """
[clients.api]
token_endpoint = "https://login.example/token"
client_id = "api"
client_secret = "demo:api"
"""


def _no_mirrors(values: Mapping[str, Any]) -> None:
    if values["mirror"] is not None and values["mode"] == "direct":
        raise ConfigError("mirror: only with mode = 'mirrored'")


DEMO_SETTINGS = SettingsTable(
    (
        seconds("timeout", default=10.0, positive=True, help="Seconds per read."),
        integer("retries", default=2, minimum=0, maximum=10, help="Retries per read."),
        boolean("verify", default=True, help="Verify TLS."),
        choice("mode", ("direct", "mirrored"), default="direct", help="Where reads go."),
        string("mirror", help="The mirror host."),
        string("token", secret_reference=True, help="A reference to the API token."),
        table("login", (string("role", required=True, help="The role."),), help="How to log in."),
    ),
    check=_no_mirrors,
)
CACHE_SETTINGS = SettingsTable((seconds("timeout", default=0.5, positive=True, help="Seconds per call."),))
SEEN: list[Mapping[str, Any]] = []


class DemoSource:
    """Answers every reference with the same value."""

    def fetch(self, reference: object, *, fresh: bool) -> SecretValue:
        return SecretValue("demo-value")


def _demo_factory(context: SourceContext) -> DemoSource:
    SEEN.append(context.settings)
    return DemoSource()


@hookimpl
def credflow_register_secret_sources(register: RegisterSecretSource) -> None:
    """Serve `demo:` with declared settings."""
    register("demo", _demo_factory, settings=DEMO_SETTINGS)


@hookimpl
def credflow_register_token_caches(register: RegisterTokenCache) -> None:
    """A `shared` backend with declared settings."""
    register("shared", lambda context: MemoryTokenCache(), settings=CACHE_SETTINGS)


PLUGIN = SimpleNamespace(
    __name__="demo-plugin",
    credflow_register_secret_sources=credflow_register_secret_sources,
    credflow_register_token_caches=credflow_register_token_caches,
)


def load(tmp_path: Path, text: str) -> str:
    """The ConfigError message of loading `text`, from a file named credflow.toml."""
    path = tmp_path / "credflow.toml"
    path.write_text(CLIENT + text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={}, plugins=(PLUGIN,), load_entry_points=False)
    return str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('timeout = "soon"', "sources.demo.timeout: expected a number of seconds, got str"),
        ("timeout = 0", "sources.demo.timeout: expected a positive number of seconds, got 0"),
        ("bogus_key = 1", "sources.demo.bogus_key: unknown key (known keys: login, mirror, mode, retries,"),
        ("retires = 1", "sources.demo.retires: unknown key; did you mean 'retries'?"),
        ("retries = 11", "sources.demo.retries: expected an integer of at most 10, got 11"),
        ('verify = "yes"', "sources.demo.verify: expected true or false, got a string"),
        ('mode = "mirror"', "sources.demo.mode: expected one of 'direct', 'mirrored', got a string"),
        ('token = "s3cr3t-literal"', "sources.demo.token: expected a secret reference such as 'env:NAME'"),
        ('login = { rol = "x" }', "sources.demo.login.rol: unknown key; did you mean 'role'?"),
        ("login = {}", "sources.demo.login.role: missing; The role."),
        ('mirror = "m.example"', "sources.demo.mirror: only with mode = 'mirrored'"),
    ],
)
def test_bad_source_setting_names_file_table_and_key(tmp_path: Path, text: str, expected: str) -> None:
    """Each mistake in [sources.demo] is a load-time ConfigError: file, table.key, what is expected."""
    message = load(tmp_path, f"[sources.demo]\n{text}\n")

    assert message.startswith(f"{tmp_path / 'credflow.toml'}: {expected}")
    assert "s3cr3t-literal" not in message


def test_bad_cache_backend_setting_names_the_client_key(tmp_path: Path) -> None:
    """A backend's own key of [clients.X.cache] is checked against its declaration at load."""
    text = '[clients.api.cache]\nbackend = "shared"\ntimeuot = 1\n'

    message = load(tmp_path, text)

    expected = (
        f"{tmp_path / 'credflow.toml'}: clients.api.cache.timeuot: unknown key; did you mean 'timeout'?"
    )
    assert expected == message


def test_environment_override_is_named_as_the_place(tmp_path: Path) -> None:
    """A bad value set by a variable names the variable, not the file."""
    path = tmp_path / "credflow.toml"
    path.write_text(CLIENT, "utf-8")
    env = {"CREDFLOW_SOURCES__DEMO__TIMEOUT": '"soon"'}

    with pytest.raises(ConfigError) as caught:
        load_config(path, env=env, plugins=(PLUGIN,), load_entry_points=False)

    expected = "environment variable CREDFLOW_SOURCES__DEMO__TIMEOUT: sources.demo.timeout: expected a number"
    assert str(caught.value).startswith(expected)


def test_checked_settings_reach_the_factory_with_defaults(tmp_path: Path) -> None:
    """The factory receives the checked table, every default filled in; no token is needed to see it."""
    path = tmp_path / "credflow.toml"
    path.write_text(CLIENT + '[sources.demo]\ntimeout = 3\nlogin = { role = "reader" }\n', "utf-8")
    SEEN.clear()

    with load_config(path, env={}, plugins=(PLUGIN,), load_entry_points=False) as config:
        config.plugin_host().secret_source("demo")

    expected = {
        "timeout": 3.0,
        "retries": 2,
        "verify": True,
        "mode": "direct",
        "mirror": None,
        "token": None,
        "login": {"role": "reader"},
    }
    assert [expected] == [{**settings, "login": dict(settings["login"])} for settings in SEEN]


def test_host_without_a_file_checks_too() -> None:
    """A PluginHost given settings directly refuses them the same way, without a place."""
    with pytest.raises(ConfigError) as caught:
        PluginHost(source_settings={"demo": {"timeout": -1}}, plugins=(PLUGIN,), load_entry_points=False)

    assert "sources.demo.timeout: expected a positive number of seconds, got -1" == str(caught.value)
