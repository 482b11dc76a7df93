"""Compare runs: 2–4 variants of one base setup trained in lockstep, side by side.
Widgets -> Comparison -> one Runner (the runs in one worker) -> plots."""
import dataclasses
import json

import streamlit as st

from playground.compare import Comparison
from playground.compare_presets import COMPARISONS
from playground.export import clean, history_csv
from playground.plots import canvas, compare as cplots
from playground.live.runner import RunState
from playground.ui.common import get_runner, page_setup, pause_other_pages, sidebar_device_line
from playground.ui.training_page import COMPACT_CSS
from playground.ui.compare_form import P, base_sidebar, comparison_from_widgets, load_comparison, variant_cards
from playground.ui.live import CURVES_SECONDS, LIVE_RUNNER_OPTIONS, SAMPLES_SECONDS, Panel, controls, live_fragments
from playground.ui.live_chart import live_plotly_chart
from playground.ui.live_view import live_view
from playground.ui.stage import stage_figure, stage_from_url, stage_toggle, staged, url_extra

CHART_CONFIG = {"displaylogo": False}
DEFAULT = COMPARISONS["collapse-vs-gp"]
# K runs share one frame: fewer points each keep a frame as light as the toy page's
OPTIONS = dataclasses.replace(LIVE_RUNNER_OPTIONS, snapshot_points=500)
S = st.session_state

page_setup()
st.html(COMPACT_CSS)
stage_from_url(P)
if not S.get(f"{P}_url_loaded"):  # first visit: the link's comparison (bad values fall back, with warnings)
    cmp0, S[f"{P}_url_warnings"] = Comparison.from_query(st.query_params.to_dict(), DEFAULT.comparison)
    load_comparison(cmp0)
    S[f"{P}_url_loaded"] = True
    # a comparison that is a preset's gets that preset's caption (the default is one)
    S[f"{P}_preset"] = next((name for name, p in COMPARISONS.items() if p.comparison == cmp0), None)


def load_preset(name: str) -> None:
    preset = COMPARISONS[name]
    load_comparison(preset.comparison)
    S[f"{P}_preset"] = name
    S[f"{P}_reset_to"] = preset.comparison  # done once the runner is at hand (a click may cut the first run short)


# a link to a preset by name (the divergence lab's "now train under it"): load it on arrival, whatever was
# here before; the address bar then holds the comparison itself
_linked = st.query_params.get("preset")
if _linked and S.get(f"{P}_linked") != _linked:
    S[f"{P}_linked"] = _linked
    if _linked in COMPARISONS:
        load_preset(_linked)
    else:
        st.warning(f"There is no comparison preset called “{_linked}”; the comparison below is unchanged.",
                   icon=":material/link:")
elif not _linked:
    S.pop(f"{P}_linked", None)

base = base_sidebar()

if not staged(P):
    st.title("Compare runs")
    st.caption("Two to four variants of one setup, trained in lockstep: every frame shows all runs at the same "
               "generator step. Each run is exactly the run you would get training it alone.")
if S.get(f"{P}_url_warnings"):
    st.warning("Some settings in the link could not be used:\n\n" + "\n".join(f"- {w}" for w in S[f"{P}_url_warnings"]),
               icon=":material/link:")


with st.container(horizontal=True, gap="xsmall", vertical_alignment="center", key=f"{P}_presets"):
    st.markdown("**Presets**", help="Comparisons for talks: one click, the same comparison every time (fixed runs "
                                    "and seed), each with what to expect by which step.")
    for name, preset in COMPARISONS.items():
        st.button(preset.label, key=f"{P}_preset_{name}", on_click=load_preset, args=(name,), help=preset.explanation)
# filled once the comparison is read: a preset's line only while it is that preset; on stage it goes under
# the run panels (the panels get the screen's height)
preset_caption = st.empty() if not staged(P) else None

# the run cards: open on a first visit to a comparison of one's own (what each run changes); folded for a
# preset (its caption says what the runs are: the panels stay on screen), once a run has trained, on stage
_step0 = S.get(f"_gp_runner_{P}") is None or S[f"_gp_runner_{P}"].status().step == 0
with st.expander("The runs: what each one changes", icon=":material/view_column:",
                 expanded=_step0 and not staged(P) and not S.get(f"{P}_preset")):
    variants, card_errors = variant_cards(cplots.RUN_COLORS)
comparison, error = comparison_from_widgets(base, variants)
preset_line = None
if S.get(f"{P}_preset") and comparison == COMPARISONS[S[f"{P}_preset"]].comparison:
    p = COMPARISONS[S[f"{P}_preset"]]
    preset_line = f"**{p.title}.** {p.explanation} *Expected at step {p.comparison.steps:,}: {p.promise}.*"
    if preset_caption is not None:
        preset_caption.caption(preset_line)
runner = get_runner(P, comparison or DEFAULT.comparison, OPTIONS)
if S.get(f"{P}_reset_to") is not None:
    runner.reset(S.pop(f"{P}_reset_to"))
    runner.wait_idle(30)
