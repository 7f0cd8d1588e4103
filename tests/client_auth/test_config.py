"""The client-authentication settings in credflow.toml and ClientConfig: names, checks, errors."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import pytest
import trustme

from credflow import ClientConfig, ConfigError, SecretValue
from credflow.client_auth._methods import ClientCertificate
from credflow.client_auth._tls import ClientCertificateContexts
from credflow.config._file import load_config

from .keys import self_signed_certificate

ENDPOINT: dict[str, Any] = {"client_id": "billing", "token_endpoint": "https://auth.example.com/token"}


def test_every_method_loads_from_toml_with_the_issue_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One client per method, written with exactly the documented keys, loads."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CREDFLOW_CONFIG", raising=False)
    (tmp_path / "credflow.toml").write_text(
        """
[clients.hs]
client_id = "hs"
token_endpoint = "https://auth.example.com/token"
auth_method = "client_secret_jwt"
client_secret = "env:HS_SECRET"
signing_alg = "HS384"

[clients.pk]
client_id = "pk"
issuer = "https://auth.example.com"
auth_method = "private_key_jwt"
private_key = "file:/run/secrets/pk.pem"
key_id = "pk-2026"
signing_alg = "PS256"
certificate = "file:/run/secrets/pk.crt"
assertion_audience = "token_endpoint"
assertion_lifetime = 30
assertion_not_before = true

[clients.mtls]
client_id = "mtls"
token_endpoint = "https://auth.example.com/token"
auth_method = "tls_client_auth"
client_certificate = "file:/run/tls/tls.crt"
client_key = "file:/run/tls/tls.key"

[clients.self]
client_id = "self"
token_endpoint = "https://auth.example.com/token"
auth_method = "self_signed_tls_client_auth"
client_certificate = "file:/run/tls/tls.crt"
client_key = "file:/run/tls/tls.key"

[clients.workload]
client_id = "workload"
token_endpoint = "https://auth.example.com/token"
auth_method = "client_assertion"
client_assertion = "file:/var/run/secrets/tokens/token"
"""
    )
    config = load_config(load_entry_points=False)
    methods = {name: client.auth_method for name, client in config.clients.items()}
    references = {name: str(client.secret_reference) for name, client in config.clients.items()}
    assert {
        "hs": "client_secret_jwt",
        "pk": "private_key_jwt",
        "mtls": "tls_client_auth",
        "self": "self_signed_tls_client_auth",
        "workload": "client_assertion",
    } == methods
    assert "file:/run/secrets/pk.pem" == references["pk"]
    assert "file:/run/tls/tls.key" == references["mtls"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"auth_method": "private_key_jwt"}, "private_key: missing: a secret reference, needed by"),
        (
            {"auth_method": "private_key_jwt", "private_key": "env:K", "client_secret": "env:S"},
            "client_secret: not used by auth_method 'private_key_jwt'",
        ),
        ({"auth_method": "tls_client_auth", "client_key": "env:K"}, "client_certificate: missing"),
        (
            {"auth_method": "private_key_jwt", "private_key": "-----BEGIN PRIVATE KEY-----"},
            "private_key: expected a secret reference",
        ),
        (
            {"auth_method": "client_secret_jwt", "client_secret": "env:S", "signing_alg": "RS256"},
            "signing_alg: expected one of HS256, HS384, HS512 with client_secret_jwt",
        ),
        (
            {"auth_method": "client_secret_basic", "client_secret": "env:S", "signing_alg": "HS256"},
            "signing_alg: auth_method 'client_secret_basic' signs nothing",
        ),
        (
            {"auth_method": "client_assertion", "client_assertion": "env:A", "assertion_audience": "x"},
            "assertion_audience: expected 'issuer' or 'token_endpoint'",
        ),
        (
            {"auth_method": "client_secret_jwt", "client_secret": "env:S", "assertion_lifetime": 0},
            "assertion_lifetime: expected a positive number of seconds",
        ),
    ],
)
def test_invalid_settings_name_the_key(settings: dict[str, Any], message: str) -> None:
    """Each mistake is a ConfigError starting with the key to fix; a literal key is never echoed."""
    with pytest.raises(ConfigError) as caught:
        ClientConfig(**ENDPOINT, **settings)
    assert (True, False) == (str(caught.value).startswith(message), "BEGIN PRIVATE" in str(caught.value))


def test_client_certificate_files_are_gone_after_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PEMs are written 0600 in a 0700 directory for the load only: nothing is left behind."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR; restored by monkeypatch
    seen: list[tuple[int, int]] = []
    original = os.open

    def spying_open(path: Any, flags: int, mode: int = 0o777, *args: Any, **kwargs: Any) -> int:
        if str(path).startswith(str(tmp_path)) and str(path).endswith(".pem"):
            seen.append((stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode), mode))
        return original(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", spying_open)
    issued = self_signed_certificate()
    ClientCertificateContexts(None).context(
        ClientCertificate(issued.certificate_pem, SecretValue(issued.key_pem))
    )
    assert ([(0o700, 0o600)] * 2, []) == (seen, list(tmp_path.iterdir()))


def test_a_key_that_is_not_the_certificates_is_a_config_error() -> None:
    """A certificate with another key's PEM fails naming both settings, never the key."""
    ca = trustme.CA()
    one, other = ca.issue_cert("a.example"), ca.issue_cert("b.example")
    mismatched = ClientCertificate(
        one.cert_chain_pems[0].bytes().decode(), SecretValue(other.private_key_pem.bytes().decode())
    )
    with pytest.raises(ConfigError, match="^client_certificate / client_key: ") as caught:
        ClientCertificateContexts(None).context(mismatched)
    assert other.private_key_pem.bytes().decode().splitlines()[1] not in str(caught.value)
