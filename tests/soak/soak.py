"""The soak: one process calling a protected API for a long time while everything around it misbehaves.

A `TokenEngine` with 10 s tokens serves `threads` threads (a sync
`httpx.Client` each) and `tasks` asyncio tasks (one shared `httpx.AsyncClient`),
all calling the embedded authorization server's protected API through
`engine.httpx_auth()`. The client secret lives in OpenBao (KV v2, read through
the vault plugin with a short cache TTL and stale-if-error). Every cycle
(`cycle_seconds`) the conductor, at fixed fractions of the cycle:

- 0.00  rotates the secret, alternating the two orders: "server first" (the
        server accepts old and new, the manager gets the new one, the server
        revokes the old one) and "manager first" (the manager gets the new one,
        then the server accepts only the new one; `try_versions` bridges);
- 0.35  injects a burst of three 503 answers at the token endpoint;
- 0.50  slows the token endpoint down (1 s per answer) for 15% of the cycle;
- 0.70  seals OpenBao (every read answers 503) for 20% of the cycle: the
        cached secret is served stale.

It counts API calls and failures, token requests (at the server), secret reads
(at the source, through `tests/drill/counting.py`) and the process's resident
memory after warm-up and at the end. The goals: no failed call, and memory
growth below `rss_growth_bound_mib`.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from credflow import ClientConfig, PluginHost, RotationPolicy, TokenEngine, hookimpl
from credflow.events import SecretFetched, TokenFailed
from credflow.testing import AuthServer
from tests.drill.counting import CountingSourcePlugin
from tests.drill.service import CallTally, task_worker, thread_worker

__all__ = ["SoakReport", "SoakSettings", "resident_mib", "run_soak"]

CLIENT_ID = "soak-service"
SECRET_PATH = "soak/service-client"


@dataclass(frozen=True, slots=True)
class SoakSettings:
    """How long, how hard, how often."""

    seconds: float = 30 * 60.0
    cycle_seconds: float = 30.0
    warmup_seconds: float = 10.0
    token_ttl_seconds: int = 10
    secret_cache_ttl_seconds: float = 2.0
    threads: int = 4
    tasks: int = 50
    thread_pause_seconds: float = 0.05
    task_pause_seconds: float = 0.5
    rotation_step_seconds: float = 2.0
    rss_growth_bound_mib: float = 20.0


@dataclass(slots=True)
class SoakReport:
    """What one soak measured."""

    seconds: float
    cycles: int
    rotations: int
    bursts: int
    slow_periods: int
    outages: int
    api_calls: int
    api_failed: int
    failures: dict[str, int]
    token_requests: int
    tokens_issued: int
    failed_acquisitions: int
    secret_reads: int
    stale_secrets_served: int
    rss_start_mib: float
    rss_end_mib: float
    rss_growth_bound_mib: float
    timeline: list[tuple[float, str]] = field(default_factory=list)

    @property
    def rss_growth_mib(self) -> float:
        """Resident memory growth from the end of the warm-up to the end."""
        return self.rss_end_mib - self.rss_start_mib

    def goals_met(self) -> bool:
        """No failed API call; memory growth within the bound."""
        return self.api_failed == 0 and self.rss_growth_mib < self.rss_growth_bound_mib

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data."""
        return {**asdict(self), "rss_growth_mib": self.rss_growth_mib, "goals_met": self.goals_met()}

    def table(self) -> str:
        """The figures as a Markdown table."""
        rows = [
            ("duration (s)", f"{self.seconds:.0f}"),
            ("cycles", f"{self.cycles}"),
            ("rotations (alternating orders)", f"{self.rotations}"),
            (
                "503 bursts / slow periods / OpenBao outages",
                f"{self.bursts} / {self.slow_periods} / {self.outages}",
            ),
            ("API calls", f"{self.api_calls}"),
            ("API calls failed", f"{self.api_failed}"),
            ("token requests (server)", f"{self.token_requests}"),
            ("tokens issued (server)", f"{self.tokens_issued}"),
            ("failed acquisitions (audited, absorbed)", f"{self.failed_acquisitions}"),
            ("secret reads reaching OpenBao", f"{self.secret_reads}"),
            ("stale secrets served during outages", f"{self.stale_secrets_served}"),
            ("RSS after warm-up (MiB)", f"{self.rss_start_mib:.1f}"),
            ("RSS at the end (MiB)", f"{self.rss_end_mib:.1f}"),
            ("RSS growth (MiB), bound", f"{self.rss_growth_mib:+.1f} < {self.rss_growth_bound_mib:g}"),
            ("goals met", "yes" if self.goals_met() else "NO"),
        ]
        width = max(len(label) for label, _ in rows)
        lines = [f"| {'figure'.ljust(width)} | value |", f"| {'-' * width} | ----- |"]
        lines += [f"| {label.ljust(width)} | {value} |" for label, value in rows]
        return "\n".join(lines)


