"""docs/telemetry.md: the Grafana panel parses and every query names metrics the exporter really shows."""

from __future__ import annotations

import json
import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[3] / "docs"
PAGE = (DOCS / "telemetry.md").read_text("utf-8")
# What the Prometheus exporter shows for credflow's metrics (test_otel_prometheus scrapes them).
PROMETHEUS_NAMES = {
    "credflow_token_requests_total",
    "credflow_token_lookups_total",
    "credflow_provider_ratelimit_remaining",
}


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", PAGE, re.MULTILINE | re.DOTALL)


def test_grafana_panel_is_json_with_three_queries() -> None:
    """The panel definition parses, is a Prometheus time series, and has its three targets."""
    (block,) = _blocks("json")

    panel = json.loads(block)

    assert ("timeseries", "prometheus") == (panel["type"], panel["datasource"]["type"])
    assert ["A", "B", "C"] == [target["refId"] for target in panel["targets"]]


def test_queries_name_only_exported_metrics() -> None:
    """Every credflow_* name in the PromQL blocks and the panel is one the exporter shows."""
    panel = json.loads(_blocks("json")[0])
    queries = _blocks("promql") + [target["expr"] for target in panel["targets"]]

    named = {
        name for query in queries for name in re.findall(r"\bcredflow_[a-z_]+_(?:total|remaining)\b", query)
    }

    assert PROMETHEUS_NAMES == named


def test_panel_queries_are_the_documented_ones() -> None:
    """The panel's first two targets are the two fleet queries shown above it, verbatim."""
    panel = json.loads(_blocks("json")[0])
    shown = [" ".join(query.split()) for query in _blocks("promql")]

    assert [" ".join(target["expr"].split()) for target in panel["targets"][:2]] == [
        shown[0],
        shown[1].replace("( ", "(").replace(" )", ")"),
    ]
