"""Benchmark 4: the cost of one acquisition with each client-authentication method.

One `AuthServer`, one client per method (the secret methods and the JWT methods it speaks; the
mutual-TLS methods need an HTTPS listener with client certificates, which the embedded server
does not have). Each operation drops the engine's token and acquires a new one: the secret or key
is read (from the environment, cached), the assertion signed, the request sent and the answer
parsed. Operations of the method and of `client_secret_basic` alternate within each round, and
the figure is the method's time per acquisition over `client_secret_basic`'s (1.00 = as cheap).
The hot path (a cached token) does no signing at all, so it is not measured here.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from measure import compare_operations
from report import Row

from credflow import ClientConfig, PluginHost, TokenEngine
from credflow.testing import AuthServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.client_auth.keys import KeyKind, new_key

__all__ = ["run"]

NAME = "client auth"
SCOPE = "api.read"
#: A cost ratio above this for an acquisition is reported as a miss (a speed goal: noisy machines).
GOAL_RATIO = 3.0
_ENVIRONMENT_PREFIX = "CREDFLOW_BENCH_AUTH_"


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


def _acquisition(engine: TokenEngine) -> Callable[[], object]:
    def acquire() -> object:
        engine.invalidate()
        return engine.get_token()

    return acquire


def run(*, rounds: int, per_round: int) -> list[Row]:
    """One row per method: its acquisition's cost over client_secret_basic's."""
    rows: list[Row] = []
    with _engines() as engines:
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
                    f"acquisition, {method}",
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
