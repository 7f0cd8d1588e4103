"""The Python examples in docs/plugins/aws.md run against moto's server (those not marked not-run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from credflow.testing import DocsExample, page_examples, runnable

DOCS_PAGE = Path(__file__).resolve().parents[3] / "docs" / "plugins" / "aws.md"
EXAMPLES = page_examples(DOCS_PAGE, root=DOCS_PAGE.parents[1])


def test_the_page_has_runnable_examples() -> None:
    """At least one example on the page is run, so this test cannot pass vacuously."""
    assert len(runnable(EXAMPLES)) >= 1


def test_not_run_examples_say_why() -> None:
    """Every example left out carries its reason."""
    assert [] == [example.name for example in EXAMPLES if example.not_run == ""]


@pytest.mark.parametrize("example", runnable(EXAMPLES), ids=str)
def test_docs_example_runs(example: DocsExample) -> None:
    """Each runnable Python example on the docs page runs without error."""
    example.run()
