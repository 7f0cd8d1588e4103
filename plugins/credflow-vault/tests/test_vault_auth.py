"""Authenticating to a real OpenBao dev server: token, AppRole, JWT and Kubernetes logins."""

from __future__ import annotations

import functools
import time
import uuid
from pathlib import Path

import credflow_vault.source
import pytest
from credflow_vault.source import VaultSecretSource
from credflow_vault.testing import VaultDevServer
from joserfc.jwk import ECKey
from vault_helpers import MakeHost, read, signed_jwt, vault_source

from credflow import SecretAccessDeniedError
from credflow.clock import ManualClock


@pytest.fixture
def billing_secret(vault_server: VaultDevServer, secret_path: str) -> str:
    """A KV v2 secret at secret/<random> holding client_secret=billing-secret; its path."""
    vault_server.write_secret(secret_path, {"client_secret": "billing-secret"})
    return secret_path


@pytest.fixture
def reader_policy(vault_server: VaultDevServer, billing_secret: str) -> str:
    """A policy that can read only the billing secret; its name."""
    name = f"read-{billing_secret}"
    vault_server.create_policy(name, [f"secret/data/{billing_secret}"])
    return name


@pytest.fixture
def jwt_key() -> ECKey:
    """A locally generated P-256 key the jwt auth backend is told to trust."""
    return ECKey.generate_key("P-256")


# --- token ------------------------------------------------------------------


def test_token_from_secret_reference(make_host: MakeHost, billing_secret: str) -> None:
    """`auth.token` is a secret reference to the token (here a file: reference)."""
    value = read(make_host(), f"vault:secret/{billing_secret}#client_secret")

    expected = "billing-secret"
    assert expected == value.reveal()


