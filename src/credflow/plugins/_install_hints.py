"""The one table of which pip extra serves a secret scheme or a token-cache backend.

Every "no installed plugin serves …" message (the loader's, the engine's,
`credflow check`'s) reads it here, so a new first-party plugin is named in one place.
"""

from __future__ import annotations

__all__ = ["KNOWN_CACHE_PACKAGES", "KNOWN_SCHEME_PACKAGES", "first_party_schemes"]

#: secret scheme -> the pip requirement that installs its plugin
KNOWN_SCHEME_PACKAGES = {
    "aws-sm": "credflow[aws]",
    "vault": "credflow[vault]",
    "azure-kv": "credflow[azure]",
}
#: token-cache backend -> the pip requirement that installs its plugin
KNOWN_CACHE_PACKAGES = {"redis": "credflow[redis]"}


def first_party_schemes() -> str:
    """The sentence naming every first-party scheme and the extra that brings it."""
    names = [f"{scheme}:" for scheme in KNOWN_SCHEME_PACKAGES]
    extras = [KNOWN_SCHEME_PACKAGES[scheme] for scheme in KNOWN_SCHEME_PACKAGES]
    return f"{', '.join(names[:-1])} and {names[-1]} come with {', '.join(extras[:-1])} and {extras[-1]}"
