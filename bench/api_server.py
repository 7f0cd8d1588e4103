"""A minimal keep-alive HTTP/1.1 server for the throughput benchmark, run in its own process.

It answers every GET with a fixed 200 and never looks at the `Authorization`
header, so that the client — the thing measured — is the bottleneck: a raw
asyncio protocol serves far more requests per second than one `httpx.Client`
thread can send. It prints its port on the first line of stdout and serves
until its stdin closes (so it dies with the benchmark).
"""

from __future__ import annotations

import asyncio
import sys

__all__ = ["RESPONSE"]

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
_END_OF_HEAD = b"\r\n\r\n"


class _Answer(asyncio.Protocol):
    """Answers each complete request head on the connection (GET requests carry no body)."""

    def __init__(self) -> None:
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        answers = self._buffer.count(_END_OF_HEAD)
        if answers and self._transport is not None:
            self._buffer = self._buffer.rsplit(_END_OF_HEAD, 1)[1]
            self._transport.write(RESPONSE * answers)


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    # Serve until the parent closes our stdin (or dies).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(_serve())