def test_token_from_vault_token_variable(
    vault_server: VaultDevServer,
    make_host: MakeHost,
    billing_secret: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without `auth.token`, VAULT_TOKEN is used."""
    monkeypatch.setenv("VAULT_TOKEN", vault_server.root_token)

    value = read(make_host(auth={"method": "token"}), f"vault:secret/{billing_secret}#client_secret")

    expected = "billing-secret"
    assert expected == value.reveal()


def test_token_from_vault_token_file(
    vault_server: VaultDevServer,
    make_host: MakeHost,
    billing_secret: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Without `auth.token` or VAULT_TOKEN, ~/.vault-token is used."""
    monkeypatch.delenv("VAULT_TOKEN", raising=False)
    monkeypatch.delenv("BAO_TOKEN", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".vault-token").write_text(vault_server.root_token + "\n")

    value = read(make_host(auth={"method": "token"}), f"vault:secret/{billing_secret}#client_secret")

    expected = "billing-secret"
    assert expected == value.reveal()


def test_no_token_anywhere_says_where_to_put_one(
    make_host: MakeHost, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With no token configured, in the environment or in ~/.vault-token, the error lists all three."""
    monkeypatch.delenv("VAULT_TOKEN", raising=False)
    monkeypatch.delenv("BAO_TOKEN", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))

    with pytest.raises(SecretAccessDeniedError) as caught:
        read(make_host(auth={"method": "token"}), "vault:secret/billing#client_secret")

    message = str(caught.value)
    assert "sources.vault.auth.token" in message
    assert "VAULT_TOKEN" in message
    assert "~/.vault-token" in message


def test_invalid_token_is_access_denied(
    vault_server: VaultDevServer, make_host: MakeHost, billing_secret: str
) -> None:
    """A token Vault does not know is SecretAccessDeniedError naming the path and `read`."""
    token_file = vault_server.write_file("bad-token", "not-a-real-token")
    host = make_host(auth={"method": "token", "token": f"file:{token_file}"})

    with pytest.raises(SecretAccessDeniedError) as caught:
        read(host, f"vault:secret/{billing_secret}#client_secret")

    expected = f'path "secret/data/{billing_secret}" {{ capabilities = ["read"] }}'
    assert expected in str(caught.value)


# --- AppRole ------------------------------------------------------------------


def approle_settings(vault_server: VaultDevServer, policy: str, **role: str) -> dict[str, str]:
    """Create an AppRole with `policy`; return the `auth` table logging in with it."""
    name = f"role-{uuid.uuid4().hex[:8]}"
    role_id, secret_id = vault_server.create_approle(name, policies=[policy], **role)
    secret_id_file = vault_server.write_file(f"{name}-secret-id", secret_id)
    return {"method": "approle", "role_id": role_id, "secret_id": f"file:{secret_id_file}"}


def test_approle_reads_the_allowed_path(
    vault_server: VaultDevServer, make_host: MakeHost, billing_secret: str, reader_policy: str
) -> None:
    """An AppRole login whose secret_id comes from a file: reference reads its path."""
    host = make_host(auth=approle_settings(vault_server, reader_policy))

    value = read(host, f"vault:secret/{billing_secret}#client_secret")

    expected = ("billing-secret", 1)
    assert expected == (value.reveal(), vault_source(host).logins)


def test_approle_denied_elsewhere_names_path_and_capability(
    vault_server: VaultDevServer, make_host: MakeHost, reader_policy: str, secret_path: str
) -> None:
    """A read outside the policy is SecretAccessDeniedError with the policy rule to add."""
    other = f"{secret_path}-other"
    vault_server.write_secret(other, {"client_secret": "not-yours"})
    host = make_host(auth=approle_settings(vault_server, reader_policy))

    with pytest.raises(SecretAccessDeniedError) as caught:
        read(host, f"vault:secret/{other}#client_secret")

    message = str(caught.value)
    assert f"Vault denied read on secret/data/{other}" in message
    assert f'path "secret/data/{other}" {{ capabilities = ["read"] }}' in message
    assert "not-yours" not in message


def test_approle_wrong_secret_id_is_refused_login(
    vault_server: VaultDevServer, make_host: MakeHost, billing_secret: str, reader_policy: str
) -> None:
    """A secret_id Vault does not accept fails the login with a message naming the settings."""
    auth = approle_settings(vault_server, reader_policy)
    auth["secret_id"] = f"file:{vault_server.write_file('wrong-secret-id', str(uuid.uuid4()))}"

    with pytest.raises(SecretAccessDeniedError) as caught:
        read(make_host(auth=auth), f"vault:secret/{billing_secret}#client_secret")

    message = str(caught.value)
    assert "approle login at auth/approle/login was refused" in message
    assert "role_id and secret_id" in message


def test_short_lived_login_token_is_renewed(
    vault_server: VaultDevServer,
    make_host: MakeHost,
    billing_secret: str,
    reader_policy: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past 2/3 of its 6 s TTL the token is renewed, and it outlives its first TTL."""
    # The source's clock is the test's: when it renews is decided here, not by the machine's load.
    clock = ManualClock()
    monkeypatch.setattr(
        credflow_vault.source,
        "VaultSecretSource",
        functools.partial(VaultSecretSource, clock=clock.monotonic),
    )
    auth = approle_settings(vault_server, reader_policy, token_ttl="6s", token_max_ttl="60s")
    host = make_host(auth=auth)
    reference = f"vault:secret/{billing_secret}#client_secret"
    read(host, reference)
    logged_in = time.monotonic()

    # Vault expires tokens on its own clock, so real time must pass: renew halfway through the real
    # TTL (3 s of slack either side for a loaded machine), then read once the first TTL has passed.
    time.sleep(3.0)
    clock.advance(4.2)  # past 2/3 of the TTL for the source: this read renews
    read(host, reference)
    time.sleep(max(0.0, logged_in + 6.2 - time.monotonic()))
    clock.advance(2.6)  # 2.6 s into the renewed TTL: not yet 2/3, no second renewal
    value = read(host, reference)

    source = vault_source(host)
    expected = ("billing-secret", 1, 1)
    assert expected == (value.reveal(), source.logins, source.renewals)


def test_revoked_login_token_logs_in_again(
    vault_server: VaultDevServer, make_host: MakeHost, billing_secret: str, reader_policy: str
) -> None:
    """After the token is revoked the read gets 403, logs in again and succeeds."""
    host = make_host(auth=approle_settings(vault_server, reader_policy))
    reference = f"vault:secret/{billing_secret}#client_secret"
    read(host, reference)
    source = vault_source(host)
    vault_server.admin.auth.token.revoke(source._client.token)

    value = read(host, reference)

    expected = ("billing-secret", 2)
    assert expected == (value.reveal(), source.logins)


# --- JWT and Kubernetes --------------------------------------------------------


def test_jwt_login_with_a_locally_signed_token(
    vault_server: VaultDevServer,
    make_host: MakeHost,
    billing_secret: str,
    reader_policy: str,
    jwt_key: ECKey,
) -> None:
    """The jwt method presents the JWT from a secret reference to a role trusting the key."""
    mount = f"jwt-{uuid.uuid4().hex[:6]}"
    vault_server.configure_jwt_auth(
        mount=mount,
        public_key_pem=jwt_key.as_pem(private=False).decode(),
        role="billing",
        policies=[reader_policy],
    )
    token_file = vault_server.write_file(f"{mount}.jwt", signed_jwt(jwt_key, subject="ci-job"))
    host = make_host(auth={"method": "jwt", "role": "billing", "jwt": f"file:{token_file}", "mount": mount})

    value = read(host, f"vault:secret/{billing_secret}#client_secret")

    expected = ("billing-secret", 1)
    assert expected == (value.reveal(), vault_source(host).logins)


def test_jwt_signed_by_an_untrusted_key_is_refused(
    vault_server: VaultDevServer,
    make_host: MakeHost,
    billing_secret: str,
    reader_policy: str,
    jwt_key: ECKey,
) -> None:
    """A JWT the backend cannot verify fails the login naming the role settings."""
    mount = f"jwt-{uuid.uuid4().hex[:6]}"
    vault_server.configure_jwt_auth(
        mount=mount,
        public_key_pem=jwt_key.as_pem(private=False).decode(),
        role="billing",
        policies=[reader_policy],
    )
    forged = signed_jwt(ECKey.generate_key("P-256"), subject="ci-job")
    token_file = vault_server.write_file(f"{mount}.jwt", forged)
    host = make_host(auth={"method": "jwt", "role": "billing", "jwt": f"file:{token_file}", "mount": mount})

    with pytest.raises(SecretAccessDeniedError) as caught:
        read(host, f"vault:secret/{billing_secret}#client_secret")

    assert f"jwt login at auth/{mount}/login was refused" in str(caught.value)


def test_kubernetes_method_reads_the_service_account_token_file(
    vault_server: VaultDevServer,
    make_host: MakeHost,
    billing_secret: str,
    reader_policy: str,
    jwt_key: ECKey,
) -> None:
    """The kubernetes method logs in with the JWT file at `jwt_path`.

    OpenBao's kubernetes backend validates tokens with a TokenReview call to a
    Kubernetes API server, which these tests do not have; the jwt backend takes
    the same `{role, jwt}` login body, so it checks the client side end to end.
    """
    mount = f"k8s-{uuid.uuid4().hex[:6]}"
    subject = "system:serviceaccount:billing:api"
    vault_server.configure_jwt_auth(
        mount=mount,
        public_key_pem=jwt_key.as_pem(private=False).decode(),
        role="billing-api",
        policies=[reader_policy],
        subject=subject,
    )
    token_path = vault_server.write_file(f"{mount}-sa-token", signed_jwt(jwt_key, subject=subject))
    host = make_host(
        auth={"method": "kubernetes", "role": "billing-api", "jwt_path": token_path, "mount": mount}
    )

    value = read(host, f"vault:secret/{billing_secret}#client_secret")

    expected = ("billing-secret", 1)
    assert expected == (value.reveal(), vault_source(host).logins)


def test_kubernetes_method_without_token_file(make_host: MakeHost, tmp_path: Path) -> None:
    """A missing service-account token file is an access error naming the path and setting."""
    missing = tmp_path / "token"
    host = make_host(auth={"method": "kubernetes", "role": "api", "jwt_path": str(missing)})

    with pytest.raises(SecretAccessDeniedError) as caught:
        read(host, "vault:secret/billing#client_secret")

    message = str(caught.value)
    assert str(missing) in message
    assert "sources.vault.auth.jwt_path" in message


def test_approle_role_id_from_a_reference(
    vault_server: VaultDevServer, make_host: MakeHost, billing_secret: str, reader_policy: str
) -> None:
    """`role_id` may itself be a secret reference (delivered in a file like the secret_id)."""
    auth = approle_settings(vault_server, reader_policy)
    auth["role_id"] = f"file:{vault_server.write_file(f'{billing_secret}-role-id', auth['role_id'])}"

    value = read(make_host(auth=auth), f"vault:secret/{billing_secret}#client_secret")

    expected = "billing-secret"
    assert expected == value.reveal()
