"""docs/reliability.md shows the fault matrix the tests run, and nothing else."""

from __future__ import annotations

from .matrix import FAULTS
from .table import PAGE, REGION, fault_matrix_markdown, render_reliability_page


def test_reliability_page_is_up_to_date() -> None:
    """Regenerating the fault table changes nothing (else run `python -m tests.faults.table`)."""
    text = PAGE.read_text("utf-8")

    assert text == render_reliability_page(text)


def test_page_has_the_region() -> None:
    """The page carries the generated region, so the check above compares something."""
    text = PAGE.read_text("utf-8")

    assert (1, 1) == (
        text.count(f"<!-- generated: {REGION} -->"),
        text.count(f"<!-- end generated: {REGION} -->"),
    )


def test_every_fault_is_a_row() -> None:
    """Each fault of the matrix is one row of the table, by name."""
    rows = [line for line in fault_matrix_markdown().splitlines() if line.startswith("| `")]

    assert [f"| `{fault.name}` |" for fault in FAULTS] == [row.split(" | ")[0] + " |" for row in rows]
