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

import logging
from collections.abc import Generator
from typing import Any

import pytest

import credflow.acquisition
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

    credflow.secret.SecretValue.__init__ = secret_init  # type: ignore[method-assign]

    original_parse = credflow.protocol.parse_token_response

    def parse(*args: Any, **kwargs: Any) -> credflow.protocol.TokenResponse:
        parsed = original_parse(*args, **kwargs)
        LEDGER.canary(parsed.token.access_token)
        return parsed

    credflow.protocol.parse_token_response = parse
    credflow.acquisition.parse_token_response = parse  # type: ignore[attr-defined]

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
