"""`credflow check` explains why a key, an assertion or a certificate was refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from credflow import set_testing
from credflow.cli._doctor import diagnose
from credflow.testing import AuthServer, ManualClock
from credflow.testing.pytest_plugin import AuthServerFactory

from .keys import new_key
from .workload import SERVICE_ACCOUNT, ClusterIssuer, ProjectedTokenVolume


@pytest.fixture(autouse=True)
def _no_retry_waits() -> object:
    """Retries happen without sleeping."""
    set_testing(True)
    yield
    set_testing(False)


def _fix(path: Path) -> str:
    """The fix `credflow check` gives for its first failed step (which must be "token issued")."""
    failure = diagnose(path).first_failure
    assert failure is not None
    assert ("token issued", "failed") == (failure.step, failure.status)
    return failure.fix or ""


def _config(tmp_path: Path, server: AuthServer, **settings: str) -> Path:
    """A credflow.toml with the one client "api" and `settings` (string values)."""
    lines = [f'{name} = "{value}"' for name, value in settings.items()]
    path = tmp_path / "credflow.toml"
    path.write_text(
        "[clients.api]\n"
        f'token_endpoint = "{server.token_endpoint}"\n'
        'scopes = ["api.read"]\n' + "\n".join(lines) + "\n[clients.api.retry]\nattempts = 1\n"
    )
    return path


def test_wrong_key_names_its_kid_and_what_to_register(server: AuthServer, tmp_path: Path) -> None:
    """A key the server does not know: the fix gives the key's kid and alg and says to register it."""
    registered, other = new_key("EC"), new_key("EC")
    server.add_client("signer", None, scopes=["api.read"], auth_methods=["private_key_jwt"])
    server.set_public_keys("signer", registered.public_set())
    (tmp_path / "key.pem").write_text(other.pem)
    path = _config(
        tmp_path,
        server,
        client_id="signer",
        auth_method="private_key_jwt",
        private_key=f"file:{tmp_path}/key.pem",
    )
    fix = _fix(path)
    assert (True, True, False) == (
        f"kid '{other.thumbprint}', alg ES256" in fix,
        "does not match a public key registered for client 'signer'" in fix,
        other.pem.splitlines()[1] in fix,
    )


def test_expired_assertion_reports_the_measured_clock_skew(
    credflow_auth_server_factory: AuthServerFactory, tmp_path: Path
) -> None:
    """A server whose clock is 10 minutes ahead refuses the assertion as expired; the fix measures 600 s."""
    clock = ManualClock()
    clock.advance(600)
    server = credflow_auth_server_factory(clock=clock)
    key = new_key("EC")
    server.add_client("signer", None, scopes=["api.read"], auth_methods=["private_key_jwt"])
    server.set_public_keys("signer", key.public_set())
    (tmp_path / "key.pem").write_text(key.pem)
    path = _config(
        tmp_path,
        server,
        client_id="signer",
        auth_method="private_key_jwt",
        private_key=f"file:{tmp_path}/key.pem",
    )
    fix = _fix(path)
    measured = int(fix.split("this host's clock is ", 1)[1].split(" s", 1)[0])
    assert (True, True) == ("expired or not yet valid" in fix, 590 <= measured <= 610)


def test_federated_token_for_another_subject_shows_its_claims(server: AuthServer, tmp_path: Path) -> None:
    """A projected token for the wrong service account: the fix shows iss, sub, aud to compare."""
    cluster = ClusterIssuer()
    server.add_client("billing", None, scopes=["api.read"], auth_methods=["private_key_jwt"])
    server.trust_federated_issuer(
        "billing", issuer=cluster.issuer, jwks=cluster.jwks, subject=SERVICE_ACCOUNT, audience="api://x"
    )
    (tmp_path / "volume").mkdir()
    reference = ProjectedTokenVolume(tmp_path / "volume").publish(cluster.token(audience="api://y"))
    path = _config(
        tmp_path, server, client_id="billing", auth_method="client_assertion", client_assertion=reference
    )
    fix = _fix(path)
    assert (True, True) == (f"sub '{SERVICE_ACCOUNT}'" in fix, "aud ['api://y']" in fix)
