"""Benchmark 4: the cost of one acquisition with each client-authentication method.

One `AuthServer`, one client per method (the secret methods and the JWT methods it speaks).
Each operation drops the engine's token and acquires a new one: the secret or key is read (from
the environment, cached), the assertion signed, the request sent and the answer parsed.
Operations of the method and of `client_secret_basic` alternate within each round, and the
figure is the method's time per acquisition over `client_secret_basic`'s (1.00 = as cheap).
The hot path (a cached token) does no signing at all, so it is not measured here.

The mutual-TLS methods need an HTTPS listener that asks for client certificates, which the
embedded server does not have: they are measured against oidc-provider (the interop server,
node) on its HTTPS listener, with a `client_secret_basic` client of that server on the same
listener as their baseline, so both sides pay the same TLS. The certificate and key are read
from files (re-read only when they change); a connection is kept per certificate, so what an
acquisition adds is the key/certificate check and the server's verification of the certificate.
Without node and the npm dependencies those rows say why they were not measured.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from measure import compare_operations
from report import Row

from credflow import ClientConfig, PluginHost, TokenEngine
from credflow.testing import AuthServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.client_auth.keys import KeyKind, new_key, self_signed_certificate
from tests.interop.oidc_provider_server import (
    MutualTlsPki,
    OidcProviderServer,
    missing_prerequisites,
)

__all__ = ["run"]

NAME = "client auth"
SCOPE = "api.read"
#: A cost ratio above this for an acquisition is reported as a miss (a speed goal: noisy machines).
GOAL_RATIO = 3.0
_ENVIRONMENT_PREFIX = "CREDFLOW_BENCH_AUTH_"
TLS_ROWS = ("tls_client_auth", "self_signed_tls_client_auth")


@contextmanager
def _engines() -> Iterator[dict[str, TokenEngine]]:
    """An engine per method against one server; credentials in environment variables."""
    secret = secrets.token_urlsafe(32)
    names: list[str] = []

    def variable(name: str, value: str) -> str:
        names.append(_ENVIRONMENT_PREFIX + name)
        os.environ[_ENVIRONMENT_PREFIX + name] = value
        return f"env:{_ENVIRONMENT_PREFIX}{name}"

    with ExitStack() as stack, AuthServer() as server:
        stack.callback(lambda: [os.environ.pop(name, None) for name in names])
        secret_reference = variable("SECRET", secret)
        server.add_client("basic", secret, scopes=[SCOPE], auth_methods=["client_secret_basic"])
        server.add_client("hmac", secret, scopes=[SCOPE], auth_methods=["client_secret_jwt"])
        settings: dict[str, dict[str, str]] = {
            "client_secret_basic": {"client_id": "basic", "client_secret": secret_reference},
            "client_secret_jwt": {
                "client_id": "hmac",
                "client_secret": secret_reference,
                "auth_method": "client_secret_jwt",
            },
        }
        kinds: tuple[tuple[str, KeyKind], ...] = (("RS256", "RSA"), ("ES256", "EC"), ("EdDSA", "OKP"))
        for alg, kind in kinds:
            key = new_key(kind)
            client_id = f"signer-{alg.lower()}"
            server.add_client(client_id, None, scopes=[SCOPE], auth_methods=["private_key_jwt"])
            server.set_public_keys(client_id, key.public_set())
            settings[f"private_key_jwt {alg}"] = {
                "client_id": client_id,
                "auth_method": "private_key_jwt",
                "private_key": variable(alg, key.pem),
            }
        engines = {}
        for method, chosen in settings.items():
            config = ClientConfig(token_endpoint=server.token_endpoint, scopes=(SCOPE,), **chosen)  # type: ignore[arg-type]
            engine = TokenEngine(config, plugins=PluginHost(load_entry_points=False))
            stack.callback(engine.close)
            engines[method] = engine
        yield engines


@contextmanager
def _mtls_engines(directory: Path) -> Iterator[dict[str, TokenEngine]]:
    """Engines at oidc-provider's HTTPS listener: the mTLS methods and a client_secret_basic baseline."""
    pki = MutualTlsPki.create(directory)
    secret = secrets.token_urlsafe(32)

    def write(name: str, text: str) -> str:
        path = directory / name
        path.write_text(text)
        path.chmod(0o600)
        return f"file:{path}"

    with ExitStack() as stack, OidcProviderServer(tls_files=pki.server_files) as server:
        server.upsert_client("basic", [secret])
        certificate, key = pki.client_certificate("billing.example")
        server.upsert_client(
            "mtls", None, auth_method="tls_client_auth", tls_client_auth_san_dns="billing.example"
        )
        issued = self_signed_certificate()
        server.upsert_client(
            "self", None, auth_method="self_signed_tls_client_auth", jwks={"keys": [issued.jwk]}
        )
        settings: dict[str, dict[str, str]] = {
            "client_secret_basic": {"client_id": "basic", "client_secret": write("secret", secret)},
            "tls_client_auth": {
                "client_id": "mtls",
                "auth_method": "tls_client_auth",
                "client_certificate": write("ca-issued.pem", certificate),
                "client_key": write("ca-issued-key.pem", key),
            },
            "self_signed_tls_client_auth": {
                "client_id": "self",
                "auth_method": "self_signed_tls_client_auth",
                "client_certificate": write("self-signed.pem", issued.certificate_pem),
                "client_key": write("self-signed-key.pem", issued.key_pem),
            },
        }
        engines = {}
        for method, chosen in settings.items():
            config = ClientConfig(
                token_endpoint=server.mtls_token_endpoint,
                ca_bundle=str(pki.ca_file),
                scopes=(SCOPE,),
                **chosen,  # type: ignore[arg-type]
            )
            engine = TokenEngine(config, plugins=PluginHost(load_entry_points=False))
            stack.callback(engine.close)
            engines[method] = engine
        yield engines