def resident_mib() -> float:
    """This process's resident set size now, in MiB (Linux /proc)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / (1 << 20)


class _Audit:
    """Counts failed acquisitions and stale secrets from the audit hooks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.failed_acquisitions = 0
        self.stale = 0

    @hookimpl
    def credflow_token_failed(self, event: TokenFailed) -> None:
        with self._lock:
            self.failed_acquisitions += 1

    @hookimpl
    def credflow_secret_fetched(self, event: SecretFetched) -> None:
        if event.stale:
            with self._lock:
                self.stale += 1


async def _tasks(
    engine: TokenEngine, url: str, settings: SoakSettings, stop: threading.Event, tally: CallTally
) -> None:
    stopped = asyncio.Event()

    async def relay_stop() -> None:
        await asyncio.to_thread(stop.wait)
        stopped.set()

    limits = httpx.Limits(max_connections=settings.tasks, max_keepalive_connections=settings.tasks)
    async with httpx.AsyncClient(
        auth=engine.httpx_auth(), timeout=10.0, limits=limits, trust_env=False
    ) as client:
        await asyncio.gather(
            relay_stop(),
            *(
                task_worker(client, url, settings.task_pause_seconds, stopped, tally)
                for _ in range(settings.tasks)
            ),
        )


class _Conductor:
    """Rotations, 503 bursts, slow answers and OpenBao outages, on a fixed schedule."""

    def __init__(
        self, server: AuthServer, vault: Any, settings: SoakSettings, say: Callable[[str], None]
    ) -> None:
        self._server = server
        self._vault = vault
        self._settings = settings
        self._say = say
        self.secret = secrets.token_urlsafe(24)
        self.counts = Counter[str]()

    def _sleep_until(self, at: float, stop: threading.Event) -> bool:
        return not stop.wait(max(0.0, at - time.monotonic()))

    def run(self, started: float, stop: threading.Event) -> None:
        cycle = self._settings.cycle_seconds
        index = 0
        while True:
            begin = started + self._settings.warmup_seconds + index * cycle
            if begin + cycle > started + self._settings.seconds or not self._sleep_until(begin, stop):
                return
            self._rotate(index, stop)
            if not self._sleep_until(begin + 0.35 * cycle, stop):
                return
            self._server.fail_next(3, status=503)
            self._event("burst", "three 503 answers queued at the token endpoint")
            if not self._sleep_until(begin + 0.5 * cycle, stop):
                return
            self._server.latency = 1.0
            self._event("slow", "token endpoint answers after 1 s")
            ended = self._sleep_until(begin + 0.65 * cycle, stop)
            self._server.latency = 0.0
            if not ended:
                return
            self._vault.seal()
            self._event("outage", "OpenBao sealed: every read answers 503")
            ended = self._sleep_until(begin + 0.9 * cycle, stop)
            self._vault.unseal()
            self._say("OpenBao unsealed")
            if not ended:
                return
            self.counts["cycles"] += 1
            index += 1

    def _event(self, kind: str, text: str) -> None:
        self.counts[kind] += 1
        self._say(text)

    def _rotate(self, index: int, stop: threading.Event) -> None:
        new = secrets.token_urlsafe(24)
        step = self._settings.rotation_step_seconds
        if index % 2 == 0:
            self._event("rotation", f"rotation {index + 1} (server first): server accepts old and new")
            self._server.rotate_secret(CLIENT_ID, new, grace_seconds=3600)
            stop.wait(step)
            self._vault.write_secret(SECRET_PATH, {"client_secret": new})
            self._say("manager holds the new secret")
            stop.wait(step + self._settings.secret_cache_ttl_seconds)
            self._server.revoke_secret(CLIENT_ID, self.secret)
            self._say("server revoked the old secret")
        else:
            self._event("rotation", f"rotation {index + 1} (manager first): manager holds the new secret")
            self._vault.write_secret(SECRET_PATH, {"client_secret": new})
            stop.wait(step)
            self._server.rotate_secret(CLIENT_ID, new, grace_seconds=0)
            self._say("server accepts only the new secret")
        self.secret = new


