"""What every command reads from the command line: the configuration and the client."""

from __future__ import annotations

import argparse
import os

from ..config._file import CredflowConfig, load_config
from ..errors import ConfigError
from .exit_codes import UsageError

__all__ = ["chosen_client", "load_from_args"]


def load_from_args(args: argparse.Namespace) -> CredflowConfig:
    """Load the configuration named by `--config` (else `$CREDFLOW_CONFIG`, else ./credflow.toml)."""
    return load_config(getattr(args, "config", None), env=os.environ)


def chosen_client(config: CredflowConfig, name: str | None) -> str:
    """The client `--client` names; it may be left out when the configuration has one client."""
    if name is None and len(config.clients) > 1:
        raise UsageError(
            f"--client NAME is needed: the configuration has {len(config.clients)} clients "
            f"({', '.join(sorted(config.clients))})"
        )
    try:
        return config.client_name(name)
    except ConfigError as exc:
        if name is None:
            raise  # no client at all: a configuration problem
        raise UsageError(str(exc)) from None
