"""Which URLs credflow sends secrets and tokens to."""

from __future__ import annotations

import os
import stat
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .errors import ConfigError, InsecureTransportError

if TYPE_CHECKING:
    # Imported where a TLS context is built: a process served from a cache never loads ssl.
    import ssl

__all__ = [
    "ensure_no_userinfo",
    "ensure_secure_url",
    "is_loopback_host",
    "load_ca_bundle",
    "redact_userinfo",
    "tls_context",
]


@lru_cache(maxsize=256)
def is_loopback_host(host: str) -> bool:
    """Tell whether `host` names this machine (localhost, 127.0.0.0/8, ::1).

    Only the name `localhost` itself and loopback addresses count. Other
    `*.localhost` names are not trusted without a lookup (RFC 6761 asks
    resolvers to answer them with loopback, but many send them to DNS or
    append a search domain), and a lookup made here would not be the one the
    connection makes: so they need https like any other host.
    """
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    import ipaddress  # here: an https URL (the usual case) never needs it

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def ensure_secure_url(url: str, *, allow_insecure_http: bool, what: str) -> None:
    """Refuse `url` unless it is https, or http to a loopback host, or insecure is allowed.

    `what` names the setting or the request in the error ("token_endpoint",
    "API request").
    """
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:
        raise ConfigError(f"{what}: {redact_userinfo(url)!r} is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme == "https":
        return
    if scheme != "http":
        raise InsecureTransportError(f"{what}: {redact_userinfo(url)!r} is not an http(s) URL")
    if allow_insecure_http or is_loopback_host(hostname or ""):
        return
    raise InsecureTransportError(
        f"{what}: refusing plain http:// to remote host {hostname!r}; use https, "
        "or set allow_insecure_http = true for this client if you really mean it"
    )


def redact_userinfo(url: str) -> str:
    """`url` with any `user:password@` part replaced by `***@`, for messages.

    Works on the text itself, so that a URL `urlsplit` refuses is redacted too.
    """
    head, sep, rest = url.partition("://")
    if not sep:
        # No scheme ("user:pass@host:8200"): what precedes the first "/" is still an authority.
        head, rest = "", url
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority = rest[:end]
    if "@" not in authority:
        return url
    return f"{head}{sep}***@{authority.rpartition('@')[2]}{rest[end:]}"


def ensure_no_userinfo(url: str, *, key: str, credentials: str) -> None:
    """Refuse a URL carrying `user:password@`, naming `key` and saying where `credentials` belong.

    httpx would send them as HTTP Basic credentials instead of (or besides)
    the client's own, and they would show wherever the URL is shown. The
    message shows the URL with them redacted.
    """
    redacted = redact_userinfo(url)
    if redacted != url:
        raise ConfigError(
            f"{key}: {redacted!r} carries credentials (user:password@) in the URL; remove them: {credentials}"
        )


def load_ca_bundle(path: str, *, key: str = "ca_bundle") -> ssl.SSLContext:
    """The TLS context trusting `path`; `ConfigError` naming `key` and the path when it cannot be used."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise ConfigError(f"{key}: {path}: no such file; give a PEM file of CA certificates") from None
    except OSError as exc:
        raise ConfigError(f"{key}: {path}: cannot read it: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        # A directory, a FIFO or a device: OpenSSL would fail obscurely or block reading it.
        raise ConfigError(f"{key}: {path}: not a regular file; give a PEM file of CA certificates")
    import ssl

    try:
        return tls_context(path)
    except ssl.SSLError as exc:
        raise ConfigError(f"{key}: {path}: not a PEM file of CA certificates ({exc.reason or exc})") from None
    except OSError as exc:
        raise ConfigError(f"{key}: {path}: cannot read it: {exc.strerror}") from None


@lru_cache(maxsize=16)
def tls_context(ca_bundle: str | None) -> ssl.SSLContext:
    """A verifying TLS context, trusting `ca_bundle` instead of the system store when given.

    Call `load_ca_bundle` first for a path from the configuration: it turns a
    bad file into a `ConfigError` (`ClientConfig` does so when built).
    """
    import ssl

    context = ssl.create_default_context(cafile=ca_bundle)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context
