"""Controls, URL state and downloads shared by the live training pages (toy, MNIST)."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from ..config import ConfigError, RunConfig
from ..export import history_csv, run_json
from ..runner import Runner
from ..snapshot import Snapshot
from .config_form import load_into_widgets

SPEEDS = {"max": None, "20 steps/frame": 20, "5 steps/frame": 5, "1 step/frame": 1}
FRAME_SECONDS = 0.3  # fragment refresh while training: 2–5 updates a second keeps the server light


def config_from_url(prefix: str, default: RunConfig) -> None:
    """On the session's first visit to the page, load the URL's settings into the widgets (bad values
    fall back to the defaults and are listed in a warning shown by `show_url_warnings`)."""
    flag = f"{prefix}_url_loaded"
    if st.session_state.get(flag):
        return
    config, warnings = RunConfig.from_query(st.query_params.to_dict(), base=default)
    load_into_widgets(prefix, config)
    st.session_state[f"{prefix}_url_warnings"] = warnings
    st.session_state[flag] = True


def show_url_warnings(prefix: str) -> None:
    warnings = st.session_state.get(f"{prefix}_url_warnings") or []
    if warnings:
        st.warning("Some settings in the link could not be used:\n\n" + "\n".join(f"- {w}" for w in warnings),
                   icon="🔗")


def sync_url(config: RunConfig, extra: dict[str, str] | None = None) -> None:
    """Keep the address bar equal to the config (only non-default fields), so a copied link reopens it."""
    want = {**config.to_query(), **(extra or {})}
    if st.query_params.to_dict() != want:
        st.query_params.from_dict(want)


def controls(prefix: str, runner: Runner, config: RunConfig | None, error: ConfigError | None) -> None:
    """Play / Pause / Step / +10 / Reset and speed, in one row. Controls only signal the worker."""
    status = runner.status()
    needs_reset = config is not None and runner.needs_reset(config)
    blocked = error is not None
    cols = st.columns([1, 1, 1, 1.1, 1, 1.6])
    if cols[0].button("▶ Play", key=f"{prefix}_play", type="primary", disabled=blocked or needs_reset,
                      width="stretch"):
        runner.play()
    if cols[1].button("⏸ Pause", key=f"{prefix}_pause", width="stretch"):
        runner.pause()
    if cols[2].button("Step", key=f"{prefix}_step", disabled=blocked or needs_reset, width="stretch",
                      help="One generator step: n_critic critic updates, then one generator update."):
        runner.step(1)
        runner.wait_idle(10)
    if cols[3].button("+10 steps", key=f"{prefix}_step10", disabled=blocked or needs_reset, width="stretch"):
        runner.step(10)
        runner.wait_idle(20)
    if cols[4].button("↺ Reset", key=f"{prefix}_reset", disabled=blocked, width="stretch",
                      help="Start over from step 0 with the settings in the sidebar."):
        runner.reset(config)
        runner.wait_idle(20)
    speed = cols[5].selectbox("Speed", list(SPEEDS), key=f"{prefix}_speed", label_visibility="collapsed",
                              help="Steps per frame: slow it down to watch each update.")
    runner.steps_per_frame = SPEEDS[speed]
    if error is not None:
        st.error(f"The run cannot start: {error}", icon="⚠️")
    elif needs_reset:
        changed = sorted(k for k, v in config.to_dict().items() if getattr(status.config, k) != v)
        st.info(f"You changed {', '.join(changed)}: press **↺ Reset** to start a run with the new settings "
                f"(learning rates, n_critic, penalty and clip apply live).", icon="↺")
    elif config is not None:
        runner.update_config(config)


def status_line(snap: Snapshot | None, runner: Runner) -> None:
    s = runner.status()
    icon = {"running": "🟢", "paused": "⏸", "idle": "⚪", "diverged": "🔴", "error": "🔴", "stopped": "⚫"}[s.state]
    rate = f" · **{s.steps_per_second:,.0f} steps/s**" if s.state == "running" else ""
    st.markdown(f"{icon} **{s.state.capitalize()}** · step **{s.step:,}**{rate} · {s.device}")
    if s.state in ("diverged", "error"):
        st.error(s.message, icon="💥")
    elif s.message:
        st.caption(s.message)


def downloads(prefix: str, snap: Snapshot | None, config: RunConfig | None) -> None:
    """History as CSV / JSON (config included) and the config alone. Nothing is lost on divergence."""
    if snap is None:
        return
    name = f"gan-{snap.config['dataset']}-{snap.config['loss']}-{snap.config['lipschitz']}-seed{snap.config['seed']}"
    c1, c2, c3 = st.columns(3)
    c1.download_button("History (CSV)", history_csv(snap.history, snap.config), f"{name}.csv", "text/csv",
                       key=f"{prefix}_dl_csv", width="stretch")
    c2.download_button("History (JSON)", run_json(snap.config, snap.history, step=snap.step, diverged=snap.diverged),
                       f"{name}.json", "application/json", key=f"{prefix}_dl_json", width="stretch")
    cfg = config.to_json() if config is not None else run_json(snap.config, [])
    c3.download_button("Config (JSON)", cfg, f"{name}-config.json", "application/json",
                       key=f"{prefix}_dl_cfg", width="stretch")


def live_fragment(runner: Runner, draw: Callable[[Snapshot], None]) -> None:
    """Redraw from the latest snapshot every FRAME_SECONDS while training; once when idle."""
    running = runner.status().state == "running"

    @st.fragment(run_every=FRAME_SECONDS if running else None)
    def _live() -> None:
        runner.heartbeat()
        snap = runner.snapshot()
        state = runner.status().state
        if snap is not None:
            draw(snap)
        if running and state != "running":  # paused by heartbeat, diverged, ...: stop polling
            st.rerun()

    _live()
