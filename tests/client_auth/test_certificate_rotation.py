"""Rotating a client certificate keeps a service's calls succeeding (RFC 8705, against oidc-provider).

A service of four threads calls oidc-provider's protected API in a loop, dropping each token after
its call so that nearly every call is a new acquisition over mutual TLS. The certificate and key
files are then replaced the way Kubernetes (and cert-manager) replace a TLS secret, both in one
atomic swap, while the server accepts the old and the new certificate; then the server stops
accepting the old one. No call may fail, the server must never answer `invalid_client`, and a
client still holding the old certificate is refused at the end: the tokens that kept coming were
obtained with the new certificate.

- `self_signed_tls_client_auth`: the registration's `jwks` holds both certificates' JWKs (x5c),
  then the new one only.
- `tls_client_auth`: the new certificate has the same subject DN from the same CA, so the
  registration (by subject DN) needs no change; afterwards the registration is narrowed to the
  new certificate's SAN, which the old one does not carry.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from cryptography import x509

from credflow import (
    ClientConfig,
    PluginHost,
    RetryPolicy,
    SecretReference,
    SecretValue,
    TokenEngine,
    hookimpl,
)
from credflow.errors import ConfigError, CredentialsRejectedError

from ..interop.oidc_provider_server import MutualTlsPki, OidcProviderServer
from ..rotation.support import KubernetesSecretVolume
from .keys import self_signed_certificate

Method = Literal["tls_client_auth", "self_signed_tls_client_auth"]
CLIENT_ID = "billing"
WORKERS = 4
#: Successful calls each phase waits for before the next step; enough to span several acquisitions.
CALLS_PER_PHASE = 12
#: Tokens the server must issue after a step before the next one: with single flight, at most one
#: acquisition was already in flight at the step, so the others read the files as they are now.
ISSUED_AFTER_STEP = 3
PHASE_DEADLINE_SECONDS = 60.0


@dataclass
class _Pair:
    """A client certificate and its key (PEM), and how the server registers it."""

    certificate_pem: str
    key_pem: str
    registration: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Service:
    """Worker threads calling the API with a fresh token each time; what happened to every call."""

    engine: TokenEngine
    api_url: str
    successes: int = 0
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for index in range(WORKERS):
            thread = threading.Thread(target=self._work, name=f"service-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _work(self) -> None:
        with httpx.Client(trust_env=False) as api:
            while not self._stop.is_set():
                failure: str | None = None
                try:
                    token = self.engine.get_token()
                    response = api.get(
                        f"{self.api_url}/items", headers={"Authorization": f"Bearer {token.access_token}"}
                    )
                    if response.status_code != 200:
                        failure = f"API answered {response.status_code}"
                    self.engine.invalidate(token)  # the next call acquires anew
                except Exception as exc:  # every outcome is reported to the test, which asserts on them
                    failure = f"{type(exc).__name__}: {exc}"
                with self._changed:
                    if failure is None:
                        self.successes += 1
                    else:
                        self.failures.append(failure)
                    self._changed.notify_all()

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        """Return once `condition()` holds (checked after every call), failing after the deadline."""
        deadline = time.monotonic() + PHASE_DEADLINE_SECONDS
        with self._changed:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail(
                        f"the service did not reach {what} within {PHASE_DEADLINE_SECONDS} s; "
                        f"{self.successes} calls succeeded, failures: {self.failures[:3]}"
                    )
                self._changed.wait(remaining)

    def calls_after(self, successes: int) -> Callable[[], bool]:
        """A condition: CALLS_PER_PHASE more successful calls than `successes`."""
        return lambda: self.successes >= successes + CALLS_PER_PHASE

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(PHASE_DEADLINE_SECONDS)


@pytest.fixture
def engines() -> Iterator[Callable[..., TokenEngine]]:
    """mTLS engines for CLIENT_ID (closed after the test)."""
    made: list[TokenEngine] = []

    def make(
        volume: KubernetesSecretVolume, server: OidcProviderServer, pki: MutualTlsPki, method: Method
    ) -> TokenEngine:
        config = ClientConfig(
            client_id=CLIENT_ID,
            auth_method=method,
            client_certificate=f"file:{volume.path('tls.crt')}",
            client_key=f"file:{volume.path('tls.key')}",
            issuer=server.issuer,
            ca_bundle=str(pki.ca_file),
            scopes=("api.read",),
            retry=RetryPolicy(attempts=2, deadline=10),
        )
        engine = TokenEngine(config, plugins=PluginHost(load_entry_points=False))
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.close()


def _pairs(method: Method, pki: MutualTlsPki) -> tuple[_Pair, _Pair]:
    """The old and the new credential of `method`."""
    if method == "self_signed_tls_client_auth":
        made = [self_signed_certificate(CLIENT_ID) for _ in range(2)]
        old, new = (
            _Pair(issued.certificate_pem, issued.key_pem, {"jwks": {"keys": [issued.jwk]}}) for issued in made
        )
        return old, new
    pairs = []
    for generation in ("2026a", "2026b"):
        # The same subject DN for both generations: only the SAN tells them apart.
        issued = pki.ca.issue_cert(
            f"billing-{generation}.example",
            common_name="billing",
            organization_name="Example",
            organization_unit_name="payments",
        )
        pem = issued.cert_chain_pems[0].bytes().decode()
        san = f"billing-{generation}.example"
        pairs.append(_Pair(pem, issued.private_key_pem.bytes().decode(), {"tls_client_auth_san_dns": san}))
    return pairs[0], pairs[1]


def _subject_dn(certificate_pem: str) -> str:
    """The certificate's subject as RFC 4514 text: how the fixture compares `tls_client_auth_subject_dn`."""
    return x509.load_pem_x509_certificate(certificate_pem.encode()).subject.rfc4514_string()


