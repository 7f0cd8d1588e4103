"""credflow-aws: the `aws-sm:` secret source, backed by AWS Secrets Manager.

Importing this package does not import boto3; the SDK is loaded the first
time an `aws-sm:` reference is resolved.
"""

from __future__ import annotations

from .settings import AwsSettings
from .target import SecretTarget

__version__ = "0.1.0"

__all__ = ["AwsSettings", "SecretTarget", "__version__"]
