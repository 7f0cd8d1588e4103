"""The rotation drill: rotate a client secret again and again while a service calls an API.

Timeline (times from the moment the service is serving; P = `phase_seconds`):

    warm-up                                        `warmup_seconds`
    rotation i, i even: "manager first"
      t      manager: write S(i+1) (previous version keeps S(i)); server still accepts [S(i)]
      t+P    server:  [S(i+1)]: S(i) revoked at once
    rotation i, i odd: "server first"
      t      server:  [S(i), S(i+1)]: both accepted for a window
      t+P    manager: write S(i+1)
      t+2P   server:  [S(i+1)]: S(i) revoked
    cool-down                                      `cooldown_seconds` (longer than a token lifetime)

In "manager first" the service sees S(i+1) once its secret cache expires,
is refused, re-reads (unchanged), and with `try_versions` falls back to the
previous version until the server switches; the next refusal sends it back to
the latest version. With a `file:` secret (no versions, no fallback configured)
the value the server last accepted (last known good) bridges the same gap. In
"server first" the service picks S(i+1) up from the manager when its cache
expires, or at the refusal after the revocation (one fresh read). Tokens live
`token_ttl_seconds`, so renewals keep happening.
"""

from __future__ import annotations

import json
import math
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from tests.interop.oidc_provider_server import OidcProviderServer

from .backends import BACKENDS, SecretBackend
from .service import ServiceConfig, ServiceResult

__all__ = ["REJECTIONS_PER_ROTATION", "DrillReport", "DrillSettings", "read_bound", "run_drill"]

REPO_ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "drill-service"
# Backend requests one rotation may cost one process, at most (see `read_bound`).
READS_PER_ROTATION = 7
# Refused token requests one rotation may cost one process, at most: manager first, the new value
# once (then the previous version or the last known good value is used), and that value once when
# the server switches; server first, none (the overlap). No refusal is ever repeated per caller.
REJECTIONS_PER_ROTATION = 2
_READY_TIMEOUT_SECONDS = 60.0
_RESULT_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class DrillSettings:
    """Durations and load; the defaults keep one run near a minute on two cores."""

    rotations: int = 4
    phase_seconds: float = 5.0
    warmup_seconds: float = 3.0
    cooldown_seconds: float = 6.0
    token_ttl_seconds: int = 5
    secret_cache_ttl_seconds: float = 1.5
    threads: int = 8
    tasks: int = 200
    thread_pause_seconds: float = 0.1
    task_pause_seconds: float = 2.0

    def planned_seconds(self) -> float:
        """How long the service is under drill (without start-up)."""
        phases = sum(2 if index % 2 == 0 else 3 for index in range(self.rotations))
        return self.warmup_seconds + phases * self.phase_seconds + self.cooldown_seconds


def read_bound(settings: DrillSettings, rotations: int, seconds: float) -> int:
    """The most backend requests one service process may make: k * rotations + c.

    k = `READS_PER_ROTATION` = 7, the worst case ("manager first" with
    `try_versions`): the fresh re-read of the refused latest value, the
    candidate listing (Vault reads metadata), AWSPENDING, the previous
    version; then, when the server switches, the fresh re-read of the refused
    previous version, the listing, and the latest value. ("Server first"
    costs at most one fresh read.)
    c = the cold read, plus one read per acquisition that finds its cached
    value expired: acquisitions happen once per renewal (half the token
    lifetime here), so at most ceil(seconds / max(cache TTL, lifetime / 2)).
    """
    interval = max(settings.secret_cache_ttl_seconds, settings.token_ttl_seconds / 2)
    return READS_PER_ROTATION * rotations + math.ceil(seconds / interval) + 1


