"""`credflow config show` and `credflow plugins`: what is configured, what is installed."""

from __future__ import annotations

import argparse
import json

from .. import __version__
from ..config._file import CredflowConfig
from ..plugins._host import PluginHost
from ..providers import profile_of
from .exit_codes import ExitCode
from .options import load_from_args
from .toml_writer import render_toml

__all__ = ["run_config_show", "run_plugins"]

# The registration hooks are shown as what they registered, not as hook names.
_SHOWN_ELSEWHERE = {"register_secret_sources", "register_token_caches"}
_RESOLUTION_HOOKS = {"resolve_secret", "aresolve_secret"}


def run_config_show(args: argparse.Namespace) -> int:
    """Print the effective configuration (file + environment + defaults); references stay references."""
    config = load_from_args(args)
    document = config.as_dict(args.client)
    if args.format == "json":
        print(json.dumps(document, indent=2))
        return ExitCode.OK
    where = str(config.path) if config.path is not None else "environment variables only"
    header = (
        f"Effective credflow configuration ({where}, with environment overrides and defaults).\n"
        "Secret references are shown as written, never resolved."
    )
    derived = _derived_lines(config, args.client)
    if derived:
        header += "\n" + "\n".join(derived)
    print(render_toml(document, header=header), end="")
    return ExitCode.OK


def _derived_lines(config: CredflowConfig, client: str | None) -> list[str]:
    """What each client's provider profile derived, and whether an explicit setting overrides it."""
    names = [config.client_name(client)] if client is not None else sorted(config.clients)
    lines = []
    for name in names:
        settings = config.clients[name]
        profile = profile_of(settings)
        if profile is None:
            continue
        derived = profile.derive(settings)
        lines.append(f"clients.{name}: provider {profile.name} ({profile.title}) derived")
        for key, value in (
            ("token_endpoint", derived.token_endpoint),
            ("issuer", derived.issuer),
            ("discovery", derived.discovery_url),
        ):
            given = getattr(settings, key, value)
            note = f" (overridden: {given})" if given not in (value, None) else ""
            lines.append(f"  {key} = {value}{note}")
    return lines


def run_plugins(args: argparse.Namespace) -> int:
    """List the loaded plugins with their versions and what each registers."""
    host = PluginHost()
    manager = host.plugin_manager
    lines = []
    for plugin in host.plugins:
        origin = (
            f"{plugin.distribution} {plugin.version}"
            if plugin.distribution is not None
            else f"built in (credflow {__version__})"
        )
        lines.append(f"{plugin.name}  [{origin}]")
        for registration in host.registrations:
            if registration.plugin == plugin.name:
                kind, shown = (
                    ("secret scheme", registration.name + ":")
                    if registration.kind == "secret-source"
                    else ("token cache", registration.name)
                )
                lines.append(f"    {kind:<14}{shown:<10}{registration.description}".rstrip())
        instance = manager.get_plugin(plugin.name)
        callers = manager.get_hookcallers(instance) if instance is not None else None
        hooks = sorted({caller.name.removeprefix("credflow_") for caller in callers or ()} - _SHOWN_ELSEWHERE)
        resolution = [hook for hook in hooks if hook in _RESOLUTION_HOOKS]
        audit = [hook for hook in hooks if hook not in _RESOLUTION_HOOKS]
        if resolution:
            lines.append(f"    {'resolves':<14}{', '.join(resolution)}")
        if audit:
            more = ", ..." if len(audit) > 3 else ""
            lines.append(f"    {'audits':<14}{len(audit)} event kinds ({', '.join(audit[:3])}{more})")
    print("\n".join(lines))
    return ExitCode.OK
