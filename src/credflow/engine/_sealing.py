"""Tokens at rest: AES-GCM entries keyed by the client secret (the file and Redis caches).

An entry is `version (1 byte) | tag (16) | nonce (12) | AES-GCM ciphertext`.
The AEAD key is derived with HKDF-SHA256 from the client secret, bound to
the client id and the cache key, so a reader of the store without the secret
learns nothing, and an entry written under a rotated-out secret simply fails
to open (a miss). The ciphertext is bound to where it is stored (a Redis key,
a file name) as associated data, so entries cannot be swapped between keys.

The tag is an HMAC of the token's fingerprint under a second derived key: a
store compares it to delete an entry only if it still holds the token an API
rejected, without ever seeing the fingerprint itself.

`cryptography` is imported by the functions, not by this module, so that
`import credflow` stays free of it until a cache entry is sealed or opened.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import datetime
from typing import TYPE_CHECKING

from ..token import Token

if TYPE_CHECKING:
    from ._cache import CacheScope

__all__ = ["ENTRY_VERSION", "TAG_SIZE", "fingerprint_tag", "open_entry", "seal"]

ENTRY_VERSION = b"\x01"
TAG_SIZE = 16
_NONCE_SIZE = 12
# Named after the Redis cache that introduced it; kept so existing entries still open.
_SALT = b"credflow-redis token cache v1"


def _derive(scope: CacheScope, purpose: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=_SALT,
        info=b"\0".join((purpose, scope.client_id.encode(), scope.key.encode())),
    )
    return hkdf.derive(scope.secret.reveal().encode())


def fingerprint_tag(scope: CacheScope, token_fingerprint: str) -> bytes:
    """The tag stored with a token of this fingerprint: meaningless without the secret."""
    key = _derive(scope, b"fingerprint-tag")
    return hmac.new(key, token_fingerprint.encode(), hashlib.sha256).digest()[:TAG_SIZE]


def seal(scope: CacheScope, token: Token, where: str) -> bytes:
    """Encrypt `token` for storage under `where` (a Redis key, a file name)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    document = {
        "access_token": token.access_token,
        "token_type": token.token_type,
        "expires_at": token.expires_at.isoformat(),
        "issued_at": token.issued_at.isoformat(),
        "scope": token.scope,
        "refresh_at": token.refresh_at.isoformat() if token.refresh_at is not None else None,
    }
    nonce = os.urandom(_NONCE_SIZE)
    ciphertext = AESGCM(_derive(scope, b"aes-gcm")).encrypt(
        nonce, json.dumps(document, separators=(",", ":")).encode(), where.encode()
    )
    return ENTRY_VERSION + fingerprint_tag(scope, token.fingerprint) + nonce + ciphertext


def open_entry(scope: CacheScope, entry: bytes, where: str) -> Token | None:
    """Decrypt an entry; `None` when it was sealed under another secret, another key, or is damaged."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header = len(ENTRY_VERSION) + TAG_SIZE
    if len(entry) <= header + _NONCE_SIZE or entry[:1] != ENTRY_VERSION:
        return None
    nonce, ciphertext = entry[header : header + _NONCE_SIZE], entry[header + _NONCE_SIZE :]
    try:
        plain = AESGCM(_derive(scope, b"aes-gcm")).decrypt(nonce, ciphertext, where.encode())
        document = json.loads(plain)
        refresh_at = document["refresh_at"]
        return Token(
            access_token=document["access_token"],
            token_type=document["token_type"],
            expires_at=datetime.fromisoformat(document["expires_at"]),
            issued_at=datetime.fromisoformat(document["issued_at"]),
            scope=document["scope"],
            refresh_at=datetime.fromisoformat(refresh_at) if refresh_at is not None else None,
        )
    except (InvalidTag, ValueError, KeyError, TypeError):
        return None
