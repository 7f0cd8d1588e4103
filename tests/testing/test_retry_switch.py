"""The pytest plugin saves `set_testing()` before each test and restores it after."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

# Two tests that each change the switch; the second sees what the plugin set, not what the first left.
TESTS = """
from credflow.transport._retry import is_testing, set_testing

def test_first():
    assert {expected} == is_testing()
    set_testing(not {expected})

def test_second():
    assert {expected} == is_testing()
    set_testing(not {expected})
"""


@pytest.mark.parametrize(("ini", "expected"), [("credflow_skip_retry_waits = true", True), ("", False)])
def test_switch_is_restored_after_each_test(pytester: pytest.Pytester, ini: str, expected: bool) -> None:
    """With or without `credflow_skip_retry_waits`, a test's change of the switch ends with the test."""
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile(test_switch=TESTS.format(expected=expected))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:random_order")
    result.assert_outcomes(passed=2)