@dataclass(slots=True)
class DrillReport:
    """Everything one drill run measured."""

    backend: str
    seconds: float
    rotations: int
    orders: dict[str, int]
    service: ServiceResult
    server: dict[str, int]
    backend_server_reads: int | None
    read_bound: int
    rejection_bound: int
    timeline: list[tuple[float, str]] = field(default_factory=list)

    @property
    def rotation_kinds(self) -> dict[str, int]:
        """How many audit events of each rotation kind the service emitted."""
        counts: dict[str, int] = {}
        for _, kind, _ in self.service.rotation_events:
            counts[kind] = counts.get(kind, 0) + 1
        return counts

    def goals_met(self) -> bool:
        """Zero failed API calls, secret reads and refused token requests within their bounds."""
        return (
            self.service.api_failed == 0
            and self.service.secret_reads <= self.read_bound
            and self.server["invalid_client"] <= self.rejection_bound
        )

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data (for JSON)."""
        return {**asdict(self), "rotation_kinds": self.rotation_kinds, "goals_met": self.goals_met()}


class _Service:
    """The service subprocess: started with a config file, stopped with a line on stdin."""

    def __init__(self, config: ServiceConfig, env: dict[str, str], workdir: Path) -> None:
        config_path = workdir / "service.json"
        config_path.write_text(json.dumps(asdict(config)), encoding="utf-8")
        self._stderr_path = workdir / "service.stderr"
        self._stderr: IO[bytes] = open(self._stderr_path, "wb")  # noqa: SIM115 - closed in finish()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.drill.service", str(config_path)],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self._lines: list[str] = []
        self._line_ready = threading.Condition()
        self._reader = threading.Thread(target=self._read_stdout, name="drill-service-stdout", daemon=True)
        self._reader.start()

    def _read_stdout(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            with self._line_ready:
                self._lines.append(line)
                self._line_ready.notify_all()
        with self._line_ready:
            self._lines.append("")  # end of output
            self._line_ready.notify_all()

    def _next_message(self, key: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._line_ready:
            while True:
                for line in self._lines:
                    if line == "":
                        raise RuntimeError(
                            f"the service exited before sending {key!r}:\n{self.stderr_tail()}"
                        )
                    message = json.loads(line)
                    if key in message:
                        return dict(message)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise RuntimeError(
                        f"the service sent no {key!r} within {timeout:g}s:\n{self.stderr_tail()}"
                    )
                self._line_ready.wait(remaining)

    def wait_ready(self) -> None:
        ready = self._next_message("ready", _READY_TIMEOUT_SECONDS)
        if ready.get("first_call_status") != 200:
            raise RuntimeError(f"the service's first API call answered {ready.get('first_call_status')}")

    def finish(self) -> ServiceResult:
        try:
            assert self._process.stdin is not None
            self._process.stdin.write("stop\n")
            self._process.stdin.flush()
            message = self._next_message("result", _RESULT_TIMEOUT_SECONDS)
            self._process.wait(timeout=_RESULT_TIMEOUT_SECONDS)
            result = dict(message["result"])
            result["rotation_events"] = [tuple(event) for event in result["rotation_events"]]
            return ServiceResult(**result)
        finally:
            self.kill()

    def kill(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._reader.join(timeout=10)
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None:
                pipe.close()
        self._stderr.close()

    def stderr_tail(self) -> str:
        if not self._stderr.closed:
            self._stderr.flush()
        return self._stderr_path.read_text(encoding="utf-8", errors="replace")[-3000:] or "(no stderr)"


def _new_secret() -> str:
    return secrets.token_urlsafe(24)


class _Credentials:
    """The credential rotated: a client secret, or (private_key_jwt) a private key and its public JWK."""

    def __init__(self, idp: OidcProviderServer, auth_method: str) -> None:
        self.idp = idp
        self.auth_method = auth_method
        self._public: dict[str, dict[str, Any]] = {}

    def new(self) -> str:
        """A new secret, or a new private key's PEM (its public half remembered for the server)."""
        if self.auth_method != "private_key_jwt":
            return _new_secret()
        from tests.client_auth.keys import new_key

        key = new_key("EC")
        self._public[key.pem] = {**key.public_jwk, "kid": key.thumbprint}
        return key.pem

    def register(self, client_id: str, accepted: list[str]) -> None:
        """Make the server accept exactly `accepted` (registering the client the first time)."""
        if self.auth_method != "private_key_jwt":
            self.idp.upsert_client(client_id, accepted)
            return
        keys = {"keys": [self._public[pem] for pem in accepted]}
        self.idp.upsert_client(client_id, None, auth_method="private_key_jwt", jwks=keys)


