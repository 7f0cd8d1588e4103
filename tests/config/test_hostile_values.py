"""Values a hostile or careless configuration holds: URL credentials, NaN and huge numbers, bad scopes."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest

from credflow import CachePolicy, ClientConfig, ConfigError, InsecureTransportError, RetryPolicy
from credflow.config_file import load_config
from credflow.schema import INTEGER, NUMBER, client_schema
from credflow.security import is_loopback_host, redact_userinfo
from credflow.validation import MAX_SECONDS, check_integer, check_seconds
from tests.leakcheck import LEDGER

from .conftest import WriteConfig

URL_PASSWORD = "pw-in-the-url-7Qx9"


def base(**changes: object) -> dict[str, object]:
    """The settings of a valid client, with `changes`."""
    settings: dict[str, object] = {
        "token_endpoint": "https://auth.example.com/token",
        "client_id": "billing",
        "client_secret": "env:BILLING_SECRET",
    }
    settings.update(changes)
    return settings


def config_error(**changes: object) -> str:
    """The ConfigError message of a ClientConfig built with `changes`."""
    with pytest.raises(ConfigError) as caught:
        ClientConfig(**base(**changes))  # type: ignore[arg-type]
    return str(caught.value)


# --- URLs carrying credentials ------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"https://billing:{URL_PASSWORD}@auth.example.com/token", "https://***@auth.example.com/token"),
        (f"https://:{URL_PASSWORD}@auth.example.com/token", "https://***@auth.example.com/token"),
        ("https://billing@auth.example.com/token", "https://***@auth.example.com/token"),
        (f"http://u:{URL_PASSWORD}@127.0.0.1:8080/token", "http://***@127.0.0.1:8080/token"),
        (f"https://u:{URL_PASSWORD}@a@auth.example.com/", "https://***@auth.example.com/"),
    ],
)
@pytest.mark.parametrize("key", ["token_endpoint", "issuer"])
def test_url_with_userinfo_is_refused_without_echoing_it(key: str, url: str, shown: str) -> None:
    """token_endpoint and issuer with user:password@ are refused, redacted, saying where credentials go."""
    LEDGER.canary(URL_PASSWORD)
    changes: dict[str, object] = {"token_endpoint": None, key: url}

    message = config_error(**changes)

    assert (
        f"{key}: {shown!r} carries credentials (user:password@) in the URL; remove them: the client id "
        "goes in client_id and the secret in client_secret, as a secret reference such as 'env:NAME'"
    ) == message
    assert URL_PASSWORD not in message


def test_url_with_at_sign_in_the_path_is_accepted() -> None:
    """An `@` after the host (in the path or query) is not userinfo."""
    config = ClientConfig(**base(token_endpoint="https://auth.example.com/t@nant/token?x=a@b"))  # type: ignore[arg-type]

    assert "https://auth.example.com/t@nant/token?x=a@b" == config.token_endpoint


def test_userinfo_in_the_file_is_refused_with_the_file_named(write_config: WriteConfig) -> None:
    """From credflow.toml the error names the file, the client and the key, never the password."""
    LEDGER.canary(URL_PASSWORD)
    path = write_config(
        "[clients.billing]\n"
        f'token_endpoint = "https://billing:{URL_PASSWORD}@auth.example.com/token"\n'
        'client_id = "billing"\nclient_secret = "env:BILLING_SECRET"\n'
    )

    with pytest.raises(ConfigError) as caught:
        load_config(path.name, env={})

    assert str(caught.value).startswith(
        "credflow.toml: clients.billing.token_endpoint: "
        "'https://***@auth.example.com/token' carries credentials"
    )
    assert URL_PASSWORD not in str(caught.value)


def test_userinfo_inside_a_secret_reference_is_refused() -> None:
    """A URL with credentials inside a reference (azure-kv:https://u:p@vault/…) is refused unechoed."""
    LEDGER.canary(URL_PASSWORD)

    message = config_error(client_secret=f"azure-kv:https://u:{URL_PASSWORD}@v.vault.azure.net/s")

    assert message.startswith("client_secret: the URL in this azure-kv: reference carries credentials")
    assert URL_PASSWORD not in message


def test_insecure_url_message_redacts_userinfo() -> None:
    """Even the 'not an http(s) URL' message of an API request URL hides a password."""
    from credflow.security import ensure_secure_url

    LEDGER.canary(URL_PASSWORD)
    with pytest.raises(InsecureTransportError) as caught:
        ensure_secure_url(
            f"ftp://u:{URL_PASSWORD}@files.example", allow_insecure_http=False, what="API request"
        )

    assert "API request: 'ftp://***@files.example' is not an http(s) URL" == str(caught.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://auth.example.com/token", "https://auth.example.com/token"),
        ("https://u:p@h:1/x?y=z#f", "https://***@h:1/x?y=z#f"),
        ("u:p@h:8200", "***@h:8200"),
        ("https://[::1/", "https://[::1/"),
    ],
)
def test_redact_userinfo(url: str, expected: str) -> None:
    """redact_userinfo hides everything before the last @ of the authority, even in a URL urlsplit refuses."""
    assert expected == redact_userinfo(url)


