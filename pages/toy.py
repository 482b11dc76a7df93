"""Toy playground: train a GAN on a 1D or 2D mixture live. Widgets -> RunConfig -> Runner -> plots."""
import streamlit as st

from playground import one_gaussian
from playground.datasets.toy import TOY
from playground.plots import canvas, curves, timeline, toy as toyplots
from playground.presets import PRESETS
from playground.recipes import recommended_config
from playground.ui.anatomy import explain_toggle, explain_view
from playground.ui.config_form import load_into_widgets
from playground.ui.draw import draw_controls, draw_on, on_click_callback, view_width
from playground.ui.live import CURVES_SECONDS, LIVE_RUNNER_OPTIONS, SAMPLES_SECONDS, Panel, status_line
from playground.ui.live_chart import live_plotly_chart
from playground.ui.live_view import live_view
from playground.ui.replay import replay_download, replay_step, replay_toggle, replay_view
from playground.ui.stage import stage_figure, stage_from_url, stage_toggle, staged, url_extra
from playground.ui.training_page import TrainingPage, training_page

P = "toy"
CHART_CONFIG = {"displaylogo": False}
FIRST_RUN = recommended_config()
FIRST_RUN_LINE = (f"**First run:** a non-saturating GAN whose critic has an R1 penalty (γ = {FIRST_RUN.penalty:g}, "
                  f"Adam {FIRST_RUN.g_lr:.0e}, generator weight average β = {FIRST_RUN.g_ema:g}) learns the ring of "
                  f"8 within about 2,000 steps. The presets show how GANs fail, and the fixes.").replace("e-0", "e-")


def presets(page: TrainingPage) -> None:
    """One compact row of preset buttons (a click loads it into the form and resets the run), and one
    caption line under it: the preset's explanation and promise, or what the first run is."""
    def load(name: str) -> None:
        preset = PRESETS[name]
        load_into_widgets(P, preset.config)
        st.session_state[f"{P}_preset"] = name
        page.runner.reset(preset.config)
        page.runner.wait_idle(20)

    # always shown: a speaker switches presets at any step
    with st.container(horizontal=True, gap="xsmall", vertical_alignment="center", key=f"{P}_presets"):
        st.markdown("**Presets**", help="Runs for talks: one click, the same run every time (a fixed config and "
                                        "seed). Each says what it shows and what to expect by which step.")
        for name, preset in PRESETS.items():
            if not preset.row:
                continue
            st.button(preset.label, key=f"{P}_preset_{name}", on_click=load, args=(name,), help=preset.explanation)
    if not STAGED:  # on stage the line goes under the main view (preset_caption)
        preset_caption(page.shown)


def preset_caption(shown) -> None:
    """The preset's explanation, what it shows and its promise; or what the first run is."""
    current = st.session_state.get(f"{P}_preset")
    if current:
        p = PRESETS[current]
        st.caption(f"**{p.title}.** {p.explanation} *Shows {p.shows}. Expected by step {p.steps:,}: {p.promise}.*")
    elif shown is not None and shown.replace(seed=FIRST_RUN.seed) == FIRST_RUN:
        st.caption(FIRST_RUN_LINE)


SHOWN_LABELS = {"averaged": "Weight average", "raw": "Raw generator"}


def view_options(page: TrainingPage) -> None:
    """At the end of the controls row: which generator is shown (one click), and a popover with the
    view's options and the page's modes (generator's map, replay, explain a step, draw, stage)."""
    with st.popover("View", icon=":material/tune:", key=f"{P}_view",
                    help="Which generator is shown (the weight average or the raw one), the generator's map, "
                         "replay, explain a step, stage mode."):
        shown_toggle(page)
        st.toggle("Generator's map", key=f"{P}_map", disabled=page.shown.dataset not in MAP_DATASETS,
                  help="G applied to a regular grid of noise z, drawn as a warped mesh over the landscape: folds, "
                       "stretches and a collapsing generator show (2D data; with more than 2 noise dimensions, a "
                       "2D slice through z).")
        replay_toggle(P, page.runner)
        explain_toggle(P)
        stage_toggle(P)
    draw_controls(P)


MAP_DATASETS = {name for name in TOY if not name.endswith("1d")}


def main_view(page: TrainingPage) -> bool:
    """A mode that takes over the main chart (draw the data, a replay, the explained step), or False
    for the live panel."""
    if draw_on(P):
        draw_view(page)
        return True
    if replay_view(P, page.runner, f"{P}_chart_main", MAIN_HEIGHT, show_map=False):
        return True
    return explain_view(P, page.runner, f"{P}_chart_explain", height=MAIN_HEIGHT)


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
    live_plotly_chart(fig, f"{P}_chart_draw", CHART_CONFIG,
                      on_click=on_click_callback(P, f"{P}_chart_draw", restart, view_width(base), base))


