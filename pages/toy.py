"""Toy playground: train a GAN on a 1D or 2D mixture live. Widgets -> RunConfig -> Runner -> plots."""
import streamlit as st

from playground.datasets.toy import TOY
from playground.plots import curves, toy as toyplots
from playground.presets import PRESETS
from playground.ui.config_form import load_into_widgets
from playground.ui.live import CURVES_SECONDS, LIVE_RUNNER_OPTIONS, SAMPLES_SECONDS, Panel
from playground.ui.live_chart import live_plotly_chart
from playground.ui.training_page import TrainingPage, training_page

P = "toy"
CHART_CONFIG = {"displaylogo": False}


def presets(page: TrainingPage) -> None:
    """One button per preset; a click loads it into the form and resets the run."""
    def load(name: str) -> None:
        preset = PRESETS[name]
        load_into_widgets(P, preset.config)
        st.session_state[f"{P}_preset"] = name
        page.runner.reset(preset.config)
        page.runner.wait_idle(20)

    with st.expander("Presets for talks: one click, the same run every time", icon=":material/co_present:",
                     expanded=page.runner.status().step == 0):
        for col, (name, preset) in zip(st.columns(len(PRESETS)), PRESETS.items()):
            col.button(preset.title, key=f"{P}_preset_{name}", on_click=load, args=(name,), width="stretch",
                       help=preset.explanation)
        current = st.session_state.get(f"{P}_preset")
        if current:
            p = PRESETS[current]
            st.markdown(f"**{p.title}.** {p.explanation} *Expected by step {p.steps:,}: {p.promise}.*")


def draw_samples(snap) -> None:
    main = toyplots.landscape_2d(snap) if snap.kind == "2d" else toyplots.distributions_1d(snap)
    live_plotly_chart(main, f"{P}_chart_main", CHART_CONFIG)


def draw_curves(snap) -> None:
    h = snap.history
    live_plotly_chart(curves.divergences_chart(h, snap.kind), f"{P}_chart_div", CHART_CONFIG)
    live_plotly_chart(curves.critic_estimate_chart(h, snap.log_loss, kind=snap.kind), f"{P}_chart_est", CHART_CONFIG)


def draw_more_curves(snap) -> None:
    h = snap.history
    for col, fig, name in zip(st.columns(3), (curves.losses_chart(h, legend_px=400),
                                              curves.modes_chart(h, legend_px=400),
                                              curves.gradient_chart(h, legend_px=400)), ("loss", "modes", "grad")):
        with col:
            live_plotly_chart(fig, f"{P}_chart_{name}", CHART_CONFIG)


training_page(
    P, title="Toy playground",
    caption="Train a small GAN on a 1D or 2D mixture and watch the generator, the critic and the distances "
            "to the data change step by step.",
    default=PRESETS["mode-collapse"].config, datasets=list(TOY), options=LIVE_RUNNER_OPTIONS,
    panels=[[Panel(draw_samples, SAMPLES_SECONDS, status=True, width=1.2), Panel(draw_curves, CURVES_SECONDS)],
            Panel(draw_more_curves, CURVES_SECONDS)],
    before_controls=presets)
