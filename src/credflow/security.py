"""Which URLs credflow sends secrets and tokens to."""

from __future__ import annotations

import ipaddress
import ssl
from functools import lru_cache
from urllib.parse import urlsplit

from .errors import InsecureTransportError

__all__ = ["ensure_secure_url", "is_loopback_host", "tls_context"]


@lru_cache(maxsize=256)
def is_loopback_host(host: str) -> bool:
    """Tell whether `host` names this machine (localhost, 127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def ensure_secure_url(url: str, *, allow_insecure_http: bool, what: str) -> None:
    """Refuse `url` unless it is https, or http to a loopback host, or insecure is allowed.

    `what` names the setting or the request in the error ("token_endpoint",
    "API request").
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "https":
        return
    if scheme != "http":
        raise InsecureTransportError(f"{what}: {url!r} is not an http(s) URL")
    if allow_insecure_http or is_loopback_host(parts.hostname or ""):
        return
    raise InsecureTransportError(
        f"{what}: refusing plain http:// to remote host {parts.hostname!r}; use https, "
        "or set allow_insecure_http = true for this client if you really mean it"
    )


@lru_cache(maxsize=16)
def tls_context(ca_bundle: str | None) -> ssl.SSLContext:
    """A verifying TLS context, trusting `ca_bundle` instead of the system store when given."""
    context = ssl.create_default_context(cafile=ca_bundle)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context
