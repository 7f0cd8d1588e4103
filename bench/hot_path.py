"""Benchmark 1: the cost of a cached-token call against the floor of any token cache.

The floor is the least any cache can do per call: a function that looks the
token up in a dict and compares its deadline with `time.monotonic()`. Every
subject is a call too, so the floor includes one Python call; what a subject
costs beyond 1.0x is its own work. credflow's goal is to stay within 2x of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engines import CLIENT_ID, local_issuer
from libraries import CachedCall, library_calls
from measure import Comparison, compare_calls
from report import Row

__all__ = ["run"]

NAME = "cached get_token"
GOAL_RATIO = 2.0
_FLOOR_STATEMENT = "cached_lookup(key)"


def _floor(token: object) -> Callable[[str], Any]:
    monotonic = time.monotonic
    cache = {CLIENT_ID: (token, monotonic() + 3600.0)}

    def cached_lookup(key: str) -> Any:
        entry = cache[key]
        if monotonic() < entry[1]:
            return entry[0]
        raise LookupError(key)

    return cached_lookup


def _figures(comparison: Comparison) -> dict[str, float]:
    return {"ns_per_call": comparison.subject, "floor_ns": comparison.baseline, "ratio": comparison.ratio}


def _measured(comparison: Comparison) -> str:
    return f"{comparison.subject:,.0f} ns/call = {comparison.ratio:.2f}x floor ({comparison.spread})"


def run(workdir: Path, *, rounds: int) -> list[Row]:
    """Measure the floor, credflow and each library, all against the same floor."""
    rows: list[Row] = []
    with local_issuer() as issuer, issuer.engine() as engine:
        token = engine.get_token()
        floor = _floor(token)
        namespace = {"engine": engine, "cached_lookup": floor, "key": CLIENT_ID}
        requests_before = issuer.server.counters.token_requests
        ours = compare_calls("engine.get_token()", _FLOOR_STATEMENT, namespace, rounds=rounds)
        stayed_cached = issuer.server.counters.token_requests == requests_before
        rows.append(
            Row(
                NAME,
                "floor: dict lookup + monotonic()",
                "-",
                f"{ours.baseline:,.0f} ns/call",
                "info",
                figures={"ns_per_call": ours.baseline},
            )
        )
        rows.append(
            Row(
                NAME,
                "credflow TokenEngine.get_token()",
                f"<= {GOAL_RATIO:g}x floor",
                _measured(ours),
                "speed",
                passed=ours.ratio <= GOAL_RATIO,
                figures=_figures(ours),
            )
        )
        rows.append(
            Row(
                NAME,
                "credflow: no token request while cached",
                "0 requests",
                f"{issuer.server.counters.token_requests - requests_before} requests",
                "correctness",
                passed=stayed_cached,
            )
        )
        with library_calls(issuer.server, CLIENT_ID, issuer.secret, workdir) as calls:
            for call in calls:
                if not isinstance(call, CachedCall):
                    rows.append(Row(NAME, call.library, "-", f"not measured: {call.reason}", "info"))
                    continue
                before = issuer.server.counters.token_requests
                theirs = compare_calls(
                    call.statement,
                    _FLOOR_STATEMENT,
                    {**call.namespace, "cached_lookup": floor, "key": CLIENT_ID},
                    rounds=max(5, rounds // 2),
                )
                note = "" if issuer.server.counters.token_requests == before else " (NOT a cache hit)"
                rows.append(
                    Row(
                        NAME,
                        f"{call.library} {call.call}",
                        "-",
                        _measured(theirs) + note,
                        "info",
                        figures=_figures(theirs),
                    )
                )
    return rows
