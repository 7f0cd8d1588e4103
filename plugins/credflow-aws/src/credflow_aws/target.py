"""What an `aws-sm:` reference asks Secrets Manager for.

`aws-sm:<secret-id or ARN>[#json-key][?version-stage=…&version-id=…&region=…]`.
`SecretReference.parse` splits only at the first colon, so an ARN body such as
`arn:aws:secretsmanager:us-east-1:123456789012:secret:billing-AbCdEf` stays whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from credflow import SecretReference, SecretSourceError

__all__ = ["PARAMETERS", "SecretTarget"]

#: The query parameters an `aws-sm:` reference may carry.
PARAMETERS = ("region", "version-id", "version-stage")

_ARN_FIELDS = 7  # arn:partition:service:region:account:resource-type:resource


@dataclass(frozen=True, slots=True)
class SecretTarget:
    """The GetSecretValue request for one reference (no secret in it, safe to show)."""

    secret_id: str
    version_stage: str | None = None
    version_id: str | None = None
    #: From `?region=` or the ARN; `None` leaves the choice to the settings or boto3.
    region: str | None = None

    @classmethod
    def of(cls, reference: SecretReference) -> SecretTarget:
        """Read the target out of `reference`, refusing parameters this source does not know."""
        unknown = sorted(set(reference.params) - set(PARAMETERS))
        if unknown:
            raise SecretSourceError(
                f"secret {reference}: unknown parameter {', '.join(unknown)} in an aws-sm: "
                f"reference; expected {', '.join(PARAMETERS)}",
                reference=str(reference),
            )
        arn_region = _arn_region(reference)
        region = reference.params.get("region")
        if region is not None and arn_region is not None and region != arn_region:
            raise SecretSourceError(
                f"secret {reference}: ?region={region} contradicts the ARN's region "
                f"{arn_region}; drop ?region= (an ARN already names its region)",
                reference=str(reference),
            )
        return cls(
            secret_id=reference.body,
            version_stage=reference.params.get("version-stage"),
            version_id=reference.params.get("version-id"),
            region=region or arn_region,
        )

    @property
    def pins_version(self) -> bool:
        """Whether the reference names a stage or a version (so it is not rotation-aware)."""
        return self.version_stage is not None or self.version_id is not None

    def request(self) -> dict[str, str]:
        """The keyword arguments of `client.get_secret_value`."""
        arguments = {"SecretId": self.secret_id}
        if self.version_stage is not None:
            arguments["VersionStage"] = self.version_stage
        if self.version_id is not None:
            arguments["VersionId"] = self.version_id
        return arguments

    def describe(self) -> str:
        """`'billing' (stage AWSPENDING)`: the secret and the version asked for, for messages."""
        asked = []
        if self.version_stage is not None:
            asked.append(f"stage {self.version_stage}")
        if self.version_id is not None:
            asked.append(f"version {self.version_id}")
        return f"{self.secret_id!r} ({', '.join(asked) or 'stage AWSCURRENT'})"


def _arn_region(reference: SecretReference) -> str | None:
    if not reference.body.startswith("arn:"):
        return None
    parts = reference.body.split(":", _ARN_FIELDS - 1)
    if (
        len(parts) != _ARN_FIELDS
        or parts[2] != "secretsmanager"
        or parts[5] != "secret"
        or not parts[3]
        or not parts[6]
    ):
        raise SecretSourceError(
            f"secret {reference}: not a Secrets Manager secret ARN; expected "
            "arn:<partition>:secretsmanager:<region>:<account>:secret:<name>",
            reference=str(reference),
        )
    return parts[3]
