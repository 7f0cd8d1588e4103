"""`credflow plugins`: each plugin, its version, and what it registers."""

from __future__ import annotations

from credflow import __version__
from credflow.cli import ExitCode

from .conftest import Run


def test_lists_builtin_and_entry_point_plugins(run: Run) -> None:
    """Built-in sources, the memory cache and the installed test plugin are listed with versions."""
    outcome = run("plugins")

    lines = outcome.out.splitlines()
    assert (ExitCode.OK, "") == (outcome.code, outcome.err)
    assert f"credflow.env  [built in (credflow {__version__})]" in lines
    assert "testplugin-dict  [credflow-testplugin 0.0.1]" in lines
    assert "    secret scheme dict:     test-only: values from [sources.dict]" in lines
    assert "    token cache   memory    in-process cache shared by the engines of one process" in lines
