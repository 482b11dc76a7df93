"""Per-session runners, the heartbeat, the device line and the page setup shared by every page."""
from __future__ import annotations

import streamlit as st
import torch
from streamlit.errors import StreamlitPageNotFoundError
from streamlit.runtime.pages_manager import PagesManager

from ..config import RunConfig
from ..live import ray_worker
from ..live.ray_cluster import unreachable
from ..live.runner import POOL, CapacityError, Options, Runner, RunState
from ..trainer import device_label, resolve_device
from .live_chart import preload_plotly

_RUNNERS = "_gp_runner_keys"


@st.cache_resource(scope="session", on_release=lambda r: r.stop(),
                   show_spinner="Starting the training process (it loads PyTorch and builds the networks)…")
def _session_runner(key: str, _config: RunConfig, _options: Options) -> Runner:
    """One worker per browser session and page key; Streamlit stops it when the session ends."""
    runner = Runner(_config, _options)
    runner.wait_idle(20)  # the step-0 snapshot, so the first frame has something to draw
    return runner


def get_runner(key: str, config: RunConfig, options: Options = Options()) -> Runner:
    """The session's runner for this page, created with `config` and `options` the first time. When
    the machine has no memory left for another worker, the page says so and stops there."""
    POOL.warm()  # a spare for the next runner (the first takes one that is already importing torch)
    try:
        runner = _session_runner(key, config, options)
    except CapacityError as e:
        st.error(str(e), icon=":material/memory:")
        st.button("Try again", key=f"{key}_capacity_retry")
        st.stop()
    if runner.stopped:  # e.g. by a test teardown: start a fresh one (a dead worker is Reset's to replace)
        _session_runner.clear(key, config, options)
        runner = _session_runner(key, config, options)
    keys = st.session_state.setdefault(_RUNNERS, [])
    if key not in keys:
        keys.append(key)
    st.session_state[f"_gp_runner_{key}"] = runner
    return runner


LEFT_PAGE = "Paused when you opened another page (your runs would share this machine's cores); press Play to continue."


def pause_other_pages(key: str) -> None:
    """The page the user is on gets the session's share of the machine: its runs on other pages pause,
    and say why when the user comes back (left running, nobody watches them and they slow this one)."""
    for other in st.session_state.get(_RUNNERS, []):
        runner = st.session_state.get(f"_gp_runner_{other}")
        if other != key and runner is not None and runner.status().state == RunState.RUNNING:
            runner.pause(LEFT_PAGE)


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
    where = ray_cluster_line() if ray_worker.address() else device_name()
    st.sidebar.caption(f"Device: **{where}**{rate} · torch {torch.__version__.split('+')[0]}")


@st.cache_resource(show_spinner="Connecting to the Ray cluster…")
def ray_cluster_line() -> str:
    return ray_worker.describe()


def connect_ray_or_stop() -> None:
    """With GANPG_RAY_ADDRESS set, the live runs train on that Ray cluster: connect once per server; a
    cluster that does not answer is a sentence on the page, not a traceback."""
    addr = ray_worker.address()
    why = unreachable(addr) if addr not in ("local", "auto") else None
    try:
        if why is None:
            ray_cluster_line()
            return
    except Exception as e:  # Ray's own message: no cluster at "auto", a version mismatch...
        why = str(e).strip().splitlines()[0][:300] if str(e).strip() else type(e).__name__
    st.error(f"The live runs are set to train on the Ray cluster at `{addr}` ({ray_worker.ADDRESS_VAR}), and it "
             f"cannot be reached: {why}. Start it (see the README's deployment notes), or restart the app "
             f"without {ray_worker.ADDRESS_VAR} to train in this server.", icon=":material/cloud_off:")
    st.stop()


def leave_legacy_pages_mode() -> bool:
    """Switch Streamlit out of its legacy pages/ mode; True when it was in it.

    Streamlit serves a link opened before the server has run app.py once in the legacy mode it uses
    for a pages/ folder (the page alone, without app.py's st.navigation), because our pages live in
    pages/. `PagesManager.uses_pages_directory` is private: tests/test_page_toy.py fails loudly if a
    Streamlit upgrade removes it."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        return True
    return False


def page_setup() -> None:
    """Call first in every page: a deep link opened in legacy pages/ mode reruns under app.py's
    navigation; the browser starts loading plotly.js at once. A page drawn inside a lesson's step
    (ui/lesson.py) is set up already."""
    if st.session_state.get("_lesson_embedded"):
        return
    if leave_legacy_pages_mode():
        st.rerun()
    preload_plotly()
    if ray_worker.address():
        connect_ray_or_stop()


def page_link(path: str, url_path: str, label: str, icon: str, query: dict[str, str]) -> None:
    """st.page_link to another page of app.py's navigation with URL parameters; a page run on its own
    (AppTest, legacy pages/ mode) has no navigation to link within: a plain link to the same address."""
    try:
        st.page_link(path, label=label, icon=icon, query_params=query)
    except StreamlitPageNotFoundError:
        st.markdown(f"[{label}](/{url_path}?{'&'.join(f'{k}={v}' for k, v in query.items())})")
