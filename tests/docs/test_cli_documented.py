"""docs/cli.md documents every command and option `credflow` has, like the hooks page does its hooks."""

from __future__ import annotations

import argparse
import re

import pytest

from credflow.cli import build_parser

from .examples import DOCS

PAGE = (DOCS / "cli.md").read_text("utf-8")


def _subcommands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = _subcommands(sub, f"{prefix}{name} ")
                found.update(nested or {f"{prefix}{name}": sub})
    return found


COMMANDS = _subcommands(build_parser())


def _section(command: str) -> str:
    match = re.search(
        rf"^## `credflow {re.escape(command)}`\n(.*?)(?=^## |\Z)", PAGE, re.MULTILINE | re.DOTALL
    )
    assert match is not None, f"docs/cli.md has no section '## `credflow {command}`'"
    return match.group(1)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_is_documented(command: str) -> None:
    """The command's section names each of its own options (the common ones are documented once, above)."""
    common = {"-h", "--help", "--config", "--debug"}
    section = _section(command)
    options = {
        option
        for action in COMMANDS[command]._actions
        for option in action.option_strings or [str(action.metavar or action.dest)]
        if option not in common
    }

    assert set() == {option for option in options if f"`{option}" not in section}


def test_commands_are_the_expected_ones() -> None:
    """The page and the parser agree on the set of commands."""
    documented = set(re.findall(r"^## `credflow ([a-z -]+)`$", PAGE, re.MULTILINE))

    assert set(COMMANDS) == documented
