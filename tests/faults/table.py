"""`python -m tests.faults.table`: write the fault matrix into docs/reliability.md.

The table comes from `tests/faults/matrix.py`, the parameters the fault tests
run; `--check` only reports whether the page is out of date (exit status 1).
`tests/faults/test_table.py` runs the check, so a row added, removed or changed
without regenerating the page fails the suite.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tools.docs_gen import GENERATORS, render_page

from .matrix import FAULTS, SETTINGS, Fault

__all__ = ["PAGE", "fault_matrix_markdown", "main", "render_reliability_page"]

PAGE = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
REGION = "fault-matrix"


def _outcome(fault: Fault) -> str:
    return "a token" if fault.outcome is None else f"`{fault.outcome.__name__}`"


def fault_matrix_markdown() -> str:
    """One row per fault: what the endpoint does, what credflow returns, tries, what the error says."""
    lines = [
        f"Every row runs with `retry.attempts = {SETTINGS.attempts}`, "
        f"`retry.deadline = {SETTINGS.deadline:g}`, `timeout = {SETTINGS.timeout:g}`, "
        f"`retry.initial_backoff = {SETTINGS.initial_backoff:g}` and "
        f"`retry.max_backoff = {SETTINGS.max_backoff:g}`, once through `get_token()` and once "
        "through `aget_token()`.",
        "",
        "| fault | what the token endpoint does | outcome | tries | the error says |",
        "| --- | --- | --- | --- | --- |",
    ]
    for fault in FAULTS:
        says = f"“{fault.says}”" if fault.says else ""
        lines.append(
            f"| `{fault.name}` | {fault.description} | {_outcome(fault)} | {fault.attempts} | {says} |"
        )
    return "\n".join(lines) + "\n"


def render_reliability_page(text: str) -> str:
    """`text` with the fault matrix region rewritten."""
    return render_page(text, where=str(PAGE), generators={**GENERATORS, REGION: fault_matrix_markdown})


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite the page (or with `--check`, report that it is stale)."""
    parser = argparse.ArgumentParser(prog="python -m tests.faults.table", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether the page is out of date")
    args = parser.parse_args(argv)
    text = PAGE.read_text("utf-8")
    rendered = render_reliability_page(text)
    if rendered == text:
        return 0
    if args.check:
        print(f"{PAGE}: out of date (run python -m tests.faults.table)")
        return 1
    PAGE.write_text(rendered, "utf-8")
    print(f"{PAGE}: rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