def _register(server: OidcProviderServer, method: Method, **metadata: Any) -> None:
    server.upsert_client(CLIENT_ID, None, auth_method=method, **metadata)


def _volume(directory: Path, pair: _Pair) -> KubernetesSecretVolume:
    directory.mkdir()
    volume = KubernetesSecretVolume(directory)
    volume.write({"tls.crt": pair.certificate_pem, "tls.key": pair.key_pem})
    return volume


@pytest.mark.parametrize("method", ["self_signed_tls_client_auth", "tls_client_auth"])
def test_certificate_rotation_under_load_fails_no_call(
    method: Method,
    oidc_provider: OidcProviderServer,
    oidc_provider_pki: MutualTlsPki,
    engines: Callable[..., TokenEngine],
    tmp_path: Path,
) -> None:
    """Both certificates accepted, files swapped, old one dropped: 0 failed calls, the new one in use."""
    old, new = _pairs(method, oidc_provider_pki)
    before: dict[str, Any]
    overlap: dict[str, Any]
    if method == "self_signed_tls_client_auth":
        before = {"jwks": old.registration["jwks"]}
        overlap = {"jwks": {"keys": [*old.registration["jwks"]["keys"], *new.registration["jwks"]["keys"]]}}
    else:
        assert _subject_dn(old.certificate_pem) == _subject_dn(new.certificate_pem)
        before = overlap = {"tls_client_auth_subject_dn": _subject_dn(old.certificate_pem)}
    _register(oidc_provider, method, **before)
    volume = _volume(tmp_path / "volume", old)
    service = _Service(engines(volume, oidc_provider, oidc_provider_pki, method), oidc_provider.api_url)
    service.start()
    try:
        service.wait_for(service.calls_after(0), "its first calls with the old certificate")
        _register(oidc_provider, method, **overlap)
        volume.write({"tls.crt": new.certificate_pem, "tls.key": new.key_pem})
        issued = oidc_provider.counters()["tokens_issued"]
        service.wait_for(
            lambda: oidc_provider.counters()["tokens_issued"] >= issued + ISSUED_AFTER_STEP, "new tokens"
        )
        _register(oidc_provider, method, **new.registration)  # the old certificate no longer accepted
        issued, calls = oidc_provider.counters()["tokens_issued"], service.successes
        service.wait_for(
            lambda: (
                oidc_provider.counters()["tokens_issued"] >= issued + ISSUED_AFTER_STEP
                and service.calls_after(calls)()
            ),
            "calls with the new certificate alone",
        )
    finally:
        service.stop()
    refused_during = oidc_provider.counters()["invalid_client"]
    holdout = engines(_volume(tmp_path / "old", old), oidc_provider, oidc_provider_pki, method)
    with pytest.raises(CredentialsRejectedError):
        holdout.get_token()
    assert ([], 0) == (service.failures, refused_during)


# --- a rotation between the two reads ------------------------------------------------------------


class _SwappingStore:
    """A `pair:` secret source (`pair:tls.crt`, `pair:tls.key`) whose values a rotation swaps.

    `swap_after_key_reads` publishes the next pair right after that many reads of the key:
    the moment a rotation falls between an acquisition's read of the key and of the certificate.
    """

    def __init__(self, *pairs: _Pair, swap_after_key_reads: int | None = None) -> None:
        self.pairs = list(pairs)
        self.swap_after_key_reads = swap_after_key_reads
        self.reads: list[str] = []

    @hookimpl
    def credflow_register_secret_sources(self, register: Any) -> None:
        register("pair", lambda context: self)

    def fetch(self, reference: SecretReference, *, fresh: bool) -> SecretValue:
        self.reads.append(reference.body)
        pair = self.pairs[0]
        value = pair.key_pem if reference.body == "tls.key" else pair.certificate_pem
        if reference.body == "tls.key" and self.reads.count("tls.key") == self.swap_after_key_reads:
            self.pairs.pop(0)
        return SecretValue(value)


