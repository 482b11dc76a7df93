"""Toy playground: train a GAN on a 1D or 2D mixture live. Widgets -> RunConfig -> Runner -> plots."""
import streamlit as st

from playground.config import RunConfig
from playground.datasets.toy import TOY
from playground.plots import curves, toy as toyplots
from playground.presets import PRESETS
from playground.ui.common import get_runner, page_setup, sidebar_device_line
from playground.ui.config_form import config_sidebar, load_into_widgets
from playground.ui.live import (CURVES_SECONDS, SAMPLES_SECONDS, config_from_url, controls, downloads,
                                live_fragments, show_url_warnings, status_line, sync_url)

page_setup()
P = "toy"
CHART_CONFIG = {"displaylogo": False}
DEFAULT = PRESETS["mode-collapse"].config

config_from_url(P, DEFAULT)
st.sidebar.header("Settings")
config, error = config_sidebar(P, list(TOY))
runner = get_runner(P, config or DEFAULT)


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
    st.plotly_chart(main, key=f"{P}_chart_main", config=CHART_CONFIG, theme=None)


def draw_curves(snap) -> None:
    h = snap.history
    st.plotly_chart(curves.divergences_chart(h, snap.kind), key=f"{P}_chart_div", config=CHART_CONFIG, theme=None)
    st.plotly_chart(curves.critic_estimate_chart(h, snap.log_loss, kind=snap.kind), key=f"{P}_chart_est",
                    config=CHART_CONFIG, theme=None)


def draw_more_curves(snap) -> None:
    h = snap.history
    c1, c2, c3 = st.columns(3)
    c1.plotly_chart(curves.losses_chart(h, legend_px=400), key=f"{P}_chart_loss", config=CHART_CONFIG, theme=None)
    c2.plotly_chart(curves.modes_chart(h, legend_px=400), key=f"{P}_chart_modes", config=CHART_CONFIG, theme=None)
    c3.plotly_chart(curves.gradient_chart(h, legend_px=400), key=f"{P}_chart_grad", config=CHART_CONFIG, theme=None)


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
