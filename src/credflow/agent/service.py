"""`TokenAgent`: the engines of every configured client, renewed in the background, with file sinks.

Requests are served from each engine's memory slot (the hot path); a
background thread keeps every token fresh: it asks each engine for its token
once the token is due for renewal (the engine then renews in the background,
single-flighted through the client's cache backend like any engine), and
writes the new token to the client's sink file as soon as it arrives, before
the old one expires. `reload` swaps in a new configuration and keeps the
engine (and its token) of every client whose settings did not change.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config._client import ClientConfig, SinkPolicy
from ..config._file import CredflowConfig
from ..engine._cache import renewal_times
from ..engine._engine import TokenEngine
from ..errors import CredflowError
from ..token import Token
from .settings import AgentSettings
from .sinks import write_sink

__all__ = ["ClientState", "TokenAgent"]

logger = logging.getLogger("credflow.agent")

# While a renewal is under way, how often the loop looks for its token; after a failure, how long
# it waits before asking again (the engine's own retry policy has run by then).
_RENEWAL_POLL_SECONDS = 0.1
_FAILURE_PAUSE_SECONDS = 2.0
_IDLE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class ClientState:
    """What `/v1/health` and `credflow check` say about one client (never the token itself)."""

    expires_at: datetime | None
    fingerprint: str | None
    error: str | None
    sink: str | None


def _without_sinks(client: ClientConfig) -> ClientConfig:
    return replace(client, sinks=SinkPolicy())


class TokenAgent:
    """Every configured client's engine, kept renewed; thread-safe."""

    def __init__(self, config: CredflowConfig) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._config = config
        self._engines: dict[str, TokenEngine] = {}
        self._state: dict[str, ClientState] = {}
        self._sunk: dict[str, tuple[str, str]] = {}  # client -> (sink path, fingerprint written)
        self._retired: list[CredflowConfig] = []
        self._install(config)
        self._renewer = threading.Thread(
            target=self._renew_forever, name="credflow-agent-renewal", daemon=True
        )

    # --- configuration ----------------------------------------------------

    @property
    def settings(self) -> AgentSettings:
        """The current `[agent]` table (defaults when the file has none)."""
        return self._config.agent or AgentSettings()

    @property
    def config_path(self) -> Path | None:
        """The file the configuration was read from (read again on reload)."""
        return self._config.path

    def _install(self, config: CredflowConfig) -> None:
        old_engines = self._engines
        same_sources = config.sources == self._config.sources
        engines: dict[str, TokenEngine] = {}
        for name, client in config.clients.items():
            engine = old_engines.get(name)
            if (
                engine is not None
                and same_sources
                and _without_sinks(engine.config) == _without_sinks(client)
            ):
                engines[name] = engine  # unchanged: its token is kept
            else:
                engines[name] = TokenEngine(client, plugins=config.plugin_host())
        with self._lock:
            self._engines = engines
            self._clients = dict(config.clients)
            self._config = config
            for name in list(self._state):
                if engines.get(name) is not old_engines.get(name):
                    self._state.pop(name, None)
        for name, engine in old_engines.items():
            if engines.get(name) is not engine:
                engine.close()

    def reload(self, config: CredflowConfig) -> tuple[list[str], list[str]]:
        """Use `config` from now on; return the clients kept and the clients (re)started."""
        before = dict(self._engines)
        previous = self._config
        self._install(config)
        if previous is not config:
            # Engines kept from the previous configuration still use its plugin host.
            self._retired.append(previous)
        kept = sorted(name for name, engine in self._engines.items() if before.get(name) is engine)
        started = sorted(set(self._engines) - set(kept))
        self._wake.set()
        return kept, started

    def client_names(self, allowed: tuple[str, ...] | None = None) -> list[str]:
        """The configured clients, or those of `allowed` (a listener's allow-list) among them."""
        names = sorted(self._engines)
        return names if allowed is None else [name for name in names if name in allowed]

    # --- tokens -----------------------------------------------------------

    def token(self, name: str) -> Token:
        """The current token of client `name` (`KeyError` when there is no such client)."""
        token = self._engines[name].get_token()
        self._note(name, token, None)
        return token

    def state(self, name: str) -> ClientState:
        """What is known of client `name`'s token, without fetching one."""
        sink = self._clients[name].sinks.file
        return self._state.get(name, ClientState(None, None, None, sink))

    def _note(self, name: str, token: Token | None, error: str | None) -> None:
        client = self._clients.get(name)
        if client is None:
            return
        previous = self._state.get(name)
        if token is None and previous is not None:
            self._state[name] = replace(previous, error=error)
        else:
            self._state[name] = ClientState(
                token.expires_at if token else None,
                token.fingerprint if token else None,
                error,
                client.sinks.file,
            )

    # --- background renewal ---------------------------------------------

    def start(self) -> None:
        """Start renewing every client's token in the background (the first fetch happens now)."""
        self._renewer.start()

    def stop(self) -> None:
        """Stop renewing and close every engine and secret source."""
        self._stop.set()
        self._wake.set()
        if self._renewer.is_alive():
            self._renewer.join(timeout=30)
        for engine in self._engines.values():
            engine.close()
        for config in (*self._retired, self._config):
            config.close()

    def _renew_forever(self) -> None:
        while not self._stop.is_set():
            delay = min((self._renew_one(name) for name in list(self._engines)), default=_IDLE_SECONDS)
            self._wake.wait(max(0.02, min(delay, _IDLE_SECONDS)))
            self._wake.clear()

    def _renew_one(self, name: str) -> float:
        """Bring client `name`'s token (and sink) up to date; return the seconds until it needs a look."""
        engine = self._engines.get(name)
        if engine is None:
            return _IDLE_SECONDS
        try:
            token = engine.get_token()
        except CredflowError as error:
            logger.warning("credflow agent: no token for client %s: %s", name, error)
            self._note(name, None, str(error))
            return _FAILURE_PAUSE_SECONDS
        except Exception as error:  # a plugin's bug must not end renewal for every client
            logger.exception("credflow agent: renewing client %s failed unexpectedly", name)
            self._note(name, None, f"{type(error).__name__} (see the agent's log)")
            return _FAILURE_PAUSE_SECONDS
        self._note(name, token, None)
        try:
            self._write_sink(name, token)
        except CredflowError as error:
            logger.warning("credflow agent: client %s: %s", name, error)
            self._note(name, None, str(error))
        renew_at, _ = renewal_times(token, engine.config)
        until = (renew_at - datetime.now(UTC)).total_seconds()
        # Past renew_at the engine renews in the background and still returns this token: look again soon.
        return until if until > 0 else _RENEWAL_POLL_SECONDS

    def _write_sink(self, name: str, token: Token) -> None:
        path = self._clients[name].sinks.file
        if path is None or self._sunk.get(name) == (path, token.fingerprint):
            return
        write_sink(Path(path), token.access_token)
        self._sunk[name] = (path, token.fingerprint)
        logger.info("credflow agent: client %s: token %s written to %s", name, token.fingerprint, path)

    def health(self, allowed: tuple[str, ...] | None) -> dict[str, Any]:
        """The `/v1/health` document for a listener serving `allowed`."""
        clients: dict[str, Any] = {}
        for name in self.client_names(allowed):
            state = self.state(name)
            clients[name] = {
                "token": "valid"
                if state.expires_at is not None and state.expires_at > datetime.now(UTC)
                else "none",
                "expires_at": _utc(state.expires_at) if state.expires_at else None,
                "error": state.error,
                "sink": state.sink,
            }
        healthy = all(client["token"] == "valid" for client in clients.values())
        return {"status": "ok" if healthy else "degraded", "clients": clients}


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
