"""Reading a sealed entry of the per-user file cache, with nothing but the standard library and AES-GCM.

Shared by `FileTokenCache` and `_sealing` (which add locking, writing and `Token`
objects) and by the warm `credflow token` shortcut (`credflow.cli._fast_token`),
which answers before the configuration schema, argparse or dataclasses are
imported: so this module imports only `os`, `stat`, `hashlib`, `hmac` and `json`,
and `cryptography`'s AES-GCM inside the function that opens an entry.

The key derivation is HKDF-SHA256 (RFC 5869) written out with `hmac`: the same
bytes as `cryptography`'s `HKDF`, without importing its hash and KDF modules.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from collections.abc import Mapping
from typing import Any

__all__ = [
    "ENTRY_VERSION",
    "MAX_ENTRY_BYTES",
    "TAG_SIZE",
    "cache_directory",
    "derive_key",
    "directory_is_private",
    "entry_file_name",
    "open_document",
    "read_own_file",
]

#: An entry is a few hundred bytes (a JWT of several KiB at most); anything larger is not ours.
MAX_ENTRY_BYTES = 64 * 1024
ENTRY_VERSION = b"\x01"
TAG_SIZE = 16
NONCE_SIZE = 12
# Named after the Redis cache that introduced it; kept so existing entries still open.
SALT = b"credflow-redis token cache v1"
_NAME_DOMAIN = b"credflow file token cache v1\0"
# O_NOFOLLOW: a symlink is refused; O_NONBLOCK: a FIFO does not wait for a writer.
READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def cache_directory(env: Mapping[str, str]) -> str:
    """`$XDG_CACHE_HOME/credflow`, else `~/.cache/credflow` (the XDG base directory default)."""
    base = env.get("XDG_CACHE_HOME", "")
    # XDG: a relative path in $XDG_CACHE_HOME is invalid and must be ignored.
    root = base if base and os.path.isabs(base) else os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(root, "credflow")


def entry_file_name(key: str) -> str:
    """The file name of the entry of cache key `key`, unlinkable to the key."""
    # The cache key is already a hash; hashing it again under a domain keeps names unlinkable to keys.
    return hashlib.sha256(_NAME_DOMAIN + key.encode()).hexdigest()[:40] + ".token"


def directory_is_private(directory: str) -> bool:
    """Whether `directory` is a real directory (not a symlink) of this user, closed to others."""
    try:
        info = os.lstat(directory)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def read_own_file(path: str, max_bytes: int, *, private: bool = False) -> bytes | None:
    """The bytes of `path` if it is a regular file of this user of at most `max_bytes`, else `None`.

    A symlink, FIFO or device, another user's file, a larger file and (with
    `private`) a file others may read or write are all `None`, never a wait or an error.
    """
    try:
        descriptor = os.open(path, READ_FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if (
            not stat.S_ISREG(info.st_mode)
            or info.st_uid != os.getuid()
            or info.st_size > max_bytes
            or (private and info.st_mode & 0o077)
        ):
            return None
        data = os.read(descriptor, max_bytes + 1)
        return data if len(data) <= max_bytes else None
    except OSError:
        return None
    finally:
        os.close(descriptor)


def derive_key(secret: str, client_id: str, key: str, purpose: bytes) -> bytes:
    """HKDF-SHA256 of the client secret, bound to the client id, the cache key and `purpose`."""
    info = b"\0".join((purpose, client_id.encode(), key.encode()))
    pseudo_random_key = hmac.new(SALT, secret.encode(), hashlib.sha256).digest()
    # One block of HKDF-Expand: 32 bytes are exactly one SHA-256 output.
    return hmac.new(pseudo_random_key, info + b"\x01", hashlib.sha256).digest()


def open_document(entry: bytes, secret: str, client_id: str, key: str, where: str) -> dict[str, Any] | None:
    """The token document sealed in `entry`; `None` if sealed under another secret or key, or damaged."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header = len(ENTRY_VERSION) + TAG_SIZE
    if len(entry) <= header + NONCE_SIZE or entry[:1] != ENTRY_VERSION:
        return None
    nonce, ciphertext = entry[header : header + NONCE_SIZE], entry[header + NONCE_SIZE :]
    try:
        aead_key = derive_key(secret, client_id, key, b"aes-gcm")
        document = json.loads(AESGCM(aead_key).decrypt(nonce, ciphertext, where.encode()))
    except (InvalidTag, ValueError):
        return None
    return document if isinstance(document, dict) else None
