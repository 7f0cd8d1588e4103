"""aws-sm on the asynchronous path (its `fetch` on credflow's worker thread), mirroring test_source."""

from __future__ import annotations

import asyncio
import json

import pytest
from aws_helpers import MakeHost, ref
from credflow_aws.testing import MotoSecretsManager

from credflow import SecretNotFoundError, SecretSourceUnavailableError


async def test_json_key_selects_a_field(aws: MotoSecretsManager, make_host: MakeHost, name: str) -> None:
    """`#key` selects one field of a JSON SecretString."""
    aws.create_secret(name, json.dumps({"client_secret": "async-s3cr3t"}))

    value = await make_host().aresolve_secret(ref(f"aws-sm:{name}#client_secret"), fresh=False)

    assert "async-s3cr3t" == value.reveal()


async def test_concurrent_async_reads_share_one_request(
    aws: MotoSecretsManager, make_host: MakeHost, name: str
) -> None:
    """Ten concurrent async resolutions of one reference cost one GetSecretValue."""
    aws.create_secret(name, "shared")
    host = make_host()
    before = aws.request_count("GetSecretValue")

    values = await asyncio.gather(
        *(host.aresolve_secret(ref(f"aws-sm:{name}"), fresh=False) for _ in range(10))
    )

    assert ["shared"] * 10 == [v.reveal() for v in values]
    assert 1 == aws.request_count("GetSecretValue") - before


async def test_fresh_read_bypasses_the_cache(aws: MotoSecretsManager, make_host: MakeHost, name: str) -> None:
    """`fresh=True` sees a value changed within the TTL."""
    aws.create_secret(name, "v1")
    host = make_host(cache_ttl=300)
    cached_before = await host.aresolve_secret(ref(f"aws-sm:{name}"), fresh=False)
    aws.put_value(name, "v2")

    cached = await host.aresolve_secret(ref(f"aws-sm:{name}"), fresh=False)
    fresh = await host.aresolve_secret(ref(f"aws-sm:{name}"), fresh=True)

    assert ("v1", "v1", "v2") == (cached_before.reveal(), cached.reveal(), fresh.reveal())


async def test_pending_stage(aws: MotoSecretsManager, make_host: MakeHost, name: str) -> None:
    """AWSPENDING is readable by `?version-stage=`."""
    aws.create_secret(name, "current")
    aws.stage_pending(name, "pending")

    value = await make_host().aresolve_secret(ref(f"aws-sm:{name}?version-stage=AWSPENDING"), fresh=False)

    assert "pending" == value.reveal()


async def test_missing_secret_is_not_found(make_host: MakeHost, name: str) -> None:
    """A secret that does not exist is SecretNotFoundError."""
    with pytest.raises(SecretNotFoundError):
        await make_host().aresolve_secret(ref(f"aws-sm:{name}"), fresh=False)


async def test_stale_value_served_while_server_is_down(make_host: MakeHost, name: str) -> None:
    """After the server stops, the last value is served marked stale; a fresh read fails."""
    with MotoSecretsManager() as doomed:
        doomed.create_secret(name, "still-good")
        host = make_host(endpoint_url=doomed.endpoint_url, cache_ttl=0, max_attempts=1)
        await host.aresolve_secret(ref(f"aws-sm:{name}"), fresh=False)

    later = await host.aresolve_secret(ref(f"aws-sm:{name}"), fresh=False)
    with pytest.raises(SecretSourceUnavailableError):
        await host.aresolve_secret(ref(f"aws-sm:{name}"), fresh=True)

    assert (True, "still-good") == (later.stale, later.reveal())
