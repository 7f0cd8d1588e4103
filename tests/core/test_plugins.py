"""PluginHost: registration, validation at load time, tracing, the resolution hook."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import pytest

from credflow import ConfigError, PluginError, PluginHost, SecretReference, SecretValue, hookimpl
from credflow.events import TokenIssued


class MisspeltHook:
    """Implements a hook that does not exist."""

    @hookimpl
    def credflow_register_secret_source(self, register: Any) -> None:  # missing the final "s"
        raise AssertionError("never called")


def test_misspelt_hook_fails_at_load_time() -> None:
    """A hook implementation with no matching spec is refused when plugins load."""
    with pytest.raises(PluginError, match="unknown hook.*credflow_register_secret_source"):
        PluginHost(plugins=(MisspeltHook(),), load_entry_points=False)


class EnvAgain:
    """Registers a scheme the core already serves."""

    @hookimpl
    def credflow_register_secret_sources(self, register: Any) -> None:
        register("env", lambda context: None)


def test_duplicate_scheme_is_refused() -> None:
    """Two plugins serving one scheme is an error naming both."""
    with pytest.raises(
        PluginError, match="secret-source 'env' is registered twice: by 'credflow.env' and by"
    ):
        PluginHost(plugins=(EnvAgain(),), load_entry_points=False)


class Settings:
    """Serves `mem:` with a source built from its settings table."""

    seen: ClassVar[dict[str, Any]] = {}

    @hookimpl
    def credflow_register_secret_sources(self, register: Any) -> None:
        def factory(context: Any) -> Any:
            Settings.seen = dict(context.settings)
            return Settings()

        register("mem", factory, description="test source")

    def fetch(self, reference: SecretReference, *, fresh: bool) -> SecretValue:
        return SecretValue(Settings.seen["prefix"] + reference.body)


def test_source_receives_its_settings_table_lazily() -> None:
    """The factory runs on first use with the [sources.<scheme>] table."""
    host = PluginHost(
        plugins=(Settings(),), source_settings={"mem": {"prefix": "p-"}}, load_entry_points=False
    )
    assert "mem" in host.secret_schemes
    value = host.resolve_secret(SecretReference.parse("mem:abc-value"), fresh=False)
    assert ("p-abc-value", {"prefix": "p-"}) == (value.reveal(), Settings.seen)


class Decrypting:
    """Intercepts resolution of `env:` references (e.g. to decrypt them)."""

    @hookimpl
    def credflow_resolve_secret(self, reference: SecretReference, fresh: bool) -> SecretValue | None:
        if reference.body == "WRAPPED":
            return SecretValue("unwrapped-value")
        return None


def test_resolution_hook_can_intercept_and_pass() -> None:
    """A plugin's resolve hook wins when it answers and passes with None."""
    host = PluginHost(plugins=(Decrypting(),), load_entry_points=False)
    assert (
        "unwrapped-value" == host.resolve_secret(SecretReference.parse("env:WRAPPED"), fresh=False).reveal()
    )
    with pytest.raises(Exception, match="CF_NOT_SET_ANYWHERE is not set"):
        host.resolve_secret(SecretReference.parse("env:CF_NOT_SET_ANYWHERE"), fresh=False)


class BrokenAudit:
    """An audit plugin that raises."""

    @hookimpl
    def credflow_token_issued(self, event: TokenIssued) -> None:
        raise RuntimeError("audit sink down")


def test_failing_audit_plugin_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    """An audit hook that raises does not break token acquisition."""
    from datetime import UTC, datetime

    host = PluginHost(plugins=(BrokenAudit(),), load_entry_points=False)
    now = datetime(2030, 1, 1, tzinfo=UTC)
    with caplog.at_level(logging.ERROR, logger="credflow.plugins"):
        host.emit(
            TokenIssued(
                client_id="a",
                token_endpoint="https://x",
                scopes=(),
                lifetime_seconds=1,
                expires_at=now,
                token_fingerprint="sha256:0",
            )
        )
    assert ["an audit plugin failed on TokenIssued"] == [record.getMessage() for record in caplog.records]


def test_trace_switch_prints_hook_calls(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """CREDFLOW_TRACE_PLUGINS=1 writes every hook call to stderr."""
    monkeypatch.setenv("CREDFLOW_TRACE_PLUGINS", "1")
    monkeypatch.setenv("CF_TRACE_SECRET", "trace-secret-value")
    host = PluginHost(load_entry_points=False)
    host.resolve_secret(SecretReference.parse("env:CF_TRACE_SECRET"), fresh=False)
    assert "credflow_resolve_secret" in capsys.readouterr().err


def test_registrations_name_their_plugin() -> None:
    """Built-in registrations say which plugin made them."""
    host = PluginHost(load_entry_points=False)
    assert {
        ("secret-source", "env", "credflow.env"),
        ("secret-source", "file", "credflow.file"),
        ("token-cache", "memory", "credflow.memory-cache"),
        ("token-cache", "file", "credflow.file-cache"),
    } == {(registration.kind, registration.name, registration.plugin) for registration in host.registrations}


def test_unknown_cache_backend_names_the_package() -> None:
    """Asking for a cache backend nobody registered says what to install."""
    with pytest.raises(
        PluginError, match=r"token cache backend 'redis' \(installed: file, memory\)\. Install it with"
    ):
        PluginHost(load_entry_points=False).token_cache("redis")


class Nested:
    """A source whose factory resolves its own credentials through another scheme."""

    @hookimpl
    def credflow_register_secret_sources(self, register: Any) -> None:
        def factory(context: Any) -> Any:
            credential = context.resolve("env:CF_NESTED_CREDENTIAL")
            return Nested.Source(credential.reveal())

        register("nested", factory)

    class Source:
        def __init__(self, credential: str) -> None:
            self.credential = credential

        def fetch(self, reference: SecretReference, *, fresh: bool) -> SecretValue:
            return SecretValue(f"{reference.body}-via-{self.credential}")


def test_source_factory_may_resolve_a_nested_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """A factory resolving another scheme's reference (an AppRole secret_id, say) does not deadlock."""
    monkeypatch.setenv("CF_NESTED_CREDENTIAL", "nested-credential")
    host = PluginHost(plugins=(Nested(),), load_entry_points=False)
    value = host.resolve_secret(SecretReference.parse("nested:billing"), fresh=False)
    assert "billing-via-nested-credential" == value.reveal()


class FactoryConfigError:
    """A source whose settings are wrong."""

    @hookimpl
    def credflow_register_secret_sources(self, register: Any) -> None:
        def factory(context: Any) -> Any:
            raise ConfigError("sources.broken.address: expected a URL")

        register("broken", factory)


def test_config_error_from_a_source_factory_passes_through() -> None:
    """A ConfigError from a source's settings reaches the caller as it is, not wrapped."""
    host = PluginHost(plugins=(FactoryConfigError(),), load_entry_points=False)
    with pytest.raises(ConfigError) as caught:
        host.resolve_secret(SecretReference.parse("broken:x"), fresh=False)
    assert "sources.broken.address: expected a URL" == str(caught.value)
