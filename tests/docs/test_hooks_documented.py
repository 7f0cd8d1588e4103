"""docs/plugins/hooks.md has a section for every hook, headed by its exact signature (as datasette does)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest

from credflow import hookspecs

from .examples import DOCS

PAGE = (DOCS / "plugins" / "hooks.md").read_text("utf-8")
HEADINGS = re.findall(r"^#{2,4} `(credflow_\w+\(.*\) -> .*)`$", PAGE, re.MULTILINE)


def _hookspecs() -> dict[str, Callable[..., Any]]:
    return {
        name: function
        for name, function in vars(hookspecs).items()
        if name.startswith("credflow_") and hasattr(function, "credflow_spec")
    }


def signature(function: Callable[..., Any]) -> str:
    """`name(arg: Type, ...) -> Return`, written as in the source (annotations are strings there)."""
    spec = inspect.signature(function)
    arguments = ", ".join(f"{name}: {parameter.annotation}" for name, parameter in spec.parameters.items())
    return f"{function.__name__}({arguments}) -> {spec.return_annotation}"


def _section(name: str) -> str:
    match = re.search(rf"^#{{2,4}} `{name}\(.*?$(.*?)(?=^#{{1,4}} |\Z)", PAGE, re.MULTILINE | re.DOTALL)
    assert match is not None
    return match.group(1)


HOOKS = _hookspecs()


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_hook_is_documented(name: str) -> None:
    """A heading carries the hook's exact signature."""
    assert signature(HOOKS[name]) in HEADINGS


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_firstresult_is_stated_correctly(name: str) -> None:
    """The section says whether the hook is firstresult, and says it right."""
    firstresult = HOOKS[name].credflow_spec["firstresult"]  # type: ignore[attr-defined]

    assert f"**firstresult:** {'yes' if firstresult else 'no'}" in _section(name)


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_section_has_an_example(name: str) -> None:
    """Each section shows an implementation of its hook."""
    assert re.search(rf"```python\n.*?def {name}\(", _section(name), re.DOTALL)


def test_no_section_for_a_hook_that_does_not_exist() -> None:
    """A renamed or removed hook does not leave a stale section behind."""
    documented = {heading.split("(", 1)[0] for heading in HEADINGS}

    assert set() == documented - set(HOOKS)


def test_signature_format() -> None:
    """The heading format is what the page uses for a known hook."""
    expected = "credflow_resolve_secret(reference: SecretReference, fresh: bool) -> SecretValue | None"

    assert expected == signature(hookspecs.credflow_resolve_secret)
