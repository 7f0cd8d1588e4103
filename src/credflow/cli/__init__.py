"""The `credflow` command: tokens, API calls, a doctor, plugins and a dev server."""

from __future__ import annotations

from .exit_codes import ExitCode
from .main import build_parser, main

__all__ = ["ExitCode", "build_parser", "main"]
