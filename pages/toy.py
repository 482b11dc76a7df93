"""Toy playground: train a GAN on a 1D or 2D mixture live. Widgets -> RunConfig -> Runner -> plots."""
import streamlit as st

from playground.config import RunConfig
from playground.datasets.toy import TOY
from playground.plots import curves, toy as toyplots
from playground.presets import PRESETS
from playground.ui.common import get_runner, page_setup, sidebar_device_line
from playground.ui.config_form import config_sidebar, load_into_widgets
from playground.ui.live_chart import live_plotly_chart
from playground.ui.live import (CURVES_SECONDS, LIVE_RUNNER_OPTIONS, SAMPLES_SECONDS, config_from_url, controls, downloads,
                                live_fragments, show_url_warnings, status_line, sync_url)

page_setup()
P = "toy"
CHART_CONFIG = {"displaylogo": False}
DEFAULT = PRESETS["mode-collapse"].config

config_from_url(P, DEFAULT)
st.sidebar.header("Settings")
config, error = config_sidebar(P, list(TOY))
runner = get_runner(P, config or DEFAULT, **LIVE_RUNNER_OPTIONS)


def load_preset(name: str) -> None:
    preset = PRESETS[name]
    load_into_widgets(P, preset.config)
    st.session_state[f"{P}_preset"] = name
    runner.reset(preset.config)
    runner.wait_idle(20)


st.title("Toy playground")
st.caption("Train a small GAN on a 1D or 2D mixture and watch the generator, the critic and the distances "
           "to the data change step by step.")
show_url_warnings(P)

with st.expander("Presets for talks: one click, the same run every time", icon=":material/co_present:", expanded=runner.status().step == 0):
    cols = st.columns(len(PRESETS))
    for col, (name, preset) in zip(cols, PRESETS.items()):
        col.button(preset.title, key=f"{P}_preset_{name}", on_click=load_preset, args=(name,), width="stretch",
                   help=preset.explanation)
    current = st.session_state.get(f"{P}_preset")
    if current:
        p = PRESETS[current]
        st.markdown(f"**{p.title}.** {p.explanation} *Expected by step {p.steps:,}: {p.promise}.*")

controls(P, runner, config, error)
if config is not None:
    sync_url(config)


def draw_samples(snap) -> None:
    status_line(snap, runner)
    main = toyplots.landscape_2d(snap) if snap.kind == "2d" else toyplots.distributions_1d(snap)
    live_plotly_chart(main, f"{P}_chart_main", CHART_CONFIG)


def draw_curves(snap) -> None:
    h = snap.history
    live_plotly_chart(curves.divergences_chart(h, snap.kind), f"{P}_chart_div", CHART_CONFIG)
    live_plotly_chart(curves.critic_estimate_chart(h, snap.log_loss, kind=snap.kind), f"{P}_chart_est", CHART_CONFIG)


def draw_more_curves(snap) -> None:
    h = snap.history
    c1, c2, c3 = st.columns(3)
    for col, fig, name in ((c1, curves.losses_chart(h, legend_px=400), "loss"),
                           (c2, curves.modes_chart(h, legend_px=400), "modes"),
                           (c3, curves.gradient_chart(h, legend_px=400), "grad")):
        with col:
            live_plotly_chart(fig, f"{P}_chart_{name}", CHART_CONFIG)


left, right = st.columns([1.2, 1])
with left:
    live_fragments(runner, [(draw_samples, SAMPLES_SECONDS)])
with right:
    live_fragments(runner, [(draw_curves, CURVES_SECONDS)])
live_fragments(runner, [(draw_more_curves, CURVES_SECONDS)])

with st.expander("Share and export"):
    st.markdown("The address bar holds these settings: copy the link to reopen this exact setup.")
    downloads(P, runner.snapshot(), config)

sidebar_device_line(runner.status().steps_per_second)
