"""Scan everything the suite produces for secret and token values.

Every `SecretValue` created and every token parsed during the run is recorded
as a *canary*. Every log record (credflow's at DEBUG and up, other libraries'
at INFO and up, with tracebacks),
every `CredflowError` message, and each test's captured stdout, stderr and log
output is recorded as *output*. `test_no_secret_or_token_leaked`, moved to the
very end of the run, fails if any canary appears in any output.

A test whose job is to print a token (`credflow token`) is marked
`allow_token_output`; its captured output is not scanned.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Generator
from typing import Any

import pytest

import credflow.client_auth
import credflow.engine._acquisition
import credflow.errors
import credflow.protocol
import credflow.secret

# Shorter test values ("billing", "shared") are ordinary words that legitimately appear in
# references and messages; every secret and token the suite generates is longer.
MIN_CANARY_LENGTH = 8


class LeakLedger:
    """The canaries and the outputs seen so far."""

    def __init__(self) -> None:
        self.canaries: set[str] = set()
        self.outputs: list[tuple[str, str]] = []

    def canary(self, value: str) -> None:
        if len(value) >= MIN_CANARY_LENGTH:
            self.canaries.add(value)

    def output(self, where: str, text: str) -> None:
        if text:
            self.outputs.append((where, text))

    def hits(self) -> list[tuple[str, str]]:
        found = []
        for where, text in self.outputs:
            for canary in self.canaries:
                if canary in text:
                    found.append((where, canary[:3] + "…"))
        return found


LEDGER = LeakLedger()


class _RecordingHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # a broken record must not break the scan
            text = repr(record.msg)
        LEDGER.output(f"log {record.name}", text)


def _install_recorders() -> None:
    original_secret_init = credflow.secret.SecretValue.__init__

    def secret_init(self: credflow.secret.SecretValue, value: str, **kwargs: Any) -> None:
        original_secret_init(self, value, **kwargs)
        LEDGER.canary(value)
        for part in _private_key_parts(value):
            LEDGER.canary(part)

    credflow.secret.SecretValue.__init__ = secret_init  # type: ignore[method-assign]

    original_parse = credflow.protocol.parse_token_response

    def parse(*args: Any, **kwargs: Any) -> credflow.protocol.TokenResponse:
        parsed = original_parse(*args, **kwargs)
        LEDGER.canary(parsed.token.access_token)
        return parsed

    credflow.protocol.parse_token_response = parse
    credflow.engine._acquisition.parse_token_response = parse  # type: ignore[attr-defined]

    # The assertions credflow signs (client_secret_jwt, private_key_jwt) are credentials too.
    original_authenticate = credflow.client_auth.ClientAuthenticator.authenticate

    def authenticate(*args: Any, **kwargs: Any) -> credflow.client_auth.ClientAuthentication | None:
        result = original_authenticate(*args, **kwargs)
        if result is not None:
            for name, value in result.form:
                if name == "client_assertion":
                    LEDGER.canary(value)
        return result

    credflow.client_auth.ClientAuthenticator.authenticate = authenticate  # type: ignore[method-assign]

    original_error_init = credflow.errors.CredflowError.__init__

    def error_init(self: Exception, *args: Any, **kwargs: Any) -> None:
        original_error_init(self, *args, **kwargs)
        LEDGER.output(f"exception {type(self).__name__}", f"{self} {self!r}")

    credflow.errors.CredflowError.__init__ = error_init  # type: ignore[method-assign, assignment]

    handler = _RecordingHandler(level=logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    # credflow's own records at every level; other libraries from INFO up. SDK wire traces at DEBUG
    # (botocore logs request and response bodies there by design) are the application's choice to
    # enable, not output of credflow's.
    root.setLevel(logging.INFO)
    logging.getLogger("credflow").setLevel(logging.DEBUG)


# JWK members that hold private key material (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
_PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "k")


def _private_key_parts(value: str) -> list[str]:
    """The pieces of a private key that would betray it if one showed alone.

    Each base64 line of a PEM private key (a log line cut at a newline shows one), and each
    private member of a JWK.
    """
    if "PRIVATE KEY-----" in value:
        return [line.strip() for line in value.splitlines() if line.strip() and not line.startswith("-----")]
    if value.lstrip().startswith("{"):
        try:
            document = json.loads(value)
        except ValueError:
            return []
        if isinstance(document, dict):
            return [
                str(document[name]) for name in _PRIVATE_JWK_MEMBERS if isinstance(document.get(name), str)
            ]
    return []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_token_output: this test's job is to print a token; its output is not scanned"
    )
    _install_recorders()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if item.get_closest_marker("allow_token_output") is None:
        for name, content in report.sections:
            LEDGER.output(f"{item.nodeid} {name}", content)
        if report.longrepr is not None:
            LEDGER.output(f"{item.nodeid} failure", str(report.longrepr))
    return report


@pytest.hookimpl(trylast=True)  # after pytest-random-order has shuffled the rest
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    last = [item for item in items if item.name == "test_no_secret_or_token_leaked"]
    for item in last:
        items.remove(item)
        items.append(item)
