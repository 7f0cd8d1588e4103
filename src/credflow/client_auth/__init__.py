"""4. Client authentication: how the client proves itself at the token endpoint, beyond a shared secret.

`_methods` holds one encoder per `auth_method` (RFC 7523 assertions for `client_secret_jwt`,
`private_key_jwt` and `client_assertion`; the client id for the RFC 8705 mutual-TLS methods) and
what identifies a credential in the cache key; `_tls` turns a client certificate and key into the
`ssl.SSLContext` the transport presents. The key, certificate and assertion are secret references,
read at acquisition time through the same sources as a secret."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from ._methods import TLS_METHODS as TLS_METHODS
    from ._methods import AssertionRequest as AssertionRequest
    from ._methods import ClientAuthenticator as ClientAuthenticator
    from ._methods import ClientCertificate as ClientCertificate
    from ._methods import Credential as Credential

__all__ = ["TLS_METHODS", "AssertionRequest", "ClientAuthenticator", "ClientCertificate", "Credential"]

# Loaded on first use: a client with a secret method never imports the signing code.
_MODULE_OF = dict.fromkeys(__all__, "._methods")

__getattr__, __dir__ = lazy_exports(__name__, _MODULE_OF, __all__)
