"""The async driver reuses one pooled `httpx.AsyncClient` per event loop, closed with its loop."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from credflow import ClientConfig, PluginHost, TokenEngine
from credflow.testing import AuthServer
from credflow.transport import TokenTransport


def test_one_client_per_loop_reused_and_closed_when_the_loop_ends() -> None:
    """Two flights on one loop share a client; the loop's end closes it; another loop gets its own."""
    transport = TokenTransport(timeout=5.0, ca_bundle=None)

    async def two_lookups() -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
        return await transport.async_client(), await transport.async_client()

    first, again = asyncio.run(two_lookups())
    other, _ = asyncio.run(two_lookups())

    assert (True, True, False) == (first is again, first.is_closed, other is first)
    assert other.is_closed
    transport.close()


def test_async_token_flights_reuse_the_pooled_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three async acquisitions in one loop open one AsyncClient, not three, closed with the loop."""
    opened: list[httpx.AsyncClient] = []
    original_init = httpx.AsyncClient.__init__

    def counting_init(self: httpx.AsyncClient, *args: Any, **kwargs: Any) -> None:
        opened.append(self)
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "__init__", counting_init)
    with AuthServer(test_client=True) as server:
        monkeypatch.setenv("ASYNC_POOL_SECRET", server.test_client_secret)
        config = ClientConfig(
            token_endpoint=server.token_endpoint,
            client_id=server.test_client_id,
            client_secret="env:ASYNC_POOL_SECRET",
        )
        with TokenEngine(config, plugins=PluginHost(load_entry_points=False)) as engine:

            async def three_flights() -> None:
                for _ in range(3):
                    await engine.ainvalidate(await engine.aget_token())

            asyncio.run(three_flights())
        issued = server.counters.tokens_issued

    assert (3, 1, True) == (issued, len(opened), opened[0].is_closed)
