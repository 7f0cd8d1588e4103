"""`Token`: an access token and when it stops being usable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .secret import fingerprint

__all__ = ["Token"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Token:
    """An access token issued by the token endpoint.

    `expires_at` and `issued_at` are aware UTC datetimes. `refresh_at`, when
    set, is the server's hint (`refresh_in`) of when to renew. The token value
    never shows in `repr`.
    """

    access_token: str = field(repr=False)
    token_type: str
    expires_at: datetime
    issued_at: datetime
    scope: str | None = None
    refresh_at: datetime | None = None
    # Built once: an `httpx.Auth` sets it on every request, so it must cost an attribute read.
    _header: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # RFC 6750 names the scheme "Bearer"; servers answer "bearer" just as often.
        scheme = "Bearer" if self.token_type.lower() == "bearer" else self.token_type
        object.__setattr__(self, "_header", f"{scheme} {self.access_token}")

    @property
    def fingerprint(self) -> str:
        """A short fingerprint of the access token, safe to log."""
        return fingerprint(self.access_token)

    @property
    def lifetime_seconds(self) -> float:
        """Seconds from issue to expiry."""
        return (self.expires_at - self.issued_at).total_seconds()

    def valid(self, now: datetime) -> bool:
        """Tell whether the token is unexpired at `now`."""
        return now < self.expires_at

    def authorization_header(self) -> str:
        """The value of the `Authorization` header that carries this token."""
        return self._header