def run_soak(settings: SoakSettings, *, log: Callable[[str], None] | None = None) -> SoakReport:
    """Run the soak for `settings.seconds`; return what it measured."""
    import credflow_vault.plugin
    from credflow_vault.testing import VaultDevServer

    say_to = log or (lambda text: None)
    timeline: list[tuple[float, str]] = []
    started = time.monotonic()

    def say(text: str) -> None:
        timeline.append((round(time.monotonic() - started, 1), text))
        say_to(f"  {time.monotonic() - started:7.1f}s  {text}")

    with AuthServer(token_lifetime=settings.token_ttl_seconds) as server, VaultDevServer() as vault:
        conductor = _Conductor(server, vault, settings, say)
        server.add_client(CLIENT_ID, conductor.secret, scopes=["api.read"])
        vault.write_secret(SECRET_PATH, {"client_secret": conductor.secret})
        counting = CountingSourcePlugin(credflow_vault.plugin, "vault")
        audit = _Audit()
        host = PluginHost(
            source_settings={
                "vault": vault.source_settings(
                    cache_ttl=settings.secret_cache_ttl_seconds, stale_if_error=3600, timeout=2
                )
            },
            plugins=(counting, audit),
            load_entry_points=False,
        )
        config = ClientConfig(
            client_id=CLIENT_ID,
            client_secret=f"vault:secret/{SECRET_PATH}#client_secret",
            token_endpoint=server.token_endpoint,
            scopes=("api.read",),
            rotation=RotationPolicy(try_versions=True),
        )
        tally = CallTally()
        stop = threading.Event()
        url = f"{server.api_url}/read/soak"
        rss_start = 0.0
        try:
            with TokenEngine(config, plugins=host) as engine:
                threads = [
                    threading.Thread(
                        target=thread_worker,
                        args=(engine, url, settings.thread_pause_seconds, stop, tally),
                        name=f"soak-worker-{index}",
                    )
                    for index in range(settings.threads)
                ]
                threads.append(
                    threading.Thread(
                        target=lambda: asyncio.run(_tasks(engine, url, settings, stop, tally)),
                        name="soak-tasks",
                    )
                )
                threads.append(
                    threading.Thread(target=conductor.run, args=(started, stop), name="soak-conductor")
                )
                say(f"serving: {settings.threads} threads and {settings.tasks} tasks")
                for thread in threads:
                    thread.start()
                try:
                    stop.wait(settings.warmup_seconds)
                    rss_start = resident_mib()
                    say(f"warm-up over: RSS {rss_start:.1f} MiB")
                    stop.wait(max(0.0, started + settings.seconds - time.monotonic()))
                finally:
                    stop.set()
                    for thread in threads:
                        thread.join()
                rss_end = resident_mib()
                say(f"stopped: RSS {rss_end:.1f} MiB")
        finally:
            host.close()
        counters = server.counters
        reads = counting.snapshot()
        return SoakReport(
            seconds=time.monotonic() - started,
            cycles=conductor.counts["cycles"],
            rotations=conductor.counts["rotation"],
            bursts=conductor.counts["burst"],
            slow_periods=conductor.counts["slow"],
            outages=conductor.counts["outage"],
            api_calls=tally.calls,
            api_failed=tally.failed,
            failures=dict(tally.failures),
            token_requests=counters.token_requests,
            tokens_issued=counters.tokens_issued,
            failed_acquisitions=audit.failed_acquisitions,
            secret_reads=reads.total,
            stale_secrets_served=audit.stale,
            rss_start_mib=rss_start,
            rss_end_mib=rss_end,
            rss_growth_bound_mib=settings.rss_growth_bound_mib,
            timeline=timeline,
        )
