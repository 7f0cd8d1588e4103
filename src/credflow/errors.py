"""The exceptions credflow raises.

Every error a user can hit is a subclass of `CredflowError`, names what to fix
(the config key, the secret reference, the endpoint) and never carries a secret
or a token value.
"""

from __future__ import annotations

__all__ = [
    "AgentError",
    "ApiError",
    "ConfigError",
    "CredentialsRejectedError",
    "CredflowError",
    "ExcessScopesError",
    "InsecureTransportError",
    "OAuthError",
    "PluginError",
    "RetriesExhaustedError",
    "SecretAccessDeniedError",
    "SecretNotFoundError",
    "SecretSourceError",
    "SecretSourceUnavailableError",
    "TokenEndpointError",
    "TokenResponseError",
    "UnknownSecretSchemeError",
]


class CredflowError(Exception):
    """Base class of every error credflow raises."""


class ConfigError(CredflowError):
    """The configuration is invalid; the message names the file, client and key."""


class PluginError(CredflowError):
    """A plugin could not be loaded or registered something invalid."""


class InsecureTransportError(ConfigError):
    """A plain-HTTP URL to a remote host was refused (fix the URL or `allow_insecure_http`)."""


class AgentError(CredflowError):
    """`credflow agent` (named by `CREDFLOW_AGENT`) did not answer, or refused the request."""


class SecretSourceError(CredflowError):
    """A secret could not be read from its source.

    `reference` is the secret reference string (never the secret value).
    """

    def __init__(self, message: str, *, reference: str | None = None) -> None:
        super().__init__(message)
        self.reference = reference


class UnknownSecretSchemeError(SecretSourceError):
    """No installed plugin serves the scheme of a secret reference."""


class SecretNotFoundError(SecretSourceError):
    """The secret, the key inside it, or the requested version does not exist."""


class SecretAccessDeniedError(SecretSourceError):
    """The secret manager refused to give the secret to this identity."""


class SecretSourceUnavailableError(SecretSourceError):
    """The secret manager could not be reached or answered with a server error."""


class TokenEndpointError(CredflowError):
    """Getting a token from the token endpoint failed."""

    def __init__(self, message: str, *, endpoint: str, status: int | None = None) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.status = status


class TokenResponseError(TokenEndpointError):
    """The token endpoint answered with something that is not a valid token response."""


class OAuthError(TokenEndpointError):
    """The token endpoint answered with an RFC 6749 §5.2 error response."""

    def __init__(
        self,
        *,
        endpoint: str,
        status: int,
        error: str,
        error_description: str | None = None,
        error_uri: str | None = None,
        hint: str | None = None,
        provider: str | None = None,
        trace_id: str | None = None,
        correlation_id: str | None = None,
        error_codes: tuple[int, ...] = (),
    ) -> None:
        message = f"token endpoint {endpoint} answered HTTP {status} with error {error!r}"
        if error_description:
            message += f": {error_description}"
        if error_uri:
            message += f" (see {error_uri})"
        # Provider profiles (credflow.providers): the hint in the user's terms comes first, the
        # provider's own text after it; the support identifiers stay on the exception.
        if hint:
            message = f"{hint}. The provider said: {message}"
        ids = [
            f"{name} {value}"
            for name, value in (("trace_id", trace_id), ("correlation_id", correlation_id))
            if value
        ]
        if ids:
            message += f" [{', '.join(ids)}]"
        super().__init__(message, endpoint=endpoint, status=status)
        self.error = error
        self.error_description = error_description
        self.error_uri = error_uri
        self.hint = hint
        self.provider = provider
        self.trace_id = trace_id
        self.correlation_id = correlation_id
        self.error_codes = error_codes


class CredentialsRejectedError(OAuthError):
    """The authorization server rejected the client credentials (`invalid_client`).

    Raised after credflow re-read the secret from its source and, if the value
    changed or rotation candidates were configured, tried again.
    """


class ExcessScopesError(TokenResponseError):
    """A token grants more scopes than the client asked for, and `strict_scopes = true` refuses it."""

    def __init__(self, message: str, *, endpoint: str, extra_scopes: tuple[str, ...]) -> None:
        super().__init__(message, endpoint=endpoint, status=200)
        self.extra_scopes = extra_scopes


class RetriesExhaustedError(TokenEndpointError):
    """The token endpoint stayed unreachable or failing through every retry."""

    def __init__(self, message: str, *, endpoint: str, attempts: int, status: int | None = None) -> None:
        super().__init__(message, endpoint=endpoint, status=status)
        self.attempts = attempts


class ApiError(CredflowError):
    """An API called through `credflow request` answered with an HTTP error status."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status
