"""The exit codes of the `credflow` command, and which error gives which."""

from __future__ import annotations

import enum
import sys

from ..errors import (
    ApiError,
    ConfigError,
    CredentialsRejectedError,
    InsecureTransportError,
    PluginError,
    SecretSourceError,
    TokenEndpointError,
)

__all__ = ["ExitCode", "UsageError", "exit_code_for", "exit_codes_help"]


class UsageError(Exception):
    """The command line is wrong (a missing `--client`, a malformed header)."""


class ExitCode(enum.IntEnum):
    """What a `credflow` exit status means; scripts may rely on these numbers."""

    OK = 0
    ERROR = 1
    USAGE = 2
    CONFIG = 3
    SECRET_SOURCE = 4
    CREDENTIALS_REJECTED = 5
    NETWORK = 6
    API_ERROR = 7
    INTERRUPTED = 130


_MEANINGS = {
    ExitCode.OK: "success",
    ExitCode.ERROR: "any other error",
    ExitCode.USAGE: "usage error: bad arguments, or --client needed with several clients",
    ExitCode.CONFIG: "configuration error: file, environment override, plugin, or insecure URL",
    ExitCode.SECRET_SOURCE: "secret source error: the client secret could not be read",
    ExitCode.CREDENTIALS_REJECTED: "credentials rejected by the authorization server (invalid_client)",
    ExitCode.NETWORK: "network failure, retries exhausted, or another token endpoint error",
    ExitCode.API_ERROR: "API error: `credflow request` got an HTTP error status or a redirect",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
}


def exit_codes_help() -> str:
    """The exit-code table for `--help`."""
    return "exit codes:\n" + "\n".join(f"  {code.value:<4} {_MEANINGS[code]}" for code in ExitCode)


# Most specific first: CredentialsRejectedError is a TokenEndpointError.
_BY_ERROR: tuple[tuple[type[BaseException], ExitCode], ...] = (
    (UsageError, ExitCode.USAGE),
    (ConfigError, ExitCode.CONFIG),
    (PluginError, ExitCode.CONFIG),
    (InsecureTransportError, ExitCode.CONFIG),
    (SecretSourceError, ExitCode.SECRET_SOURCE),
    (CredentialsRejectedError, ExitCode.CREDENTIALS_REJECTED),
    (TokenEndpointError, ExitCode.NETWORK),
    (ApiError, ExitCode.API_ERROR),
    (KeyboardInterrupt, ExitCode.INTERRUPTED),
)


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code for a command that failed with `error`."""
    for kind, code in _BY_ERROR:
        if isinstance(error, kind):
            return code
    # Only a process that imported httpx can have failed with one of its errors.
    httpx = sys.modules.get("httpx")
    if httpx is not None and isinstance(error, httpx.TransportError):
        return ExitCode.NETWORK
    return ExitCode.ERROR
