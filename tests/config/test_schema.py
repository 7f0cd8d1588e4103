"""The schema is the dataclass fields: the reference lists them all; dumps round-trip and hide secrets."""

from __future__ import annotations

import dataclasses
import json

from credflow import CachePolicy, ClientConfig, RetryPolicy, RotationPolicy, SinkPolicy
from credflow.cli.toml_writer import render_toml
from credflow.config._file import load_config
from credflow.config._schema import configuration_reference
from credflow.config._show import REDACTED, redact_settings

from .conftest import WriteConfig


def field_keys() -> set[str]:
    keys = set()
    for item in dataclasses.fields(ClientConfig):
        if item.name in ("retry", "cache", "rotation", "sinks"):
            continue
        keys.add(f"clients.<name>.{item.name}")
    tables = (
        ("retry", RetryPolicy),
        ("cache", CachePolicy),
        ("rotation", RotationPolicy),
        ("sinks", SinkPolicy),
    )
    for table, policy in tables:
        keys |= {f"clients.<name>.{table}.{item.name}" for item in dataclasses.fields(policy)}
    return keys


def test_reference_lists_every_field() -> None:
    """Every dataclass field has a row (cache.settings appears as cache.<other>)."""
    keys = {row.key for row in configuration_reference()}

    expected = (field_keys() - {"clients.<name>.cache.settings"}) | {"clients.<name>.cache.<other>"}
    assert expected == keys


def test_every_row_is_documented() -> None:
    """No row of the reference has an empty doc."""
    assert [] == [row.key for row in configuration_reference() if not row.doc]


def test_required_rows_are_the_fields_without_default() -> None:
    """client_id is the only key every client needs (client_secret only the secret methods)."""
    required = [row.key for row in configuration_reference() if row.required]

    assert ["clients.<name>.client_id"] == required


def test_defaults_are_the_dataclass_defaults_as_toml() -> None:
    """Defaults are read from the fields, not written down twice."""
    rows = {row.key: row for row in configuration_reference()}

    assert (str(RetryPolicy().attempts), "[]", '"memory"', "true", None) == (
        rows["clients.<name>.retry.attempts"].default,
        rows["clients.<name>.scopes"].default,
        rows["clients.<name>.cache.backend"].default,
        rows["clients.<name>.rotation.reread_on_reject"].default,
        rows["clients.<name>.issuer"].default,
    )


def test_secret_reference_rows_say_so() -> None:
    """client_secret and fallback_secrets are typed as secret references."""
    rows = {row.key: row.type for row in configuration_reference()}

    assert ("secret reference", "list of secret references") == (
        rows["clients.<name>.client_secret"],
        rows["clients.<name>.rotation.fallback_secrets"],
    )


FILE = """
[clients.billing]
token_endpoint = "https://auth.example.com/oauth2/token"
client_id = "billing-svc"
client_secret = "env:BILLING_SECRET"
scopes = ["api.read"]
extra_params = { tenant = "acme" }

[clients.billing.cache]
namespace = "billing"
url = "redis://:pa55w0rd@redis.internal:6379/0"
password = "hunter2-literal"
password_ref = "env:REDIS_PASSWORD"

[clients.billing.rotation]
fallback_secrets = ["file:/run/secrets/previous"]

[sources.vault]
address = "https://vault.example.com"
auth = { method = "token", token = "env:VAULT_TOKEN" }
"""


def test_toml_dump_round_trips(write_config: WriteConfig) -> None:
    """The effective configuration written as TOML loads back into the same clients."""
    secret_lines = ("url =", "password =", "token =")
    write_config("\n".join(line for line in FILE.splitlines() if not line.startswith(secret_lines)))
    config = load_config(env={})

    dumped = render_toml(config.as_dict())
    write_config(dumped)

    assert config.clients == load_config(env={}).clients


def test_dumps_show_references_and_hide_literal_secrets(write_config: WriteConfig) -> None:
    """References stay as written; secret-looking literals and URL passwords are redacted."""
    write_config(FILE)

    document = load_config(env={}).as_dict()
    text = json.dumps(document) + render_toml(document)

    billing = document["clients"]["billing"]
    assert ("env:BILLING_SECRET", ["file:/run/secrets/previous"]) == (
        billing["client_secret"],
        billing["rotation"]["fallback_secrets"],
    )
    assert (f"redis://:{REDACTED}@redis.internal:6379/0", REDACTED, "env:REDIS_PASSWORD") == (
        billing["cache"]["url"],
        billing["cache"]["password"],
        billing["cache"]["password_ref"],
    )
    vault = document["sources"]["vault"]
    assert ("https://vault.example.com", "env:VAULT_TOKEN") == (vault["address"], vault["auth"]["token"])
    assert [] == [leak for leak in ("pa55w0rd", "hunter2-literal") if leak in text]


def test_redaction_walks_nested_tables_and_lists() -> None:
    """Nested plugin settings are redacted too."""
    settings = {"auth": {"secret_id": "x1y2z3w4", "role_id": "r"}, "tokens": ["t1t1t1t1"]}

    assert {"auth": {"secret_id": REDACTED, "role_id": "r"}, "tokens": [REDACTED]} == redact_settings(
        settings
    )


def test_dump_of_one_client_leaves_the_others_out(write_config: WriteConfig) -> None:
    """as_dict(client) holds that client only."""
    write_config(FILE + FILE.split("[clients.billing.cache]", maxsplit=1)[0].replace("billing", "reports"))

    assert ["reports"] == list(load_config(env={}).as_dict("reports")["clients"])
