"""The drill's report: one column per backend, one row per measured figure."""

from __future__ import annotations

from collections.abc import Sequence

from .drill import READS_PER_ROTATION, REJECTIONS_PER_ROTATION, DrillReport

__all__ = ["format_report"]


def _rows(report: DrillReport) -> list[tuple[str, str]]:
    service, server = report.service, report.server
    kinds = report.rotation_kinds
    return [
        ("wall time under drill (s)", f"{report.seconds:.1f}"),
        (
            "rotations (manager-first / server-first)",
            f"{report.rotations} ({report.orders['manager-first']} / {report.orders['server-first']})",
        ),
        ("API calls made (service)", f"{service.api_calls}"),
        ("API calls failed (service)", f"{service.api_failed}"),
        ("API calls seen by the server", f"{server['api_calls']}"),
        ("  of which 401, then retried with a new token", f"{server['api_calls_rejected']}"),
        ("token requests (server)", f"{server['token_requests']}"),
        ("tokens issued (server)", f"{server['tokens_issued']}"),
        ("invalid_client answers (server)", f"{server['invalid_client']}"),
        (f"invalid_client bound {REJECTIONS_PER_ROTATION}*rotations", f"{report.rejection_bound}"),
        ("failed acquisitions (TokenFailed events)", f"{service.token_failures}"),
        ("secret backend requests (service, counted)", f"{service.secret_reads}"),
        ("  fresh re-reads after invalid_client", f"{service.fresh_secret_reads}"),
        ("  candidate listings", f"{service.candidate_listings}"),
        (
            "  GetSecretValue counted by moto",
            "-" if report.backend_server_reads is None else f"{report.backend_server_reads}",
        ),
        (f"read bound {READS_PER_ROTATION}*rotations + c", f"{report.read_bound}"),
        ("fresh reads per rotation", f"{service.fresh_secret_reads / max(report.rotations, 1):.1f}"),
        ("API calls per secret read", f"{service.api_calls / max(service.secret_reads, 1):.0f}"),
        ("rotation events: changed", f"{kinds.get('changed', 0)}"),
        ("rotation events: candidate-fallback", f"{kinds.get('candidate-fallback', 0)}"),
        ("rotation events: fallback-ended", f"{kinds.get('fallback-ended', 0)}"),
        ("rotation events: last-known-good", f"{kinds.get('last-known-good', 0)}"),
        ("rotation events: last-known-good-ended", f"{kinds.get('last-known-good-ended', 0)}"),
        ("goals met (0 failed calls, within bounds)", "yes" if report.goals_met() else "NO"),
    ]


def format_report(reports: Sequence[DrillReport]) -> str:
    """A plain-text table (Markdown-compatible) of the reports, side by side."""
    columns = [_rows(report) for report in reports]
    labels = [label for label, _ in columns[0]]
    header = ["", *(report.backend for report in reports)]
    body = [[label, *(column[row][1] for column in columns)] for row, label in enumerate(labels)]
    widths = [max(len(line[index]) for line in [header, *body]) for index in range(len(header))]

    def line(cells: list[str]) -> str:
        return (
            "| "
            + " | ".join(
                cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(cells)
            )
            + " |"
        )

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(header), rule, *(line(cells) for cells in body)])
