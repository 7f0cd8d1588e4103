"""Result rows and the table printed at the end of a run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = ["Row", "format_table", "rows_as_json"]

#: "correctness" rows fail the run when missed; "speed" rows only report (the machine is noisy);
#: "info" rows have no goal of their own (a competitor's figure, a baseline).
Kind = Literal["correctness", "speed", "info"]


@dataclass(frozen=True, slots=True)
class Row:
    """One measured figure with its goal and verdict."""

    benchmark: str
    subject: str
    goal: str
    measured: str
    kind: Kind
    passed: bool | None = None
    figures: dict[str, float] | None = None

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return "-"
        return "pass" if self.passed else "MISS"


_COLUMNS = ("benchmark", "subject", "goal", "measured", "verdict")


def format_table(rows: Sequence[Row]) -> str:
    """Render `rows` as a plain-text table with one line per row."""
    cells = [[str(getattr(row, column)) for column in _COLUMNS] for row in rows]
    widths = [max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(_COLUMNS)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(value.ljust(width) for value, width in zip(values, widths, strict=True)).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(_COLUMNS), rule, *(line(values) for values in cells)])


def rows_as_json(rows: Sequence[Row], machine: dict[str, Any]) -> dict[str, Any]:
    """The rows as a JSON-ready document, with a note of the machine they were measured on."""
    return {
        "machine": machine,
        "rows": [{**asdict(row), "verdict": row.verdict} for row in rows],
    }
