"""The TLS client certificate of the mutual-TLS methods (RFC 8705), as an `ssl.SSLContext`.

`ssl` loads a certificate and key only from files. They are written to a
fresh 0700 directory as 0600 files, loaded with `load_cert_chain`, and removed
before this function returns (on error too): the key is on disk for the few
microseconds of the load, never at a predictable path, and only in memory
(inside the context) afterwards. One context is kept per certificate and key,
so connections are reused until the credential rotates.
"""

from __future__ import annotations

import os
import ssl
import tempfile
import threading
from pathlib import Path

from .._security import tls_context
from ..errors import ConfigError
from ._methods import ClientCertificate

__all__ = ["ClientCertificateContexts"]


def _load(context: ssl.SSLContext, certificate: ClientCertificate) -> None:
    with tempfile.TemporaryDirectory(prefix="credflow-mtls-") as directory:
        os.chmod(directory, 0o700)
        paths = []
        for name, text in (("cert.pem", certificate.certificate_pem), ("key.pem", certificate.key.reveal())):
            path = Path(directory) / name
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(text)
            paths.append(path)
        try:
            context.load_cert_chain(paths[0], paths[1])
        except ssl.SSLError as exc:
            # OpenSSL's reason names what is wrong (a key that does not match), never the key.
            raise ConfigError(
                f"client_certificate / client_key: the certificate (x5t#S256 {certificate.thumbprint}) and "
                f"the key could not be loaded together ({exc.reason or 'unreadable'}); check that the key "
                "is the certificate's, both PEM and unencrypted"
            ) from None
        finally:
            for path in paths:
                path.unlink(missing_ok=True)


class ClientCertificateContexts:
    """The verifying context (the configured trust) with a client certificate, one per credential."""

    def __init__(self, ca_bundle: str | None) -> None:
        self._ca_bundle = ca_bundle
        self._lock = threading.Lock()
        self._current: tuple[str, ssl.SSLContext] | None = None

    def context(self, certificate: ClientCertificate) -> tuple[str, ssl.SSLContext]:
        """(an id of the credential, the context presenting it); built once per credential."""
        tag = f"{certificate.thumbprint}/{certificate.key.fingerprint}"
        with self._lock:
            current = self._current
            if current is not None and current[0] == tag:
                return current
            context = tls_context(self._ca_bundle)
            _load(context, certificate)
            self._current = (tag, context)
            return self._current
