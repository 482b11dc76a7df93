"""Toy playground: train a GAN on a 1D or 2D mixture live. Widgets -> RunConfig -> Runner -> plots."""
import streamlit as st

from playground.datasets.toy import TOY
from playground.plots import curves, timeline, toy as toyplots
from playground.presets import PRESETS
from playground.ui.anatomy import explain_toggle, explain_view
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

    # always open: a speaker switches presets at any step (an expander that folds once training starts
    # would hide them mid-talk)
    with st.expander("Presets for talks: one click, the same run every time", icon=":material/co_present:",
                     expanded=True):
        for col, (name, preset) in zip(st.columns(len(PRESETS)), PRESETS.items()):
            col.button(preset.title, key=f"{P}_preset_{name}", on_click=load, args=(name,), width="stretch",
                       help=preset.explanation)
        current = st.session_state.get(f"{P}_preset")
        if current:
            p = PRESETS[current]
            st.markdown(f"**{p.title}.** {p.explanation} *Shows {p.shows}. Expected by step {p.steps:,}: "
                        f"{p.promise}.*")


SHOWN_LABELS = {"averaged": "Weight average", "raw": "Raw generator"}


def view_controls(page: TrainingPage) -> None:
    """One row under the controls: which generator is shown, and the page's modes."""
    c1, c2 = st.columns([2.2, 1])
    with c1:
        shown_toggle(page)
    with c2:
        explain_toggle(P)


def main_view(page: TrainingPage) -> bool:
    """A mode that takes over the main chart (the explained step), or False for the live panels."""
    return explain_view(P, page.runner, f"{P}_chart_main", CHART_CONFIG)


def shown_toggle(page: TrainingPage) -> None:
    """Raw or averaged, one click: which generator the samples, arrows and metrics show. A live
    setting (g_shown): the run goes on, and training is the same either way."""
    ema_on = page.shown.g_ema > 0
    snap = page.runner.snapshot()
    if snap is not None and page.config is not None and snap.config.get("g_shown") != page.config.g_shown:
        page.runner.wait_processed(5)  # the worker redraws a paused run with the other generator: show it
    st.radio("Show", list(SHOWN_LABELS), key=f"{P}_g_shown", horizontal=True, format_func=SHOWN_LABELS.get,
             disabled=not ema_on,
             help="Which generator the samples, arrows and metrics come from: the moving average of its "
                  "weights (smooth, sits tighter on the modes) or the raw generator being trained (shows its "
                  "hops and oscillation). Switching never changes training."
                  if ema_on else "The generator EMA β is 0: there is only the raw generator to show.")


def draw_samples(snap) -> None:
    main = toyplots.landscape_2d(snap) if snap.kind == "2d" else toyplots.distributions_1d(snap)
    live_plotly_chart(main, f"{P}_chart_main", CHART_CONFIG)


def draw_curves(snap) -> None:
    h = snap.history
    live_plotly_chart(curves.divergences_chart(h, snap.kind), f"{P}_chart_div", CHART_CONFIG)
    live_plotly_chart(curves.critic_estimate_chart(h, snap.log_loss, kind=snap.kind), f"{P}_chart_est", CHART_CONFIG)


def draw_more_curves(snap) -> None:
    h = snap.history
    if snap.modes is not None:  # mixtures: which modes the samples fall to, evaluation by evaluation
        live_plotly_chart(timeline.mode_timeline(h, snap.kind, height=360), f"{P}_chart_timeline", CHART_CONFIG)
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
    before_controls=presets, after_controls=view_controls, main=main_view, single_updates=True)
