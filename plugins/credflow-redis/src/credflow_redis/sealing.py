"""Opaque Redis key names; the sealing is credflow's (`credflow.plugin.seal`), shared with the file cache.

The names below are re-exported so code importing them from here keeps working.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from credflow.plugin import ENTRY_VERSION, TAG_SIZE, CacheScope, fingerprint_tag, open_entry, seal

__all__ = ["ENTRY_VERSION", "TAG_SIZE", "EntryKeys", "entry_keys", "fingerprint_tag", "open_entry", "seal"]


@dataclass(frozen=True, slots=True)
class EntryKeys:
    """The Redis key names of one scope: the sealed token and its fetch lock."""

    token: str
    lock: str


def entry_keys(prefix: str, scope: CacheScope) -> EntryKeys:
    """Name the keys of `scope` from a hash of the prefix and the (already hashed) cache key.

    The `{...}` hash tag keeps both keys of a scope in one Redis Cluster slot.
    """
    digest = hashlib.sha256(f"{prefix}\0{scope.key}".encode()).hexdigest()[:32]
    return EntryKeys(token=f"{prefix}{{{digest}}}:token", lock=f"{prefix}{{{digest}}}:lock")
