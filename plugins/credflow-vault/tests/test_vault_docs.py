"""The Python examples in docs/plugins/vault.md run against a real dev server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS_PAGE = Path(__file__).resolve().parents[3] / "docs" / "plugins" / "vault.md"


def python_blocks(page: Path) -> list[str]:
    """The ```python blocks of `page`."""
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("index", range(len(python_blocks(DOCS_PAGE))))
def test_docs_example_runs(index: int) -> None:
    """Each Python example on the docs page runs without error."""
    code = python_blocks(DOCS_PAGE)[index]

    exec(compile(code, f"{DOCS_PAGE}:example-{index}", "exec"), {})  # noqa: S102 - our own docs
