"""How one token is acquired, written once for both sync and async callers.

`acquire()` is a generator: it does no I/O itself but yields *effects*
(resolve a secret, post to the token endpoint, call the cache backend,
sleep) and receives their results. The engine drives it with a sync driver
(plain calls) or an async driver (awaits, worker threads for blocking
plugins). The decisions — shared-cache look-up and lock, the token request,
the re-read of a rejected secret, rotation candidates — live here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from .. import providers
from .._security import ensure_no_userinfo, ensure_secure_url
from ..client_auth._methods import (
    METADATA_NAMES,
    TLS_METHODS,
    ClientAuthenticator,
    Credential,
    key_matches_certificate,
)
from ..config._client import ClientConfig
from ..errors import (
    ConfigError,
    CredentialsRejectedError,
    ExcessScopesError,
    OAuthError,
    SecretNotFoundError,
    TokenEndpointError,
)
from ..events import (
    AuditEvent,
    SecretRotation,
    TokenAttemptReason,
    TokenIssued,
    TokenRequested,
    TokenRequestEnded,
    TokenRequestReason,
)
from ..protocol import (
    RawResponse,
    TokenRequest,
    build_token_request,
    metadata_urls,
    parse_server_metadata,
    parse_token_response,
)
from ..secret._reference import SecretReference
from ..secret._value import SecretValue
from ..token import Token
from ._cache import CacheScope, renewal_times
from ._rotation import CandidateOrder

__all__ = [
    "Acquisition",
    "CacheDelete",
    "CacheEffect",
    "CacheLoad",
    "CacheStore",
    "CacheTryLock",
    "CacheUnlock",
    "Effect",
    "GetJson",
    "ListCandidates",
    "PostToken",
    "ResolveSecret",
    "Sleep",
    "discover_token_endpoint",
    "discovered_endpoint",
]


@dataclass(frozen=True, slots=True)
class ResolveSecret:
    """Resolve `reference` (bypassing caches when `fresh`). Result: `SecretValue`."""

    reference: SecretReference
    fresh: bool


@dataclass(frozen=True, slots=True)
class ListCandidates:
    """Ask the source of `reference` for its rotation candidates. Result: list of references."""

    reference: SecretReference


@dataclass(frozen=True, slots=True)
class PostToken:
    """Send a token request, retrying transient failures. Result: `RawResponse`.

    With `rebuild`, every retry sends a request built anew (a client assertion with a new
    `jti`: a server that saw the first one before failing would refuse a replay).
    """

    request: TokenRequest
    rebuild: Callable[[], TokenRequest] | None = None

    def attempts(self) -> Iterator[TokenRequest]:
        """The request of each attempt, the first one and then (if need be) rebuilt ones."""
        yield self.request
        while True:
            yield self.request if self.rebuild is None else self.rebuild()


@dataclass(frozen=True, slots=True)
class GetJson:
    """GET a metadata document, retrying transient failures. Result: `RawResponse`."""

    url: str


@dataclass(frozen=True, slots=True)
class CacheLoad:
    """Read the shared token of `scope`. Result: `Token` or None (a failing backend: None)."""

    scope: CacheScope


@dataclass(frozen=True, slots=True)
class CacheStore:
    """Keep `token` for `scope`. Result: None."""

    scope: CacheScope
    token: Token


@dataclass(frozen=True, slots=True)
class CacheDelete:
    """Drop the token of `scope` whose fingerprint is `token_fingerprint`. Result: None."""

    scope: CacheScope
    token_fingerprint: str


@dataclass(frozen=True, slots=True)
class CacheTryLock:
    """Take the fetch lock of `scope` for `ttl_seconds`. Result: the owner, or None when held elsewhere."""

    scope: CacheScope
    ttl_seconds: float


@dataclass(frozen=True, slots=True)
class CacheUnlock:
    """Release the fetch lock of `scope` taken as `owner`. Result: None."""

    scope: CacheScope
    owner: str


#: What the flow asks of the token cache backend, one type per backend method.
CacheEffect = CacheLoad | CacheStore | CacheDelete | CacheTryLock | CacheUnlock


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait, while another process holds the shared fetch lock."""

    seconds: float


Effect = ResolveSecret | ListCandidates | PostToken | GetJson | CacheEffect | Sleep
Flow = Generator[Effect, Any, Any]

