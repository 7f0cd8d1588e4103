"""The `credflow agent` process: listeners, background renewal, SIGTERM and SIGHUP."""

from __future__ import annotations

import logging
import os
import signal
import socketserver
import sys
import threading
from pathlib import Path
from types import FrameType

from ..config._file import load_config
from ..errors import CredflowError
from .http import bind_tcp, bind_unix
from .service import TokenAgent
from .settings import default_socket_path

__all__ = ["run_agent"]

logger = logging.getLogger("credflow.agent")


def run_agent(config_path: str | None, socket_path: str | None, port: int | None) -> int:
    """Serve tokens until SIGTERM or SIGINT; reload the configuration on SIGHUP. Returns the exit code."""
    config = load_config(config_path, env=os.environ)
    agent = TokenAgent(config)
    settings = agent.settings
    chosen = socket_path or settings.socket
    path = Path(chosen) if chosen else default_socket_path()
    servers: list[socketserver.BaseServer] = [bind_unix(path, agent, default_location=chosen is None)]
    try:
        tcp_port = port if port is not None else settings.port
        if tcp_port is not None:
            servers.append(bind_tcp(tcp_port, agent))
    except CredflowError:
        servers[0].server_close()
        path.unlink(missing_ok=True)
        raise
    stop = threading.Event()
    reload_requested = threading.Event()

    def on_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    def on_reload(signum: int, frame: FrameType | None) -> None:
        reload_requested.set()

    previous = {
        signum: signal.signal(signum, handler)
        for signum, handler in (
            (signal.SIGTERM, on_stop),
            (signal.SIGINT, on_stop),
            (signal.SIGHUP, on_reload),
        )
    }
    threads = [
        threading.Thread(target=server.serve_forever, name="credflow-agent-listener", daemon=True)
        for server in servers
    ]
    agent.start()
    for thread in threads:
        thread.start()
    where = [f"unix:{path}"] + [
        f"http://127.0.0.1:{address[1]}"
        for address in (server.server_address for server in servers[1:])
        if isinstance(address, tuple)
    ]
    print(f"credflow agent: serving {', '.join(agent.client_names())} on {', '.join(where)}", file=sys.stderr)
    try:
        while not stop.wait(0.2):
            if reload_requested.is_set():
                reload_requested.clear()
                _reload(agent)
    finally:
        # Stop accepting, then finish the requests in flight (server_close joins their threads).
        for server in servers:
            server.shutdown()
        for server in servers:
            server.server_close()
        path.unlink(missing_ok=True)
        agent.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        print("credflow agent: stopped", file=sys.stderr)
    return 0


def _reload(agent: TokenAgent) -> None:
    try:
        config = load_config(agent.config_path, env=os.environ)
    except CredflowError as error:
        # The running configuration stays: a typo in the file must not take the agent down.
        print(f"credflow agent: reload failed, configuration unchanged: {error}", file=sys.stderr)
        return
    kept, started = agent.reload(config)
    print(
        f"credflow agent: reloaded; tokens kept for {', '.join(kept) or 'no client'}, "
        f"new engines for {', '.join(started) or 'no client'}",
        file=sys.stderr,
    )
