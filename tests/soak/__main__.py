"""`python -m tests.soak [--minutes N]`: run the soak, print the report; exit 1 when a goal was missed."""

from __future__ import annotations

import argparse
import json
import sys

import credflow

from .soak import SoakSettings, run_soak


def main(argv: list[str]) -> int:
    """Run the soak for `--minutes` (default 30); print the table; 0 when every goal was met."""
    parser = argparse.ArgumentParser(prog="python -m tests.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="how long to run (default 30)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON too")
    parser.add_argument("--quiet", action="store_true", help="do not print the timeline as it runs")
    arguments = parser.parse_args(argv)
    settings = SoakSettings(seconds=arguments.minutes * 60.0)
    credflow.set_testing(False)  # real retry waits: this is production behaviour under load
    print(f"soak: {arguments.minutes:g} minutes, cycles of {settings.cycle_seconds:g}s", flush=True)
    report = run_soak(settings, log=None if arguments.quiet else lambda text: print(text, flush=True))
    print()
    print(report.table())
    if report.failures:
        print(f"failures: {report.failures}")
    if arguments.json:
        print(json.dumps(report.as_dict(), indent=2))
    return 0 if report.goals_met() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
