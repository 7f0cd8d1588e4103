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
from ._file_entries import ENTRY_VERSION, NONCE_SIZE, TAG_SIZE, derive_key, open_document

if TYPE_CHECKING:
    from ._cache import CacheScope

__all__ = ["ENTRY_VERSION", "TAG_SIZE", "fingerprint_tag", "open_entry", "seal"]


def _derive(scope: CacheScope, purpose: bytes) -> bytes:
    return derive_key(scope.secret.reveal(), scope.client_id, scope.key, purpose)


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
    nonce = os.urandom(NONCE_SIZE)
    ciphertext = AESGCM(_derive(scope, b"aes-gcm")).encrypt(
        nonce, json.dumps(document, separators=(",", ":")).encode(), where.encode()
    )
    return ENTRY_VERSION + fingerprint_tag(scope, token.fingerprint) + nonce + ciphertext


def open_entry(scope: CacheScope, entry: bytes, where: str) -> Token | None:
    """Decrypt an entry; `None` when it was sealed under another secret, another key, or is damaged."""
    document = open_document(entry, scope.secret.reveal(), scope.client_id, scope.key, where)
    if document is None:
        return None
    try:
        refresh_at = document["refresh_at"]
        return Token(
            access_token=document["access_token"],
            token_type=document["token_type"],
            expires_at=datetime.fromisoformat(document["expires_at"]),
            issued_at=datetime.fromisoformat(document["issued_at"]),
            scope=document["scope"],
            refresh_at=datetime.fromisoformat(refresh_at) if refresh_at is not None else None,
        )
    except (ValueError, KeyError, TypeError):
        return None
