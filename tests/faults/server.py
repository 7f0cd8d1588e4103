"""A token endpoint that misbehaves at the byte level, on a real loopback socket.

`FaultServer` accepts TCP connections (optionally TLS) and answers each one
with the next `Answer` of its script (the last one repeats): canned bytes,
bytes dribbled one at a time, silence until the server stops, a reset in the
middle of the body, or a close without an answer. It counts the connections
it accepted, which is how many times the client tried. It does not check
credentials: it exists to prove what the client does with what comes back.
A `FaultServer` built with `listening=False` reserves a port and never
listens on it, so every connection is refused.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

__all__ = [
    "Answer",
    "Close",
    "Dribble",
    "FaultServer",
    "Hang",
    "Reset",
    "Send",
    "http_response",
]

TOKEN_PATH = "/oauth2/token"
_REQUEST_READ_TIMEOUT = 5.0
_REASONS = {
    200: "OK",
    302: "Found",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def http_response(
    status: int,
    body: bytes = b"",
    *,
    content_type: str | None = "application/json",
    headers: Sequence[tuple[str, str]] = (),
    content_length: int | None = None,
) -> bytes:
    """An HTTP/1.1 response that closes its connection; `content_length` may lie about the body."""
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.append(f"Content-Length: {len(body) if content_length is None else content_length}")
    lines.append("Connection: close")
    lines.extend(f"{name}: {value}" for name, value in headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass(frozen=True, slots=True)
class Send:
    """Send `data` at once, then close."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Dribble:
    """Send `data` one byte every `interval` seconds, then close (if the server is still running)."""

    data: bytes
    interval: float


@dataclass(frozen=True, slots=True)
class Hang:
    """Read the request and never answer; the connection is dropped when the server stops."""


@dataclass(frozen=True, slots=True)
class Reset:
    """Send `data` (a head and part of a body), then reset the connection (RST, not FIN)."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Close:
    """Read the request and close the connection without a byte of answer."""


Answer = Send | Dribble | Hang | Reset | Close


class FaultServer:
    """Answers connection number n with `script[n]` (the last answer repeats)."""

    def __init__(
        self,
        script: Sequence[Answer] = (),
        *,
        tls: ssl.SSLContext | None = None,
        listening: bool = True,
    ) -> None:
        self.script = tuple(script)
        #: Bytes every request of the client under test carries (its credentials): a request without
        #: them is a stray (another test's engine renewing against a port number reused here); it is
        #: not answered and not counted as a try.
        self.expect: bytes | None = None
        self._tls = tls
        self._listening = listening
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._connections = 0
        self._strays = 0
        self._open: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- lifecycle ------------------------------------------------------

    def start(self) -> Self:
        """Bind a loopback port and serve from a daemon thread."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        self.port = listener.getsockname()[1]
        if not self._listening:
            listener.close()  # the port stays unused for a while: connections are refused
            return self
        listener.listen(16)
        listener.settimeout(0.05)
        self._listener = listener
        self._thread = threading.Thread(target=self._serve, name=f"fault-server-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting and drop every open connection."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            sockets, self._open = set(self._open), set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what a test reads ----------------------------------------------

    @property
    def url(self) -> str:
        """The token endpoint URL (https when the server speaks TLS)."""
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}{TOKEN_PATH}"

    @property
    def connections(self) -> int:
        """Connections accepted so far: the client's tries."""
        with self._lock:
            return self._connections - self._strays

    def reset_count(self) -> None:
        """Start counting (and the script) from zero again."""
        with self._lock:
            self._connections = 0
            self._strays = 0

    # --- serving --------------------------------------------------------

    def _serve(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                index = self._connections
                self._connections += 1
                self._open.add(sock)
            answer = self.script[min(index, len(self.script) - 1)] if self.script else Close()
            threading.Thread(
                target=self._answer, args=(sock, answer), name="fault-server-answer", daemon=True
            ).start()

    def _answer(self, raw: socket.socket, answer: Answer) -> None:
        sock = raw
        try:
            raw.settimeout(_REQUEST_READ_TIMEOUT)
            if self._tls is not None:
                sock = self._tls.wrap_socket(raw, server_side=True)
            request = _read_request(sock)
            if request and self.expect is not None and self.expect not in request:
                with self._lock:
                    self._strays += 1
                return
            self._perform(sock, answer)
        except (OSError, ssl.SSLError):
            pass  # the client gave up, or refused the certificate: that is the point
        finally:
            with self._lock:
                self._open.discard(raw)
            with contextlib.suppress(OSError):
                sock.close()

    def _perform(self, sock: socket.socket, answer: Answer) -> None:
        if isinstance(answer, Send):
            sock.sendall(answer.data)
        elif isinstance(answer, Dribble):
            for byte in answer.data:
                if self._stopping.wait(answer.interval):
                    return
                sock.sendall(bytes([byte]))
        elif isinstance(answer, Hang):
            self._stopping.wait()
        elif isinstance(answer, Reset):
            sock.sendall(answer.data)
            # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _read_request(sock: socket.socket) -> bytes:
    """Read one request (head and Content-Length body), so the answer is not cut by unread bytes."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body
