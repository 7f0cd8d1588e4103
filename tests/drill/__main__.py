"""`python -m tests.drill`: run the rotation drill with OpenBao, moto and a file; print the report.

Options change the durations and the load (`--help`); the exit status is 1
when a goal was missed (a failed API call, more secret reads or refused token
requests than their bounds).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

import credflow

from .drill import DrillSettings, run_drill
from .report import format_report


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.drill", description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["openbao", "moto", "file", "all"], default="all")
    for settings_field in dataclasses.fields(DrillSettings):
        flag = "--" + settings_field.name.replace("_", "-")
        parser.add_argument(flag, type=type(settings_field.default), default=settings_field.default)
    parser.add_argument("--json", action="store_true", help="print the reports as JSON too")
    parser.add_argument("--quiet", action="store_true", help="do not print the timeline as it runs")
    return parser


def main(argv: list[str]) -> int:
    """Run the drill; print the table; 0 when every goal was met."""
    arguments = _parser().parse_args(argv)
    settings = DrillSettings(
        **{f.name: getattr(arguments, f.name) for f in dataclasses.fields(DrillSettings)}
    )
    credflow.set_testing(False)
    backends = ["openbao", "moto", "file"] if arguments.backend == "all" else [arguments.backend]
    log = None if arguments.quiet else print
    reports = []
    for backend in backends:
        print(f"rotation drill with {backend}: about {settings.planned_seconds():.0f}s", flush=True)
        reports.append(run_drill(backend, settings, log=log))
    print()
    print(format_report(reports))
    if arguments.json:
        print(json.dumps([report.as_dict() for report in reports], indent=2))
    return 0 if all(report.goals_met() for report in reports) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
