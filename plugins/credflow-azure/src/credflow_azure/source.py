"""`azure-kv:` references read from Azure Key Vault with azure-keyvault-secrets.

One credential per source and one `SecretClient` per vault URL, both built on
first use and reused; reads go through credflow's `SecretCache` (TTL, fresh
reads, stale-if-error). This module imports the Azure SDK, so only the
plugin's factory imports it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError, ClientAuthenticationError
from azure.keyvault.secrets import SecretClient, SecretProperties

from credflow import SecretReference, SecretSourceError, SecretSourceUnavailableError, SecretValue
from credflow.plugin import SecretCache, select_value

from ._translate import is_transient, translate
from .address import SecretAddress, parse_address
from .credentials import build_credential
from .errors import AzureCredentialError, SecretDisabledError, SecretExpiredError
from .settings import AzureKeyVaultSettings

__all__ = ["AzureKeyVaultSource"]

logger = logging.getLogger("credflow.azure")

_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


class AzureKeyVaultSource:
    """Reads Key Vault secrets; knows the previous version during a rotation."""

    def __init__(self, settings: AzureKeyVaultSettings, resolve: Callable[[str], SecretValue]) -> None:
        self._settings = settings
        self._resolve = resolve
        self._lock = threading.Lock()
        self._credential: TokenCredential | None = None
        self._clients: dict[str, SecretClient] = {}
        self._cache = SecretCache(self._read, ttl=settings.cache_ttl, stale_if_error=settings.stale_if_error)

    # --- the SecretSource protocols --------------------------------------------

    def fetch(self, reference: SecretReference, *, fresh: bool) -> SecretValue:
        """Return the secret, from the cache unless `fresh` or older than `cache_ttl`."""
        return self._cache.fetch(reference, fresh=fresh)

    def rotation_candidates(self, reference: SecretReference) -> Sequence[SecretReference]:
        """The latest version, then the newest other enabled, unexpired version.

        A reference pinned to `?version=` has no alternative. When the versions
        cannot be listed (for example without `secrets/list`), the reason is
        logged and only `reference` is returned.
        """
        if "version" in reference.params:
            return [reference]
        address = parse_address(reference, vault_suffix=self._settings.vault_suffix)
        try:
            versions = list(self._client(address.vault_url).list_properties_of_secret_versions(address.name))
        except AzureError as exc:
            error = self._translate(exc, reference, address, operation="list versions of")
            logger.warning("no rotation candidates for %s: %s", reference, error)
            return [reference]
        newest_first = sorted(versions, key=_age_key, reverse=True)
        for properties in newest_first[1:]:
            if properties.version and properties.enabled and not self._expired(properties):
                return [reference, reference.with_params(version=properties.version)]
        return [reference]

    def close(self) -> None:
        """Close every vault client and the credential (their HTTP connection pools)."""
        with self._lock:
            clients, credential = list(self._clients.values()), self._credential
            self._clients.clear()
            self._credential = None
        for client in clients:
            client.close()
        close = getattr(credential, "close", None)
        if close is not None:
            close()

    # --- reading ----------------------------------------------------------------

    def _read(self, reference: SecretReference) -> SecretValue:
        address = parse_address(reference, vault_suffix=self._settings.vault_suffix)
        try:
            try:
                secret = self._client(address.vault_url).get_secret(address.name, address.version)
            except ClientAuthenticationError as exc:
                if is_transient(exc):
                    raise
                # A revoked token, or a credential whose own secret was rotated: the
                # SDK would keep both, so start again once with a new credential.
                self.close()
                secret = self._client(address.vault_url).get_secret(address.name, address.version)
        except AzureError as exc:
            raise self._translate(exc, reference, address) from exc
        except SecretSourceUnavailableError as exc:
            raise SecretSourceUnavailableError(
                f"secret {reference}: a secret the {self._settings.credential!r} credential "
                f"needs is unavailable: {exc}",
                reference=str(reference),
            ) from exc
        except (SecretSourceError, OSError, ValueError) as exc:
            # The credential's own material: a token file or certificate that cannot be
            # read or parsed, or a nested secret reference that cannot be resolved.
            self.close()
            raise AzureCredentialError(
                f"secret {reference}: the {self._settings.credential!r} credential for Key Vault "
                f"{address.vault_url} could not be used: {type(exc).__name__}: {exc}. Check "
                "sources.azure-kv (token_file_path, certificate_path, certificate, client_secret)",
                reference=str(reference),
            ) from exc
        properties = secret.properties
        where = f"Key Vault secret {address.name!r} in {address.vault_url}"
        if properties.enabled is False:
            raise SecretDisabledError(
                f"secret {reference}: version {properties.version} of {where} is disabled",
                reference=str(reference),
            )
        if self._expired(properties):
            assert properties.expires_on is not None
            raise SecretExpiredError(
                f"secret {reference}: version {properties.version} of {where} expired at "
                f"{properties.expires_on.isoformat()}; rotate it (set a new version) or extend "
                "its expiry, or set sources.azure-kv.allow_expired = true",
                reference=str(reference),
            )
        return select_value(secret.value or "", reference, where=where, version=properties.version)

    def _expired(self, properties: SecretProperties) -> bool:
        expires = properties.expires_on
        return not self._settings.allow_expired and expires is not None and expires <= dt.datetime.now(dt.UTC)

    def _translate(
        self,
        exc: AzureError,
        reference: SecretReference,
        address: SecretAddress,
        operation: str = "get",
    ) -> Exception:
        if isinstance(exc, ClientAuthenticationError):
            # The credential's own secret may have been rotated: build it again next time.
            self.close()
        return translate(exc, reference, address, credential=self._settings.credential, operation=operation)

    # --- clients -------------------------------------------------------------------

    def _transport(self) -> dict[str, Any]:
        options: dict[str, Any] = {"retry_total": self._settings.max_retries}
        if self._settings.ca_bundle is not None:
            options["connection_verify"] = self._settings.ca_bundle
        if self._settings.timeout is not None:
            options["connection_timeout"] = self._settings.timeout
            options["read_timeout"] = self._settings.timeout
        return options

    def _client(self, vault_url: str) -> SecretClient:
        client = self._clients.get(vault_url)
        if client is not None:
            return client
        credential = self._credential
        if credential is None:
            # Built outside the lock: it may resolve other secret references.
            credential = build_credential(self._settings, self._resolve, self._transport())
        with self._lock:
            if self._credential is None:
                self._credential = credential
            elif self._credential is not credential:
                getattr(credential, "close", lambda: None)()
                credential = self._credential
            client = self._clients.get(vault_url)
            if client is None:
                options = self._transport()
                if self._settings.api_version is not None:
                    options["api_version"] = self._settings.api_version
                client = SecretClient(
                    vault_url,
                    credential,
                    verify_challenge_resource=self._settings.verify_challenge_resource,
                    **options,
                )
                self._clients[vault_url] = client
            return client


def _age_key(properties: SecretProperties) -> tuple[dt.datetime, dt.datetime]:
    return (properties.created_on or _EPOCH, properties.updated_on or _EPOCH)
