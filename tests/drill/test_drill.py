"""The rotation drill in the test suite: both orders, three secret stores, under load."""

from __future__ import annotations

import pytest

from .drill import DrillSettings, run_drill
from .report import format_report

# One rotation of each order; a longer phase than the default leaves room on a loaded machine, and
# so do 10 s tokens: oidc-provider counts expiry in whole seconds, so a 5 s token may live only 4 s,
# and a request delayed by a busy machine then meets an expired token twice (before and after renewal).
SETTINGS = DrillSettings(rotations=2, phase_seconds=6.0, token_ttl_seconds=10, cooldown_seconds=11.0)

# What bridges the manager-first gap: the previous version (try_versions), or for a file with no
# fallback configured, the value the server last accepted.
BRIDGE_KINDS = {
    "openbao": ("candidate-fallback", "fallback-ended"),
    "moto": ("candidate-fallback", "fallback-ended"),
    "file": ("last-known-good", "last-known-good-ended"),
}


@pytest.mark.parametrize("backend", ["openbao", "moto", "file"])
def test_rotations_under_load_fail_no_api_call_and_read_the_secret_per_rotation(backend: str) -> None:
    """0 failed calls; reads and invalid_client within bounds; every bridge ended; tokens renewed."""
    report = run_drill(backend, SETTINGS)
    print(format_report([report]))  # the table, in the test's captured output
    kinds = report.rotation_kinds
    bridged, ended = BRIDGE_KINDS[backend]
    renewals_expected = int(report.seconds / SETTINGS.token_ttl_seconds)

    expected = {
        "failed_api_calls": 0,
        "failures": {},
        "reads_within_bound": True,
        "refusals_within_bound": True,
        "manager_first_was_bridged": True,
        "every_bridge_ended": True,
        "tokens_renewed_during_the_drill": True,
        "rotations_refused_at_least_once": True,
    }
    actual = {
        "failed_api_calls": report.service.api_failed,
        "failures": report.service.failures,
        "reads_within_bound": report.service.secret_reads <= report.read_bound,
        "refusals_within_bound": report.server["invalid_client"] <= report.rejection_bound,
        "manager_first_was_bridged": kinds.get(bridged, 0) >= 1,
        "every_bridge_ended": kinds.get(bridged, 0) == kinds.get(ended, 0),
        "tokens_renewed_during_the_drill": report.server["tokens_issued"] >= renewals_expected,
        "rotations_refused_at_least_once": report.server["invalid_client"] >= 1,
    }
    assert expected == actual


def test_private_key_rotations_under_load_fail_no_api_call() -> None:
    """The same drill rotating a private_key_jwt key in OpenBao: 0 failed calls, bridged, bounded."""
    report = run_drill("openbao", SETTINGS, auth_method="private_key_jwt")
    print(format_report([report]))
    kinds = report.rotation_kinds
    expected = {
        "failed_api_calls": 0,
        "failures": {},
        "refusals_within_bound": True,
        "manager_first_was_bridged": True,
        "every_bridge_ended": True,
    }
    actual = {
        "failed_api_calls": report.service.api_failed,
        "failures": report.service.failures,
        "refusals_within_bound": report.server["invalid_client"] <= report.rejection_bound,
        "manager_first_was_bridged": kinds.get("candidate-fallback", 0) >= 1,
        "every_bridge_ended": kinds.get("candidate-fallback", 0) == kinds.get("fallback-ended", 0),
    }
    assert expected == actual
