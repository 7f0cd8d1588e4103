"""Getting, renewing and replacing the Vault token the source reads with.

A `TokenKeeper` owns the token of one `hvac.Client`. Before each read the
source calls `ensure()`: the first call logs in (or loads the static token), a
login token past 2/3 of its TTL is renewed with `renew-self` (or replaced by a
new login when it cannot be renewed any more). After a 403 the source calls
`reacquire()` and retries the read once: a revoked or expired login token is
replaced by logging in again, a static token by re-reading its source (Vault
Agent may have rewritten `~/.vault-token`). No background thread is needed:
the bookkeeping happens on the reads themselves.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import hvac  # type: ignore[import-untyped,unused-ignore]  # hvac ships no types
import hvac.exceptions  # type: ignore[import-untyped,unused-ignore]
import requests

from credflow import (
    SecretAccessDeniedError,
    SecretSourceError,
    SecretValue,
)
from credflow.plugin import SecretReference, looks_like_reference

from ._errors import translate, vault_messages
from .settings import AuthSettings

__all__ = ["RENEW_AT", "TokenKeeper"]

logger = logging.getLogger("credflow_vault")

#: Renew a login token once this fraction of its TTL has passed.
RENEW_AT = 2 / 3
# A renewal that extends the token by less than this fraction of its login TTL
# means the role's max_ttl is near: a new login is the only way to a long token.
_MIN_USEFUL_RENEWAL = 1 / 3

_LOGIN_HINTS = {
    "approle": "check sources.vault.auth.role_id and secret_id",
    "kubernetes": "check sources.vault.auth.role and that the service account is bound to it",
    "jwt": "check sources.vault.auth.role and the JWT's audience, subject and signature",
}


@dataclass(frozen=True, slots=True)
class _Lease:
    ttl: float  # seconds; 0 means the token does not expire
    renewable: bool
    since: float  # clock reading when the TTL was granted
    login_ttl: float  # the TTL the login granted, to judge renewals against


class TokenKeeper:
    """Keeps a valid token on `client` for the configured auth method."""

    def __init__(
        self,
        client: hvac.Client,
        settings: AuthSettings,
        *,
        address: str,
        resolve: Callable[[str], SecretValue],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._settings = settings
        self._address = address
        self._resolve = resolve
        self._clock = clock
        self._lock = threading.Lock()
        self._lease: _Lease | None = None
        self._acquired = False
        self.logins = 0
        self.renewals = 0

    @property
    def method(self) -> str:
        """The configured auth method name."""
        return self._settings.method

    # --- the two entry points ------------------------------------------------

    def ensure(self, reference: SecretReference) -> None:
        """Make sure the client holds a token that is not about to expire."""
        with self._lock:
            if not self._acquired:
                self._acquire(reference)
                return
            lease = self._lease
            if lease is None or lease.ttl <= 0:
                return
            elapsed = self._clock() - lease.since
            if elapsed < lease.ttl * RENEW_AT:
                return
            if lease.renewable and elapsed < lease.ttl and self._renew(reference, lease):
                return
            logger.debug("Vault token at %s is near its end; logging in again", self._address)
            self._login(reference)

    def reacquire(self, reference: SecretReference, failed_token: str | None) -> bool:
        """After a 403 with `failed_token`: get another token; False when there is none."""
        with self._lock:
            if self._client.token != failed_token:
                return True  # another reader already replaced it
            if self._settings.method == "token":
                token = self._static_token(reference)
                if token == failed_token:
                    return False
                self._client.token = token
                return True
            logger.debug("Vault denied the login token at %s; logging in again", self._address)
            self._login(reference)
            return True

    # --- acquiring -----------------------------------------------------------

    def _acquire(self, reference: SecretReference) -> None:
        if self._settings.method == "token":
            self._client.token = self._static_token(reference)
            self._acquired = True
        else:
            self._login(reference)

    def _static_token(self, reference: SecretReference) -> str:
        if self._settings.token is not None:
            return self._nested(self._settings.token, reference)
        token = os.environ.get("VAULT_TOKEN") or os.environ.get("BAO_TOKEN")
        if token:
            return token.strip()
        path = os.path.expanduser("~/.vault-token")
        try:
            with open(path, encoding="utf-8") as handle:
                token = handle.read().strip()
        except FileNotFoundError:
            token = ""
        except OSError as exc:
            raise SecretAccessDeniedError(
                f"secret {reference}: cannot read the Vault token file {path} ({type(exc).__name__})",
                reference=str(reference),
            ) from None
        if not token:
            raise SecretAccessDeniedError(
                f"secret {reference}: no Vault token: set sources.vault.auth.token to a secret "
                "reference, set VAULT_TOKEN, or log in so that ~/.vault-token exists",
                reference=str(reference),
            )
        return token

    def _nested(self, text: str, reference: SecretReference) -> str:
        """Resolve a credential reference from the settings (an AppRole secret_id, a JWT)."""
        try:
            return self._resolve(text).reveal().strip()
        except SecretSourceError as exc:
            raise type(exc)(
                f"secret {reference}: cannot get the Vault login credential {text}: {exc}",
                reference=str(reference),
            ) from exc

    def _login(self, reference: SecretReference) -> None:
        settings = self._settings
        auth = self._client.auth
        try:
            if settings.method == "approle":
                assert settings.role_id is not None  # parse_settings requires it
                role_id = settings.role_id
                if looks_like_reference(role_id):
                    role_id = self._nested(role_id, reference)
                secret_id = None
                if settings.secret_id is not None:
                    secret_id = self._nested(settings.secret_id, reference)
                response = auth.approle.login(
                    role_id=role_id,
                    secret_id=secret_id,
                    use_token=False,
                    mount_point=settings.mount,
                )
            elif settings.method == "kubernetes":
                response = auth.kubernetes.login(
                    role=settings.role,
                    jwt=self._service_account_token(reference),
                    use_token=False,
                    mount_point=settings.mount,
                )
            else:
                assert settings.jwt is not None  # parse_settings requires it
                response = auth.jwt.jwt_login(
                    role=settings.role,
                    jwt=self._nested(settings.jwt, reference),
                    use_token=False,
                    path=settings.mount,
                )
        except (
            hvac.exceptions.InvalidRequest,
            hvac.exceptions.Forbidden,
            hvac.exceptions.Unauthorized,
        ) as exc:
            raise SecretAccessDeniedError(
                f"secret {reference}: Vault {settings.method} login at "
                f"auth/{settings.mount}/login was refused ({vault_messages(exc)}); "
                f"{_LOGIN_HINTS[settings.method]}",
                reference=str(reference),
            ) from None
        except hvac.exceptions.InvalidPath:
            raise SecretAccessDeniedError(
                f"secret {reference}: no auth method is mounted at auth/{settings.mount} in "
                f"Vault at {self._address}; check sources.vault.auth.mount",
                reference=str(reference),
            ) from None
        except (hvac.exceptions.VaultError, requests.exceptions.RequestException) as exc:
            raise translate(
                exc,
                reference,
                address=self._address,
                api_path=f"auth/{settings.mount}/login",
                capability="update",
            ) from None
        self._accept(_auth_block(response, reference), login=True)

    def _service_account_token(self, reference: SecretReference) -> str:
        path = self._settings.jwt_path
        # Read at every login: the kubelet rotates projected service-account tokens.
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read().strip()
        except OSError as exc:
            raise SecretAccessDeniedError(
                f"secret {reference}: cannot read the Kubernetes service-account token "
                f"{path} ({type(exc).__name__}); is a service account token mounted, or set "
                "sources.vault.auth.jwt_path",
                reference=str(reference),
            ) from None

    # --- renewing -----------------------------------------------------------

    def _renew(self, reference: SecretReference, lease: _Lease) -> bool:
        """Renew the token in place; False when a new login is needed instead."""
        try:
            response = self._client.auth.token.renew_self()
        except requests.exceptions.RequestException as exc:
            raise translate(
                exc,
                reference,
                address=self._address,
                api_path="auth/token/renew-self",
                capability="update",
            ) from None
        except hvac.exceptions.VaultError as exc:
            logger.debug("renewing the Vault token failed (%s); logging in again", vault_messages(exc))
            return False
        auth = _auth_block(response, reference)
        ttl = float(auth.get("lease_duration") or 0)
        if ttl < lease.login_ttl * _MIN_USEFUL_RENEWAL:
            return False
        self._accept(auth, login=False, login_ttl=lease.login_ttl)
        return True

    def _accept(self, auth: Mapping[str, Any], *, login: bool, login_ttl: float | None = None) -> None:
        ttl = float(auth.get("lease_duration") or 0)
        if login:
            self._client.token = auth["client_token"]
            self.logins += 1
        else:
            self.renewals += 1
        self._lease = _Lease(
            ttl=ttl,
            renewable=bool(auth.get("renewable")),
            since=self._clock(),
            login_ttl=ttl if login_ttl is None else login_ttl,
        )
        self._acquired = True


def _auth_block(response: object, reference: SecretReference) -> Mapping[str, Any]:
    auth = response.get("auth") if isinstance(response, Mapping) else None
    if not isinstance(auth, Mapping) or not auth.get("client_token"):
        raise SecretSourceError(
            f"secret {reference}: Vault answered a login or renewal without a token",
            reference=str(reference),
        )
    return auth
