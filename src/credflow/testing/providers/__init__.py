"""Faithful local imitations of provider token endpoints, for credflow's tests and yours.

Each speaks one provider's client-credentials token endpoint as its
documentation describes it (URL shape, accepted client authentication,
required parameters, lifetimes, exact error bodies and statuses, rate-limit
headers, rotation semantics, discovery) over real HTTP on a loopback port.
Each module's docstring says what it proves and what only the real service can.
Point a profile at one with `token_endpoint = imitation.token_endpoint` (plain
http is allowed on loopback). Fixtures: `credflow_entra`, `credflow_auth0`,
`credflow_okta`, `credflow_keycloak`, `credflow_cognito`.
"""

from __future__ import annotations

from ._base import ImitatedClient, ProviderImitation, SeenRequest
from .auth0 import Auth0Imitation
from .cognito import CognitoImitation
from .entra import EntraImitation
from .keycloak import KeycloakImitation
from .okta import OktaImitation

__all__ = [
    "Auth0Imitation",
    "CognitoImitation",
    "EntraImitation",
    "ImitatedClient",
    "KeycloakImitation",
    "OktaImitation",
    "ProviderImitation",
    "SeenRequest",
]
