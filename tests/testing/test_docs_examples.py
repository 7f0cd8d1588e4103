"""The docs-example runner: blocks found in order, markers honoured, code run in isolation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from credflow.testing import DocsExample, DocsExampleError, examples_under, page_examples, runnable

PAGE = """\
# A page

```python
x = 1
```

<!-- not-run: needs a real cloud account -->
```python
raise SystemExit("never run")
```

<!-- fixture: auth_server, clock -->
```python title="example.py"
y = server
```

<!-- continued -->
```python
z = y
```

```bash
not python
```
"""


@pytest.fixture
def page(tmp_path: Path) -> Path:
    """A page with a plain block, a not-run one, one with fixtures continued by another, and a bash block."""
    path = tmp_path / "docs" / "guide" / "page.md"
    path.parent.mkdir(parents=True)
    path.write_text(PAGE, encoding="utf-8")
    return path


def test_blocks_markers_and_lines(page: Path) -> None:
    """Each python block is an example at its fence line with its markers; `continued` joins the previous."""
    found = page_examples(page, root=page.parents[1])

    assert [
        DocsExample("guide/page.md", 3, "x = 1\n", None, ()),
        DocsExample("guide/page.md", 8, 'raise SystemExit("never run")\n', "needs a real cloud account", ()),
        DocsExample("guide/page.md", 13, "y = server\n\nz = y\n", None, ("auth_server", "clock")),
    ] == found


def test_runnable_leaves_out_not_run(page: Path) -> None:
    """`runnable` keeps the examples without a not-run marker."""
    assert ["page.md:3", "page.md:13"] == [example.name for example in runnable(page_examples(page))]


def test_examples_under_walks_pages_and_excludes(page: Path) -> None:
    """`examples_under` reads every page below the root but those excluded."""
    root = page.parents[1]
    (root / "other.md").write_text("```python\nw = 2\n```\n", encoding="utf-8")

    everything = {example.page for example in examples_under(root)}
    without_guide = {example.page for example in examples_under(root, exclude=["guide/page.md"])}

    assert ({"guide/page.md", "other.md"}, {"other.md"}) == (everything, without_guide)


def test_run_gives_fixtures_and_restores_the_environment(page: Path) -> None:
    """`run` executes with the namespace given and undoes the example's environment changes."""
    example = page_examples(page)[2]
    before = dict(os.environ)

    namespace = example.run({"server": "the server"}, known_fixtures={"auth_server", "clock"})

    assert ("the server", before) == (namespace["z"], dict(os.environ))
    code = 'import os\nos.environ["DOCS_EXAMPLE_VARIABLE"] = "1"\n'
    DocsExample("p.md", 1, code, None, ()).run()
    assert "DOCS_EXAMPLE_VARIABLE" not in os.environ


def test_run_refuses_not_run_and_unknown_fixtures(page: Path) -> None:
    """A not-run example and a fixture the suite does not know are errors, not silent passes."""
    _, not_run, with_fixtures = page_examples(page)

    with pytest.raises(DocsExampleError, match="marked not-run"):
        not_run.run()
    with pytest.raises(DocsExampleError, match="unknown fixture clock; known: \\['auth_server'\\]"):
        with_fixtures.run(known_fixtures={"auth_server"})


def test_continued_without_a_block_before_is_an_error(tmp_path: Path) -> None:
    """A `continued` marker on the first block is reported with the page's name."""
    path = tmp_path / "bad.md"
    path.write_text("<!-- continued -->\n```python\nx = 1\n```\n", encoding="utf-8")

    with pytest.raises(DocsExampleError, match="bad.md: a `continued` block needs a python block before it"):
        page_examples(path)
