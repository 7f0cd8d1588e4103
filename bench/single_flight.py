"""Benchmark 3: token requests that reach the server when many callers ask at once.

A fresh engine (cold cache) and the same engine once its token has expired
(a `ManualClock` moved past the lifetime) are each hit by 64 threads, then by
500 and 2,000 asyncio tasks, all released together while the `AuthServer`
takes `LATENCY` seconds to answer. The goal is one request per burst, and
every caller served the one token it brought.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Literal

from engines import LocalIssuer, local_issuer
from report import Row

from credflow import ManualClock, Token, TokenEngine

__all__ = ["run"]

NAME = "single flight"
LATENCY = 0.2
THREADS = 64
TASK_COUNTS = (500, 2000)
#: Far past any token's lifetime on the server (an hour), renewal window and leeway included.
_PAST_EXPIRY = 2 * 3600.0

Moment = Literal["cold cache", "at expiry"]


def _threads(engine: TokenEngine, count: int) -> list[Token | BaseException]:
    start = threading.Barrier(count)
    results: list[Token | BaseException] = []

    def caller() -> None:
        start.wait()
        try:
            results.append(engine.get_token())
        except Exception as exc:  # an unserved caller, reported by type
            results.append(exc)

    workers = [threading.Thread(target=caller, name=f"bench-caller-{i}") for i in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def _tasks(engine: TokenEngine, count: int) -> list[Token | BaseException]:
    async def burst() -> list[Token | BaseException]:
        return await asyncio.gather(*(engine.aget_token() for _ in range(count)), return_exceptions=True)

    return asyncio.run(burst())


def _burst(
    issuer: LocalIssuer,
    moment: Moment,
    callers: str,
    count: int,
    ask: Callable[[TokenEngine, int], list[Token | BaseException]],
) -> Row:
    clock = ManualClock()
    with issuer.engine(clock=clock) as engine:
        expired = None
        if moment == "at expiry":
            expired = engine.get_token().fingerprint
            clock.advance(_PAST_EXPIRY)
        before = issuer.server.counters.token_requests
        results = ask(engine, count)
        requests = issuer.server.counters.token_requests - before
    fingerprints = {result.fingerprint for result in results if isinstance(result, Token)}
    served = sum(isinstance(result, Token) for result in results)
    errors = sorted({type(result).__name__ for result in results if not isinstance(result, Token)})
    stale = expired in fingerprints
    passed = requests == 1 and served == count and len(fingerprints) == 1 and not stale
    measured = f"{requests} request{'s' if requests != 1 else ''}, {served}/{count} served one token"
    if len(fingerprints) != 1:
        measured += f" (NOT one: {len(fingerprints)} distinct)"
    if stale:
        measured += " (expired token served)"
    if errors:
        measured += f" (failed: {', '.join(errors)})"
    return Row(
        NAME,
        f"{moment}: {count:,} {callers}",
        "1 request",
        measured,
        "correctness",
        passed=passed,
        figures={"token_requests": requests, "served": served, "distinct_tokens": len(fingerprints)},
    )


def run() -> list[Row]:
    """Every burst, cold and at expiry, against a server answering after `LATENCY` seconds."""
    rows: list[Row] = []
    with local_issuer(latency=LATENCY) as issuer:
        for moment in ("cold cache", "at expiry"):
            rows.append(_burst(issuer, moment, "threads", THREADS, _threads))
            for count in TASK_COUNTS:
                rows.append(_burst(issuer, moment, "asyncio tasks", count, _tasks))
    return rows
