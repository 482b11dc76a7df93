"""Controls, URL state and downloads shared by the live training pages (toy, MNIST)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

import streamlit as st

from ..config import LIVE_FIELDS, SETTINGS, ConfigError, RunConfig
from ..export import history_csv, run_json
from ..live.runner import POLLING, Options, Runner, RunState
from .config_form import load_into_widgets

# "batch size, clipping value c, ..., learning rate, β₁, β₂": what the "needs a reset" note says applies live
LIVE_SUMMARY = ", ".join(sorted({SETTINGS[n].short or SETTINGS[n].label for n in LIVE_FIELDS}, key=str.lower))
# the option names say what they are: the box sits in the controls row without a label
SPEEDS = {"full speed": None, "20 steps a frame": 20, "5 steps a frame": 5, "1 step a frame": 1}
# Refresh periods while training: every frame costs the server a rerun and the browser a redraw, on a
# 2-core machine CPU taken from training. The main view glides between frames (ui/live_view.js), so a
# frame every 1.5 s still moves at display rate (benchmarks/results/live_view.md).
SAMPLES_SECONDS = 1.5   # the samples / landscape panel
CURVES_SECONDS = 4.0    # the metric curves (they change slowly)
# Runner cadence to match: snapshots twice per frame (none wasted), evaluations (W1 by exact matching,
# histograms, mode coverage: a few % of the worker's time) every 2 s.
LIVE_RUNNER_OPTIONS = Options(snapshot_interval=SAMPLES_SECONDS / 2, eval_interval=2.0)

# MNIST frames and evaluations are costly on a CPU core: the runner spaces evaluations by their cost
# (Options.view_share: with the frames at most ~20 % of the worker's time), and a frame classifies only
# the 64 samples it shows (benchmarks/results/live_overhead.md, "MNIST page").
MNIST_RUNNER_OPTIONS = Options(snapshot_points=64, snapshot_interval=0.5, eval_interval=3.0)


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
                   icon=":material/link:")


def sync_url(config: RunConfig, extra: dict[str, str] | None = None, base: RunConfig | None = None) -> None:
    """Keep the address bar equal to the config (only the fields that differ from the page's default
    `base`, which `config_from_url` parses the link onto), so a copied link reopens it exactly."""
    want = {**config.to_query(base), **(extra or {})}
    if st.query_params.to_dict() != want:
        st.query_params.from_dict(want)


def controls(prefix: str, runner: Runner, config: RunConfig | None, error: ConfigError | None,
             single_updates: bool = False, extra: Callable[[], None] | None = None) -> None:
    """Play / Pause / Step / 10 steps / Reset and speed, in one compact row (with `single_updates`,
    Critic step and Generator step beside Step; `extra` draws at the row's end, e.g. a popover of view
    options). The buttons' callbacks run before the script, so the page drawn after a click already
    shows its effect; they only signal the worker. Reset stays enabled whatever the run's state (dead,
    diverged, failed): it is the way on."""
    st.session_state[f"{prefix}_config"] = config

    def act(what: str) -> None:
        if what == "play":
            runner.play()
        elif what == "pause":
            runner.pause()
        elif what.startswith("step"):
            runner.step(int(what[4:]))
            runner.wait_idle(30)
        elif what in ("critic", "generator"):
            runner.step(1, what)
            runner.wait_idle(30)
        elif what == "reset":
            runner.reset(st.session_state.get(f"{prefix}_config") or runner.status().config)
            runner.wait_idle(30)
        runner.wait_processed()

    needs_reset = config is not None and runner.needs_reset(config)
    # a dead, diverged or failed run cannot go on: Reset (a new run, a new worker if need be) is the way
    ended = runner.status().state in ENDED
    no_step = error is not None or ended or needs_reset
    buttons = [("Play", ":material/play_arrow:", "play", no_step, None),
               ("Pause", ":material/pause:", "pause", False, None),
               ("Step", ":material/skip_next:", "step1", no_step,
                "One generator step: n_critic critic updates, then one generator update.")]
    if single_updates:
        buttons += [("Critic step", ":material/gavel:", "critic", no_step,
                     "One critic update alone, on a fresh real and fake batch; the generator stays."),
                    ("Generator step", ":material/brush:", "generator", no_step,
                     "One generator update alone against the critic as it is now (no critic update first).")]
    buttons += [("10 steps", ":material/fast_forward:", "step10", no_step, None),
                ("Reset", ":material/restart_alt:", "reset", error is not None,
                 "Start over from step 0 with the settings in the sidebar.")]
    with st.container(horizontal=True, gap="xsmall", vertical_alignment="center", key=f"{prefix}_controls"):
        for label, icon, what, disabled, help_ in buttons:
            key = {"step1": "step", "step10": "step10"}.get(what, what)
            st.button(label, icon=icon, key=f"{prefix}_{key}", disabled=disabled, help=help_,
                      type="primary" if what == "play" else "secondary", on_click=act, args=(what,))
        speed = st.selectbox("Speed", list(SPEEDS), key=f"{prefix}_speed", label_visibility="collapsed",
                             help="Training speed: steps per view frame; slow it down to watch each update.", width=145)
        if extra is not None:
            extra()
    runner.steps_per_frame = SPEEDS[speed]
    if error is not None:
        st.error(f"The run cannot start: {error}", icon=":material/error:")
    elif needs_reset:
        # "variants": a comparison's runs themselves changed (their number or names)
        changed = sorted(SETTINGS[n].label if n in SETTINGS else "runs" for n in runner.changes(config) - LIVE_FIELDS)
        st.info(f"You changed the {', '.join(changed)}: press **Reset** to start a run with the new settings "
                f"({LIVE_SUMMARY} apply live).", icon=":material/restart_alt:")
    elif config is not None:
        runner.update_config(config)


ENDED = (RunState.DEAD, RunState.DIVERGED, RunState.ERROR)
STATE_COLORS = {RunState.RUNNING: "green", RunState.PAUSED: "orange",
                RunState.DIVERGED: "red", RunState.ERROR: "red", RunState.DEAD: "red"}
CORES = os.cpu_count() or 1
STATE_NOTES = {RunState.STARTING: "Starting the training process (it loads PyTorch and builds the networks)."}


def status_line(runner: Runner) -> None:
    """The run's state, step, speed and device, and why it stopped: drawn whatever the state."""
    s = runner.status()
    color = STATE_COLORS.get(s.state, "gray")
    r = s.steps_per_second
    rate = f" · **{r:,.0f} steps/s**" if r >= 10 else f" · **{r:.1f} steps/s**"
    rate = rate if s.state == RunState.RUNNING and r > 0 else ""  # 0: not measured yet (slow steps)
    shared = ("" if s.sharing <= 1 or s.state != RunState.RUNNING else
              f" · {s.sharing} runs from this server train on the cluster" if s.where else
              f" · {s.sharing} runs share this machine's {CORES} cores")
    # the critic's own count: with n_critic > 1, or critic updates clicked alone, it is not the step count
    steps = f"step **{s.step:,}**" if s.critic_updates is None else \
        f"generator step **{s.step:,}** · critic updates **{s.critic_updates:,}**"
    where = f" on {s.where}" if s.where else ""  # a Ray node; nothing when it trains in this server
    st.markdown(f":{color}-badge[{s.state.capitalize()}] {steps}{rate} · {s.device}{where}{shared}")
    message = s.message or STATE_NOTES.get(s.state, "")
    if s.state in ENDED:
        st.error(message, icon=":material/dangerous:")
    elif message:
        st.caption(message)


