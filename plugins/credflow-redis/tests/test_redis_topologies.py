"""TLS, Sentinel and Cluster deployments, each against real redis-server processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from credflow_redis.testing import RedisSentinel, RedisServer, TlsFiles
from redis_helpers import DOCUMENTED_CLUSTER_ACL, EventRecorder, Replicas, acl_setuser

from credflow.testing import AuthServer


@pytest.fixture
def tls_files(tmp_path: Path) -> TlsFiles:
    """A private CA and a certificate it issued for 127.0.0.1."""
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1")
    files = TlsFiles(
        cert_file=str(tmp_path / "server.pem"),
        key_file=str(tmp_path / "server.key"),
        ca_file=str(tmp_path / "ca.pem"),
    )
    issued.cert_chain_pems[0].write_to_path(files.cert_file)
    issued.private_key_pem.write_to_path(files.key_file)
    ca.cert_pem.write_to_path(files.ca_file)
    return files


@pytest.fixture
def tls_replicas(
    tls_files: TlsFiles, auth_server: AuthServer, key_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Replicas]:
    """Replicas pointed at a TLS-only Redis (`rediss://`)."""
    with RedisServer(tls=tls_files) as server:
        built = Replicas(auth_server, server.url, key_prefix, monkeypatch)
        yield built
        built.close()


def test_tls_with_the_ca_file_shares_tokens(tls_replicas: Replicas, tls_files: TlsFiles) -> None:
    """Over rediss:// with `tls.ca_file`, replicas share one token and see no outage."""
    events = EventRecorder()
    engines = [tls_replicas.new(events, tls={"ca_file": tls_files.ca_file}) for _ in range(2)]
    tokens = {engine.get_token().fingerprint for engine in engines}
    assert (1, 1, []) == (len(tokens), tls_replicas.server.counters.token_requests, events.kinds())


def test_tls_with_an_unknown_ca_degrades(tls_replicas: Replicas) -> None:
    """A server certificate the system CAs do not know is refused: degraded, tokens still served."""
    events = EventRecorder()
    token = tls_replicas.new(events).get_token()
    assert (["degraded"], "Bearer") == (events.kinds(), token.token_type)
    assert "certificate" in events.cache_events[0].message.lower()


def test_sentinel_finds_the_master(replicas: Replicas, private_redis: RedisServer) -> None:
    """With `sentinel` settings the backend asks the sentinel where the master is."""
    with RedisSentinel(private_redis) as sentinel:
        events = EventRecorder()
        settings = {"hosts": sentinel.hosts, "service": sentinel.service}
        engines = [replicas.new(events, sentinel=settings) for _ in range(2)]
        tokens = {engine.get_token().fingerprint for engine in engines}
    assert (1, 1, []) == (len(tokens), replicas.server.counters.token_requests, events.kinds())


def test_cluster_shares_tokens_and_invalidates(
    auth_server: AuthServer, key_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a Redis Cluster, under the documented ACL, locking, sharing and fingerprint deletion work."""
    with RedisServer(cluster=True) as server:
        acl_setuser(server.url, "svc", "on", ">svc-password", f"~{key_prefix}*", *DOCUMENTED_CLUSTER_ACL)
        url = f"redis://svc:svc-password@127.0.0.1:{server.port}/0"
        replicas = Replicas(auth_server, url, key_prefix, monkeypatch)
        events = EventRecorder()
        first, second = replicas.new(events, cluster=True), replicas.new(events, cluster=True)
        rejected = first.get_token()
        second.get_token()
        first.invalidate(rejected)
        fresh = replicas.new(events, cluster=True).get_token()
        replicas.close()
    assert (2, []) == (auth_server.counters.token_requests, events.kinds())
    assert fresh.fingerprint != rejected.fingerprint
