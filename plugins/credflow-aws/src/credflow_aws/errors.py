"""Turning what boto3 raises into credflow errors that say what to fix.

Messages name the reference, the secret, the region, the endpoint and the IAM
action; they quote AWS's own message (which never holds a secret value) when
it is plain text.
"""

from __future__ import annotations

from botocore import exceptions as boto_errors

from credflow import (
    SecretAccessDeniedError,
    SecretNotFoundError,
    SecretReference,
    SecretSourceError,
    SecretSourceUnavailableError,
)

from .target import SecretTarget

__all__ = ["translate"]

# Error codes that mean "the credentials themselves were rejected".
_BAD_CREDENTIALS = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "ExpiredTokenException",
        "IncompleteSignature",
    }
)
# Error codes botocore retries and that mean "try later", not "fix something".
_TRANSIENT = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "InternalServiceError",
        "InternalFailure",
        "ServiceUnavailable",
        "RequestTimeout",
    }
)

_CREDENTIALS_HELP = (
    "provide AWS credentials the usual boto3 way: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
    "a profile (AWS_PROFILE or sources.aws-sm.profile) in ~/.aws/credentials or an SSO "
    "login, a web-identity token (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE), or a "
    "container/instance role"
)


def translate(
    exc: Exception,
    reference: SecretReference,
    target: SecretTarget,
    *,
    region: str | None,
    endpoint: str | None,
) -> SecretSourceError:
    """Return the credflow error for `exc`, raised while reading `target`."""
    where = f"in region {region}" if region else "in the default region"
    at = f" at {endpoint}" if endpoint else ""
    secret = f"secret {reference}: AWS Secrets Manager secret {target.describe()} {where}"
    if isinstance(exc, boto_errors.ClientError):
        return _client_error(exc, reference, target, secret=secret, at=at, region=region)
    return _sdk_error(exc, reference, target, secret=secret, at=at)


def _sdk_error(
    exc: Exception, reference: SecretReference, target: SecretTarget, *, secret: str, at: str
) -> SecretSourceError:
    """An error raised by botocore itself: transport, credentials, configuration."""
    ref = str(reference)
    if isinstance(exc, boto_errors.ConnectionError | boto_errors.HTTPClientError):
        kind = (
            "failed the TLS handshake (is its certificate trusted?)"
            if isinstance(exc, boto_errors.SSLError)
            else "is unreachable"
        )
        return SecretSourceUnavailableError(
            f"{secret}: Secrets Manager endpoint{at or ' (default)'} {kind} "
            f"({type(exc).__name__}: {exc}); check the network path, a proxy, or "
            "sources.aws-sm.endpoint_url",
            reference=ref,
        )
    if isinstance(exc, boto_errors.NoCredentialsError | boto_errors.PartialCredentialsError):
        return SecretSourceError(
            f"{secret}: no usable AWS credentials were found ({exc}); {_CREDENTIALS_HELP}",
            reference=ref,
        )
    if isinstance(exc, boto_errors.ProfileNotFound):
        return SecretSourceError(
            f"{secret}: {exc}; fix sources.aws-sm.profile or AWS_PROFILE, or add the profile "
            "to ~/.aws/config",
            reference=ref,
        )
    if isinstance(exc, boto_errors.NoRegionError):
        return SecretSourceError(
            f"secret {reference}: no AWS region for secret {target.describe()}; use an ARN, "
            "add ?region=<region> to the reference, set sources.aws-sm.region, or set "
            "AWS_REGION",
            reference=ref,
        )
    if isinstance(
        exc,
        boto_errors.CredentialRetrievalError | boto_errors.TokenRetrievalError | boto_errors.SSOError,
    ):
        return SecretSourceError(
            f"{secret}: AWS credentials could not be obtained ({type(exc).__name__}: {exc}); "
            "refresh the SSO login or check the credential provider",
            reference=ref,
        )
    return SecretSourceError(f"{secret}: reading it failed: {type(exc).__name__}: {exc}", reference=ref)


def _client_error(
    exc: boto_errors.ClientError,
    reference: SecretReference,
    target: SecretTarget,
    *,
    secret: str,
    at: str,
    region: str | None,
) -> SecretSourceError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    said = _aws_message(error)
    ref = str(reference)
    if code == "ResourceNotFoundException":
        what = (
            "has no such version" if target.pins_version else "does not exist (or is scheduled for deletion)"
        )
        return SecretNotFoundError(
            f"{secret} {what}{said}; check the name or ARN, the region and the account of the credentials",
            reference=ref,
        )
    if code == "DecryptionFailure":
        return SecretAccessDeniedError(
            f"{secret} could not be decrypted{said}; the caller needs kms:Decrypt on the KMS "
            "key that encrypts the secret (granted by the key policy or an IAM policy), and "
            "the key must be enabled",
            reference=ref,
        )
    if code in ("AccessDeniedException", "AccessDenied") or status == 403:
        return SecretAccessDeniedError(
            f"{secret}: access denied{said}; allow the action secretsmanager:GetSecretValue "
            f"on resource {_resource(target, region)} for this identity (IAM policy and the "
            "secret's resource policy); a customer-managed KMS key also needs kms:Decrypt",
            reference=ref,
        )
    if code in _BAD_CREDENTIALS or status == 401:
        return SecretAccessDeniedError(
            f"{secret}: AWS rejected the credentials ({code or status}){said}; {_CREDENTIALS_HELP}",
            reference=ref,
        )
    if code in _TRANSIENT or status >= 500 or status == 429:
        # botocore has already retried these with backoff (sources.aws-sm.max_attempts).
        return SecretSourceUnavailableError(
            f"{secret}: Secrets Manager{at} kept failing ({code or f'HTTP {status}'}){said} "
            "after botocore's retries",
            reference=ref,
        )
    return SecretSourceError(
        f"{secret}: Secrets Manager refused the request ({code or f'HTTP {status}'}){said}",
        reference=ref,
    )


def _aws_message(error: dict[str, object]) -> str:
    message = str(error.get("Message") or "").strip()
    # Some servers answer a JSON API with an XML or HTML error page; quoting it helps nobody.
    if not message or message.startswith("<"):
        return ""
    return f": {message}"


def _resource(target: SecretTarget, region: str | None) -> str:
    if target.secret_id.startswith("arn:"):
        return target.secret_id
    return (
        f"arn:aws:secretsmanager:{region or '<region>'}:<account>:secret:{target.secret_id}-?????? "
        "(a name resolves to an ARN with a random six-character suffix)"
    )
