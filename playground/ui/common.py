"""Per-session runners, the heartbeat and the device line: shared by every training page."""
from __future__ import annotations

import torch
import streamlit as st

from ..config import RunConfig
from ..runner import Runner
from ..trainer import device_label, resolve_device

_RUNNERS = "_gp_runner_keys"


@st.cache_resource(scope="session", on_release=lambda r: r.stop(), show_spinner=False)
def _session_runner(key: str, _config: RunConfig, _options: dict | None = None) -> Runner:
    """One worker per browser session and page key; Streamlit stops it when the session ends."""
    runner = Runner(_config, **(_options or {}))
    runner.wait_idle(20)  # the step-0 snapshot, so the first frame has something to draw
    return runner


def get_runner(key: str, config: RunConfig, **options) -> Runner:
    """The session's runner for this page (created with `config` the first time); `options` go to
    `Runner(...)` (e.g. snapshot_points) when it is created."""
    runner = _session_runner(key, config, options)
    if not runner.alive:  # stopped (e.g. by a test teardown): start a fresh one
        _session_runner.clear(key, config, options)
        runner = _session_runner(key, config, options)
    keys = st.session_state.setdefault(_RUNNERS, [])
    if key not in keys:
        keys.append(key)
    st.session_state[f"_gp_runner_{key}"] = runner
    return runner


def heartbeat() -> None:
    """Called from the entrypoint on every rerun: the session's runners are still watched."""
    for key in st.session_state.get(_RUNNERS, []):
        runner = st.session_state.get(f"_gp_runner_{key}")
        if runner is not None:
            runner.heartbeat()


@st.cache_resource(show_spinner=False)
def device_name() -> str:
    return device_label(resolve_device("auto"))


def sidebar_device_line(steps_per_second: float | None = None) -> None:
    rate = f" · {steps_per_second:,.0f} steps/s" if steps_per_second else ""
    st.sidebar.caption(f"Device: **{device_name()}**{rate} · torch {torch.__version__.split('+')[0]}")


def page_setup() -> None:
    """Call first in every page. A link opened before the server has run app.py once is served in
    Streamlit's legacy pages/ mode (the page without app.py's navigation); switch to app.py's."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
