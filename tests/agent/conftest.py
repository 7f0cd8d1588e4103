"""A real `credflow agent` process against the embedded authorization server."""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from credflow.testing import AuthServer, ManagedProcess

SECRET_VARIABLE = "AGENT_TEST_CLIENT_SECRET"
HEADERS = {"Credflow-Agent": "1"}


def client_toml(name: str, server: AuthServer, *, scope: str = "api.read", sink: Path | None = None) -> str:
    """A [clients.NAME] table for the server's test client."""
    text = (
        f"[clients.{name}]\n"
        f'token_endpoint = "{server.token_endpoint}"\n'
        f'client_id = "{server.test_client_id}"\n'
        f'client_secret = "env:{SECRET_VARIABLE}"\n'
        f'scopes = ["{scope}"]\n'
    )
    if sink is not None:
        text += f'[clients.{name}.sinks]\nfile = "{sink}"\n'
    return text


@dataclass
class Agent:
    """A running agent: its process, socket, configuration file and an HTTP client on the socket."""

    process: ManagedProcess
    socket: Path
    config: Path
    http: httpx.Client

    def stderr(self) -> str:
        """What the agent printed so far (its log goes to stderr)."""
        return self.process.log()

    def get(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        """GET `path` over the Unix socket (with the agent header unless `headers` says otherwise)."""
        return self.http.get(f"http://agent{path}", headers=HEADERS if headers is None else headers)

    def stop(self) -> int | None:
        """SIGTERM the agent and wait for it (killed after 60 s); return its exit code."""
        self.http.close()  # an idle keep-alive connection would hold the agent's stop for its timeout
        return self.process.stop()


@pytest.fixture
def server(credflow_auth_server: AuthServer, monkeypatch: pytest.MonkeyPatch) -> AuthServer:
    """The authorization server; its test client's secret in the environment agents inherit."""
    monkeypatch.setenv(SECRET_VARIABLE, credflow_auth_server.test_client_secret)
    monkeypatch.delenv("CREDFLOW_CONFIG", raising=False)
    monkeypatch.delenv("CREDFLOW_AGENT", raising=False)
    return credflow_auth_server


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A private directory with a short path (a Unix socket path must fit in 108 bytes)."""
    directory = Path(tempfile.mkdtemp(prefix="cfa-", dir="/tmp"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


StartAgent = Callable[..., Agent]


@pytest.fixture
def start_agent(short_dir: Path, server: AuthServer) -> Iterator[StartAgent]:
    """Start `credflow agent` with a configuration text; every agent is stopped at teardown."""
    agents: list[Agent] = []

    def start(config_text: str, *extra: str, runtime_dir: Path | None = None) -> Agent:
        """Start an agent on a socket of its own, or (`runtime_dir`) on the default socket under it."""
        config = short_dir / f"credflow-{len(agents)}.toml"
        config.write_text(config_text)
        argv = [sys.executable, "-m", "credflow", "agent", "--config", str(config)]
        env = dict(os.environ)
        if runtime_dir is None:
            path = short_dir / f"agent-{len(agents)}.sock"
            argv += ["--socket", str(path)]
        else:
            path = runtime_dir / "credflow" / "agent.sock"
            env["XDG_RUNTIME_DIR"] = str(runtime_dir)
        http = httpx.Client(transport=httpx.HTTPTransport(uds=str(path)), timeout=60)

        def answers() -> bool:
            # Probe with a plain socket first: httpcore leaks the socket of a refused Unix connect.
            with socket.socket(socket.AF_UNIX) as probe:
                try:
                    probe.connect(str(path))
                except OSError:
                    return False
            return http.get("http://agent/v1/health", headers=HEADERS).status_code == 200

        process = ManagedProcess(
            [*argv, *extra],
            name="credflow agent",
            ready=answers,
            env=env,
            startup_timeout=60,
            stop_timeout=60,
        )
        agent = Agent(process, path, config, http)
        agents.append(agent)
        process.start()
        return agent

    yield start
    for agent in agents:
        agent.stop()
