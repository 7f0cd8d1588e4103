"""The Flask application: token, discovery, JWKS, introspection and the protected API.

The protected API's scope rule: the first path segment under `/api` names
the scope a token needs, prefixed with "api.". `/api/read/...` needs
`api.read`, `/api/write/...` needs `api.write`, `/api/billing` needs
`api.billing`; `/api` itself needs only a valid token.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_oauth2 import (  # type: ignore[import-untyped, unused-ignore]
    ResourceProtector,
)
from authlib.oauth2.rfc6749 import (  # type: ignore[import-untyped, unused-ignore]
    MissingAuthorizationError,
    OAuth2Error,
)
from authlib.oauth2.rfc6750 import (  # type: ignore[import-untyped, unused-ignore]
    BearerTokenValidator,
    InsufficientScopeError,
)
from flask import Flask, Response, jsonify, request
from werkzeug.http import http_date

from .assertions import ASSERTION_ALGORITHMS
from .authorization import INTROSPECTION, CredflowAuthorizationServer
from .clients import SUPPORTED_AUTH_METHODS
from .counters import Counter
from .faults import InjectedFailure
from .state import ServerState
from .tokens import SIGNING_ALGORITHM, AccessTokenGenerator, IssuedAccessToken

__all__ = [
    "API_PATH",
    "DISCOVERY_PATHS",
    "INTROSPECTION_PATH",
    "JWKS_PATH",
    "TOKEN_PATH",
    "create_app",
    "required_scope",
]

TOKEN_PATH = "/oauth2/token"
JWKS_PATH = "/oauth2/jwks"
INTROSPECTION_PATH = "/oauth2/introspect"
API_PATH = "/api"
DISCOVERY_PATHS = (
    "/.well-known/oauth-authorization-server",
    "/.well-known/openid-configuration",
)
API_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
REALM = "credflow"


def required_scope(api_subpath: str) -> str | None:
    """The scope an API path needs: "api." + its first segment, or None at the root."""
    first_segment = api_subpath.strip("/").split("/", 1)[0]
    return f"api.{first_segment}" if first_segment else None


class _AccessTokenValidator(BearerTokenValidator):  # type: ignore[misc, unused-ignore]  # Authlib is untyped
    def __init__(self, state: ServerState, issuer: str) -> None:
        super().__init__(realm=REALM)
        self._state = state
        self._issuer = issuer

    def authenticate_token(self, token_string: str) -> IssuedAccessToken | None:
        return self._state.read_access_token(token_string, self._issuer)


def create_app(state: ServerState, issuer: str) -> Flask:
    """The server's Flask application, answering as `issuer`."""
    app = Flask(__name__)
    authorization = CredflowAuthorizationServer(
        app,
        clients=state.clients,
        read_token=lambda value: state.read_access_token(value, issuer),
        on_token_issued=lambda: state.counters.increment(Counter.TOKENS_ISSUED),
        basic_auth_decoding=lambda: state.basic_auth_decoding,
        assertions=state.assertions,
        # RFC 7523 §3: the issuer (the current update) or the token endpoint.
        audiences=lambda: [issuer, issuer + TOKEN_PATH],
        clock=state.clock,
    )
    authorization.register_token_generator(
        "default",
        AccessTokenGenerator(
            issuer=issuer,
            signing_key=state.signing_key,
            clock=state.clock,
            lifetime_for=state.lifetime_for,
            refresh_in=lambda: state.refresh_in,
        ),
    )
    protector = ResourceProtector()
    protector.register_token_validator(_AccessTokenValidator(state, issuer))

    @app.after_request
    def date_from_the_server_clock(response: Response) -> Response:
        # A server's Date header comes from its own clock (RFC 9110 §6.6.1): with a ManualClock moved
        # ahead, clients measure the skew that makes their assertions look expired.
        response.headers["Date"] = http_date(state.clock())
        return response

    @app.post(TOKEN_PATH)
    def token() -> Response:
        state.counters.increment(Counter.TOKEN_REQUESTS)
        # Taken before the sleep so failures go to requests in arrival order.
        failure = state.faults.take()
        if state.latency > 0:
            state.stopping.wait(state.latency)
        if failure is not None:
            return _rate_limited(_failure_response(failure), state)
        response: Response = authorization.create_token_response()
        if _oauth_error(response) == "invalid_client":
            state.counters.increment(Counter.INVALID_CLIENT)
        return _rate_limited(response, state)

    @app.get(JWKS_PATH)
    def jwks() -> Response:
        return jsonify({"keys": [state.signing_key.as_dict(private=False)]})

    @app.post(INTROSPECTION_PATH)
    def introspect() -> Response:
        state.counters.increment(Counter.INTROSPECTIONS)
        response: Response = authorization.create_endpoint_response(INTROSPECTION)
        return response

    def discovery() -> Response:
        return jsonify(_metadata(issuer, state.clients.all_scopes()))

    for path in DISCOVERY_PATHS:
        app.add_url_rule(path, view_func=discovery, endpoint=path, methods=["GET"])

    @app.route(API_PATH, methods=API_METHODS, defaults={"subpath": ""})
    @app.route(f"{API_PATH}/<path:subpath>", methods=API_METHODS)
    def api(subpath: str) -> Response:
        state.counters.increment(Counter.API_CALLS)
        scope = required_scope(subpath)
        try:
            token = protector.acquire_token([scope] if scope else None)
        except OAuth2Error as error:
            state.counters.increment(Counter.API_REJECTED)
            return _api_error_response(error, scope)
        return jsonify(_api_answer(token))

    return app