def main_figure(snap, replay_of: int | None = None):
    """The landscape (2D) or the densities (1D), with the generator's map if asked, staged if asked.
    `replay_of`: the snapshot is a recorded frame and the run is at that step (no map: not recorded)."""
    fit = MAIN_STAGE_PX if STAGED else MAIN_PX
    if snap.kind == "2d":
        fig = toyplots.landscape_2d(snap, show_map=replay_of is None and bool(st.session_state.get(f"{P}_map")),
                                    legend_px=fit)
    else:
        cfg = snap.config or {}  # a one-Gaussian run on the lesson's data: its optimum, dotted
        fig = toyplots.distributions_1d(snap, legend_px=fit, target=one_gaussian.target(
            cfg.get("dataset", ""), cfg.get("arch", ""), cfg.get("loss", "")))
    if replay_of is not None:
        fig = toyplots.as_replay(fig, replay_of)
    stage = stage_figure(P, MAIN_STAGE_PX)
    return stage(fig) if stage else fig


MAIN_HEIGHT = 640  # the main view's largest height (px); it shrinks to fit the window
MAIN_PX = 510  # the main view's width at 1440 × 900 with the sidebar open: its legend's rows fit that
MAIN_STAGE_PX = 820  # the main chart's width on stage at 1280 × 720 (2 : 1 with the curves)


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


def draw_samples(snap, moving: bool) -> None:
    """While the run trains, the canvas view that moves between frames; otherwise the Plotly figure
    (hover, zoom) in the same place."""
    if moving:
        frame = canvas.main_frame(snap, show_map=bool(st.session_state.get(f"{P}_map")))
        live_view(f"{P}_chart_main", frame=frame, period=SAMPLES_SECONDS, height=MAIN_HEIGHT)
    else:
        live_view(f"{P}_chart_main", figure=main_figure(snap), config=CHART_CONFIG)


# The charts' widths in px at the narrowest layout they must fit (1440 × 900, sidebar open: ~1000 px of
# page; on stage, `chart` refits them to a 1280-px screen): legends wrap and titles shrink to these.
CURVES_PX = 430     # the column beside the main view
THIRD_PX = 310      # one of the three charts below


def draw_curves(snap) -> None:
    h, mark = snap.history, replay_step(P)  # in replay, the curves mark the step shown
    chart(curves.divergences_chart(h, snap.kind, mark_step=mark, legend_px=CURVES_PX), f"{P}_chart_div", 400)
    chart(curves.critic_estimate_chart(h, snap.log_loss, kind=snap.kind,
                                     loss=(snap.config or {}).get("loss"), mark_step=mark, legend_px=CURVES_PX),
          f"{P}_chart_est", 400)


def draw_more_curves(snap) -> None:
    h, mark = snap.history, replay_step(P)
    if snap.modes is not None:  # mixtures: which modes the samples fall to, evaluation by evaluation
        chart(timeline.mode_timeline(h, snap.kind, height=360, mark_step=mark), f"{P}_chart_timeline", fit_px=1240)
    for col, fig, name in zip(st.columns(3), (curves.losses_chart(h, legend_px=THIRD_PX, mark_step=mark),
                                              curves.modes_chart(h, legend_px=THIRD_PX, mark_step=mark),
                                              curves.gradient_chart(h, legend_px=THIRD_PX, mark_step=mark)),
                              ("loss", "modes", "grad")):
        with col:
            chart(fig, f"{P}_chart_{name}", 400)


stage_from_url(P)
STAGED = staged(P)
training_page(
    P, title="Toy playground",
    caption="Train a small GAN on a 1D or 2D mixture and watch the generator, the critic and the distances "
            "to the data change step by step.",
    default=FIRST_RUN, datasets=list(TOY), options=LIVE_RUNNER_OPTIONS,
    form={"show_arch": True},  # the MLP generator, or one Gaussian (the divergences lesson's generator)
    # on stage the main chart gets most of the width (the sidebar is hidden)
    # on stage the preset's line goes under the main view: the curves beside it start at the top
    panels=[[Panel(draw_samples, SAMPLES_SECONDS, status=True, width=2.0 if STAGED else 1.2, motion=True,
                   footer=(lambda: preset_caption(st.session_state.get(f"{P}_config"))) if STAGED else None),
             Panel(draw_curves, CURVES_SECONDS)],
            Panel(draw_more_curves, CURVES_SECONDS)],
    before_controls=presets, controls_extra=view_options, main=main_view, single_updates=True,
    exports=lambda page, snap: replay_download(P, page.runner),
    url_extra=lambda: url_extra(P), compact=STAGED)
