"""Shared helpers for the AppTest page tests (not a conftest: import explicitly)."""
from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def load_page(page: str, started: list, query: dict | None = None, timeout: float = 60) -> AppTest:
    """Run a page script in AppTest with URL parameters; record it in `started` for `stop_runners`."""
    at = AppTest.from_file(page, default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    started.append(at)
    assert not at.exception, at.exception
    return at


def stop_runners(started: list, session_key: str) -> None:
    """Stop the live worker of every started app (AppTest sessions share the session-scoped cache)."""
    for at in started:
        try:
            at.session_state[session_key].stop()
        except KeyError:
            pass


def status_text(at) -> str:
    """The status line ("step **N**" badge) of a live page."""
    return " ".join(m.value for m in at.markdown if "step" in m.value and "badge" in m.value)


def chart_figures(at) -> list[dict]:
    """Every Plotly figure on an AppTest page, as plotly JSON: st.plotly_chart specs first, then the
    live charts (playground/ui/live_chart.py), whose figure travels in the component's data."""
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    for c in at.get("bidi_component"):
        data = json.loads(c.proto.json or "{}")
        if "figure" in data:
            figs.append(json.loads(data["figure"]))
    return figs
