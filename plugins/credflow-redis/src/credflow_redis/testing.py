"""Real `redis-server` processes on loopback ports, for tests: plain, TLS, cluster, Sentinel.

`RedisServer` runs without persistence (`--save "" --appendonly no`) in a
temporary directory on a random port; it can be stopped and restarted on the
same port, and paused (SIGSTOP) to play a Redis that has stalled. With `tls`
it listens with TLS only; with `cluster=True` it is a one-node Redis Cluster
owning every slot. `RedisSentinel` is a Sentinel watching a `RedisServer`.

The binary is `redis-server` on PATH (or `valkey-server`, or
`$CREDFLOW_REDIS_SERVER`); when it is missing, starting fails with a message
saying how to install it (Debian/Ubuntu: `apt-get install redis-server`).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from credflow.testing import ManagedProcess, ManagedProcessError, free_port

__all__ = ["RedisSentinel", "RedisServer", "RedisServerError", "TlsFiles", "find_redis_server"]

_BINARY_ENV = "CREDFLOW_REDIS_SERVER"


class RedisServerError(RuntimeError):
    """The test server could not be started."""


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """PEM files for a TLS server: its certificate and key, and the CA that signed it."""

    cert_file: str
    key_file: str
    ca_file: str


def find_redis_server() -> str:
    """The path of the server binary, or `RedisServerError` saying how to install one."""
    configured = os.environ.get(_BINARY_ENV)
    found = shutil.which(configured) if configured else None
    found = found or shutil.which("redis-server") or shutil.which("valkey-server")
    if found is None:
        raise RedisServerError(
            "redis-server was not found on PATH (nor valkey-server, nor $CREDFLOW_REDIS_SERVER). "
            "Install it: `apt-get install redis-server` on Debian/Ubuntu, `brew install redis` on macOS"
        )
    return found


# A cluster node also listens on its port + 10000 (the cluster bus): Redis refuses ports above this.
_CLUSTER_BUS_OFFSET = 10000
_HIGHEST_CLUSTER_PORT = 65535 - _CLUSTER_BUS_OFFSET


class RedisServer:
    """A disposable Redis server on 127.0.0.1; use as a context manager or call `start`/`stop`.

    `password`, when given, is required from clients (`requirepass`) and
    appears in `url`, which tests hand to the backend through an `env:`
    reference, as production would.
    """

    def __init__(
        self,
        *,
        password: str | None = None,
        tls: TlsFiles | None = None,
        cluster: bool = False,
        startup_timeout: float = 10.0,
    ) -> None:
        self.password = password
        self.tls = tls
        self.cluster = cluster
        self._startup_timeout = startup_timeout
        self._binary = ""
        self._port = 0
        self._directory: tempfile.TemporaryDirectory[str] | None = None
        self._process: ManagedProcess | None = None

    # --- lifecycle ---------------------------------------------------------------

    def start(self) -> Self:
        """Start the server (on the same port as before, after a `stop`) and wait until it answers."""
        if self._process is not None:
            raise RedisServerError("the Redis server is already running")
        self._binary = self._binary or find_redis_server()
        if not self._port:
            self._port = (
                free_port(highest=_HIGHEST_CLUSTER_PORT, also_free_at=_CLUSTER_BUS_OFFSET)
                if self.cluster
                else free_port()
            )
        if self._directory is None:
            self._directory = tempfile.TemporaryDirectory(prefix="credflow-redis-")
        process = ManagedProcess(
            [self._binary, *self._arguments(Path(self._directory.name))],
            name=f"{Path(self._binary).name} on port {self._port}",
            ready=self._ready,
            startup_timeout=self._startup_timeout,
        )
        try:
            self._process = process.start()
        except ManagedProcessError as error:
            raise RedisServerError(str(error)) from None
        return self

    def stop(self) -> None:
        """Stop the server (SIGKILL if it does not exit promptly); does nothing when stopped."""
        process, self._process = self._process, None
        if process is not None:
            process.stop()

    def restart(self) -> None:
        """Stop and start again on the same port, empty (nothing is persisted)."""
        self.stop()
        self.start()

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open, nothing is answered."""
        self._running_process().send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Undo `pause`."""
        self._running_process().send_signal(signal.SIGCONT)

    def close(self) -> None:
        """Stop the server and remove its directory."""
        self.stop()
        if self._directory is not None:
            self._directory.cleanup()
            self._directory = None

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.close()  # a failed start must not leave its directory to the garbage collector
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- where it answers --------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.running

    @property
    def port(self) -> int:
        """The port (0 before the first start)."""
        return self._port

    @property
    def url(self) -> str:
        """`redis://[:password@]127.0.0.1:<port>/0` (`rediss://` with TLS)."""
        if not self._port:
            raise RedisServerError("the Redis server has no port yet: start it first")
        auth = f":{self.password}@" if self.password is not None else ""
        scheme = "rediss" if self.tls is not None else "redis"
        return f"{scheme}://{auth}127.0.0.1:{self._port}/0"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} 127.0.0.1:{self._port} running={self.running}>"

    # --- internals ---------------------------------------------------------------

    def _arguments(self, directory: Path) -> list[str]:
        arguments = [
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(directory),
            "--daemonize", "no",
            "--loglevel", "warning",
        ]  # fmt: skip
        if self.tls is None:
            arguments += ["--port", str(self._port)]
        else:
            arguments += [
                "--port", "0",
                "--tls-port", str(self._port),
                "--tls-cert-file", self.tls.cert_file,
                "--tls-key-file", self.tls.key_file,
                "--tls-ca-cert-file", self.tls.ca_file,
                "--tls-auth-clients", "no",
            ]  # fmt: skip
        if self.cluster:
            arguments += ["--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{self._port}.conf"]
        if self.password is not None:
            arguments += ["--requirepass", self.password]
        return arguments

    def _running_process(self) -> ManagedProcess:
        if self._process is None:
            raise RedisServerError("the Redis server is not running")
        return self._process

    def _ready(self) -> bool:
        reply = self._command(b"PING")
        # With requirepass, PING answers NOAUTH: the server is up all the same.
        if not reply.startswith((b"+PONG", b"-NOAUTH")):
            return False
        if not self.cluster:
            return True
        if b"cluster_state:ok" in self._command(b"CLUSTER INFO"):
            return True
        # A new one-node cluster owns no slot yet (a restarted one keeps them in its nodes file).
        self._command(b"CLUSTER ADDSLOTSRANGE 0 16383")
        return False

    def _command(self, inline: bytes) -> bytes:
        """Send one inline command and return the start of the raw reply (b"" when unreachable)."""
        auth = f"AUTH {self.password}\r\n".encode() if self.password is not None else b""
        try:
            with socket.create_connection(("127.0.0.1", self._port), timeout=0.5) as raw:
                if self.tls is None:
                    return _exchange(raw, auth, inline)
                context = ssl.create_default_context(cafile=self.tls.ca_file)
                with context.wrap_socket(raw, server_hostname="127.0.0.1") as wrapped:
                    return _exchange(wrapped, auth, inline)
        except OSError:
            return b""


def _exchange(connection: socket.socket, auth: bytes, inline: bytes) -> bytes:
    connection.sendall(auth + inline + b"\r\n")
    reply = connection.recv(4096)
    if auth and reply.startswith(b"+OK\r\n"):
        reply = reply[5:] or connection.recv(4096)
    return reply


class RedisSentinel(RedisServer):
    """A Redis Sentinel on a random loopback port, monitoring `master` as `service`."""

    def __init__(self, master: RedisServer, *, service: str = "mymaster", startup_timeout: float = 10.0):
        super().__init__(startup_timeout=startup_timeout)
        self.master = master
        self.service = service

    @property
    def hosts(self) -> list[str]:
        """The `sentinel.hosts` setting that reaches this sentinel."""
        return [f"127.0.0.1:{self.port}"]

    def _arguments(self, directory: Path) -> list[str]:
        # Sentinel rewrites its configuration file, so it must be a file of its own.
        config = directory / f"sentinel-{self.port}.conf"
        config.write_text(
            f"bind 127.0.0.1\nport {self.port}\ndir {directory}\n"
            f"sentinel monitor {self.service} 127.0.0.1 {self.master.port} 1\n"
        )
        return [str(config), "--sentinel", "--loglevel", "warning"]

    def _ready(self) -> bool:
        return str(self.master.port).encode() in self._command(
            f"SENTINEL get-master-addr-by-name {self.service}".encode()
        )
