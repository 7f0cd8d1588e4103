"""`credflow agent`: serve tokens on a Unix socket (and a loopback port) until stopped."""

from __future__ import annotations

import argparse

__all__ = ["run_agent_command"]


def run_agent_command(args: argparse.Namespace) -> int:
    """Run the agent in the foreground; SIGTERM or Ctrl-C stops it, SIGHUP reloads the configuration."""
    from ..agent.run import run_agent

    return run_agent(getattr(args, "config", None), args.socket, args.port)
