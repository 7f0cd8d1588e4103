"""The aws-sm source against a real moto server, through the plugin host (synchronous path)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_helpers import MakeHost, ref
from credflow_aws.testing import MotoSecretsManager

from credflow import (
    SecretAccessDeniedError,
    SecretNotFoundError,
    SecretSourceError,
    SecretSourceUnavailableError,
)
from credflow.testing import free_port


def test_plain_string_is_the_secret(aws: MotoSecretsManager, make_host: MakeHost, name: str) -> None:
    """A SecretString that is not JSON is the secret as a whole."""
    aws.create_secret(name, "plain-s3cret")

    value = make_host().resolve_secret(ref(f"aws-sm:{name}"), fresh=False)

    assert "plain-s3cret" == value.reveal()


def test_json_key_selects_a_field(aws: MotoSecretsManager, make_host: MakeHost, name: str) -> None:
    """`#key` selects one field of a JSON SecretString."""
    aws.create_secret(name, json.dumps({"client_id": "billing", "client_secret": "s3cr3t"}))

    value = make_host().resolve_secret(ref(f"aws-sm:{name}#client_secret"), fresh=False)

    assert "s3cr3t" == value.reveal()


def test_missing_json_key_is_not_found(aws: MotoSecretsManager, make_host: MakeHost, name: str) -> None:
    """A key the JSON object lacks is SecretNotFoundError naming the keys present, not values."""
    aws.create_secret(name, json.dumps({"client_id": "billing", "client_secret": "s3cr3t"}))

    with pytest.raises(SecretNotFoundError) as caught:
        make_host().resolve_secret(ref(f"aws-sm:{name}#password"), fresh=False)

    assert "'password' not found" in str(caught.value)
    assert "client_id, client_secret" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)


def test_utf8_secret_binary_is_decoded(aws: MotoSecretsManager, make_host: MakeHost, name: str) -> None:
    """A SecretBinary holding UTF-8 text (here JSON) is decoded and keys still work."""
    aws.create_secret(name, json.dumps({"client_secret": "bin-s3cret"}).encode())

    value = make_host().resolve_secret(ref(f"aws-sm:{name}#client_secret"), fresh=False)

    assert "bin-s3cret" == value.reveal()


def test_non_utf8_secret_binary_is_refused(aws: MotoSecretsManager, make_host: MakeHost, name: str) -> None:
    """A SecretBinary that is not UTF-8 is refused with a message saying to use SecretString."""
    aws.create_secret(name, b"\xff\xfe\x00binary")

    with pytest.raises(SecretSourceError) as caught:
        make_host().resolve_secret(ref(f"aws-sm:{name}"), fresh=False)

    assert "not UTF-8" in str(caught.value)
    assert "SecretString" in str(caught.value)


def test_arn_reference_keeps_its_colons(aws: MotoSecretsManager, make_host: MakeHost, name: str) -> None:
    """A full ARN (six colons) is the secret id, and its region wins over the settings' region."""
    arn = aws.create_secret(name, json.dumps({"client_secret": "by-arn"}))

    # The settings name another region: only the ARN's region finds the secret.
    value = make_host(region="eu-west-1").resolve_secret(ref(f"aws-sm:{arn}#client_secret"), fresh=False)

    assert "by-arn" == value.reveal()


def test_region_parameter_overrides_settings(aws: MotoSecretsManager, make_host: MakeHost, name: str) -> None:
    """`?region=` picks the region for a name reference; the settings' region would miss."""
    aws.create_secret(name, "regional")
    host = make_host(region="eu-west-1")

    value = host.resolve_secret(ref(f"aws-sm:{name}?region={aws.region}"), fresh=False)
    with pytest.raises(SecretNotFoundError) as caught:
        host.resolve_secret(ref(f"aws-sm:{name}"), fresh=False)

    assert "regional" == value.reveal()
    assert "in region eu-west-1" in str(caught.value)


