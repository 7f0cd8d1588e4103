"""`credflow agent` as a real process: one token for many callers, headers, socket, sinks, signals."""

from __future__ import annotations

import base64
import itertools
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from credflow.testing import AuthServer, wait_until

from .conftest import HEADERS, StartAgent, client_toml

pytestmark = pytest.mark.allow_token_output


def jwt_expiry(token: str) -> float:
    """The `exp` claim (epoch seconds) of a JWT access token from the embedded server."""
    payload = token.split(".")[1]
    return float(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"])


def test_two_hundred_concurrent_callers_make_one_token_request(
    start_agent: StartAgent, server: AuthServer
) -> None:
    """200 HTTP clients at once while the first token is still being fetched: one request, one token."""
    server.latency = 1.0
    agent = start_agent(client_toml("api", server))
    start = threading.Barrier(200)

    def call(_: int) -> str:
        with httpx.Client(transport=httpx.HTTPTransport(uds=str(agent.socket)), timeout=60) as http:
            start.wait()
            answer = http.get("http://agent/v1/token?client=api", headers=HEADERS)
            return f"{answer.status_code} {answer.json().get('access_token')}"

    with ThreadPoolExecutor(max_workers=200) as pool:
        answers = set(pool.map(call, range(200)))

    assert (1, 1) == (len(answers), server.counters.token_requests)
    assert next(iter(answers)).startswith("200 ey")


def test_token_answer_has_the_documented_fields(start_agent: StartAgent, server: AuthServer) -> None:
    """GET /v1/token answers access_token, token_type, expires_in and expires_at, no-store."""
    agent = start_agent(client_toml("api", server))

    answer = agent.get("/v1/token?client=api")

    assert (200, ["access_token", "expires_at", "expires_in", "token_type"], "no-store") == (
        answer.status_code,
        sorted(answer.json()),
        answer.headers["cache-control"],
    )


def test_default_socket_is_private(start_agent: StartAgent, server: AuthServer, short_dir: Path) -> None:
    """The default socket is $XDG_RUNTIME_DIR/credflow/agent.sock: mode 0600 in a 0700 directory."""
    runtime = short_dir / "run"
    runtime.mkdir(mode=0o700)
    agent = start_agent(client_toml("api", server), runtime_dir=runtime)

    modes = (stat.S_IMODE(agent.socket.parent.stat().st_mode), stat.S_IMODE(agent.socket.stat().st_mode))
    assert ((0o700, 0o600), True) == (modes, stat.S_ISSOCK(agent.socket.stat().st_mode))


@pytest.mark.parametrize(
    ("headers", "error", "message"),
    [
        pytest.param({}, "header_missing", "must carry the header Credflow-Agent: 1", id="no-header"),
        pytest.param(
            {"Credflow-Agent": "yes"},
            "header_missing",
            "must carry the header Credflow-Agent: 1",
            id="wrong-value",
        ),
        pytest.param(
            {**HEADERS, "X-Forwarded-For": "203.0.113.9"},
            "proxied",
            "X-Forwarded-For header",
            id="x-forwarded-for",
        ),
        pytest.param(
            {**HEADERS, "Forwarded": "for=203.0.113.9"}, "proxied", "Forwarded header", id="forwarded"
        ),
    ],
)
def test_requests_without_the_header_or_through_a_proxy_are_refused(
    start_agent: StartAgent, server: AuthServer, headers: dict[str, str], error: str, message: str
) -> None:
    """403 with an error code and a message saying why; no token in the body."""
    agent = start_agent(client_toml("api", server))

    answer = agent.get("/v1/token?client=api", headers=headers)

    assert (403, error) == (answer.status_code, answer.json()["error"])
    assert message in answer.json()["message"]
    assert "access_token" not in answer.text


def test_unknown_client_lists_the_served_names(start_agent: StartAgent, server: AuthServer) -> None:
    """404 naming the clients the listener serves."""
    agent = start_agent(client_toml("api", server) + client_toml("reports", server, scope="api.write"))

    answer = agent.get("/v1/token?client=billing")

    assert (404, "no client named 'billing' (clients: api, reports)") == (
        answer.status_code,
        answer.json()["message"],
    )


def test_port_serves_only_its_allow_list(start_agent: StartAgent, server: AuthServer) -> None:
    """[agent] port_clients limits the TCP listener; the socket still serves every client."""
    config = (
        '[agent]\nport = 0\nport_clients = ["api"]\n'
        + client_toml("api", server)
        + client_toml("reports", server, scope="api.write")
    )
    agent = start_agent(config, "--port", "0")
    line = wait_until(
        lambda: agent.stderr() if "http://127.0.0.1:" in agent.stderr() else "",
        timeout=60,
        message="the agent's port",
    )
    port = int(line.split("http://127.0.0.1:")[1].split()[0])

    refused = httpx.get(f"http://127.0.0.1:{port}/v1/token?client=reports", headers=HEADERS)
    served = httpx.get(f"http://127.0.0.1:{port}/v1/token?client=api", headers=HEADERS)

    assert (403, "client_not_allowed", 200, 200) == (
        refused.status_code,
        refused.json()["error"],
        served.status_code,
        agent.get("/v1/token?client=reports").status_code,
    )


def test_unknown_agent_key_is_refused_at_load(
    start_agent: StartAgent, server: AuthServer, short_dir: Path
) -> None:
    """A misspelt [agent] key stops the agent at start with the key named."""
    config = short_dir / "bad.toml"
    config.write_text('[agent]\nsocket_client = ["api"]\n' + client_toml("api", server))

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "credflow",
            "agent",
            "--config",
            str(config),
            "--socket",
            str(short_dir / "s"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert (3, True) == (
        done.returncode,
        "agent.socket_client: unknown key; did you mean 'socket_clients'?" in done.stderr,
    )


def test_sink_is_replaced_before_expiry_across_three_renewals(
    start_agent: StartAgent, server: AuthServer, short_dir: Path
) -> None:
    """6-second tokens: each new token reaches the 0600 sink file before the previous one expires."""
    server.token_lifetime = 6
    sink = short_dir / "token"
    start_agent(client_toml("api", server, sink=sink))
    seen: list[tuple[float, str, int]] = []  # (wall time first seen, token, file mode)
    deadline = time.monotonic() + 90
    while len(seen) < 4:
        if time.monotonic() > deadline:
            pytest.fail(f"only {len(seen)} tokens reached the sink")
        try:
            text = sink.read_text()
            mode = stat.S_IMODE(sink.stat().st_mode)
        except FileNotFoundError:
            text, mode = "", 0
        if text and (not seen or seen[-1][1] != text):
            seen.append((time.time(), text, mode))
        time.sleep(0.02)

    late = [
        (index, round(jwt_expiry(old) - seen_at, 2))
        for index, ((_, old, _), (seen_at, _, _)) in enumerate(itertools.pairwise(seen))
        if seen_at >= jwt_expiry(old)
    ]
    assert ([], {0o600}) == (late, {mode for _, _, mode in seen})


def test_sighup_reloads_and_keeps_unchanged_tokens(start_agent: StartAgent, server: AuthServer) -> None:
    """A new client appears after SIGHUP; the unchanged client's token is kept; a broken file is ignored."""
    agent = start_agent(client_toml("api", server))
    before = agent.get("/v1/token?client=api").json()["access_token"]
    agent.config.write_text(client_toml("api", server) + client_toml("reports", server, scope="api.write"))

    agent.process.send_signal(signal.SIGHUP)
    wait_until(
        lambda: "reports" in agent.get("/v1/health").json()["clients"],
        timeout=60,
        message="the reloaded configuration",
    )
    after = agent.get("/v1/token?client=api").json()["access_token"]
    agent.config.write_text("[clients.api\nbroken")
    agent.process.send_signal(signal.SIGHUP)
    wait_until(
        lambda: "reload failed, configuration unchanged" in agent.stderr(),
        timeout=60,
        message="the failed reload",
    )
    still = agent.get("/v1/token?client=reports")

    assert (before, 2, 200) == (after, server.counters.token_requests, still.status_code)


def test_sigterm_finishes_the_request_in_flight_and_removes_the_socket(
    start_agent: StartAgent, server: AuthServer
) -> None:
    """A token request waiting on a slow fetch is answered after SIGTERM; then exit 0, no socket left."""
    server.latency = 2.0
    agent = start_agent(client_toml("api", server))
    pending = socket.socket(socket.AF_UNIX)
    pending.connect(str(agent.socket))
    pending.sendall(
        b"GET /v1/token?client=api HTTP/1.1\r\nHost: agent\r\nCredflow-Agent: 1\r\nConnection: close\r\n\r\n"
    )
    # Connections are accepted in order: once a later one is answered, the pending one is in a handler
    # (a new connection: the fixture's client may hold one accepted long ago).
    with httpx.Client(transport=httpx.HTTPTransport(uds=str(agent.socket)), timeout=60) as later:
        assert 200 == later.get("http://agent/v1/health", headers=HEADERS).status_code

    agent.process.send_signal(signal.SIGTERM)
    answer = b""
    pending.settimeout(60)
    try:
        while chunk := pending.recv(65536):
            answer += chunk
    finally:
        pending.close()
    code = agent.stop()
    assert answer.startswith(b"HTTP/1.1 200 "), agent.stderr()

    assert (True, 0, False) == (answer.startswith(b"HTTP/1.1 200 "), code, agent.socket.exists())


def test_credflow_token_uses_the_agent(start_agent: StartAgent, server: AuthServer, short_dir: Path) -> None:
    """With CREDFLOW_AGENT, `credflow token` asks the agent (no configuration needed); check reports it."""
    agent = start_agent(client_toml("api", server))
    served = agent.get("/v1/token?client=api").json()["access_token"]
    env = {**os.environ, "CREDFLOW_AGENT": str(agent.socket)}

    token = subprocess.run(
        [sys.executable, "-m", "credflow", "token"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    requests = server.counters.token_requests
    check = subprocess.run(
        [sys.executable, "-m", "credflow", "check", "--config", str(agent.config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert (0, served, 1) == (token.returncode, token.stdout.strip(), requests)
    assert f"agent: {agent.socket} answers (ok)" in check.stdout
    assert "agent client api: token valid until" in check.stdout


def test_credflow_token_says_when_the_agent_is_gone(short_dir: Path, server: AuthServer) -> None:
    """A CREDFLOW_AGENT socket nobody listens on fails with the fix, not a traceback."""
    env = {**os.environ, "CREDFLOW_AGENT": str(short_dir / "nobody.sock")}

    done = subprocess.run(
        [sys.executable, "-m", "credflow", "token"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert (1, "") == (done.returncode, done.stdout)
    assert "does not answer" in done.stderr
    assert "unset CREDFLOW_AGENT" in done.stderr