# How long a process may hold the shared fetch lock: one full retry series and then some.
_LOCK_MARGIN_SECONDS = 5.0
# mTLS: the waits before reading the client key and certificate again while they do not belong
# together (a rotation replaced one file between the two reads); 0.75 s in all.
_PAIR_REREAD_DELAYS = (0.05, 0.1, 0.2, 0.4)
# The first fail-fast pause after a refusal; it doubles up to `rotation.reject_pause_max`.
_FIRST_REJECT_PAUSE_SECONDS = 1.0


def discover_token_endpoint(config: ClientConfig) -> Generator[GetJson, RawResponse, dict[str, Any]]:
    """Find `config.issuer`'s metadata, sans I/O: yields `GetJson`, returns the checked document.

    The one discovery of credflow: the engine drives it with its transport,
    `credflow check` with its own client. The published issuer must match, the
    server must support `auth_method`, and the token endpoint must be secure
    and carry no credentials.
    """
    issuer = config.issuer
    assert issuer is not None
    for url in metadata_urls(issuer):
        raw: RawResponse = yield GetJson(url)
        if raw.status == 404:
            continue
        document = parse_server_metadata(raw, url=url, issuer=issuer)
        _check_metadata(config, document, url)
        return document
    raise TokenEndpointError(
        f"issuer {issuer}: no metadata at {' or '.join(metadata_urls(issuer))} (each answered 404); "
        "check the issuer URL or set token_endpoint instead",
        endpoint=issuer,
        status=404,
    )


def discovered_endpoint(config: ClientConfig, document: dict[str, Any]) -> str:
    """The token endpoint; RFC 8705 §5: its `mtls_endpoint_aliases` entry for the mTLS methods."""
    endpoint: str = document["token_endpoint"]
    aliases = document.get("mtls_endpoint_aliases")
    if config.auth_method in TLS_METHODS and isinstance(aliases, dict):
        alias = aliases.get("token_endpoint")
        if isinstance(alias, str):
            endpoint = alias
    return endpoint


def _check_metadata(config: ClientConfig, document: dict[str, Any], url: str) -> None:
    issuer = config.issuer
    published = document.get("issuer")
    if isinstance(published, str) and published.rstrip("/") != (issuer or "").rstrip("/"):
        raise ConfigError(
            f"issuer: {url} says its issuer is {published!r}, not {issuer!r}; "
            "set issuer to exactly the value the server publishes"
        )
    methods = document.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
    listed_as = METADATA_NAMES.get(config.auth_method, config.auth_method)
    if isinstance(methods, list) and listed_as not in methods:
        raise ConfigError(
            f"auth_method: the authorization server at {issuer} supports "
            f"{', '.join(map(str, methods)) or 'no'} client authentication methods, "
            f"not {listed_as!r}; change auth_method"
        )
    algs = document.get("token_endpoint_auth_signing_alg_values_supported")
    alg = config.signing_alg
    if alg is not None and isinstance(algs, list) and alg not in algs:
        raise ConfigError(
            f"signing_alg: the authorization server at {issuer} accepts client assertions signed with "
            f"{', '.join(map(str, algs)) or 'no algorithm'}, not {alg!r}; change signing_alg"
            + (" (or leave it unset to use the key's own)" if config.private_key else "")
        )
    # Before anything (an audit event, an error) names the endpoint: its userinfo would show there.
    for name, endpoint in (
        ("token_endpoint", document["token_endpoint"]),
        ("mtls token_endpoint", discovered_endpoint(config, document)),
    ):
        ensure_no_userinfo(
            endpoint,
            key=f"{name} discovered at {url}",
            credentials="the server's metadata must not put credentials in its token_endpoint",
        )
        ensure_secure_url(
            endpoint,
            allow_insecure_http=config.allow_insecure_http,
            what=f"{name} discovered at {url}",
        )


@dataclass(frozen=True, slots=True)
class _LastGood:
    """The value the server last accepted as the source's current value, and when (wall clock)."""

    value: SecretValue
    accepted_at: datetime


@dataclass(frozen=True, slots=True)
class _Refusal:
    """Every value of the last acquisition was refused: repeat `error` until `retry_at`."""

    fingerprints: frozenset[str]
    error: CredentialsRejectedError
    refused_at: datetime
    retry_at: datetime
    pause: float


