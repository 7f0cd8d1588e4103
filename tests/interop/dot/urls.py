"""Routes: DOT under the issuer path /tenant1, its RFC 8414 metadata only at the path-insertion URL."""

from __future__ import annotations

from django.urls import include, path
from oauth2_provider.urls import base_urlpatterns
from oauth2_provider.views import OAuthServerMetadataView

from .views import Hello, WriteOnly, counts

# DOT publishes RFC 8414 metadata both appended to the issuer and, for an issuer with a path, at
# §3.1's path-insertion URL. Only the latter is mounted here, so discovery must find it there.
_dot = [
    path("tenant1/o/", include(base_urlpatterns)),
    path(
        ".well-known/oauth-authorization-server/<path:issuer_path>",
        OAuthServerMetadataView.as_view(),
        name="oauth-server-metadata-issuer",
    ),
]

urlpatterns = [
    path("", include((_dot, "oauth2_provider"))),
    path("api/hello/", Hello.as_view()),
    path("api/write/", WriteOnly.as_view()),
    path("_test/counts/", counts),
]
