"""Toy playground: train a GAN on a 1D or 2D mixture live. Widgets -> RunConfig -> Runner -> plots."""
import streamlit as st

from playground.datasets.toy import TOY
from playground.plots import curves, timeline, toy as toyplots
from playground.presets import PRESETS
from playground.ui.anatomy import explain_toggle, explain_view
from playground.ui.config_form import load_into_widgets
from playground.ui.draw import draw_controls, draw_on, on_click_callback, view_width
from playground.ui.live import CURVES_SECONDS, LIVE_RUNNER_OPTIONS, SAMPLES_SECONDS, Panel, status_line
from playground.ui.live_chart import live_plotly_chart
from playground.ui.replay import replay_download, replay_step, replay_toggle, replay_view
from playground.ui.stage import stage_figure, stage_from_url, stage_toggle, staged, url_extra
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
    """One row under the controls: which generator is shown, the generator's map, and the page's modes
    (replay, explain a step, draw the data, stage)."""
    c1, c2, c3, c4, c5 = st.columns([2.1, 1.2, 0.8, 1.2, 1])
    with c1:
        shown_toggle(page)
    c2.toggle("Generator's map", key=f"{P}_map", disabled=page.shown.dataset not in MAP_DATASETS,
              help="G applied to a regular grid of noise z, drawn as a warped mesh over the landscape: folds, "
                   "stretches and a collapsing generator show (2D data; with more than 2 noise dimensions, a "
                   "2D slice through z).")
    with c3:
        replay_toggle(P, page.runner)
    with c4:
        explain_toggle(P)
    with c5:
        stage_toggle(P)
    draw_controls(P)


MAP_DATASETS = {name for name in TOY if not name.endswith("1d")}


def main_view(page: TrainingPage) -> bool:
    """A mode that takes over the main chart (draw the data, a replay, the explained step), or False
    for the live panel."""
    if draw_on(P):
        draw_view(page)
        return True
    if replay_view(P, page.runner, f"{P}_chart_main", CHART_CONFIG, main_figure):
        return True
    return explain_view(P, page.runner, f"{P}_chart_main", CHART_CONFIG, stage=stage_figure(P, MAIN_STAGE_PX))


def draw_view(page: TrainingPage) -> None:
    """The main chart, paused and clickable: each click edits the mixture and restarts the run on it."""
    runner = page.runner
    if runner.status().state == "running":
        runner.pause()
        runner.wait_idle(10)
    status_line(runner)
    snap = runner.snapshot()
    if snap is None:
        return

    def restart(config) -> None:
        runner.reset(config)
        runner.wait_idle(20)

    base = page.config or runner.status().config
    fig = main_figure(snap)
    fig.update_layout(dragmode=False)
    live_plotly_chart(fig, f"{P}_chart_main", CHART_CONFIG,
                      on_click=on_click_callback(P, f"{P}_chart_main", restart, view_width(base), base))


def main_figure(snap, replay_of: int | None = None):
    """The landscape (2D) or the densities (1D), with the generator's map if asked, staged if asked.
    `replay_of`: the snapshot is a recorded frame and the run is at that step (no map: not recorded)."""
    if snap.kind == "2d":
        fig = toyplots.landscape_2d(snap, show_map=replay_of is None and bool(st.session_state.get(f"{P}_map")))
    else:
        fig = toyplots.distributions_1d(snap)
    if replay_of is not None:
        fig = toyplots.as_replay(fig, replay_of)
    stage = stage_figure(P, MAIN_STAGE_PX)
    return stage(fig) if stage else fig


MAIN_STAGE_PX = 760  # the main chart's width on stage at 1280 × 720 (1.7 : 1 with the curves)


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


def chart(fig, key: str, fit_px: float = 420) -> None:
    """A live chart of the page, staged in stage mode (`fit_px`: its width on a 1280-pixel screen)."""
    stage = stage_figure(P, fit_px)
    live_plotly_chart(stage(fig) if stage else fig, key, CHART_CONFIG)


def draw_samples(snap) -> None:
    live_plotly_chart(main_figure(snap), f"{P}_chart_main", CHART_CONFIG)


def draw_curves(snap) -> None:
    h, mark = snap.history, replay_step(P)  # in replay, the curves mark the step shown
    chart(curves.divergences_chart(h, snap.kind, mark_step=mark), f"{P}_chart_div")
    chart(curves.critic_estimate_chart(h, snap.log_loss, kind=snap.kind, mark_step=mark), f"{P}_chart_est")


def draw_more_curves(snap) -> None:
    h, mark = snap.history, replay_step(P)
    if snap.modes is not None:  # mixtures: which modes the samples fall to, evaluation by evaluation
        chart(timeline.mode_timeline(h, snap.kind, height=360, mark_step=mark), f"{P}_chart_timeline", fit_px=1240)
    for col, fig, name in zip(st.columns(3), (curves.losses_chart(h, legend_px=400, mark_step=mark),
                                              curves.modes_chart(h, legend_px=400, mark_step=mark),
                                              curves.gradient_chart(h, legend_px=400, mark_step=mark)),
                              ("loss", "modes", "grad")):
        with col:
            chart(fig, f"{P}_chart_{name}")


stage_from_url(P)
STAGED = staged(P)
training_page(
    P, title="Toy playground",
    caption="Train a small GAN on a 1D or 2D mixture and watch the generator, the critic and the distances "
            "to the data change step by step.",
    default=PRESETS["mode-collapse"].config, datasets=list(TOY), options=LIVE_RUNNER_OPTIONS,
    # on stage the main chart gets most of the width (the sidebar is hidden)
    panels=[[Panel(draw_samples, SAMPLES_SECONDS, status=True, width=1.7 if STAGED else 1.2),
             Panel(draw_curves, CURVES_SECONDS)],
            Panel(draw_more_curves, CURVES_SECONDS)],
    before_controls=presets, after_controls=view_controls, main=main_view, single_updates=True,
    exports=lambda page, snap: replay_download(P, page.runner),
    url_extra=lambda: url_extra(P), compact=STAGED)
