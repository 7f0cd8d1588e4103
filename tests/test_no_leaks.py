"""The leak scan: runs last and fails if a secret or token value showed anywhere."""

from __future__ import annotations

from tests.leakcheck import LEDGER


def test_no_secret_or_token_leaked() -> None:
    """No secret or token value appears in any log record, exception message or captured output."""
    assert LEDGER.canaries, "the suite recorded no secrets or tokens: the leak scan would prove nothing"
    assert LEDGER.outputs, "the suite recorded no output: the leak scan would prove nothing"
    assert [] == LEDGER.hits()
