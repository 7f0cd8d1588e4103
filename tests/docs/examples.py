"""Finding the Python examples of the documentation, with the conventions that mark them.

Every fenced ```python block of a page under `docs/` is an example that the
suite runs (`test_examples.py`). An HTML comment on the line before a block
changes that:

- `<!-- not-run: reason -->`: the block is shown but not run; the reason is
  required (a block that only makes sense against a real cloud service, say).
- `<!-- fixture: auth_server -->`: the block runs with `server`, a started
  `credflow.testing.AuthServer` that knows the client `billing` with the
  scopes `api.read` and `api.write`, and the environment variable
  `BILLING_CLIENT_SECRET` holding that client's secret.
- `<!-- continued -->`: the block runs after the one before it on the page, in
  the same namespace, as one example (a tutorial built up step by step).

Blocks that need no fixture start their own server, as users would.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DOCS", "FIXTURES", "PAGES_TESTED_ELSEWHERE", "Example", "examples"]

DOCS = Path(__file__).resolve().parents[2] / "docs"

FIXTURES = frozenset({"auth_server"})

# Pages whose examples need a plugin's real server; they are owned and run by that plugin.
PAGES_TESTED_ELSEWHERE = {
    "plugins/vault.md": "plugins/credflow-vault/tests/test_vault_docs.py",
    "plugins/azure.md": "plugins/credflow-azure/tests/test_azure_docs.py",
    "plugins/aws.md": "the credflow-aws plugin (needs moto)",
}

_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```python[^\n]*\n(?P<code>.*?)^(?P=indent)```[ \t]*$", re.DOTALL | re.MULTILINE
)
_MARK = re.compile(r"^\s*<!--\s*(?P<kind>not-run|fixture|continued):?(?P<value>.*?)-->\s*$")


@dataclass(frozen=True, slots=True)
class Example:
    """One ```python block: where it is, its code, and how it is marked."""

    page: str
    line: int
    code: str
    not_run: str | None
    fixtures: tuple[str, ...]

    @property
    def name(self) -> str:
        """`page:line`, the test id."""
        return f"{self.page}:{self.line}"


def _mark_before(text: str, start: int) -> tuple[str, str] | None:
    preceding = text[:start].rstrip("\n").rsplit("\n", 1)[-1]
    match = _MARK.match(preceding)
    return (match["kind"], match["value"].strip()) if match else None


def page_examples(path: Path) -> list[Example]:
    """The examples of one page, in order."""
    text = path.read_text("utf-8")
    page = path.relative_to(DOCS).as_posix()
    found: list[Example] = []
    for match in _FENCE.finditer(text):
        mark = _mark_before(text, match.start())
        if mark and mark[0] == "continued":
            assert found, f"{page}: a continued block needs a block before it"
            previous = found.pop()
            code = previous.code + "\n" + textwrap.dedent(match["code"])
            found.append(Example(previous.page, previous.line, code, previous.not_run, previous.fixtures))
            continue
        not_run = mark[1] if mark and mark[0] == "not-run" else None
        fixtures: tuple[str, ...] = ()
        if mark and mark[0] == "fixture":
            fixtures = tuple(name.strip() for name in mark[1].split(",") if name.strip())
        found.append(
            Example(
                page=page,
                line=text.count("\n", 0, match.start()) + 1,
                code=textwrap.dedent(match["code"]),
                not_run=not_run,
                fixtures=fixtures,
            )
        )
    return found


def examples() -> list[Example]:
    """Every example of every page, except those of pages tested elsewhere."""
    found = []
    for path in sorted(DOCS.rglob("*.md")):
        if path.relative_to(DOCS).as_posix() not in PAGES_TESTED_ELSEWHERE:
            found.extend(page_examples(path))
    return found
