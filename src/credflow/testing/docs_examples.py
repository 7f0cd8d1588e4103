"""Run the Python examples of Markdown documentation as tests.

Every fenced ```python block of a page is an example. An HTML comment on the
line before a block changes that:

- `<!-- not-run: reason -->`: the block is shown but not run; the reason is
  required (a block that only makes sense against a real cloud service, say).
- `<!-- fixture: name[, name] -->`: the block runs with what the named
  fixtures put in its namespace; the test suite says which names it knows
  (credflow's own docs know `auth_server`, see `tests/docs/examples.py`).
- `<!-- continued -->`: the block runs after the one before it on the page, in
  the same namespace, as one example (a tutorial built up step by step).

    @pytest.mark.parametrize("example", runnable(page_examples(PAGE)), ids=str)
    def test_docs_example_runs(example: DocsExample) -> None:
        example.run()
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

__all__ = ["DocsExample", "DocsExampleError", "examples_under", "page_examples", "runnable"]

_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```python[^\n]*\n(?P<code>.*?)^(?P=indent)```[ \t]*$", re.DOTALL | re.MULTILINE
)
_MARK = re.compile(r"^\s*<!--\s*(?P<kind>not-run|fixture|continued):?(?P<value>.*?)-->\s*$")


class DocsExampleError(ValueError):
    """A page's markers are wrong: a `continued` block with nothing before it, an unknown fixture."""


@dataclass(frozen=True, slots=True)
class DocsExample:
    """One ```python block (with the `continued` blocks after it): where it is, its code, its markers."""

    page: str
    line: int
    code: str
    #: The reason it is not run, or None when it is run.
    not_run: str | None
    fixtures: tuple[str, ...]

    @property
    def name(self) -> str:
        """`page:line`, the test id."""
        return f"{self.page}:{self.line}"

    def __str__(self) -> str:
        return self.name

    def run(
        self, namespace: Mapping[str, Any] | None = None, *, known_fixtures: Iterable[str] = ()
    ) -> dict[str, Any]:
        """Execute the code in a fresh namespace (plus `namespace`); return the namespace afterwards.

        The environment is restored afterwards (examples set variables, as
        users would). `DocsExampleError` when the block is marked not-run or
        names a fixture outside `known_fixtures`.
        """
        if self.not_run is not None:
            raise DocsExampleError(f"{self.name} is marked not-run ({self.not_run}): it cannot be run")
        unknown = sorted(set(self.fixtures) - set(known_fixtures))
        if unknown:
            raise DocsExampleError(
                f"{self.name}: unknown fixture {', '.join(unknown)}; known: {sorted(known_fixtures)}"
            )
        scope: dict[str, Any] = {"__name__": "__docs_example__", **(namespace or {})}
        with mock.patch.dict(os.environ):
            exec(compile(self.code, self.name, "exec"), scope)  # noqa: S102 - the project's own documentation
        return scope


def page_examples(path: Path, *, root: Path | None = None) -> list[DocsExample]:
    """The examples of one page, in order; named relative to `root` (default: the page's folder)."""
    text = path.read_text("utf-8")
    page = path.relative_to(root).as_posix() if root is not None else path.name
    found: list[DocsExample] = []
    for match in _FENCE.finditer(text):
        mark = _mark_before(text, match.start())
        code = textwrap.dedent(match["code"])
        if mark and mark[0] == "continued":
            if not found:
                raise DocsExampleError(f"{page}: a `continued` block needs a python block before it")
            previous = found.pop()
            found.append(
                DocsExample(
                    previous.page,
                    previous.line,
                    previous.code + "\n" + code,
                    previous.not_run,
                    previous.fixtures,
                )
            )
            continue
        fixtures: tuple[str, ...] = ()
        if mark and mark[0] == "fixture":
            fixtures = tuple(name.strip() for name in mark[1].split(",") if name.strip())
        found.append(
            DocsExample(
                page=page,
                line=text.count("\n", 0, match.start()) + 1,
                code=code,
                not_run=mark[1] if mark and mark[0] == "not-run" else None,
                fixtures=fixtures,
            )
        )
    return found


def examples_under(root: Path, *, exclude: Iterable[str] = ()) -> list[DocsExample]:
    """The examples of every `*.md` page under `root`, but pages named (relative to it) in `exclude`."""
    skipped = set(exclude)
    found: list[DocsExample] = []
    for path in sorted(root.rglob("*.md")):
        if path.relative_to(root).as_posix() not in skipped:
            found.extend(page_examples(path, root=root))
    return found


def runnable(examples: Iterable[DocsExample]) -> list[DocsExample]:
    """The examples not marked `not-run`."""
    return [example for example in examples if example.not_run is None]


def _mark_before(text: str, start: int) -> tuple[str, str] | None:
    preceding = text[:start].rstrip("\n").rsplit("\n", 1)[-1]
    match = _MARK.match(preceding)
    return (match["kind"], match["value"].strip()) if match else None
