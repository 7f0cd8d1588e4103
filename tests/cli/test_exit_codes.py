"""The exit codes: documented in --help, and each error class mapped to its own."""

from __future__ import annotations

import httpx
import pytest

from credflow import (
    ApiError,
    ConfigError,
    CredentialsRejectedError,
    InsecureTransportError,
    PluginError,
    RetriesExhaustedError,
    SecretNotFoundError,
    TokenEndpointError,
)
from credflow.cli import ExitCode
from credflow.cli.exit_codes import UsageError, exit_code_for

from .conftest import Run


def test_codes_are_the_documented_numbers() -> None:
    """Scripts rely on these numbers; changing one is a breaking change."""
    expected = {
        "OK": 0, "ERROR": 1, "USAGE": 2, "CONFIG": 3, "SECRET_SOURCE": 4,
        "CREDENTIALS_REJECTED": 5, "NETWORK": 6, "API_ERROR": 7, "INTERRUPTED": 130,
    }  # fmt: skip

    assert expected == {code.name: code.value for code in ExitCode}


def test_help_lists_every_code(run: Run) -> None:
    """--help exits 0 and its epilog has a line per exit code."""
    outcome = run("--help")

    listed = [
        line.split()[0] for line in outcome.out.split("exit codes:\n", 1)[1].splitlines() if line.strip()
    ]
    assert (ExitCode.OK, [str(code.value) for code in ExitCode]) == (outcome.code, listed)


def test_unknown_command_is_a_usage_error(run: Run) -> None:
    """argparse's own errors exit 2."""
    outcome = run("frobnicate")

    assert (ExitCode.USAGE, "") == (outcome.code, outcome.out)
    assert "invalid choice: 'frobnicate'" in outcome.err


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (UsageError("x"), ExitCode.USAGE),
        (ConfigError("x"), ExitCode.CONFIG),
        (PluginError("x"), ExitCode.CONFIG),
        (InsecureTransportError("x"), ExitCode.CONFIG),
        (SecretNotFoundError("x"), ExitCode.SECRET_SOURCE),
        (
            CredentialsRejectedError(endpoint="e", status=401, error="invalid_client"),
            ExitCode.CREDENTIALS_REJECTED,
        ),
        (RetriesExhaustedError("x", endpoint="e", attempts=2), ExitCode.NETWORK),
        (TokenEndpointError("x", endpoint="e"), ExitCode.NETWORK),
        (httpx.ConnectError("x"), ExitCode.NETWORK),
        (ApiError("x", status=500), ExitCode.API_ERROR),
        (KeyboardInterrupt(), ExitCode.INTERRUPTED),
        (RuntimeError("x"), ExitCode.ERROR),
    ],
)
def test_each_error_class_has_its_code(error: BaseException, expected: ExitCode) -> None:
    """The most specific class wins (CredentialsRejectedError is also a TokenEndpointError)."""
    assert expected == exit_code_for(error)
