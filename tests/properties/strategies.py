"""Hypothesis strategies for the property tests: JSON values, token documents, config documents."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

__all__ = ["TOKEN_PREFIX", "config_documents", "json_values", "token_documents"]

# Generated access tokens carry this prefix: the suite-wide leak scan records every parsed token
# as a canary, and a prefixed value can only show up in an output by being leaked.
TOKEN_PREFIX = "property-token-"

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)

json_values: st.SearchStrategy[Any] = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)

_access_tokens = (
    st.none()
    | st.just("")
    | st.integers()
    | st.lists(st.integers(), max_size=2)
    | st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._~", min_size=1, max_size=30).map(
        lambda text: TOKEN_PREFIX + text
    )
)
_seconds = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(["3600", " 60 ", "1e999", "-1", "nan", "inf", "soon", "", "0x10", "1_000"])
    | st.text(max_size=8)
)

_optional = object()


def _without_missing(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if value is not _optional}


token_documents: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
    {
        "access_token": _access_tokens | st.just(_optional),
        "token_type": st.sampled_from(["Bearer", "bearer", "mac", "", _optional]) | _scalars,
        "expires_in": _seconds | st.just(_optional),
        "refresh_in": _seconds | st.just(_optional),
        "scope": _scalars | st.just(_optional),
        "error": st.sampled_from([_optional, "invalid_request", ""]) | _scalars,
    }
).map(_without_missing)

_keys = st.sampled_from(
    [
        "client_id",
        "client_secret",
        "token_endpoint",
        "issuer",
        "scopes",
        "audience",
        "resource",
        "auth_method",
        "basic_auth_encoding",
        "extra_params",
        "token_type",
        "default_lifetime",
        "max_lifetime",
        "timeout",
        "allow_insecure_http",
        "ca_bundle",
        "retry",
        "cache",
        "rotation",
        "attempts",
        "deadline",
        "initial_backoff",
        "max_backoff",
        "backend",
        "renew_fraction",
        "renew_min_ahead",
        "expiry_leeway",
        "reread_on_reject",
        "try_versions",
        "fallback_secrets",
    ]
) | st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-", min_size=1, max_size=12)

_config_scalars = (
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(
        [
            "env:SECRET",
            "file:/run/secrets/x",
            "https://login.example.com/oauth2/token",
            "http://10.0.0.1/token",
            "http://127.0.0.1:9/token",
            "https://user:pass@login.example.com/token",
            "client_secret_post",
            "memory",
            "",
        ]
    )
    | st.text(max_size=20)
)
_config_values = st.recursive(
    _config_scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_keys, children, max_size=5),
    max_leaves=15,
)
_client_tables = st.dictionaries(_keys, _config_values, max_size=10)

config_documents: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
    {"clients": st.dictionaries(st.sampled_from(["billing", "b-2", "x"]), _client_tables, max_size=2)},
    optional={
        "sources": st.dictionaries(
            st.sampled_from(["env", "file", "vault", "nope"]), _client_tables, max_size=2
        ),
        "other": _config_values,
    },
)
