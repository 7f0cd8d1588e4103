"""`AwsSecretsManagerSource`: reads `aws-sm:` references with GetSecretValue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from credflow import SecretReference, SecretSourceError, SecretValue
from credflow.plugin import SecretCache, select_value

from .clients import ClientPool
from .errors import translate
from .settings import AwsSettings
from .target import SecretTarget

__all__ = ["ROTATION_STAGES", "AwsSecretsManagerSource"]

#: The stages tried, in order, after a rejected AWSCURRENT value (rotation window).
ROTATION_STAGES = ("AWSPENDING", "AWSPREVIOUS")


class AwsSecretsManagerSource:
    """Reads secrets from AWS Secrets Manager, caching whole secrets per reference.

    The cache key is the reference without its `#key`, so `#client_id` and
    `#client_secret` of one JSON secret cost one GetSecretValue.
    """

    def __init__(self, settings: AwsSettings, *, clients: ClientPool | None = None) -> None:
        self._settings = settings
        self._clients = clients or ClientPool(settings)
        self._cache = SecretCache(self._read, ttl=settings.cache_ttl, stale_if_error=settings.stale_if_error)

    def fetch(self, reference: SecretReference, *, fresh: bool) -> SecretValue:
        """Return the secret (or one JSON field of it) for `reference`."""
        target = SecretTarget.of(reference)
        whole = self._cache.fetch(_without_key(reference), fresh=fresh)
        value = select_value(
            whole.reveal(),
            reference,
            where=f"AWS Secrets Manager secret {target.describe()}",
            version=whole.version,
        )
        return value.served_from_cache(stale=whole.stale) if whole.cached else value

    def rotation_candidates(self, reference: SecretReference) -> Sequence[SecretReference]:
        """AWSCURRENT, then AWSPENDING, then AWSPREVIOUS; a pinned stage or version only itself."""
        if SecretTarget.of(reference).pins_version:
            return [reference]
        return [reference] + [reference.with_params(**{"version-stage": stage}) for stage in ROTATION_STAGES]

    def close(self) -> None:
        """Close the boto3 clients' connection pools."""
        self._clients.close()

    def _read(self, reference: SecretReference) -> SecretValue:
        target = SecretTarget.of(reference)
        region = target.region or self._settings.region
        endpoint = self._settings.endpoint_url
        try:
            client = self._clients.client(region)
            endpoint = client.meta.endpoint_url
            region = client.meta.region_name
            response = client.get_secret_value(**target.request())
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, reference, target, region=region, endpoint=endpoint) from exc
        return SecretValue(_text(response, reference, target), version=response.get("VersionId"))


def _without_key(reference: SecretReference) -> SecretReference:
    return SecretReference(reference.scheme, reference.body, None, reference.params)


def _text(response: Mapping[str, Any], reference: SecretReference, target: SecretTarget) -> str:
    text = response.get("SecretString")
    if isinstance(text, str):
        return text
    binary = response.get("SecretBinary")
    if isinstance(binary, bytes | bytearray):
        try:
            return bytes(binary).decode("utf-8")
        except UnicodeDecodeError:
            raise SecretSourceError(
                f"secret {reference}: AWS Secrets Manager secret {target.describe()} holds "
                "SecretBinary that is not UTF-8 text; store the client secret as SecretString",
                reference=str(reference),
            ) from None
    raise SecretSourceError(
        f"secret {reference}: AWS Secrets Manager secret {target.describe()} has neither "
        "SecretString nor SecretBinary",
        reference=str(reference),
    )
