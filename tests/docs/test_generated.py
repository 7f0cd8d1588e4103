"""The generated parts of the docs match the code they are generated from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from credflow import PluginHost
from credflow.docs_gen import GENERATORS, main, render_page
from credflow.schema import configuration_reference

from .examples import DOCS

GENERATED_PAGES = sorted(path for path in DOCS.rglob("*.md") if "<!-- generated: " in path.read_text("utf-8"))


@pytest.mark.parametrize("page", GENERATED_PAGES, ids=[page.name for page in GENERATED_PAGES])
def test_generated_regions_are_up_to_date(page: Path) -> None:
    """Regenerating the page in memory changes nothing (else run `python -m credflow.docs_gen`)."""
    text = page.read_text("utf-8")

    assert text == render_page(text, where=str(page))


def test_every_generator_is_used() -> None:
    """Every generated region exists on some page, so the reference cannot silently vanish."""
    used = {
        name
        for page in GENERATED_PAGES
        for name in GENERATORS
        if f"<!-- generated: {name} -->" in page.read_text("utf-8")
    }

    assert set(GENERATORS) == used


def test_every_setting_is_in_the_reference() -> None:
    """Each key the loader accepts appears in docs/configuration.md with its type and default."""
    page = (DOCS / "configuration.md").read_text("utf-8")
    missing = [
        row.key
        for row in configuration_reference()
        if not row.key.endswith("<other>")
        and f"`{row.key.rsplit('.', 1)[-1]}`<br>`CREDFLOW_CLIENTS__" not in page
    ]

    assert [] == missing


def test_every_plugin_setting_is_in_the_reference() -> None:
    """Each key a first-party plugin declares appears in docs/configuration.md, from the same declaration."""
    page = (DOCS / "configuration.md").read_text("utf-8")
    declared = {
        (registration.name, spec.name)
        for registration in PluginHost().registrations
        if registration.settings is not None
        for spec in registration.settings.fields
    }
    missing = sorted(
        f"{name}.{key}" for name, key in declared if not re.search(rf"`(sources\.{name}|cache)\.{key}`", page)
    )

    assert {"vault", "aws-sm", "azure-kv", "redis"} <= {name for name, _ in declared}
    assert [] == missing


def test_unknown_region_is_an_error() -> None:
    """A misspelt region name fails instead of being left stale."""
    with pytest.raises(ValueError, match="unknown generated region 'exit-code'"):
        render_page("<!-- generated: exit-code -->\n<!-- end generated: exit-code -->\n")


def test_check_mode_reports_stale_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m credflow.docs_gen --check` exits 1 and names a stale page, without rewriting it."""
    stale = "<!-- generated: exit-codes -->\nold\n<!-- end generated: exit-codes -->\n"
    page = tmp_path / "cli.md"
    page.write_text(stale, "utf-8")

    assert 1 == main(["--docs", str(tmp_path), "--check"])
    assert stale == page.read_text("utf-8")
    assert f"{page}: out of date\n" == capsys.readouterr().out
