"""`credflow check`: print the doctor's steps as one screen of ✓/✗ lines."""

from __future__ import annotations

import argparse
import os
import sys

from ..agent import AGENT_ENV
from ._doctor import CheckResult, Diagnosis, diagnose
from .exit_codes import ExitCode, exit_code_for

__all__ = ["render_diagnosis", "run_check"]

_MARKS = {"ok": "✓", "failed": "✗", "not run": "-"}
_ASCII_MARKS = {"ok": "ok", "failed": "FAIL", "not run": "-"}


def _marks() -> dict[str, str]:
    # A terminal or pipe that cannot encode ✓ gets words instead of a UnicodeEncodeError.
    try:
        "✓✗".encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return _ASCII_MARKS
    return _MARKS


def _line(result: CheckResult, indent: str, marks: dict[str, str]) -> list[str]:
    lines = [f"{indent}{marks[result.status]} {result.step}: {' '.join(result.detail.split())}"]
    if result.fix is not None:
        lines.append(f"{indent}  fix: {result.fix}")
    return lines


def render_diagnosis(diagnosis: Diagnosis) -> str:
    """The report: the configuration line, then each client's steps indented under it."""
    marks = _marks()
    lines = _line(diagnosis.config, "", marks)
    if diagnosis.telemetry:
        lines.append(f"telemetry: {diagnosis.telemetry}")
    for report in diagnosis.clients:
        lines.append(f"client {report.name} (client_id {report.client_id})")
        for result in report.results:
            lines.extend(_line(result, "  ", marks))
    return "\n".join(lines)


def run_check(args: argparse.Namespace) -> int:
    """Run the doctor; exit with the code of the first failure (0 when all pass)."""
    diagnosis = diagnose(getattr(args, "config", None), env=os.environ, client=args.client)
    print(render_diagnosis(diagnosis))
    agent_ok = True
    if os.environ.get(AGENT_ENV):
        agent_ok = _check_agent(os.environ[AGENT_ENV])
    failure = diagnosis.first_failure
    if failure is None:
        return ExitCode.OK if agent_ok else ExitCode.ERROR
    return exit_code_for(failure.error) if failure.error is not None else ExitCode.ERROR


def _check_agent(socket_path: str) -> bool:
    """Print the state of the agent $CREDFLOW_AGENT names (`credflow token` would use it)."""
    from ..agent.client import agent_get
    from ..errors import AgentError

    marks = _marks()
    try:
        health = agent_get(socket_path, "/v1/health")
    except AgentError as error:
        print(f"{marks['failed']} agent: {error}")
        return False
    clients = health.get("clients", {})
    print(f"{marks['ok']} agent: {socket_path} answers ({health.get('status')}); credflow token uses it")
    healthy = True
    for name, state in sorted(clients.items()):
        ok = state.get("token") == "valid"
        healthy = healthy and ok
        detail = f"token valid until {state.get('expires_at')}" if ok else f"no token: {state.get('error')}"
        sink = f"; sink {state['sink']}" if state.get("sink") else ""
        print(f"  {marks['ok' if ok else 'failed']} agent client {name}: {detail}{sink}")
    return healthy
