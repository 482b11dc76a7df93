"""Shared helpers for the AppTest page tests (not a conftest: import explicitly)."""
from __future__ import annotations

import base64
import json

import numpy as np
from streamlit.testing.v1 import AppTest

CHART_TYPES = ("plotly_chart", "bidi_component")  # st.plotly_chart; live_chart.py's component
PRELOAD_KEY = "gp_plotly_preload"  # live_chart.preload_plotly's component: loads plotly.js, draws nothing


def load_page(page: str, started: list, query: dict | None = None, timeout: float = 60) -> AppTest:
    """Run a page script in AppTest with URL parameters; record it in `started` for `stop_runners`."""
    at = AppTest.from_file(page, default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    started.append(at)
    assert not at.exception, at.exception
    return at


def runner_of(at: AppTest, prefix: str):
    """The live page's runner (playground/ui/common.py get_runner keeps it in the session state)."""
    return at.session_state[f"_gp_runner_{prefix}"]


def stop_runners(started: list, prefix: str) -> None:
    """Stop the live worker of every started app (AppTest sessions share the session-scoped cache)."""
    for at in started:
        try:
            runner_of(at, prefix).stop()
        except KeyError:
            pass


def status_text(at) -> str:
    """The status line ("step **N**" badge) of a live page."""
    return " ".join(m.value for m in at.markdown if "step" in m.value and "badge" in m.value)


def chart_keys(at) -> set[str | None]:
    """The keys of every Plotly chart on the page (st.plotly_chart and live charts); None stands for
    a chart without a key, so comparing with the expected keys also catches an unexpected chart."""
    return {c.key for t in CHART_TYPES for c in at.get(t)} - {PRELOAD_KEY}


def chart(at, key: str) -> dict:
    """The Plotly figure (plotly JSON) of the chart with this key: an st.plotly_chart spec, or a live
    chart's (playground/ui/live_chart.py), whose figure travels in the component's data."""
    c = at.get_by_key(key)
    assert c.type in CHART_TYPES, f"{key} is a {c.type}, not a chart"
    if c.type == "plotly_chart":
        return json.loads(c.proto.spec)
    return json.loads(json.loads(c.proto.json)["figure"])


def figure_array(v) -> np.ndarray:
    """A figure JSON array: a plain list, or Plotly's typed array {"dtype", "bdata", "shape"}."""
    if isinstance(v, dict):
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return a.reshape([int(n) for n in str(v.get("shape", len(a))).split(",")])
    return np.asarray(v, dtype=float)
