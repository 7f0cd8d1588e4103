"""Bounded secret reads on the asynchronous path; mirrors test_secret_bounds.py."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from credflow import (
    PluginHost,
    RetryPolicy,
    RotationPolicy,
    SecretReference,
    SecretSourceError,
    SecretSourceUnavailableError,
)
from credflow.testing import AuthServer, wait_until

from .conftest import EngineFactory
from .secret_blocking import (
    HANG,
    SECRET_BOUND,
    SHORT_DEADLINE,
    SHORT_TIMEOUT,
    AsyncBlockingSecrets,
    BlockingSecrets,
    SlowListing,
    make_fifo,
    replace_with_file,
    within,
)

SHORT = {"retry": RetryPolicy(attempts=1, deadline=SHORT_DEADLINE), "timeout": SHORT_TIMEOUT}


async def test_fifo_secret_is_refused_and_engine_recovers_once_it_is_a_file(
    server: AuthServer, make_engine: EngineFactory, tmp_path: Path
) -> None:
    """file: on a FIFO with no writer fails at once naming reference and path; a regular file then works."""
    fifo = make_fifo(tmp_path)
    engine = make_engine(client_secret=f"file:{fifo}", **SHORT)

    with pytest.raises(SecretSourceError) as failure:
        await asyncio.wait_for(engine.aget_token(), HANG)
    replace_with_file(fifo, server.test_client_secret + "\n")
    token = await asyncio.wait_for(engine.aget_token(), HANG)

    assert f"secret file:{fifo}: {fifo} is a FIFO (named pipe), not a regular file" in str(failure.value)
    assert 1 == server.counters.tokens_issued
    assert token.access_token


async def test_slow_sync_source_is_abandoned_at_the_bound_and_engine_recovers(
    server: AuthServer, make_engine: EngineFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A blocking fetch run for the event loop is abandoned at the bound; after it ends, reads succeed."""
    slow = BlockingSecrets(server.test_client_secret)
    engine = make_engine(client_secret="slow:billing", plugins=(slow,), **SHORT)
    caplog.set_level(logging.WARNING, logger="credflow.plugins")

    with pytest.raises(SecretSourceUnavailableError) as abandoned:
        await asyncio.wait_for(engine.aget_token(), HANG)
    with pytest.raises(SecretSourceUnavailableError) as refused:
        await asyncio.wait_for(engine.aget_token(), HANG)
    slow.release.set()
    await asyncio.to_thread(wait_until, lambda: not engine._host.reads.stuck())
    token = await asyncio.wait_for(engine.aget_token(), HANG)

    assert f"secret slow:billing: no answer from its source within {SECRET_BOUND:g}s" in str(abandoned.value)
    assert "an earlier read did not finish" in str(refused.value)
    assert 2 == slow.fetches
    assert token.access_token
    assert 1 == sum("is abandoned" in record.getMessage() for record in caplog.records)


async def test_slow_async_source_is_cancelled_at_the_bound_and_engine_recovers(
    server: AuthServer, make_engine: EngineFactory
) -> None:
    """A coroutine source is cancelled at the bound (nothing left running), so the next read runs at once."""
    slow = AsyncBlockingSecrets(server.test_client_secret)
    engine = make_engine(client_secret="aslow:billing", plugins=(slow,), **SHORT)

    with pytest.raises(SecretSourceUnavailableError, match="no answer from its source within"):
        await asyncio.wait_for(engine.aget_token(), HANG)
    slow.release.set()
    token = await asyncio.wait_for(engine.aget_token(), HANG)

    assert 1 == slow.cancelled
    assert () == engine._host.reads.stuck()
    assert token.access_token


def test_event_loop_closes_while_a_read_is_still_blocked() -> None:
    """asyncio.run() returns although an abandoned read still blocks its (daemon) thread."""
    slow = BlockingSecrets("never-returned")
    host = PluginHost(plugins=(slow,), load_entry_points=False)

    async def read_once() -> str:
        try:
            await host.aresolve_secret(SecretReference.parse("slow:stuck"), fresh=False, bound=0.05)
        except SecretSourceUnavailableError as exc:
            return str(exc)
        return "read"

    try:
        message = within(lambda: asyncio.run(read_once()))
    finally:
        slow.release.set()

    assert message.startswith("secret slow:stuck: no answer from its source within 0.05s")


async def test_slow_rotation_candidate_listing_is_abandoned_at_the_bound(make_engine: EngineFactory) -> None:
    """Listing versions after a rejection is bounded on the async path too."""
    listing = SlowListing("rejected-secret-value-6")
    engine = make_engine(
        client_secret="listing:billing",
        plugins=(listing,),
        rotation=RotationPolicy(try_versions=True),
        **SHORT,
    )
    try:
        with pytest.raises(SecretSourceUnavailableError) as abandoned:
            await asyncio.wait_for(engine.aget_token(), HANG)
    finally:
        listing.release.set()

    assert f"secret listing:billing: no answer from its source within {SECRET_BOUND:g}s" in str(
        abandoned.value
    )
    assert 1 == listing.listings
