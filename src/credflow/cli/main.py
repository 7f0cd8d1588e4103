"""The `credflow` argument parser, and running a command with readable errors.

An error is one line on stderr (`credflow: error: ...`) and a documented exit
code; `--debug` adds the traceback and credflow's debug log. Only
`credflow token` ever prints a token, and nothing prints a secret.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import sys
import traceback
from collections.abc import Callable, Sequence

from .. import __version__
from .exit_codes import ExitCode, exit_code_for, exit_codes_help

__all__ = ["build_parser", "main"]

Command = Callable[[argparse.Namespace], int]


def _lazy(module: str, function: str, *, one_shot: bool = False) -> Command:
    """`credflow.cli.<module>.<function>`, imported when the command runs (not for --help, --version).

    A `one_shot` command runs with the cyclic garbage collector paused (and restored after, as
    `main()` also runs in-process): it imports its modules, does one thing and exits, so the
    collector would only walk the classes and functions it just created, again and again, for
    about 5% of a warm `credflow token`. Reference counting still frees everything else.
    """

    def run(args: argparse.Namespace) -> int:
        collecting = one_shot and gc.isenabled()
        if collecting:
            gc.disable()
        try:
            command: Command = getattr(importlib.import_module(f".{module}", __package__), function)
            return command(args)
        finally:
            if collecting:
                gc.enable()

    run.__name__ = function
    return run


run_token = _lazy("client_commands", "run_token", one_shot=True)
run_request = _lazy("client_commands", "run_request")
run_check = _lazy("check_command", "run_check")
run_config_show = _lazy("info_commands", "run_config_show")
run_plugins = _lazy("info_commands", "run_plugins")
run_dev_server_command = _lazy("dev_server_command", "run_dev_server_command")
run_agent_command = _lazy("agent_command", "run_agent_command")

_CONFIG_HELP = """\
configuration:
  --config PATH, else $CREDFLOW_CONFIG, else ./credflow.toml; environment
  variables override it: CREDFLOW_CLIENTS__<NAME>__<KEY>,
  CREDFLOW_CLIENTS__<NAME>__<TABLE>__<KEY>, CREDFLOW_SOURCES__<SCHEME>__<KEY>.
  --client may be left out when the configuration has one client.
"""


def _common_options() -> argparse.ArgumentParser:
    # Accepted before or after the command name; SUPPRESS keeps a later
    # parser from overwriting a value given earlier with its default.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="configuration file (default: $CREDFLOW_CONFIG, else ./credflow.toml)",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show tracebacks and credflow's debug log on stderr",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    """The `credflow` parser; each command stores its function as `run`."""
    common = _common_options()
    epilog = _CONFIG_HELP + "\n" + exit_codes_help()
    parser = argparse.ArgumentParser(
        prog="credflow",
        description="OAuth2 client-credentials tokens, the client secret read at token time.",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"credflow {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run: Command, summary: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=summary,
            description=summary,
            epilog=exit_codes_help(),
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[common],
        )
        sub.set_defaults(run=run)
        return sub

    token = command("token", run_token, "print an access token (alone, for $(credflow token))")
    token.add_argument("--client", metavar="NAME", help="the [clients.NAME] to use")
    token.add_argument(
        "--json", action="store_true", help="print access_token, token_type, expires_in, expires_at, scope"
    )
    token.add_argument(
        "--no-cache",
        action="store_true",
        help="do not use the per-user file cache (used when the client configures no cache backend)",
    )

    request = command("request", run_request, "call an API with a token; print the response body")
    request.add_argument("--client", metavar="NAME", help="the [clients.NAME] to use")
    request.add_argument(
        "-X", "--request", dest="method", metavar="METHOD", help="HTTP method (GET, or POST with -d)"
    )
    request.add_argument(
        "-H", "--header", action="append", default=[], metavar="'NAME: VALUE'", help="add a request header"
    )
    request.add_argument("-d", "--data", metavar="DATA", help="request body; @FILE reads a file, @- stdin")
    request.add_argument("url", metavar="URL")

    check = command("check", run_check, "check configuration, secret, endpoint and token, step by step")
    check.add_argument("--client", metavar="NAME", help="check only this client (default: every client)")

    config = commands.add_parser("config", help="show the configuration", parents=[common])
    config_commands = config.add_subparsers(dest="config_command", required=True, metavar="SUBCOMMAND")
    show = config_commands.add_parser(
        "show",
        help="print the effective configuration; secret references are never resolved",
        parents=[common],
    )
    show.set_defaults(run=run_config_show)
    show.add_argument("--client", metavar="NAME", help="show only this client")
    show.add_argument(
        "--format", choices=("toml", "json"), default="toml", help="output format (default toml)"
    )

    command("plugins", run_plugins, "list installed plugins and the secret schemes and caches they provide")

    dev = command("dev-server", run_dev_server_command, "run a local authorization server on 127.0.0.1")
    dev.add_argument("--port", type=int, default=8400, help="port (default 8400; 0 picks a free one)")
    dev.add_argument(
        "--client",
        action="append",
        default=[],
        metavar="ID:SECRET",
        help="a client to serve (repeatable; default: dev-client:dev-secret)",
    )
    dev.add_argument(
        "--token-lifetime", type=int, default=3600, metavar="S", help="token lifetime in seconds"
    )

    agent = command("agent", run_agent_command, "serve tokens to local programs on a Unix socket")
    agent.add_argument(
        "--socket",
        metavar="PATH",
        help="Unix socket (default: [agent] socket, else $XDG_RUNTIME_DIR/credflow/agent.sock)",
    )
    agent.add_argument(
        "--port", type=int, metavar="PORT", help="also listen on 127.0.0.1:PORT (default: [agent] port)"
    )
    return parser


def _one_line(error: BaseException) -> str:
    message = " ".join(str(error).split())
    if isinstance(error, Exception) and type(error).__module__.split(".")[0] != "credflow":
        # A foreign error (OSError, httpx) reads better with its kind.
        message = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return message or type(error).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run `credflow` with `argv` (default: the command line); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or a usage error already printed
        return exit_.code if isinstance(exit_.code, int) else ExitCode.USAGE
    debug = bool(getattr(args, "debug", False))
    handler: logging.Handler | None = None
    logger = logging.getLogger("credflow")
    level_before = logger.level  # restored after the run: main() is also called in-process
    if debug:
        handler = logging.StreamHandler(sys.stderr)
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        return int(args.run(args))
    except (Exception, KeyboardInterrupt) as error:
        if debug:
            traceback.print_exc()
        print(f"credflow: error: {_one_line(error)}", file=sys.stderr)
        return exit_code_for(error)
    finally:
        if handler is not None:
            logger.removeHandler(handler)
            logger.setLevel(level_before)
