"""A short soak in the suite, so that `nox -s soak` keeps working."""

from __future__ import annotations

from .soak import SoakSettings, run_soak

# One cycle: a rotation, a 503 burst, a slow period and an OpenBao outage, with 2 s tokens so that
# renewals (and secret reads) happen inside the outage.
SETTINGS = SoakSettings(
    seconds=13.0,
    cycle_seconds=10.0,
    warmup_seconds=2.0,
    token_ttl_seconds=2,
    secret_cache_ttl_seconds=1.0,
    threads=2,
    tasks=10,
    rotation_step_seconds=0.5,
)


def test_short_soak_fails_no_call_and_absorbs_every_fault() -> None:
    """0 failed calls through a rotation, a 503 burst, slow answers and an outage; stale secrets served."""
    report = run_soak(SETTINGS)
    print(report.table())

    expected = {
        "api_failed": 0,
        "failures": {},
        "events": (1, 1, 1, 1),
        "stale_served": True,
        "calls_made": True,
        "renewed": True,
        "memory_within_bound": True,
    }
    actual = {
        "api_failed": report.api_failed,
        "failures": report.failures,
        "events": (report.rotations, report.bursts, report.slow_periods, report.outages),
        "stale_served": report.stale_secrets_served >= 1,
        "calls_made": report.api_calls > 0,
        "renewed": report.tokens_issued >= 3,
        "memory_within_bound": report.rss_growth_mib < report.rss_growth_bound_mib,
    }
    assert expected == actual
