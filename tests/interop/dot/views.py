"""The protected API (DOT's default `ProtectedResourceView`) and request counters for the tests."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponse, JsonResponse
from oauth2_provider.views import ProtectedResourceView, ScopedProtectedResourceView

_counts: Counter[str] = Counter()
_lock = threading.Lock()


def count_requests(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Middleware counting token requests and API calls, so tests can assert how many reached DOT."""

    def middleware(request: HttpRequest) -> HttpResponse:
        token_request = request.method == "POST" and request.path.endswith("/o/token/")
        kind = "token" if token_request else "api" if request.path.startswith("/api/") else None
        if kind is not None:
            with _lock:
                _counts[kind] += 1
        return get_response(request)

    return middleware


def counts(request: HttpRequest) -> JsonResponse:
    """GET: the counters; POST: reset them."""
    with _lock:
        if request.method == "POST":
            _counts.clear()
        return JsonResponse({"token": _counts["token"], "api": _counts["api"]})


class Hello(ProtectedResourceView):  # type: ignore[misc]  # DOT ships no type information
    """A protected resource exactly as DOT's docs write one: 403 for a missing or revoked token."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        return JsonResponse({"hello": "world"})


class WriteOnly(ScopedProtectedResourceView):  # type: ignore[misc]  # DOT ships no type information
    """Needs scope `write`: a token without it gets 403 however often it is renewed."""

    required_scopes: ClassVar[list[str]] = ["write"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        return JsonResponse({"written": True})
