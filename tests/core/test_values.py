"""Secret values, references and tokens: what they show and how they compare."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import pytest

import credflow
from credflow import ConfigError, SecretReference, SecretValue, Token


def test_secret_value_never_shows_itself() -> None:
    """repr, str and format show a fingerprint, never the value."""
    secret = SecretValue("hunter2-value", version="v7")
    shown = [repr(secret), str(secret), f"{secret}", f"{secret!r}", "%s" % (secret,)]  # noqa: UP031
    assert all("hunter2-value" not in text for text in shown)
    assert f"SecretValue(<redacted {secret.fingerprint}>, version='v7')" == repr(secret)
    assert "hunter2-value" == secret.reveal()


def test_secret_value_cannot_be_pickled() -> None:
    """Pickling would write the secret somewhere; it is refused."""
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(SecretValue("hunter2-value"))


def test_secret_values_compare_by_value() -> None:
    """Two reads of the same secret are equal; a rotated one is not."""
    assert SecretValue("alpha-s3cret-9f2") == SecretValue("alpha-s3cret-9f2", cached=True)
    assert SecretValue("alpha-s3cret-9f2") != SecretValue("bravo-s3cret-9f2")


def test_cached_copy_keeps_value_and_marks_provenance() -> None:
    """served_from_cache marks a copy cached (and stale when asked)."""
    copy = SecretValue("alpha-s3cret-9f2", version="3").served_from_cache(stale=True)
    assert ("alpha-s3cret-9f2", "3", True, True) == (copy.reveal(), copy.version, copy.cached, copy.stale)


@pytest.mark.parametrize(
    ("text", "scheme", "body", "key", "params"),
    [
        ("env:BILLING", "env", "BILLING", None, {}),
        ("file:/run/secrets/app.json#client_secret", "file", "/run/secrets/app.json", "client_secret", {}),
        ("vault:secret/billing#pw?version=3", "vault", "secret/billing", "pw", {"version": "3"}),
        (
            "aws-sm:arn:aws:secretsmanager:eu-west-1:1:secret:app-x#k?version-stage=AWSPENDING",
            "aws-sm",
            "arn:aws:secretsmanager:eu-west-1:1:secret:app-x",
            "k",
            {"version-stage": "AWSPENDING"},
        ),
        ("azure-kv:https://v.vault.azure.net/app", "azure-kv", "https://v.vault.azure.net/app", None, {}),
    ],
)
def test_reference_parsing(
    text: str, scheme: str, body: str, key: str | None, params: dict[str, str]
) -> None:
    """The first colon splits the scheme; '#' the key; '?' the parameters."""
    reference = SecretReference.parse(text)
    assert (scheme, body, key, params) == (
        reference.scheme,
        reference.body,
        reference.key,
        dict(reference.params),
    )


@pytest.mark.parametrize("text", ["hunter2", "", "  ", "env:", "file:/x#", "vault:a?x"])
def test_bad_references_are_refused_without_echoing_them(text: str) -> None:
    """A literal or malformed reference raises ConfigError naming the key, not the value."""
    with pytest.raises(ConfigError) as caught:
        SecretReference.parse(text, config_key="clients.billing.client_secret")
    assert "clients.billing.client_secret" in str(caught.value)
    if len(text.strip()) > 4:
        assert text not in str(caught.value)


def test_reference_with_params_and_str_roundtrip() -> None:
    """with_params adds a parameter; str() gives a parseable reference back."""
    reference = SecretReference.parse("aws-sm:app#k").with_params(**{"version-stage": "AWSPREVIOUS"})
    assert "aws-sm:app#k?version-stage=AWSPREVIOUS" == str(reference)
    assert reference == SecretReference.parse(str(reference))


def test_token_repr_hides_the_access_token() -> None:
    """A token's repr shows its type and times, not its value."""
    now = datetime(2030, 1, 1, tzinfo=UTC)
    token = Token(
        access_token="eyJ-secret-token", token_type="bearer", issued_at=now, expires_at=now + timedelta(1)
    )
    assert "eyJ-secret-token" not in repr(token)
    assert "Bearer eyJ-secret-token" == token.authorization_header()


def test_public_names_are_exported_and_exist() -> None:
    """Every name in credflow.__all__ exists, and the issue's public API is among them."""
    assert all(hasattr(credflow, name) for name in credflow.__all__)
    required = {"ClientConfig", "TokenEngine", "Token", "hookimpl", "CredflowError"}
    assert required <= set(credflow.__all__)
