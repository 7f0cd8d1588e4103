"""A client certificate and its key in Vault (KV v2), cached: rejected → fresh read → retry.

The source serves the pair from its cache; the rotation writes a new version and the server
accepts only the new certificate from then on. The next acquisition presents the cached pair,
is refused, reads the key and the certificate anew and is accepted with one more request.
"""

from __future__ import annotations

import credflow_vault.plugin
from credflow_vault.testing import VaultDevServer

from credflow import ClientConfig, PluginHost, RetryPolicy, TokenEngine

from ..client_auth.keys import SelfSigned, self_signed_certificate
from ..interop.oidc_provider_server import MutualTlsPki, OidcProviderServer

CLIENT = "billing"


def _register(server: OidcProviderServer, pair: SelfSigned) -> None:
    server.upsert_client(CLIENT, None, auth_method="self_signed_tls_client_auth", jwks={"keys": [pair.jwk]})


def test_refused_cached_certificate_is_read_anew_and_retried(
    vault: VaultDevServer,
    oidc_provider: OidcProviderServer,
    oidc_provider_pki: MutualTlsPki,
    secret_name: str,
) -> None:
    """Server switched to the new certificate, Vault's cached pair stale: 1 refusal, then a token."""
    old, new = self_signed_certificate(CLIENT), self_signed_certificate(CLIENT)
    _register(oidc_provider, old)
    vault.write_secret(secret_name, {"certificate": old.certificate_pem, "key": old.key_pem})
    host = PluginHost(
        source_settings={"vault": vault.source_settings(cache_ttl=3600)},
        plugins=(credflow_vault.plugin,),
        load_entry_points=False,
    )
    config = ClientConfig(
        client_id=CLIENT,
        auth_method="self_signed_tls_client_auth",
        client_certificate=f"vault:secret/{secret_name}#certificate",
        client_key=f"vault:secret/{secret_name}#key",
        issuer=oidc_provider.issuer,
        ca_bundle=str(oidc_provider_pki.ca_file),
        scopes=("api.read",),
        retry=RetryPolicy(attempts=2, deadline=10),
    )
    with TokenEngine(config, plugins=host) as engine:
        first = engine.get_token()
        vault.write_secret(secret_name, {"certificate": new.certificate_pem, "key": new.key_pem})
        _register(oidc_provider, new)  # the old certificate is no longer accepted
        before = oidc_provider.counters()
        engine.invalidate(first)  # as a 401 from the API would
        second = engine.get_token()
    after = oidc_provider.counters()
    expected = {"renewed": True, "token_requests": 2, "invalid_client": 1}
    actual = {
        "renewed": second.fingerprint != first.fingerprint,
        "token_requests": after["token_requests"] - before["token_requests"],
        "invalid_client": after["invalid_client"] - before["invalid_client"],
    }
    assert expected == actual
