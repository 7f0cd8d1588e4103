"""The `credflow` command: tokens, API calls, a doctor, plugins and a dev server.

`main` tries the warm `credflow token` shortcut (`_fast_token`) first and imports
the argument parser and the commands (`cli.main`) only when it has no answer.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .exit_codes import ExitCode as ExitCode
    from .main import build_parser as build_parser

__all__ = ["ExitCode", "build_parser", "main"]

_MODULE_OF = {"ExitCode": ".exit_codes", "build_parser": ".main"}


def _import(module: str) -> Any:
    imported = importlib.import_module(module, __name__)
    # Importing the submodule `cli.main` binds the package's `main` to it: keep the function.
    globals()["main"] = _MAIN
    return imported


def main(argv: Sequence[str] | None = None) -> int:
    """Run `credflow` with `argv` (default: the command line); return the exit code."""
    arguments = sys.argv[1:] if argv is None else argv
    text = None
    if "token" in arguments:  # other commands do not pay for importing the shortcut
        from ._fast_token import answer

        text = answer(arguments)
    if text is None:
        full_main: Any = _import(".main").main
        return int(full_main(argv))
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as error:  # reported as the normal path reports a failed print
        from .exit_codes import exit_code_for

        print(f"credflow: error: {_import('.main')._one_line(error)}", file=sys.stderr)
        return exit_code_for(error)
    return 0


_MAIN = main


def __getattr__(name: str) -> Any:
    try:
        module = _MODULE_OF[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return getattr(_import(module), name)