def _metadata(issuer: str, scopes: list[str]) -> dict[str, Any]:
    # RFC 8414 metadata; the OpenID path serves the same document because
    # many clients only know that one.
    return {
        "issuer": issuer,
        "token_endpoint": issuer + TOKEN_PATH,
        "jwks_uri": issuer + JWKS_PATH,
        "introspection_endpoint": issuer + INTROSPECTION_PATH,
        "grant_types_supported": ["client_credentials"],
        # No authorization endpoint, so no response type is supported.
        "response_types_supported": [],
        "scopes_supported": scopes,
        "token_endpoint_auth_methods_supported": list(SUPPORTED_AUTH_METHODS),
        "introspection_endpoint_auth_methods_supported": list(SUPPORTED_AUTH_METHODS),
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "access_token_signing_alg_values_supported": [SIGNING_ALGORITHM],
    }


def _oauth_error(response: Response) -> str | None:
    """The OAuth `error` code of an error response, None for a success."""
    if response.status_code < 400:
        return None
    body = response.get_json(silent=True)
    return body.get("error") if isinstance(body, dict) else None


def _rate_limited(response: Response, state: ServerState) -> Response:
    """Announce what is left of `state.rate_limit` as Auth0, GitHub and others do (X-RateLimit-*)."""
    limit = state.rate_limit
    if limit is not None:
        response.headers["X-RateLimit-Limit"] = str(limit)
        response.headers["X-RateLimit-Remaining"] = str(max(0, limit - state.counters.token_requests))
    return response


def _failure_response(failure: InjectedFailure) -> Response:
    if failure.body is not None:
        response = Response(failure.body, status=failure.status)
    else:
        response = jsonify(
            {"error": failure.error, "error_description": "Failure injected by credflow.testing."}
        )
        response.status_code = failure.status
    if failure.retry_after is not None:
        response.headers["Retry-After"] = failure.retry_after
    response.headers["Cache-Control"] = "no-store"
    return response


def _api_answer(token: IssuedAccessToken) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "ok": True,
        "client_id": token.client_id,
        "scope": token.get_scope(),
        "path": request.path,
        "method": request.method,
    }
    body = request.get_json(silent=True)
    if body is not None:
        answer["json"] = body
    return answer


def _api_error_response(error: OAuth2Error, scope: str | None) -> Response:
    """RFC 6750 §3 answers: 401 invalid_token, 403 insufficient_scope."""
    challenge = [f'realm="{REALM}"']
    if isinstance(error, InsufficientScopeError):
        status, code = 403, "insufficient_scope"
        challenge += [f'error="{code}"', f'scope="{scope}"']
    elif isinstance(error, MissingAuthorizationError):
        # §3.1: a request without credentials gets no error code.
        status, code = 401, "missing_authorization"
    else:
        status, code = 401, "invalid_token"
        challenge.append(f'error="{code}"')
    response = jsonify({"ok": False, "error": code})
    response.status_code = status
    response.headers["WWW-Authenticate"] = "Bearer " + ", ".join(challenge)
    return response