# --- numbers ----------------------------------------------------------------

NUMERIC_SETTINGS = [
    setting.key for setting in client_schema().all_settings() if setting.type in (NUMBER, INTEGER)
]


def _table(key: str, value: object) -> dict[str, Any]:
    """A client table with `key` (maybe "retry.deadline") set to `value`."""
    table: dict[str, Any] = dict(base())
    head, _, name = key.rpartition(".")
    (table.setdefault(head, {}) if head else table)[name] = value
    return table


def _build(key: str, value: object) -> ClientConfig:
    """A ClientConfig with `key` set to `value` the way load_config builds it."""
    from credflow.schema import build_client

    return build_client(
        "billing",
        _table(key, value),
        locate=lambda _key: "credflow.toml",
        secret_schemes=frozenset({"env"}),
        cache_backends=frozenset({"memory"}),
    )


def test_every_numeric_setting_is_covered() -> None:
    """The schema's numeric settings are the ones this file checks (a new one is checked too)."""
    assert {
        "default_lifetime",
        "max_lifetime",
        "timeout",
        "retry.attempts",
        "retry.deadline",
        "retry.initial_backoff",
        "retry.max_backoff",
        "cache.renew_fraction",
        "cache.renew_min_ahead",
        "cache.expiry_leeway",
    } <= set(NUMERIC_SETTINGS)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("key", NUMERIC_SETTINGS)
def test_non_finite_numbers_are_refused_naming_the_key(key: str, value: float) -> None:
    """nan, inf and -inf in any numeric setting are a ConfigError naming clients.<name>.<key>."""
    with pytest.raises(ConfigError) as caught:
        _build(key, value)

    assert str(caught.value).startswith(f"credflow.toml: clients.billing.{key}: expected ")


@pytest.mark.parametrize("key", NUMERIC_SETTINGS)
def test_huge_numbers_are_refused_naming_the_key(key: str) -> None:
    """A value past every sensible bound (2**62, as TOML allows) is refused, not an OverflowError later."""
    with pytest.raises(ConfigError) as caught:
        _build(key, 2**62)

    assert str(caught.value).startswith(f"credflow.toml: clients.billing.{key}: expected ")


def test_nan_from_the_file_names_the_key(write_config: WriteConfig) -> None:
    """`timeout = nan` written in TOML (valid TOML) fails at load naming the key."""
    path = write_config(
        '[clients.billing]\ntoken_endpoint = "https://a.example/t"\nclient_id = "billing"\n'
        'client_secret = "env:S"\ntimeout = nan\n'
    )

    with pytest.raises(ConfigError) as caught:
        load_config(path.name, env={})

    assert "credflow.toml: clients.billing.timeout: expected a finite number of seconds, got nan" == str(
        caught.value
    )


def test_inf_from_an_environment_variable_names_the_variable(write_config: WriteConfig) -> None:
    """CREDFLOW_CLIENTS__BILLING__RETRY__DEADLINE=inf fails naming the variable and the key."""
    path = write_config(
        '[clients.billing]\ntoken_endpoint = "https://a.example/t"\nclient_id = "billing"\n'
        'client_secret = "env:S"\n'
    )

    with pytest.raises(ConfigError) as caught:
        load_config(path.name, env={"CREDFLOW_CLIENTS__BILLING__RETRY__DEADLINE": "inf"})

    assert (
        "environment variable CREDFLOW_CLIENTS__BILLING__RETRY__DEADLINE: clients.billing.retry.deadline: "
        "expected a finite number of seconds, got inf"
    ) == str(caught.value)


