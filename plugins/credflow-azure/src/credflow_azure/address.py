"""Where an `azure-kv:` reference points: a vault URL, a secret name, maybe a version.

Three spellings are accepted::

    azure-kv:<vault-name>/<secret-name>                     # https://<vault-name>.<vault_suffix>
    azure-kv:https://<host>/<secret-name>                   # the vault URL as is
    azure-kv:https://<host>/secrets/<secret-name>[/<ver>]   # a secret identifier from the portal

each optionally followed by `#json-key` and `?version=<version>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from credflow import SecretReference, SecretSourceError

__all__ = ["SecretAddress", "parse_address"]

_VAULT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$")
_SECRET_NAME = re.compile(r"^[A-Za-z0-9-]{1,127}$")
_VERSION = re.compile(r"^[A-Za-z0-9]{1,64}$")
_PARAMS = frozenset({"version"})


@dataclass(frozen=True, slots=True)
class SecretAddress:
    """A secret in a vault; `version` None means the latest version."""

    vault_url: str
    name: str
    version: str | None


def parse_address(reference: SecretReference, *, vault_suffix: str) -> SecretAddress:
    """Turn a reference into a vault URL, secret name and version, or explain what is wrong."""
    unknown = sorted(set(reference.params) - _PARAMS)
    if unknown:
        raise _bad(reference, f"unknown parameter {unknown[0]!r} (only 'version' is understood)")
    body = reference.body
    path_version: str | None = None
    if "://" in body:
        url = urlsplit(body)
        if url.scheme != "https":
            raise _bad(reference, "the vault URL must use https")
        if not url.netloc or url.query or url.fragment:
            raise _bad(reference, "expected https://<vault-host>/<secret-name>")
        vault_url = f"https://{url.netloc}"
        parts = [p for p in url.path.split("/") if p]
        if len(parts) in (2, 3) and parts[0] == "secrets":
            name = parts[1]
            path_version = parts[2] if len(parts) == 3 else None
        elif len(parts) == 1:
            name = parts[0]
        else:
            raise _bad(
                reference,
                "expected https://<vault-host>/<secret-name> or the secret identifier "
                "https://<vault-host>/secrets/<secret-name>[/<version>]",
            )
    else:
        vault, sep, name = body.partition("/")
        if not sep or "/" in name:
            raise _bad(reference, "expected azure-kv:<vault-name>/<secret-name>")
        if not _VAULT_NAME.match(vault):
            raise _bad(
                reference,
                f"{vault!r} is not a Key Vault name (3-24 letters, digits and dashes, starting "
                "with a letter); give the vault URL for a custom domain",
            )
        vault_url = f"https://{vault.lower()}.{vault_suffix}"
    if not _SECRET_NAME.match(name):
        raise _bad(reference, f"{name!r} is not a Key Vault secret name (letters, digits, dashes)")
    version = reference.params.get("version")
    if path_version is not None and version is not None and path_version != version:
        raise _bad(reference, "the version in the URL and ?version= disagree")
    version = version or path_version
    if version is not None and not _VERSION.match(version):
        raise _bad(reference, f"{version!r} is not a Key Vault secret version id")
    return SecretAddress(vault_url=vault_url, name=name, version=version)


def _bad(reference: SecretReference, what: str) -> SecretSourceError:
    return SecretSourceError(f"secret {reference}: {what}", reference=str(reference))
