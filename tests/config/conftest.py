"""Fixtures for the configuration tests: a place to write credflow.toml."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

WriteConfig = Callable[[str], Path]


@pytest.fixture
def write_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WriteConfig:
    """Write credflow.toml in a fresh working directory and return its path."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CREDFLOW_CONFIG", raising=False)

    def write(text: str) -> Path:
        path = tmp_path / "credflow.toml"
        path.write_text(text)
        return path

    return write
