"""The Python examples in docs/plugins/aws.md run against moto's server (those not marked not-run)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS_PAGE = Path(__file__).resolve().parents[3] / "docs" / "plugins" / "aws.md"
BLOCK = re.compile(r"(<!-- not-run: [^>]+ -->\n)?```python\n(.*?)```", re.DOTALL)


def runnable_blocks(page: Path) -> list[str]:
    """The ```python blocks of `page` not preceded by a `<!-- not-run: reason -->` marker."""
    return [code for marker, code in BLOCK.findall(page.read_text(encoding="utf-8")) if not marker]


def test_the_page_has_runnable_examples() -> None:
    """At least one example on the page is run, so this test cannot pass vacuously."""
    assert len(runnable_blocks(DOCS_PAGE)) >= 1


@pytest.mark.parametrize("index", range(len(runnable_blocks(DOCS_PAGE))))
def test_docs_example_runs(index: int) -> None:
    """Each runnable Python example on the docs page runs without error."""
    code = runnable_blocks(DOCS_PAGE)[index]
    exec(compile(code, f"{DOCS_PAGE}:example-{index}", "exec"), {})  # noqa: S102 - our own docs