pause_other_pages(P)

def view_options() -> None:
    with st.popover("View", icon=":material/tune:", key=f"{P}_view",
                    help="One colour scale for every critic, stage mode."):
        st.toggle("One colour scale for every critic", key=f"{P}_shared_scale", value=True,
                  help="Off: each landscape is shaded by its own range (critics of different losses live on "
                       "different scales).")
        stage_toggle(P)


controls(P, runner, comparison, error, extra=view_options)
if comparison is not None:
    want = {**comparison.to_query(), **url_extra(P)}
    if st.query_params.to_dict() != want:
        st.query_params.from_dict(want)


def chart(fig, key: str, fit_px: float) -> None:
    """A live chart, staged in stage mode (`fit_px`: its width on a 1280-pixel screen)."""
    stage = stage_figure(P, fit_px)
    live_plotly_chart(stage(fig) if stage else fig, key, CHART_CONFIG)


def draw_runs(gsnap, moving: bool) -> None:
    """Every run's main view from one snapshot, all at the same step: while the runs train, canvas views
    that move between frames; otherwise Plotly figures (hover, zoom) in the same places."""
    if not hasattr(gsnap, "runs"):
        return
    shared = S.get(f"{P}_shared_scale", True)
    frames = [canvas.run_frame(gsnap, i, shared_scale=shared) if moving else None for i in range(len(gsnap.runs))]
    figs = [None if f is not None else cplots.run_panel(gsnap, i, shared_scale=shared) for i, f in enumerate(frames)]
    stage = stage_figure(P, 1240 / len(gsnap.runs))
    figs = cplots.aligned([stage(f) if stage and f is not None else f for f in figs])
    for i, col in enumerate(st.columns(len(gsnap.runs))):
        with col:
            if frames[i] is not None:
                live_view(f"{P}_chart_run{i}", frame=frames[i], period=SAMPLES_SECONDS, height=cplots.PANEL_HEIGHT)
            else:
                live_view(f"{P}_chart_run{i}", figure=figs[i], config=CHART_CONFIG)


def draw_overlays(gsnap) -> None:
    if not hasattr(gsnap, "runs"):
        return
    keys = ["w1", "js", "modes_covered", "high_quality_fraction", "g_grad_norm"]
    if gsnap.runs[0].kind != "2d":
        keys = [k for k in keys if k not in ("modes_covered", "high_quality_fraction")] + ["modes_covered"]
    figs = [(k, cplots.overlay_chart(gsnap, k)) for k in keys] + [("estimate", cplots.estimate_chart(gsnap))]
    for start in range(0, len(figs), 2):
        for col, (k, fig) in zip(st.columns(2), figs[start:start + 2]):
            with col:
                chart(fig, f"{P}_chart_{k}", 620)
    st.markdown(f"**At step {gsnap.step:,}** (each run's latest evaluation)")
    st.dataframe(cplots.summary_rows(gsnap), hide_index=True, width="stretch")


live_fragments(runner, [Panel(draw_runs, SAMPLES_SECONDS, status=True, motion=True,
                               footer=(lambda: st.caption(preset_line)) if preset_caption is None and preset_line
                               else None)])
live_fragments(runner, [Panel(draw_overlays, CURVES_SECONDS)])


def files() -> tuple:
    def csv() -> str:
        snap = runner.snapshot()
        return history_csv(snap.history) if snap is not None and hasattr(snap, "runs") else ""

    def js() -> str:
        snap = runner.snapshot()
        if snap is None or not hasattr(snap, "runs"):
            return ""
        runs = [{"name": n, "config": s.config, "history": s.history} for n, s in zip(snap.names, snap.runs)]
        return json.dumps(clean({"base": snap.comparison["base"], "comparison": snap.comparison, "step": snap.step,
                                 "diverged": snap.diverged, "runs": runs}), indent=1)
    return csv, js


with st.expander("Share and export"):
    st.markdown("The address bar holds the whole comparison (base and every run): copy the link to reopen it. "
                "`python -m playground train --config comparison.json --run NAME` retrains one run headless.")
    csv, js = files()
    c1, c2, c3 = st.columns(3)
    c1.download_button("Every run's history (CSV)", csv, "comparison.csv", "text/csv", key=f"{P}_dl_csv",
                       width="stretch", on_click="ignore")
    c2.download_button("Every run's history (JSON)", js, "comparison.json", "application/json", key=f"{P}_dl_json",
                       width="stretch", on_click="ignore")
    shown = comparison or runner.status().config
    if isinstance(shown, Comparison):
        cfg = json.dumps(clean({"comparison": shown.to_dict(),
                                "runs": [{"name": v.name, "config": c.to_dict()}
                                         for v, c in zip(shown.variants, shown.configs())]}), indent=1)
        c3.download_button("Comparison config (JSON)", cfg, "comparison-config.json", "application/json",
                           key=f"{P}_dl_cfg", width="stretch")

status = runner.status()
sidebar_device_line(status.steps_per_second if status.state == RunState.RUNNING else None)
