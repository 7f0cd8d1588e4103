"""`vault:<mount>/<path>#<key>[?version=N]`: one key of a Vault / OpenBao KV secret."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import hvac  # type: ignore[import-untyped,unused-ignore]  # hvac ships no types
import hvac.exceptions  # type: ignore[import-untyped,unused-ignore]
import requests

from credflow import SecretNotFoundError, SecretSourceError, SecretValue
from credflow.plugin import SecretCache, SecretReference, select_value

from ._errors import translate
from .auth import TokenKeeper
from .settings import VaultSettings

__all__ = ["VaultSecretSource"]

logger = logging.getLogger("credflow_vault")

_T = TypeVar("_T")
_PARAMS = frozenset({"version"})


@dataclass(frozen=True, slots=True)
class _Location:
    """Where a reference points: the KV mount, the secret path and the version asked for."""

    mount: str
    path: str
    kv_version: int
    version: int | None

    @property
    def data_path(self) -> str:
        """The API path a read hits (what a policy must allow)."""
        if self.kv_version == 1:
            return f"{self.mount}/{self.path}"
        return f"{self.mount}/data/{self.path}"

    @property
    def metadata_path(self) -> str:
        return f"{self.mount}/metadata/{self.path}"

    @property
    def name(self) -> str:
        return f"{self.mount}/{self.path}"


class VaultSecretSource:
    """Reads KV v1/v2 secrets, caching each reference and keeping its own token fresh."""

    def __init__(
        self,
        settings: VaultSettings,
        *,
        resolve: Callable[[str], SecretValue],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        # token="" stops hvac from reading VAULT_TOKEN itself: the TokenKeeper decides.
        self._client = hvac.Client(
            url=settings.address,
            token="",
            verify=settings.verify,
            timeout=settings.timeout,
            namespace=settings.namespace,
        )
        self._keeper = TokenKeeper(
            self._client,
            settings.auth,
            address=settings.address,
            resolve=resolve,
            clock=clock,
        )
        self._cache = SecretCache(
            self._read,
            ttl=settings.cache_ttl,
            stale_if_error=settings.stale_if_error,
            clock=clock,
        )

    # --- the SecretSource protocols --------------------------------------------

    def fetch(self, reference: SecretReference, *, fresh: bool) -> SecretValue:
        """Return the secret, from the cache unless `fresh` or expired."""
        return self._cache.fetch(reference, fresh=fresh)

    def rotation_candidates(self, reference: SecretReference) -> Sequence[SecretReference]:
        """The reference, then (KV v2, no pinned version) the newest older live version."""
        location = self._locate(reference)
        if location.kv_version == 1 or location.version is not None:
            return [reference]
        try:
            response = self._call(
                reference,
                lambda client: client.secrets.kv.v2.read_secret_metadata(
                    path=location.path, mount_point=location.mount
                ),
            )
        except Exception as exc:  # any failure leaves just the reference itself
            error = translate(exc, reference, address=self._settings.address, api_path=location.metadata_path)
            logger.warning("no rotation candidates for %s: %s", reference, error)
            return [reference]
        previous = _previous_live_version(_mapping(_mapping(response).get("data")))
        if previous is None:
            return [reference]
        return [reference, reference.with_params(version=str(previous))]

    # --- introspection and lifetime ----------------------------------------------

    @property
    def logins(self) -> int:
        """How many times the source logged in to Vault (0 with the token method)."""
        return self._keeper.logins

    @property
    def renewals(self) -> int:
        """How many times the source renewed its login token."""
        return self._keeper.renewals

    def forget(self, reference: SecretReference | None = None) -> None:
        """Drop cached values (all, or one reference's)."""
        self._cache.forget(reference)

    def close(self) -> None:
        """Close the HTTP connections to Vault."""
        self._client.adapter.close()

    # --- reading ----------------------------------------------------------------

    def _locate(self, reference: SecretReference) -> _Location:
        unknown = set(reference.params) - _PARAMS
        if unknown:
            raise SecretSourceError(
                f"secret {reference}: unknown parameter {sorted(unknown)[0]!r}; vault: "
                "references accept only ?version=N",
                reference=str(reference),
            )
        body = reference.body.strip("/")
        mount = ""
        # The longest configured mount wins, so mounts may contain slashes ("team/kv").
        for candidate in sorted(self._settings.mounts, key=len, reverse=True):
            if body.startswith(candidate + "/"):
                mount = candidate
                break
        if not mount:
            mount = body.split("/", 1)[0]
        path = body[len(mount) :].strip("/")
        if not path:
            raise SecretSourceError(
                f"secret {reference}: names the mount {mount!r} but no secret in it; write "
                f"vault:{mount}/<path>#<key>",
                reference=str(reference),
            )
        kv_version = self._settings.mounts.get(mount, 2)
        version = None
        raw_version = reference.params.get("version")
        if raw_version is not None:
            if not raw_version.isdigit() or int(raw_version) < 1:
                raise SecretSourceError(
                    f"secret {reference}: version must be a positive integer, not {raw_version!r}",
                    reference=str(reference),
                )
            if kv_version == 1:
                raise SecretSourceError(
                    f"secret {reference}: mount {mount!r} is configured as KV v1, which keeps "
                    "no versions; drop ?version=, or fix sources.vault.mounts",
                    reference=str(reference),
                )
            version = int(raw_version)
        return _Location(mount, path, kv_version, version)

    def _call(self, reference: SecretReference, operation: Callable[[hvac.Client], _T]) -> _T:
        """Run `operation` with a valid token; after a 403 get another token and retry once."""
        self._keeper.ensure(reference)
        token = self._client.token
        try:
            return operation(self._client)
        except hvac.exceptions.Forbidden:
            if not self._keeper.reacquire(reference, token):
                raise
        return operation(self._client)

    def _read(self, reference: SecretReference) -> SecretValue:
        location = self._locate(reference)
        try:
            if location.kv_version == 1:
                response = self._call(
                    reference,
                    lambda client: client.secrets.kv.v1.read_secret(
                        path=location.path, mount_point=location.mount
                    ),
                )
                data = _mapping(_mapping(response).get("data"))
                version = None
            else:
                response = self._call(
                    reference,
                    lambda client: client.secrets.kv.v2.read_secret_version(
                        path=location.path,
                        version=location.version,
                        mount_point=location.mount,
                        # Explicit: hvac warns when it is left to default.
                        raise_on_deleted_version=True,
                    ),
                )
                body = _mapping(_mapping(response).get("data"))
                data = _mapping(body.get("data"))
                version = str(_mapping(body.get("metadata")).get("version", "")) or None
        except hvac.exceptions.InvalidPath as exc:
            raise self._not_found(reference, location, exc) from None
        except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as exc:
            raise translate(
                exc, reference, address=self._settings.address, api_path=location.data_path
            ) from None
        where = f"Vault secret {location.name}" + (f" (version {version})" if version else "")
        if reference.key is None:
            keys = ", ".join(sorted(map(str, data))) or "none"
            raise SecretSourceError(
                f"secret {reference}: a Vault KV secret is a map of keys; name one with "
                f"'#<key>' (keys in {location.name}: {keys})",
                reference=str(reference),
            )
        return select_value(json.dumps(data), reference, where=where, version=version)

    def _not_found(
        self,
        reference: SecretReference,
        location: _Location,
        exc: hvac.exceptions.InvalidPath,
    ) -> SecretNotFoundError:
        ref = str(reference)
        errors = " ".join(str(error) for error in exc.errors or ())
        if "no handler for route" in errors:
            return SecretNotFoundError(
                f"secret {ref}: no secrets engine is mounted at {location.mount!r} in Vault at "
                f"{self._settings.address}; check the first segment of the path, or list "
                "mounts with slashes in sources.vault.mounts",
                reference=ref,
            )
        body = _mapping(exc.json).get("data") if isinstance(exc.json, Mapping) else None
        metadata = _mapping(_mapping(body).get("metadata"))
        which = (
            f"version {location.version}"
            if location.version is not None
            else f"the latest version ({metadata.get('version', '?')})"
        )
        if metadata.get("destroyed"):
            return SecretNotFoundError(
                f"secret {ref}: {which} of {location.name} was destroyed and cannot be "
                "recovered; pin another ?version= or write a new version",
                reference=ref,
            )
        if metadata.get("deletion_time"):
            return SecretNotFoundError(
                f"secret {ref}: {which} of {location.name} was deleted "
                f"(at {metadata['deletion_time']}); undelete it (bao kv undelete "
                f"-mount={location.mount} -versions={metadata.get('version', 'N')} "
                f"{location.path}) or pin another ?version=",
                reference=ref,
            )
        if location.version is not None:
            return SecretNotFoundError(
                f"secret {ref}: {location.name} has no version {location.version} in Vault at "
                f"{self._settings.address}",
                reference=ref,
            )
        hint = (
            f"; if {location.mount!r} is a KV v1 mount, declare it in sources.vault.mounts"
            if location.kv_version == 2
            else ""
        )
        return SecretNotFoundError(
            f"secret {ref}: no secret at {location.data_path} in Vault at {self._settings.address}{hint}",
            reference=ref,
        )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _previous_live_version(metadata: Mapping[str, Any]) -> int | None:
    """The newest version below `current_version` that is neither deleted nor destroyed."""
    current = metadata.get("current_version")
    versions = _mapping(metadata.get("versions"))
    if not isinstance(current, int):
        return None
    now = datetime.now(UTC)
    for number in range(current - 1, 0, -1):
        info = _mapping(versions.get(str(number)))
        if not info or info.get("destroyed"):
            continue
        deletion_time = info.get("deletion_time")
        # delete_version_after sets a deletion time in the future: live until then.
        if deletion_time and _parse_time(str(deletion_time)) <= now:
            continue
        return number
    return None


def _parse_time(text: str) -> datetime:
    """Parse Vault's RFC 3339 times, whose nanoseconds `fromisoformat` may not take."""
    head, _, fraction = text.removesuffix("Z").partition(".")
    digits = "".join(ch for ch in fraction if ch.isdigit())[:6]
    parsed = datetime.fromisoformat(f"{head}.{digits or '0'}")
    return parsed.replace(tzinfo=UTC)