def _acquisition(engine: TokenEngine) -> Callable[[], object]:
    def acquire() -> object:
        engine.invalidate()
        return engine.get_token()

    return acquire


def _rows(engines: dict[str, TokenEngine], *, where: str, rounds: int, per_round: int) -> list[Row]:
    """One row per engine but the client_secret_basic one: its acquisition's cost over that one's."""
    rows: list[Row] = []
    baseline = _acquisition(engines.pop("client_secret_basic"))
    for _ in range(5):
        baseline()  # warm the connection and the secret cache
    for method, engine in engines.items():
        subject = _acquisition(engine)
        subject()
        comparison = compare_operations(subject, baseline, per_round=per_round, rounds=rounds)
        cost, low, high = 1 / comparison.ratio, 1 / comparison.high, 1 / comparison.low
        rows.append(
            Row(
                NAME,
                f"acquisition, {method}{where}",
                f"<= {GOAL_RATIO:g}x client_secret_basic",
                f"{cost:.2f}x ({low:.2f}-{high:.2f}; {1000 / comparison.subject:.2f} ms each)",
                "speed",
                passed=cost <= GOAL_RATIO,
                figures={
                    "cost_ratio": cost,
                    "ms": 1000 / comparison.subject,
                    "rounds": comparison.rounds,
                },
            )
        )
    return rows


def run(*, rounds: int, per_round: int) -> list[Row]:
    """One row per method: its acquisition's cost over client_secret_basic's at the same server."""
    with _engines() as engines:
        rows = _rows(engines, where="", rounds=rounds, per_round=per_round)
    problem = missing_prerequisites()
    if problem is not None:
        reason = f"not measured: oidc-provider (the server with an mTLS listener) cannot start: {problem}"
        return [*rows, *(Row(NAME, f"acquisition, {method}", "-", reason, "speed") for method in TLS_ROWS)]
    with (
        tempfile.TemporaryDirectory(prefix="credflow-bench-mtls-") as directory,
        _mtls_engines(Path(directory)) as engines,
    ):
        rows += _rows(engines, where=" (oidc-provider, HTTPS)", rounds=rounds, per_round=per_round)
    return rows
