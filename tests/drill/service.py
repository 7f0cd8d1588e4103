"""The service under drill: one process calling a protected API from threads and asyncio tasks.

    python -m tests.drill.service CONFIG.json

One `TokenEngine` serves `threads` threads (a sync `httpx.Client` each) and
`tasks` asyncio tasks (one shared `httpx.AsyncClient`), all through
`engine.httpx_auth()`. Each worker calls the API, pauses, and calls again
until a `stop` line arrives on stdin. Protocol on stdout (JSON lines):
`{"ready": ...}` once a first call succeeded, then `{"result": ...}` at the
end. Nothing secret is ever written: the configuration holds references only.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from credflow import ClientConfig, PluginHost, RotationPolicy, TokenEngine, hookimpl
from credflow.events import AuditEvent, SecretFetched, SecretRotation, TokenFailed

from .counting import BackendReads, CountingSourcePlugin

__all__ = ["ServiceConfig", "ServiceResult", "main"]

# Failure descriptions kept for the report: enough to diagnose, never a flood.
_KEPT_FAILURE_KINDS = 5


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """What the drill tells the service (references and settings only: no secret)."""

    issuer: str
    api_url: str
    client_id: str
    client_secret: str
    scheme: str
    #: The module serving `scheme`, counted; "" for a built-in source (counted by audit events).
    plugin: str
    source_settings: dict[str, Any]
    threads: int
    tasks: int
    thread_pause_seconds: float
    task_pause_seconds: float
    try_versions: bool = True
    #: "client_secret_basic", or "private_key_jwt" with `client_secret` naming the private key.
    auth_method: str = "client_secret_basic"


@dataclass(slots=True)
class ServiceResult:
    """What the service saw: its API calls, its token traffic and its secret reads."""

    api_calls: int = 0
    api_failed: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    token_requests: int = 0
    token_failures: int = 0
    secret_reads: int = 0
    fresh_secret_reads: int = 0
    candidate_listings: int = 0
    #: (monotonic time, kind, candidate) of every SecretRotation audit event.
    rotation_events: list[tuple[float, str, str | None]] = field(default_factory=list)


class CallTally:
    """API call outcomes from every thread and task."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0
        self.failed = 0
        self.failures: Counter[str] = Counter()

    def record(self, failure: str | None) -> None:
        with self._lock:
            self.calls += 1
            if failure is not None:
                self.failed += 1
                if failure in self.failures or len(self.failures) < _KEPT_FAILURE_KINDS:
                    self.failures[failure] += 1


