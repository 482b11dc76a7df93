"""Shared helpers for the AppTest page tests (not a conftest: import explicitly)."""
from __future__ import annotations

import json


def chart_figures(at) -> list[dict]:
    """Every Plotly figure on an AppTest page, as plotly JSON: st.plotly_chart specs first, then the
    live charts (playground/ui/live_chart.py), whose figure travels in the component's data."""
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    for c in at.get("bidi_component"):
        data = json.loads(c.proto.json or "{}")
        if "figure" in data:
            figs.append(json.loads(data["figure"]))
    return figs
