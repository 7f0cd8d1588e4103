"""`credflow check` and `credflow config show` are provider-aware."""

from __future__ import annotations

from pathlib import Path

import pytest

from credflow.cli import main
from credflow.testing.providers import Auth0Imitation

from .conftest import SECRET, SECRET_ENV

API = "https://api.acme.example"


def write_config(
    tmp_path: Path, auth0: Auth0Imitation, *, audience: str = API, scopes: str = '["read:invoices"]'
) -> Path:
    """A credflow.toml with one auth0 client pointed at the imitation."""
    path = tmp_path / "credflow.toml"
    path.write_text(
        "[clients.billing]\n"
        'provider = "auth0"\n'
        'domain = "acme.eu.auth0.com"\n'
        f'audience = "{audience}"\n'
        'client_id = "m2m"\n'
        f'client_secret = "env:{SECRET_ENV}"\n'
        f"scopes = {scopes}\n"
        f'token_endpoint = "{auth0.token_endpoint}"\n'
    )
    return path


@pytest.fixture
def auth0(credflow_auth0: Auth0Imitation, monkeypatch: pytest.MonkeyPatch) -> Auth0Imitation:
    """The Auth0 imitation with API and client m2m, its secret in the environment."""
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.delenv("CREDFLOW_CONFIG", raising=False)
    credflow_auth0.apis.add(API)
    credflow_auth0.add_client("m2m", SECRET, grants={API: ("read:invoices", "write:invoices")})
    return credflow_auth0


def test_check_names_provider_and_derived_endpoints(
    auth0: Auth0Imitation, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reachable step names the provider and what it derived, and that token_endpoint overrides it."""
    code = main(["check", "--config", str(write_config(tmp_path, auth0))])
    out = capsys.readouterr().out
    assert 0 == code
    assert (
        "provider auth0 (Auth0): derived token endpoint https://acme.eu.auth0.com/oauth/token "
        "(token_endpoint overrides it)" in out
    )


def test_check_gives_the_providers_own_fix(
    auth0: Auth0Imitation, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failure's fix line is the provider's fix, in the user's terms."""
    main(["check", "--config", str(write_config(tmp_path, auth0, audience="https://wrong"))])
    out = capsys.readouterr().out
    assert (
        "fix: Auth0: the API identifier in audience ('https://wrong') is not registered in tenant "
        "acme.eu.auth0.com" in out
    )


def test_check_names_extra_scopes_and_where_to_remove_them(
    auth0: Auth0Imitation, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A token broader than asked gets a least-privilege line naming the scopes and the place to fix."""
    main(["check", "--config", str(write_config(tmp_path, auth0, scopes="[]"))])
    out = capsys.readouterr().out
    assert (
        "LEAST PRIVILEGE: client_id 'm2m' was granted scopes it did not ask for: read:invoices write:invoices"
        in out
    )
    assert "Machine to Machine Applications" in out


def test_config_show_prints_what_the_profile_derived(
    auth0: Auth0Imitation, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """config show lists the derived endpoints and marks the overridden one."""
    assert 0 == main(["config", "show", "--config", str(write_config(tmp_path, auth0))])
    out = capsys.readouterr().out
    assert "# clients.billing: provider auth0 (Auth0) derived" in out
    assert (
        f"#   token_endpoint = https://acme.eu.auth0.com/oauth/token (overridden: {auth0.token_endpoint})"
        in out
    )
    assert "#   discovery = https://acme.eu.auth0.com/.well-known/openid-configuration" in out