def test_region_from_boto3_chain(
    aws: MotoSecretsManager, make_host: MakeHost, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a region anywhere in credflow, boto3's own chain (AWS_DEFAULT_REGION) decides."""
    aws.create_secret(name, "chain-region")
    monkeypatch.setenv("AWS_DEFAULT_REGION", aws.region)

    value = make_host(region=None).resolve_secret(ref(f"aws-sm:{name}"), fresh=False)

    assert "chain-region" == value.reveal()


def test_no_region_at_all_says_how_to_set_one(make_host: MakeHost, name: str) -> None:
    """No region in the reference, the settings or boto3's chain: an error listing the ways."""
    with pytest.raises(SecretSourceError) as caught:
        make_host(region=None).resolve_secret(ref(f"aws-sm:{name}"), fresh=False)

    assert "no AWS region" in str(caught.value)
    assert "sources.aws-sm.region" in str(caught.value)


def test_version_stages_during_a_rotation(aws: MotoSecretsManager, make_host: MakeHost, name: str) -> None:
    """AWSPENDING is readable by stage; after promotion AWSCURRENT is new and AWSPREVIOUS old."""
    aws.create_secret(name, json.dumps({"client_secret": "old"}))
    host = make_host(cache_ttl=0)
    current = ref(f"aws-sm:{name}#client_secret")
    pending = ref(f"aws-sm:{name}#client_secret?version-stage=AWSPENDING")
    previous = ref(f"aws-sm:{name}#client_secret?version-stage=AWSPREVIOUS")

    new_version = aws.stage_pending(name, json.dumps({"client_secret": "new"}))
    during = (host.resolve_secret(current, fresh=False), host.resolve_secret(pending, fresh=False))
    aws.promote(name, new_version)
    after = (host.resolve_secret(current, fresh=False), host.resolve_secret(previous, fresh=False))

    assert ("old", "new") == tuple(v.reveal() for v in during)
    assert ("new", "old") == tuple(v.reveal() for v in after)
    assert new_version == after[0].version


def test_version_id_parameter_reads_that_version(
    aws: MotoSecretsManager, make_host: MakeHost, name: str
) -> None:
    """`?version-id=` reads one exact version, whatever its stage."""
    aws.create_secret(name, "first")
    first = aws.version_of(name, "AWSCURRENT")
    aws.put_value(name, "second")

    value = make_host().resolve_secret(ref(f"aws-sm:{name}?version-id={first}"), fresh=False)

    assert ("first", first) == (value.reveal(), value.version)


def test_missing_stage_is_not_found(aws: MotoSecretsManager, make_host: MakeHost, name: str) -> None:
    """Asking for a stage no version carries is SecretNotFoundError naming the stage."""
    aws.create_secret(name, "only-current")

    with pytest.raises(SecretNotFoundError) as caught:
        make_host().resolve_secret(ref(f"aws-sm:{name}?version-stage=AWSPENDING"), fresh=False)

    assert "stage AWSPENDING" in str(caught.value)
    assert "has no such version" in str(caught.value)


def test_missing_secret_is_not_found(make_host: MakeHost, name: str) -> None:
    """A secret that does not exist is SecretNotFoundError naming the secret and the region."""
    with pytest.raises(SecretNotFoundError) as caught:
        make_host().resolve_secret(ref(f"aws-sm:{name}"), fresh=False)

    assert f"aws-sm:{name}" == caught.value.reference
    assert f"{name!r}" in str(caught.value)
    assert "in region us-east-1" in str(caught.value)


def test_cache_ttl_spares_the_server(aws: MotoSecretsManager, make_host: MakeHost, name: str) -> None:
    """Within cache_ttl a second read is answered from memory: one GetSecretValue, old value."""
    aws.create_secret(name, "v1")
    host = make_host(cache_ttl=300)
    before = aws.request_count("GetSecretValue")

    first = host.resolve_secret(ref(f"aws-sm:{name}"), fresh=False)
    aws.put_value(name, "v2")
    second = host.resolve_secret(ref(f"aws-sm:{name}"), fresh=False)

    assert 1 == aws.request_count("GetSecretValue") - before
    assert ("v1", "v1") == (first.reveal(), second.reveal())
    assert (False, True) == (first.cached, second.cached)


def test_fresh_read_bypasses_the_cache(aws: MotoSecretsManager, make_host: MakeHost, name: str) -> None:
    """`fresh=True` (after a rejected secret) asks Secrets Manager again and sees the new value."""
    aws.create_secret(name, "v1")
    host = make_host(cache_ttl=300)
    host.resolve_secret(ref(f"aws-sm:{name}"), fresh=False)
    aws.put_value(name, "v2")
    before = aws.request_count("GetSecretValue")

    value = host.resolve_secret(ref(f"aws-sm:{name}"), fresh=True)

    assert ("v2", 1) == (value.reveal(), aws.request_count("GetSecretValue") - before)


def test_keys_of_one_secret_share_one_read(aws: MotoSecretsManager, make_host: MakeHost, name: str) -> None:
    """`#client_id` and `#client_secret` of one JSON secret cost one GetSecretValue."""
    aws.create_secret(name, json.dumps({"client_id": "billing", "client_secret": "s3cr3t"}))
    host = make_host()
    before = aws.request_count("GetSecretValue")

    client_id = host.resolve_secret(ref(f"aws-sm:{name}#client_id"), fresh=False)
    client_secret = host.resolve_secret(ref(f"aws-sm:{name}#client_secret"), fresh=False)

    assert ("billing", "s3cr3t") == (client_id.reveal(), client_secret.reveal())
    assert 1 == aws.request_count("GetSecretValue") - before


def test_stale_value_served_while_server_is_down(make_host: MakeHost, name: str) -> None:
    """After the server stops, the last value is served marked stale within stale_if_error."""
    with MotoSecretsManager() as doomed:
        doomed.create_secret(name, "still-good")
        host = make_host(endpoint_url=doomed.endpoint_url, cache_ttl=0, stale_if_error=60, max_attempts=1)
        first = host.resolve_secret(ref(f"aws-sm:{name}"), fresh=False)

    later = host.resolve_secret(ref(f"aws-sm:{name}"), fresh=False)

    assert (False, "still-good") == (first.stale, first.reveal())
    assert (True, "still-good") == (later.stale, later.reveal())


def test_unreachable_endpoint_is_unavailable(make_host: MakeHost, name: str) -> None:
    """A closed port is SecretSourceUnavailableError naming the endpoint."""
    closed = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(SecretSourceUnavailableError) as caught:
        make_host(endpoint_url=closed, max_attempts=1, timeout=2).resolve_secret(
            ref(f"aws-sm:{name}"), fresh=False
        )

    assert f"endpoint at {closed} is unreachable" in str(caught.value)


def test_iam_policy_without_get_secret_value_is_denied(
    aws: MotoSecretsManager,
    make_host: MakeHost,
    name: str,
    aws_environment: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With IAM enforced, a profile whose policy lacks GetSecretValue is SecretAccessDeniedError."""
    aws.create_secret(name, "guarded")
    user = name.replace("/", "-")
    allowed = aws.create_iam_user(f"{user}-reader", allow=["secretsmanager:GetSecretValue"])
    denied = aws.create_iam_user(f"{user}-lister", allow=["secretsmanager:DescribeSecret"])
    credentials = aws_environment / f"{user}-credentials"
    credentials.write_text(
        f"[reader]\naws_access_key_id = {allowed[0]}\naws_secret_access_key = {allowed[1]}\n"
        f"[lister]\naws_access_key_id = {denied[0]}\naws_secret_access_key = {denied[1]}\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))

    with aws.iam_enforced():
        value = make_host(profile="reader").resolve_secret(ref(f"aws-sm:{name}"), fresh=False)
        with pytest.raises(SecretAccessDeniedError) as caught:
            make_host(profile="lister").resolve_secret(ref(f"aws-sm:{name}"), fresh=False)

    assert "guarded" == value.reveal()
    assert "allow the action secretsmanager:GetSecretValue" in str(caught.value)
    assert f"secret:{name}-??????" in str(caught.value)


def test_unknown_profile_names_the_setting(make_host: MakeHost, name: str) -> None:
    """A profile missing from the AWS files is an error naming sources.aws-sm.profile."""
    with pytest.raises(SecretSourceError) as caught:
        make_host(profile="nowhere").resolve_secret(ref(f"aws-sm:{name}"), fresh=False)

    assert "sources.aws-sm.profile" in str(caught.value)
    assert "nowhere" in str(caught.value)


def test_no_credentials_says_how_to_provide_them(
    make_host: MakeHost, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No credentials anywhere in boto3's chain: an error listing the ways to provide them."""
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    with pytest.raises(SecretSourceError) as caught:
        make_host().resolve_secret(ref(f"aws-sm:{name}"), fresh=False)

    assert "no usable AWS credentials" in str(caught.value)
    assert "AWS_ACCESS_KEY_ID" in str(caught.value)