def test_policies_built_in_code_refuse_non_finite_numbers() -> None:
    """RetryPolicy, CachePolicy and ClientConfig built in code refuse NaN and an enormous timedelta."""
    messages = []
    for build in (
        lambda: RetryPolicy(deadline=math.nan),
        lambda: RetryPolicy(max_backoff=timedelta.max),  # type: ignore[arg-type]
        lambda: CachePolicy(renew_fraction=math.nan),
        lambda: CachePolicy(expiry_leeway=math.inf),
        lambda: ClientConfig(**base(default_lifetime=-math.inf)),  # type: ignore[arg-type]
    ):
        with pytest.raises(ConfigError) as caught:
            build()
        messages.append(str(caught.value))

    assert [
        "retry.deadline: expected a finite number of seconds, got nan",
        "retry.max_backoff: expected at most 315360000 seconds, got 86400000000000.0",
        "cache.renew_fraction: expected a number between 0 and 1, got nan",
        "cache.expiry_leeway: expected a finite number of seconds, got inf",
        "default_lifetime: expected a finite number of seconds, got -inf",
    ] == messages


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "k: expected a positive number of seconds, got 0"),
        (-0.5, "k: expected a positive number of seconds, got -0.5"),
        ("10", "k: expected a number of seconds, got str"),
        (True, "k: expected a number of seconds, got bool"),
        (10**400, "k: expected at most 315360000 seconds, got " + repr(10**400)),
    ],
)
def test_check_seconds_messages(value: object, expected: str) -> None:
    """check_seconds: type, sign and bound each have their message; a string is named by its type only."""
    with pytest.raises(ConfigError) as caught:
        check_seconds(value, "k", positive=True)

    assert expected == str(caught.value)


def test_check_seconds_accepts_the_bounds() -> None:
    """Zero (when not positive), a timedelta and exactly ten years are accepted as floats."""
    assert [0.0, 90.0, MAX_SECONDS] == [
        check_seconds(0, "k"),
        check_seconds(timedelta(minutes=1.5), "k"),
        check_seconds(int(MAX_SECONDS), "k"),
    ]


def test_check_integer_bounds() -> None:
    """check_integer refuses below the minimum, above the maximum and non-integers."""
    messages = []
    for value in (0, 11, 2.0, None):
        with pytest.raises(ConfigError) as caught:
            check_integer(value, "n", minimum=1, maximum=10)
        messages.append(str(caught.value))

    assert [
        "n: expected an integer of at least 1, got 0",
        "n: expected an integer of at most 10, got 11",
        "n: expected an integer of at least 1, got 2.0",
        "n: expected an integer of at least 1, got NoneType",
    ] == messages


# --- scopes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "why"),
    [
        ('api"read', "is not an RFC 6749 scope token"),
        ("api\\read", "is not an RFC 6749 scope token"),
        ("api\tread", "is not an RFC 6749 scope token"),
        ("api\nread", "is not an RFC 6749 scope token"),
        ("api.lecture\u00e9", "is not an RFC 6749 scope token"),
        ("api\x7fread", "is not an RFC 6749 scope token"),
        ("api read", "a scope cannot contain a space (list them separately)"),
    ],
)
def test_scope_outside_the_rfc_6749_grammar_is_refused_by_index(scope: str, why: str) -> None:
    """A scope with a quote, backslash, control, non-ASCII character or space is refused naming its index."""
    message = config_error(scopes=("openid", scope))

    assert message.startswith("scopes[1]: ")
    assert why in message


def test_scope_error_from_the_file_names_the_index(write_config: WriteConfig) -> None:
    """From the file, the key is clients.<name>.scopes[<index>], located in the file."""
    path = write_config(
        '[clients.billing]\ntoken_endpoint = "https://a.example/t"\nclient_id = "billing"\n'
        'client_secret = "env:S"\nscopes = ["api.read", "bad\\"scope"]\n'
    )

    with pytest.raises(ConfigError) as caught:
        load_config(path.name, env={})

    assert str(caught.value).startswith(
        "credflow.toml: clients.billing.scopes[1]: 'bad\"scope' is not an RFC 6749"
    )


def test_every_allowed_scope_character_is_accepted() -> None:
    """%x21, %x23-5B and %x5D-7E: every printable ASCII character but space, '"' and '\\'."""
    allowed = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"\\')
    config = ClientConfig(**base(scopes=(allowed, "https://graph.example/.default")))  # type: ignore[arg-type]

    assert (allowed, "https://graph.example/.default") == config.scopes


# --- *.localhost ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("[::1]", True),
        ("api.localhost", False),
        ("localhost.evil.example", False),
        ("localhost.", False),
        ("10.0.0.1", False),
    ],
)
def test_only_localhost_and_loopback_addresses_are_loopback(host: str, expected: bool) -> None:
    """`*.localhost` is not taken as loopback without a lookup: only `localhost` and loopback IPs are."""
    assert expected == is_loopback_host(host)


def test_plain_http_to_a_dot_localhost_name_is_refused() -> None:
    """http://api.localhost/ needs https or allow_insecure_http, like any name DNS might answer."""
    with pytest.raises(InsecureTransportError) as caught:
        ClientConfig(**base(token_endpoint="http://api.localhost:8080/token"))  # type: ignore[arg-type]

    assert str(caught.value).startswith(
        "token_endpoint: refusing plain http:// to remote host 'api.localhost'"
    )
