"""`ServerCounters`: what the server has seen, for tests to assert on."""

from __future__ import annotations

import threading
from enum import Enum

__all__ = ["ServerCounters"]


class Counter(Enum):
    """The events `ServerCounters` counts."""

    TOKEN_REQUESTS = "token_requests"
    TOKENS_ISSUED = "tokens_issued"
    INVALID_CLIENT = "invalid_client"
    INTROSPECTIONS = "introspections"
    API_CALLS = "api_calls"
    API_REJECTED = "api_rejected"


class ServerCounters:
    """Thread-safe event counts of one `AuthServer`.

    - `token_requests`: requests that reached the token endpoint, including
      those answered with an injected failure or an OAuth error.
    - `tokens_issued`: access tokens the token endpoint handed out.
    - `invalid_client`: token requests refused with `invalid_client`.
    - `introspections`: requests that reached the introspection endpoint.
    - `api_calls`: requests that reached the protected API.
    - `api_rejected`: API requests answered 401 or 403.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(Counter, 0)

    def increment(self, counter: Counter) -> None:
        """Count one more `counter` event."""
        with self._lock:
            self._counts[counter] += 1

    def reset(self) -> None:
        """Set every count back to zero."""
        with self._lock:
            self._counts = dict.fromkeys(Counter, 0)

    def snapshot(self) -> dict[str, int]:
        """All counts at one instant, keyed by attribute name."""
        with self._lock:
            return {counter.value: count for counter, count in self._counts.items()}

    def _read(self, counter: Counter) -> int:
        with self._lock:
            return self._counts[counter]

    @property
    def token_requests(self) -> int:
        """Requests that reached the token endpoint."""
        return self._read(Counter.TOKEN_REQUESTS)

    @property
    def tokens_issued(self) -> int:
        """Access tokens issued."""
        return self._read(Counter.TOKENS_ISSUED)

    @property
    def invalid_client(self) -> int:
        """Token requests refused with `invalid_client`."""
        return self._read(Counter.INVALID_CLIENT)

    @property
    def introspections(self) -> int:
        """Requests that reached the introspection endpoint."""
        return self._read(Counter.INTROSPECTIONS)

    @property
    def api_calls(self) -> int:
        """Requests that reached the protected API."""
        return self._read(Counter.API_CALLS)

    @property
    def api_rejected(self) -> int:
        """Protected API requests answered 401 or 403."""
        return self._read(Counter.API_REJECTED)

    def __repr__(self) -> str:
        counts = ", ".join(f"{name}={count}" for name, count in self.snapshot().items())
        return f"ServerCounters({counts})"
