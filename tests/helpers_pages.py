"""Shared helpers and fixtures for the AppTest page tests (not a conftest: import explicitly, the
`apps` fixture too)."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TOY, MNIST, COMPARE = (str(ROOT / "pages" / f"{name}.py") for name in ("toy", "mnist", "compare"))
RUNNER_KEYS = "_gp_runner_keys"  # playground/ui/common.py get_runner: the keys of a session's runners
CHART_TYPES = ("plotly_chart", "bidi_component")  # st.plotly_chart; live_chart.py's component
PRELOAD_KEY = "gp_plotly_preload"  # live_chart.preload_plotly's component: loads plotly.js, draws nothing


def load_page(page: str, started: list, query: dict | None = None, timeout: float = 60) -> AppTest:
    """Run a page script in AppTest with URL parameters; record it in `started` (the `apps` fixture)
    for `stop_runners`."""
    at = AppTest.from_file(page, default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    started.append(at)  # before the run: a run that fails may have started a worker
    at.run()
    assert not at.exception, at.exception
    return at


def runner_of(at: AppTest, prefix: str | None = None):
    """The live runner of page `prefix` (playground/ui/common.py get_runner keeps it in the session
    state), or without a prefix the session's only one."""
    if prefix is None:
        keys = at.session_state.get(RUNNER_KEYS) or []
        assert len(keys) == 1, f"the session has the runners of {keys}: name the page"
        (prefix,) = keys
    return at.session_state[f"_gp_runner_{prefix}"]


def stop_runners(started: list, prefix: str | None = None) -> None:
    """Stop the live workers of every started app, those of page `prefix` or (None) of every page the
    session opened (AppTest sessions share the session-scoped cache: the next test starts fresh)."""
    for at in started:
        for key in [prefix] if prefix else at.session_state.get(RUNNER_KEYS) or []:
            runner = at.session_state.get(f"_gp_runner_{key}")
            if runner is not None:
                runner.stop()


@pytest.fixture
def apps():
    """The list a test's `load_page` calls record their apps in; their live runs stop after the test."""
    started: list[AppTest] = []
    yield started
    stop_runners(started)


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
    data = json.loads(c.proto.json)
    assert "figure" in data, f"{key} holds no Plotly figure (a live view's canvas frame?): {sorted(data)}"
    return json.loads(data["figure"])


def view_frame(at, key: str) -> dict:
    """The canvas frame (playground/plots/canvas.py) that the live view `key` was sent: while a run
    trains, and in replay."""
    c = at.get_by_key(key)
    data = json.loads(c.proto.json)
    assert "frame" in data, f"{key} holds no canvas frame (a Plotly figure?): {sorted(data)}"
    return data["frame"]


def figure_array(v) -> np.ndarray:
    """A figure JSON array: a plain list, or Plotly's typed array {"dtype", "bdata", "shape"}."""
    if isinstance(v, dict):
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return a.reshape([int(n) for n in str(v.get("shape", len(a))).split(",")])
    return np.asarray(v, dtype=float)
