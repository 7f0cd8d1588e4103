"""docs/plugins/azure.md: its Python example runs, and its settings table is complete."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from unittest import mock

import pytest
from credflow_azure import AzureKeyVaultSettings

DOCS_PAGE = Path(__file__).resolve().parents[3] / "docs" / "plugins" / "azure.md"
README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks(page: Path) -> list[str]:
    """The ```python blocks of `page`."""
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("index", range(len(python_blocks(DOCS_PAGE))))
def test_docs_example_runs(index: int) -> None:
    """Each Python example on the docs page runs without error (against the local imitation)."""
    code = python_blocks(DOCS_PAGE)[index]

    with mock.patch.dict(os.environ):
        exec(compile(code, f"{DOCS_PAGE}:example-{index}", "exec"), {})  # noqa: S102 - our own docs


@pytest.mark.parametrize("page", [DOCS_PAGE, README], ids=["docs", "readme"])
def test_every_setting_is_documented(page: Path) -> None:
    """Every `[sources.azure-kv]` key has a row in the page's settings table."""
    rows = set(re.findall(r"^\| `([a-z_]+)` \|", page.read_text(encoding="utf-8"), re.MULTILINE))
    settings = {f.name for f in dataclasses.fields(AzureKeyVaultSettings)}

    assert set() == settings - rows
