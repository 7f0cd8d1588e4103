"""A stand-in for a Kubernetes cluster's service-account token issuer, and its projected token volume."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey

from ..rotation.support import KubernetesSecretVolume

#: The audience Entra ID expects of a federated token.
ENTRA_AUDIENCE = "api://AzureADTokenExchange"
SERVICE_ACCOUNT = "system:serviceaccount:payments:billing"


class ClusterIssuer:
    """Signs projected service-account tokens (ES256) as the API server does; its JWKS is public.

    The claims are those of a Kubernetes bound token: `iss` (the cluster's issuer URL), `sub`
    (`system:serviceaccount:<ns>:<name>`), `aud` (what the pod asked for in its projected
    volume), `iat`, `nbf`, `exp`, `jti` (Kubernetes 1.29+) and the `kubernetes.io` claim.
    """

    def __init__(self, issuer: str = "https://oidc.cluster-a.example") -> None:
        self.issuer = issuer
        self._key = ECKey.generate_key("P-256", parameters={"kid": secrets.token_hex(8)})

    @property
    def jwks(self) -> dict[str, Any]:
        """The public keys, as the cluster's `/openid/v1/jwks` serves them."""
        return {"keys": [self._key.as_dict(private=False)]}

    def token(
        self, *, subject: str = SERVICE_ACCOUNT, audience: str = ENTRA_AUDIENCE, lifetime: int = 3600
    ) -> str:
        """A new projected token."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": [audience],
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": secrets.token_hex(16),
            "kubernetes.io": {"namespace": "payments", "serviceaccount": {"name": "billing"}},
        }
        return jwt.encode({"alg": "ES256", "kid": self._key.kid, "typ": "JWT"}, claims, self._key)


class ProjectedTokenVolume(KubernetesSecretVolume):
    """The pod's projected volume: `token` rewritten by the kubelet with a `..data` swap."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)

    def publish(self, token: str) -> str:
        """Swap in `token`; return the `file:` reference a pod's config names."""
        self.write({"token": token})
        return f"file:{self.path('token')}"