class Acquisition:
    """The per-client state the flow needs across acquisitions: discovery, candidates, last secret."""

    def __init__(
        self,
        config: ClientConfig,
        cache_key: str,
        emit: Callable[[AuditEvent], None],
        now: Callable[[], datetime],
    ) -> None:
        self.config = config
        self.cache_key = cache_key
        self._emit = emit
        self._now = now
        self._metadata: dict[str, Any] | None = None
        self._authenticator = ClientAuthenticator(config)  # client authentication (issue 11)
        fallbacks = [
            SecretReference.parse(text, config_key="rotation.fallback_secrets")
            for text in config.rotation.fallback_secrets
        ]
        self.candidates = CandidateOrder(config.secret_reference, fallbacks)
        self._last_fingerprint: dict[SecretReference, str] = {}
        # mTLS (issue 11): the key this acquisition read and the certificate read with it, checked
        # to belong together; and the fingerprints of the last pair checked, to skip parsing them.
        self._read_pair: tuple[SecretValue, SecretValue] | None = None
        self._matched_pair: tuple[str, str] | None = None
        self.last_secret: SecretValue | None = None
        self._last_good: _LastGood | None = None
        # The source's value the server refused while the last good value was accepted.
        self._held_back: str | None = None
        self._refusal: _Refusal | None = None
        # Where the last acquisition's token came from: a token request, or the shared token cache.
        self.token_source: Literal["endpoint", "shared"] = "endpoint"

    # --- the flow ---------------------------------------------------------

    def acquire(self, reason: TokenRequestReason, avoid_fingerprint: str | None) -> Flow:
        """Yield effects until a token is in hand; return it.

        `avoid_fingerprint` is a token the API just rejected: never hand it back.
        """
        endpoint = yield from self._token_endpoint()
        reference = self.candidates.current
        # A workload's assertion (a projected token file) is read anew each time: it is short-lived.
        fresh = self.config.auth_method == "client_assertion"
        try:
            secret: SecretValue = yield ResolveSecret(reference, fresh)
        except SecretNotFoundError:
            if reference == self.candidates.primary:
                raise
            # The remembered fallback is gone (AWSPENDING removed once a rotation finished, a
            # secondary file deleted): use the primary; `fallback-ended` follows when it works.
            reference = self.candidates.primary
            secret = yield ResolveSecret(reference, fresh)
        secret = yield from self._read_certificate_with(reference, secret)
        self._note_value(reference, secret)
        scope = CacheScope(self.cache_key, self.config.client_id, secret)

        def usable(token: Token | None) -> bool:
            return (
                token is not None
                and token.fingerprint != avoid_fingerprint
                and self._now() < renewal_times(token, self.config)[0]
            )

        shared: Token | None = yield CacheLoad(scope)
        if usable(shared):
            self.last_secret = secret  # so that invalidate() reaches the shared entry too
            self.token_source = "shared"
            return shared
        lock_ttl = self.config.retry.deadline + self.config.timeout + _LOCK_MARGIN_SECONDS
        owner: str | None = yield CacheTryLock(scope, lock_ttl)
        waited, delay = 0.0, 0.02
        while owner is None and waited < lock_ttl:
            # Another process is fetching: wait for its token, or take over once its
            # lock has expired (the holder died); only one waiter wins the lock.
            yield Sleep(delay)
            waited, delay = waited + delay, min(delay * 2, 0.5)
            shared = yield CacheLoad(scope)
            if usable(shared):
                self.last_secret = secret
                self.token_source = "shared"
                return shared
            owner = yield CacheTryLock(scope, lock_ttl)
        try:
            # The previous holder may have published between our load and our lock.
            shared = yield CacheLoad(scope)
            if usable(shared):
                self.last_secret = secret
                self.token_source = "shared"
                result: Token = shared
            else:
                self.token_source = "endpoint"
                result, used = yield from self._request(endpoint, reference, secret, reason)
                yield CacheStore(replace(scope, secret=used), result)
        except GeneratorExit:
            raise  # the driver is gone (a cancelled task): the lock expires by its TTL
        except Exception:
            if owner is not None:
                yield CacheUnlock(scope, owner)
            raise
        if owner is not None:
            yield CacheUnlock(scope, owner)
        return result

    def _read_certificate_with(self, reference: SecretReference, key: SecretValue) -> Flow:
        """mTLS: read the certificate beside `key`, reading both again while they do not match.

        They are two reads: a rotation replacing both files (even in one atomic swap) can fall
        between them. Return the key to use; `_exchange` presents the certificate read with it.
        """
        companion = self.config.companion_reference
        self._read_pair = None
        if self.config.auth_method not in TLS_METHODS or companion is None:
            return key
        for delay in (*_PAIR_REREAD_DELAYS, None):
            certificate: SecretValue = yield ResolveSecret(companion, not key.cached)
            pair = (key.fingerprint, certificate.fingerprint)
            if pair == self._matched_pair or key_matches_certificate(certificate.reveal(), key):
                self._matched_pair = pair
                break
            if delay is None:
                break  # still apart: loading them names the mismatch (transport)
            yield Sleep(delay)
            key = yield ResolveSecret(reference, True)
        self._read_pair = (key, certificate)
        return key

    def _request(
        self, endpoint: str, reference: SecretReference, secret: SecretValue, reason: TokenRequestReason
    ) -> Flow:
        self._check_refusal(reference, secret)
        last_good = self._last_good_value()
        # The source still yields the value the server refused last time, while the last good
        # value worked: send that one first until the server refuses it (it switched) or it expires.
        bridge = last_good if last_good is not None and self._held_back == secret.fingerprint else None
        self._emit(
            TokenRequested(
                client_id=self.config.client_id,
                token_endpoint=endpoint,
                scopes=self.config.scopes,
                reason=reason,
                secret_fingerprint=(bridge or secret).fingerprint,
            )
        )
        tried: set[str] = set()
        if bridge is not None:
            tried.add(bridge.fingerprint)
            outcome = yield from self._attempt(endpoint, bridge, reason)
            if isinstance(outcome, Token):
                return self._kept_last_good(bridge, secret, outcome)
        tried.add(secret.fingerprint)
        outcome = yield from self._attempt(endpoint, secret, "rotation" if bridge is not None else reason)
        if isinstance(outcome, Token):
            return self._succeeded(reference, secret, outcome)
        rejection = outcome
        latest = secret  # the newest value the source gave for `reference`
        rotation = self.config.rotation
        reread = "not re-read (rotation.reread_on_reject = false)"
        if rotation.reread_on_reject:
            fresh: SecretValue = yield ResolveSecret(reference, True)
            reread = "re-read from its source: unchanged"
            if fresh.fingerprint not in tried:
                reread = "re-read from its source: the new value was rejected too"
                tried.add(fresh.fingerprint)
                self._note_value(reference, fresh)
                latest = fresh
                outcome = yield from self._attempt(endpoint, fresh, "rotation")
                if isinstance(outcome, Token):
                    return self._succeeded(reference, fresh, outcome)
                rejection = outcome
        versions: Sequence[SecretReference] = ()
        if rotation.try_versions:
            versions = yield ListCandidates(self.candidates.primary)
        for candidate in self.candidates.after_rejection(reference, versions):
            try:
                value: SecretValue = yield ResolveSecret(candidate, True)
            except SecretNotFoundError:
                continue  # e.g. no AWSPENDING version exists outside a rotation
            if value.fingerprint in tried:
                continue
            tried.add(value.fingerprint)
            outcome = yield from self._attempt(endpoint, value, "rotation")
            if isinstance(outcome, Token):
                return self._succeeded(candidate, value, outcome)
            rejection = outcome
        if last_good is not None and last_good.fingerprint not in tried:
            # A changed value was refused: the source was updated before the server (a source
            # without versions, such as env or file, cannot offer the old value as a candidate).
            tried.add(last_good.fingerprint)
            outcome = yield from self._attempt(endpoint, last_good, "rotation")
            if isinstance(outcome, Token):
                return self._kept_last_good(last_good, latest, outcome)
            rejection = outcome
        raise self._refused(endpoint, reference, rejection, tried, reread)

    def _attempt(self, endpoint: str, secret: SecretValue, reason: TokenAttemptReason) -> Flow:
        """Send one token request with `secret`: return the token, or the `invalid_client` error."""
        try:
            token: Token = yield from self._exchange(endpoint, secret)
        except OAuthError as exc:
            rejected = exc.error == "invalid_client"
            self._request_ended(endpoint, reason, "rejected" if rejected else "error", exc.error)
            if not rejected:
                raise
            return exc
        except Exception as exc:
            self._request_ended(endpoint, reason, "error", type(exc).__name__)
            raise
        self._request_ended(endpoint, reason, "issued", None)
        return token

    def _request_ended(
        self,
        endpoint: str,
        reason: TokenAttemptReason,
        outcome: Literal["issued", "rejected", "error"],
        error_type: str | None,
    ) -> None:
        self._emit(
            TokenRequestEnded(
                client_id=self.config.client_id,
                token_endpoint=endpoint,
                reason=reason,
                outcome=outcome,
                error_type=error_type,
            )
        )

    def _succeeded(
        self, reference: SecretReference, secret: SecretValue, token: Token
    ) -> tuple[Token, SecretValue]:
        self.last_secret = secret
        self._refusal = None
        if self.config.rotation.last_good_for > 0:
            self._last_good = _LastGood(secret, self._now())
        if self._held_back is not None:
            self._held_back = None
            self._emit(
                SecretRotation(
                    client_id=self.config.client_id,
                    reference=str(self.candidates.primary),
                    kind="last-known-good-ended",
                    secret_fingerprint=secret.fingerprint,
                    candidate=str(reference),
                )
            )
        kind = self.candidates.worked(reference)
        if kind is not None:
            self._emit(
                SecretRotation(
                    client_id=self.config.client_id,
                    reference=str(self.candidates.primary),
                    kind=kind,
                    secret_fingerprint=secret.fingerprint,
                    candidate=str(reference),
                )
            )
        return token, secret

    def _kept_last_good(
        self, last_good: SecretValue, refused: SecretValue, token: Token
    ) -> tuple[Token, SecretValue]:
        """The last good value worked where the source's value `refused` did not."""
        self.last_secret = last_good
        self._refusal = None
        if self._held_back != refused.fingerprint:
            self._held_back = refused.fingerprint
            self._emit(
                SecretRotation(
                    client_id=self.config.client_id,
                    reference=str(self.candidates.primary),
                    kind="last-known-good",
                    secret_fingerprint=last_good.fingerprint,
                )
            )
        # Not re-dated: it is kept `last_good_for` from when the source last yielded it.
        return token, last_good

    def _last_good_value(self) -> SecretValue | None:
        remembered = self._last_good
        if remembered is None or self.config.auth_method in TLS_METHODS:
            # mTLS: an old key is of no use without its old certificate, which is not kept.
            return None
        if (self._now() - remembered.accepted_at).total_seconds() >= self.config.rotation.last_good_for:
            self._last_good = None  # forget it: the memory is bounded in time
            return None
        return remembered.value

    def _refused(
        self,
        endpoint: str,
        reference: SecretReference,
        rejection: OAuthError,
        tried: set[str],
        reread: str,
    ) -> CredentialsRejectedError:
        """The error for an acquisition whose every value was refused; start or grow the pause."""
        error = CredentialsRejectedError(
            endpoint=endpoint,
            status=rejection.status or 401,
            error=rejection.error,
            error_description=(
                f"{rejection.error_description or 'client authentication failed'}; client_id "
                f"{self.config.client_id!r} with the secret from {reference} was rejected ({reread})"
                + (f"; {len(tried)} different values were tried" if len(tried) > 1 else "")
                + ". Check the secret in the secret manager and at the authorization server"
            ),
            error_uri=rejection.error_uri,
            hint=rejection.hint,
            provider=rejection.provider,
            trace_id=rejection.trace_id,
            correlation_id=rejection.correlation_id,
            error_codes=rejection.error_codes,
        )
        pause_max = self.config.rotation.reject_pause_max
        if pause_max > 0:
            # Every caller that finds no token starts an acquisition: without a pause each one
            # would send the refused value again. The pause doubles while acquisitions keep failing.
            previous = self._refusal
            pause = min(pause_max, previous.pause * 2 if previous else _FIRST_REJECT_PAUSE_SECONDS)
            now = self._now()
            self._refusal = _Refusal(frozenset(tried), error, now, now + timedelta(seconds=pause), pause)
        return error

    def _check_refusal(self, reference: SecretReference, secret: SecretValue) -> None:
        """Fail fast, with no token request, while `secret` is a value refused within the pause."""
        refusal = self._refusal
        if refusal is None or secret.fingerprint not in refusal.fingerprints:
            return
        now = self._now()
        if not refusal.refused_at <= now < refusal.retry_at:
            return  # the pause is over (or the wall clock was set back): probe
        first = refusal.error
        raise CredentialsRejectedError(
            endpoint=first.endpoint,
            status=first.status or 401,
            error=first.error,
            error_description=(
                f"a repeat of the rejection {(now - refusal.refused_at).total_seconds():.1f}s ago; "
                f"no token request was sent, since the secret from {reference} has not changed. "
                f"The next attempt is allowed in {(refusal.retry_at - now).total_seconds():.1f}s "
                f"(at {refusal.retry_at:%H:%M:%S} UTC), or at once when the secret changes. "
                f"The rejection: {first.error_description}"
            ),
            error_uri=first.error_uri,
            hint=first.hint,
            provider=first.provider,
            trace_id=first.trace_id,
            correlation_id=first.correlation_id,
            error_codes=first.error_codes,
        )

    def _exchange(self, endpoint: str, secret: SecretValue) -> Flow:
        # --- client authentication (issue 11) ---
        certificate: SecretValue | None = None
        companion = self.config.companion_reference
        read_pair = self._read_pair
        if read_pair is not None and read_pair[0] is secret:
            certificate = read_pair[1]  # the certificate read (and matched) with this very key
        elif companion is not None:
            # Read as the credential was: anew when it was (a rotation), from the cache when it was.
            certificate = yield ResolveSecret(companion, not secret.cached)
        credential = Credential(secret, certificate)
        metadata = self._metadata or {}
        issuer = metadata.get("issuer", self.config.issuer)
        algs = metadata.get("token_endpoint_auth_signing_alg_values_supported")

        def build() -> TokenRequest:
            client_auth = self._authenticator.authenticate(
                credential,
                token_endpoint=endpoint,
                issuer=issuer if isinstance(issuer, str) else None,
                now=self._now(),
                supported_algs=algs if isinstance(algs, list) else None,
            )
            return build_token_request(self.config, secret, endpoint, client_auth)

        request = build()
        issued_at = self._now()
        raw: RawResponse = yield PostToken(request, build if self._authenticator.signs else None)
        # --- end client authentication ---
        try:
            parsed = parse_token_response(
                raw,
                endpoint=endpoint,
                issued_at=issued_at,
                expected_token_type=self.config.token_type,
                default_lifetime=self.config.default_lifetime,
                max_lifetime=self.config.max_lifetime,
            )
        except OAuthError as exc:
            raise providers.translate_error(self.config, exc, raw) from None
        token = parsed.token
        broader = providers.compare_scopes(self.config, token)
        if broader is not None and self.config.strict_scopes:
            raise ExcessScopesError(
                f"{broader.describe(self.config.client_id)} (strict_scopes = true refuses the token)",
                endpoint=endpoint,
                extra_scopes=broader.extra,
            )
        self._emit(
            TokenIssued(
                client_id=self.config.client_id,
                token_endpoint=endpoint,
                scopes=self.config.scopes,
                lifetime_seconds=token.lifetime_seconds,
                expires_at=token.expires_at,
                token_fingerprint=token.fingerprint,
                lifetime_defaulted=parsed.lifetime_defaulted,
                rate_limit=providers.rate_limit_headers(raw.headers),
                excess_scopes=broader.extra if broader is not None else (),
                excess_scopes_fix=broader.where if broader is not None else None,
            )
        )
        return token

    def _note_value(self, reference: SecretReference, secret: SecretValue) -> None:
        before = self._last_fingerprint.get(reference)
        self._last_fingerprint[reference] = secret.fingerprint
        if before is not None and before != secret.fingerprint:
            self._emit(
                SecretRotation(
                    client_id=self.config.client_id,
                    reference=str(reference),
                    kind="changed",
                    secret_fingerprint=secret.fingerprint,
                )
            )

    # --- discovery --------------------------------------------------------

    def _token_endpoint(self) -> Flow:
        if self.config.token_endpoint is not None:
            return self.config.token_endpoint
        if self._metadata is None:
            self._metadata = yield from discover_token_endpoint(self.config)
        return discovered_endpoint(self.config, self._metadata)
