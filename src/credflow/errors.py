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
    ) -> None:
        message = f"token endpoint {endpoint} answered HTTP {status} with error {error!r}"
        if error_description:
            message += f": {error_description}"
        if error_uri:
            message += f" (see {error_uri})"
        super().__init__(message, endpoint=endpoint, status=status)
        self.error = error
        self.error_description = error_description
        self.error_uri = error_uri


class CredentialsRejectedError(OAuthError):
    """The authorization server rejected the client credentials (`invalid_client`).

    Raised after credflow re-read the secret from its source and, if the value
    changed or rotation candidates were configured, tried again.
    """


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