def run_name(config: dict) -> str:
    return f"gan-{config['dataset']}-{config['loss']}-{config['lipschitz']}-seed{config['seed']}"


def history_files(runner: Runner) -> tuple[Callable[[], str], Callable[[], str]]:
    """(CSV, JSON) of the run's history, each built when called: at the click, so a download taken
    while training holds the step on screen then, not the one of the last script run."""
    def csv() -> str:
        snap = runner.snapshot()
        return history_csv(snap.history, snap.config) if snap is not None else ""

    def json() -> str:
        snap = runner.snapshot()
        return run_json(snap.config, snap.history, step=snap.step, diverged=snap.diverged) if snap is not None else ""

    return csv, json


def downloads(prefix: str, runner: Runner, config: RunConfig | None) -> None:
    """History as CSV / JSON (config included) and the config alone. Nothing is lost on divergence."""
    snap = runner.snapshot()
    if snap is None:
        return
    name = run_name(snap.config)
    csv, json = history_files(runner)
    c1, c2, c3 = st.columns(3)
    c1.download_button("History (CSV)", csv, f"{name}.csv", "text/csv", key=f"{prefix}_dl_csv", width="stretch",
                       on_click="ignore")
    c2.download_button("History (JSON)", json, f"{name}.json", "application/json", key=f"{prefix}_dl_json",
                       width="stretch", on_click="ignore")
    cfg = config.to_json() if config is not None else run_json(snap.config, [])
    c3.download_button("Config (JSON)", cfg, f"{name}-config.json", "application/json",
                       key=f"{prefix}_dl_cfg", width="stretch")


@dataclass(frozen=True)
class Panel:
    """A live panel: `draw(snapshot)` in its own fragment, rerun every `seconds` while training and once
    when not. `status`: the status line first; `width`: its share of a row (see training_page);
    `motion`: draw is called as `draw(snapshot, moving)`, `moving` True while the run trains (the
    canvas view moves between frames then, and a paused view is a Plotly figure with hover and zoom);
    `footer`: drawn once below the panel, outside its fragment (e.g. a caption)."""
    draw: Callable[..., None]
    seconds: float
    status: bool = False
    width: float = 1.0
    motion: bool = False
    footer: Callable[[], None] | None = None


def live_fragments(runner: Runner, panels: list[Panel]) -> None:
    """Draw each panel in a fragment of its own. The sample view can refresh often while the curves
    refresh slower: every fragment rerun costs server CPU and a browser redraw."""
    polling = runner.status().state in POLLING
    for panel in panels:
        _panel(runner, panel, panel.seconds if polling else None, polling)
        if panel.footer is not None:
            panel.footer()


def _panel(runner: Runner, panel: Panel, every: float | None, polling: bool) -> None:
    @st.fragment(run_every=every)
    def _live() -> None:
        runner.heartbeat()
        if panel.status:
            status_line(runner)
        snap = runner.snapshot()
        if snap is not None:
            panel.draw(snap, polling) if panel.motion else panel.draw(snap)
        if polling and runner.status().state not in POLLING:  # paused, diverged, dead: stop polling
            st.rerun()

    _live()