class _AuditTally:
    """An audit plugin counting token requests, failures and secret reads; keeping rotation events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.token_requests = 0
        self.token_failures = 0
        self.secret_reads = 0
        self.fresh_secret_reads = 0
        self.rotations: list[tuple[float, str, str | None]] = []

    @hookimpl
    def credflow_secret_fetched(self, event: SecretFetched) -> None:
        if event.cached:
            return
        with self._lock:
            self.secret_reads += 1
            self.fresh_secret_reads += event.fresh

    @hookimpl
    def credflow_token_requested(self, event: AuditEvent) -> None:
        with self._lock:
            self.token_requests += 1

    @hookimpl
    def credflow_token_failed(self, event: TokenFailed) -> None:
        with self._lock:
            self.token_failures += 1

    @hookimpl
    def credflow_secret_rotation(self, event: SecretRotation) -> None:
        with self._lock:
            self.rotations.append((time.monotonic(), event.kind, event.candidate))


def call_failure(response: httpx.Response | None, error: Exception | None) -> str | None:
    if error is not None:
        # credflow's messages name references and endpoints, never secrets.
        return f"{type(error).__name__}: {str(error)[:200]}"
    assert response is not None
    return None if response.status_code == 200 else f"HTTP {response.status_code}"


def thread_worker(
    engine: TokenEngine, url: str, pause: float, stop: threading.Event, tally: CallTally
) -> None:
    stop.wait(random.uniform(0, pause))
    with httpx.Client(auth=engine.httpx_auth(), timeout=10.0, trust_env=False) as client:
        while not stop.is_set():
            try:
                tally.record(call_failure(client.get(url), None))
            except Exception as exc:  # every failure is counted and reported
                tally.record(call_failure(None, exc))
            stop.wait(pause)


async def task_worker(
    client: httpx.AsyncClient, url: str, pause: float, stop: asyncio.Event, tally: CallTally
) -> None:
    async def rest(seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)

    await rest(random.uniform(0, pause))
    while not stop.is_set():
        try:
            tally.record(call_failure(await client.get(url), None))
        except Exception as exc:
            tally.record(call_failure(None, exc))
        await rest(pause)


async def _run(config: ServiceConfig, engine: TokenEngine, tally: CallTally) -> None:
    url = f"{config.api_url}/drill"
    stop_threads = threading.Event()
    stop_tasks = asyncio.Event()
    loop = asyncio.get_running_loop()

    first = await asyncio.to_thread(_first_call, engine, url)
    print(json.dumps({"ready": True, "first_call_status": first}), flush=True)

    def wait_for_stop() -> None:
        for line in sys.stdin:
            if line.strip() == "stop":
                break
        stop_threads.set()
        loop.call_soon_threadsafe(stop_tasks.set)

    threading.Thread(target=wait_for_stop, name="drill-stop", daemon=True).start()
    threads = [
        threading.Thread(
            target=thread_worker,
            args=(engine, url, config.thread_pause_seconds, stop_threads, tally),
            name=f"drill-worker-{index}",
        )
        for index in range(config.threads)
    ]
    for thread in threads:
        thread.start()
    limits = httpx.Limits(max_connections=config.tasks, max_keepalive_connections=config.tasks)
    async with httpx.AsyncClient(
        auth=engine.httpx_auth(), timeout=10.0, limits=limits, trust_env=False
    ) as client:
        await asyncio.gather(
            *(
                task_worker(client, url, config.task_pause_seconds, stop_tasks, tally)
                for _ in range(config.tasks)
            )
        )
    for thread in threads:
        await asyncio.to_thread(thread.join)


def _first_call(engine: TokenEngine, url: str) -> int:
    with httpx.Client(auth=engine.httpx_auth(), timeout=10.0, trust_env=False) as client:
        return client.get(url).status_code


def run(config: ServiceConfig) -> ServiceResult:
    """Serve until told to stop; return what happened."""
    counting = (
        CountingSourcePlugin(importlib.import_module(config.plugin), config.scheme) if config.plugin else None
    )
    audit = _AuditTally()
    host = PluginHost(
        source_settings={config.scheme: config.source_settings},
        plugins=(audit,) if counting is None else (counting, audit),
        load_entry_points=False,
    )
    # The credential reference is the client secret, or the private key of a private_key_jwt client.
    credential = (
        {"private_key": config.client_secret, "auth_method": "private_key_jwt"}
        if config.auth_method == "private_key_jwt"
        else {"client_secret": config.client_secret}
    )
    client_config = ClientConfig(
        client_id=config.client_id,
        **credential,  # type: ignore[arg-type]
        issuer=config.issuer,
        scopes=("api.read",),
        rotation=RotationPolicy(try_versions=config.try_versions),
    )
    tally = CallTally()
    try:
        with TokenEngine(client_config, plugins=host) as engine:
            asyncio.run(_run(config, engine, tally))
    finally:
        host.close()
    if counting is not None:
        reads = counting.snapshot()
    else:  # a built-in source: every value it gave is a read (the file source keeps no cache flag)
        reads = BackendReads(audit.secret_reads, audit.fresh_secret_reads, 0)
    return ServiceResult(
        api_calls=tally.calls,
        api_failed=tally.failed,
        failures=dict(tally.failures),
        token_requests=audit.token_requests,
        token_failures=audit.token_failures,
        secret_reads=reads.total,
        fresh_secret_reads=reads.fresh_reads,
        candidate_listings=reads.listings,
        rotation_events=list(audit.rotations),
    )


def main(argv: list[str]) -> int:
    """Read the configuration file named in `argv`, serve, print the result line."""
    with open(argv[0], encoding="utf-8") as handle:
        config = ServiceConfig(**json.load(handle))
    result = run(config)
    print(json.dumps({"result": asdict(result)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