def _store_engine(store: _SwappingStore, server: OidcProviderServer, pki: MutualTlsPki) -> TokenEngine:
    config = ClientConfig(
        client_id=CLIENT_ID,
        auth_method="self_signed_tls_client_auth",
        client_certificate="pair:tls.crt",
        client_key="pair:tls.key",
        issuer=server.issuer,
        ca_bundle=str(pki.ca_file),
        scopes=("api.read",),
        retry=RetryPolicy(attempts=2, deadline=10),
    )
    return TokenEngine(config, plugins=PluginHost(plugins=(store,), load_entry_points=False))


def _swapped_mid_read(server: OidcProviderServer, pki: MutualTlsPki) -> _SwappingStore:
    """The old pair, swapped for the new one (the only one registered) right after the first key read."""
    old, new = _pairs("self_signed_tls_client_auth", pki)
    _register(server, "self_signed_tls_client_auth", **new.registration)
    return _SwappingStore(old, new, swap_after_key_reads=1)


def test_key_and_certificate_read_across_a_swap_are_read_again(
    oidc_provider: OidcProviderServer, oidc_provider_pki: MutualTlsPki
) -> None:
    """Old key, then new certificate (swapped between the reads): both read again, the new pair sent."""
    store = _swapped_mid_read(oidc_provider, oidc_provider_pki)
    with _store_engine(store, oidc_provider, oidc_provider_pki) as engine:
        scope = engine.get_token().scope
    expected = ("api.read", ["tls.key", "tls.crt", "tls.key", "tls.crt"], 0)
    assert expected == (scope, store.reads, oidc_provider.counters()["invalid_client"])


async def test_key_and_certificate_read_across_a_swap_are_read_again_async(
    oidc_provider: OidcProviderServer, oidc_provider_pki: MutualTlsPki
) -> None:
    """The async path reads the pair again the same way."""
    store = _swapped_mid_read(oidc_provider, oidc_provider_pki)
    with _store_engine(store, oidc_provider, oidc_provider_pki) as engine:
        scope = (await engine.aget_token()).scope
    expected = ("api.read", ["tls.key", "tls.crt", "tls.key", "tls.crt"], 0)
    assert expected == (scope, store.reads, oidc_provider.counters()["invalid_client"])


def test_key_of_another_certificate_is_a_clear_error_after_a_few_reads(
    oidc_provider: OidcProviderServer, oidc_provider_pki: MutualTlsPki
) -> None:
    """A key that never matches the certificate: read again a few times, then ConfigError naming both."""
    old, new = _pairs("self_signed_tls_client_auth", oidc_provider_pki)
    _register(oidc_provider, "self_signed_tls_client_auth", **new.registration)
    store = _SwappingStore(_Pair(new.certificate_pem, old.key_pem))
    with (
        _store_engine(store, oidc_provider, oidc_provider_pki) as engine,
        pytest.raises(ConfigError) as caught,
    ):
        engine.get_token()
    message = str(caught.value)
    assert (5, True, True, 0) == (
        store.reads.count("tls.key"),
        "client_certificate / client_key" in message,
        "could not be loaded together" in message,
        oidc_provider.counters()["token_requests"],
    )


def test_files_replaced_before_the_server_knows_the_certificate_is_a_refusal(
    oidc_provider: OidcProviderServer,
    oidc_provider_pki: MutualTlsPki,
    engines: Callable[..., TokenEngine],
    tmp_path: Path,
) -> None:
    """New pair in the files, only the old one registered: refused, naming the key, not a load error."""
    method: Method = "self_signed_tls_client_auth"
    old, new = _pairs(method, oidc_provider_pki)
    _register(oidc_provider, method, **old.registration)
    volume = _volume(tmp_path / "volume", old)
    engine = engines(volume, oidc_provider, oidc_provider_pki, method)
    first = engine.get_token()
    volume.write({"tls.crt": new.certificate_pem, "tls.key": new.key_pem})
    engine.invalidate(first)
    with pytest.raises(CredentialsRejectedError) as caught:
        engine.get_token()
    assert (True, "unregistered client certificate provided") == (
        volume.path("tls.key") in str(caught.value),
        oidc_provider.last_client_auth_error(),
    )