def run_drill(
    backend_name: str,
    settings: DrillSettings = DrillSettings(),
    *,
    log: Any = None,
    auth_method: str = "client_secret_basic",
) -> DrillReport:
    """Run the drill with the credential in `backend_name` ("openbao", "moto" or "file").

    `auth_method = "private_key_jwt"` rotates a private key instead of a secret: the server's
    registered public keys play the part of its accepted secrets.
    """
    say = log or (lambda text: None)
    backend: SecretBackend = BACKENDS[backend_name]()
    with (
        OidcProviderServer(token_ttl_seconds=settings.token_ttl_seconds) as idp,
        backend,
        tempfile.TemporaryDirectory(prefix="credflow-drill-") as workdir,
    ):
        credentials = _Credentials(idp, auth_method)
        current = credentials.new()
        credentials.register(CLIENT_ID, [current])
        backend.create(current)
        config = ServiceConfig(
            issuer=idp.issuer,
            api_url=idp.api_url,
            client_id=CLIENT_ID,
            client_secret=backend.reference,
            scheme=backend.scheme,
            plugin=backend.plugin,
            try_versions=backend.try_versions,
            source_settings=backend.source_settings(settings.secret_cache_ttl_seconds),
            threads=settings.threads,
            tasks=settings.tasks,
            thread_pause_seconds=settings.thread_pause_seconds,
            task_pause_seconds=settings.task_pause_seconds,
            auth_method=auth_method,
        )
        service = _Service(config, backend.environment(), Path(workdir))
        try:
            service.wait_ready()
            start = time.monotonic()
            timeline: list[tuple[float, str]] = []

            def step(text: str) -> None:
                timeline.append((time.monotonic() - start, text))
                say(f"  {time.monotonic() - start:6.1f}s  {text}")

            def pause(seconds: float) -> None:
                time.sleep(max(0.0, seconds))

            step("service serving: 8 threads + 200 tasks" if settings.threads == 8 else "service serving")
            pause(settings.warmup_seconds)
            orders = {"manager-first": 0, "server-first": 0}
            for index in range(settings.rotations):
                new = credentials.new()
                if index % 2 == 0:
                    orders["manager-first"] += 1
                    backend.write(new)
                    step(f"rotation {index + 1} (manager first): manager holds the new secret")
                    pause(settings.phase_seconds)
                    credentials.register(CLIENT_ID, [new])
                    step(f"rotation {index + 1}: server accepts only the new secret (old revoked)")
                    pause(settings.phase_seconds)
                else:
                    orders["server-first"] += 1
                    credentials.register(CLIENT_ID, [current, new])
                    step(f"rotation {index + 1} (server first): server accepts old and new")
                    pause(settings.phase_seconds)
                    backend.write(new)
                    step(f"rotation {index + 1}: manager holds the new secret")
                    pause(settings.phase_seconds)
                    credentials.register(CLIENT_ID, [new])
                    step(f"rotation {index + 1}: server accepts only the new secret (old revoked)")
                    pause(settings.phase_seconds)
                current = new
            pause(settings.cooldown_seconds)
            step("stopping the service")
            seconds = time.monotonic() - start
            result = service.finish()
        except BaseException:
            say(service.stderr_tail())
            service.kill()
            raise
        return DrillReport(
            backend=backend.name,
            seconds=seconds,
            rotations=settings.rotations,
            orders=orders,
            service=ServiceResult(
                **{
                    **asdict(result),
                    "rotation_events": [
                        (round(at - start, 2), kind, candidate)
                        for at, kind, candidate in result.rotation_events
                    ],
                }
            ),
            server=idp.counters(),
            backend_server_reads=backend.server_reads(),
            read_bound=read_bound(settings, settings.rotations, seconds),
            rejection_bound=REJECTIONS_PER_ROTATION * settings.rotations,
            timeline=[(round(at, 2), text) for at, text in timeline],
        )
