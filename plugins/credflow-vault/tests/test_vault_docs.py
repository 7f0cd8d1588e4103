"""The Python examples in docs/plugins/vault.md run against a real dev server (those not marked not-run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from credflow.testing import DocsExample, page_examples, runnable

DOCS_PAGE = Path(__file__).resolve().parents[3] / "docs" / "plugins" / "vault.md"
EXAMPLES = runnable(page_examples(DOCS_PAGE, root=DOCS_PAGE.parents[1]))


def test_the_page_has_runnable_examples() -> None:
    """At least one example on the page is run, so the test below cannot pass vacuously."""
    assert len(EXAMPLES) >= 1


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_docs_example_runs(example: DocsExample) -> None:
    """Each Python example on the docs page runs without error."""
    example.run()
