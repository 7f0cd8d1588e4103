"""docs/plugins/azure.md: its Python example runs, and its settings table is complete."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from credflow_azure import AzureKeyVaultSettings

from credflow.testing import DocsExample, page_examples, runnable

DOCS_PAGE = Path(__file__).resolve().parents[3] / "docs" / "plugins" / "azure.md"
README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLES = runnable(page_examples(DOCS_PAGE, root=DOCS_PAGE.parents[1]))


def test_the_page_has_runnable_examples() -> None:
    """At least one example on the page is run, so the test below cannot pass vacuously."""
    assert len(EXAMPLES) >= 1


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_docs_example_runs(example: DocsExample) -> None:
    """Each Python example on the docs page runs without error (against the local imitation)."""
    example.run()


@pytest.mark.parametrize("page", [DOCS_PAGE, README], ids=["docs", "readme"])
def test_every_setting_is_documented(page: Path) -> None:
    """Every `[sources.azure-kv]` key has a row in the page's settings table."""
    rows = set(re.findall(r"^\| `([a-z_]+)` \|", page.read_text(encoding="utf-8"), re.MULTILINE))
    settings = {f.name for f in dataclasses.fields(AzureKeyVaultSettings)}

    assert set() == settings - rows
