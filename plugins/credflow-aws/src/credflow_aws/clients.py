"""One boto3 Secrets Manager client per (region, profile, endpoint), created once.

boto3 sessions must not be created or used to create clients from several
threads at once; the clients themselves are thread-safe. So creation happens
under a lock and the clients are shared.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Protocol

import boto3
from botocore.config import Config

from . import __version__
from .settings import AwsSettings

__all__ = ["ClientPool", "SecretsManagerClient"]


class SecretsManagerClient(Protocol):
    """The part of boto3's Secrets Manager client this package uses."""

    meta: Any

    def get_secret_value(self, **kwargs: str) -> Mapping[str, Any]: ...

    def close(self) -> None: ...


class ClientPool:
    """Creates Secrets Manager clients on first use and hands out the same one after."""

    def __init__(self, settings: AwsSettings) -> None:
        self._settings = settings
        self._config = Config(
            connect_timeout=settings.timeout,
            read_timeout=settings.timeout,
            # "standard" retries throttling, 5xx and connection errors with
            # exponential backoff and jitter, within a client-wide retry quota.
            # botocore's "max_attempts" counts retries only; "total_max_attempts"
            # counts the first request too, which is what our setting means.
            retries={"mode": "standard", "total_max_attempts": settings.max_attempts},
            user_agent_extra=f"credflow-aws/{__version__}",
        )
        self._sessions: dict[str | None, boto3.session.Session] = {}
        self._clients: dict[tuple[str | None, str | None, str | None], SecretsManagerClient] = {}
        self._lock = threading.Lock()

    def client(self, region: str | None) -> SecretsManagerClient:
        """Return the client for `region` (`None`: boto3's default region chain)."""
        key = (region, self._settings.profile, self._settings.endpoint_url)
        client = self._clients.get(key)
        if client is not None:
            return client
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                session = self._sessions.get(self._settings.profile)
                if session is None:
                    session = boto3.session.Session(profile_name=self._settings.profile)
                    self._sessions[self._settings.profile] = session
                client = session.client(
                    "secretsmanager",
                    region_name=region,
                    endpoint_url=self._settings.endpoint_url,
                    config=self._config,
                )
                self._clients[key] = client
        return client

    def close(self) -> None:
        """Close every client's connection pool."""
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
