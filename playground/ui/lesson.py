"""The lessons page's parts: the link (lesson=NAME&step=N), entering a step (its preset's run, its
comparison or its page's state), the step's view, its checks ticked live, the progress row and the
handout.

A step's runs are the presets' runs: entering a step resets the lesson's runner to the preset's config
and seed, so every student sees the same picture. The toy runs train in the runner "lesson", the
comparisons in "lesson_cmp" (a comparison's frames are lighter); a page step embeds the page itself
(pages/divergences.py, pages/perfect_discriminator.py) with `EMBEDDED` set, so it draws no title.
"""
from __future__ import annotations

import dataclasses
import os
import runpy
from pathlib import Path
from typing import Any

import streamlit as st

from ..compare_presets import COMPARISONS
from ..lessons import handout
from ..lessons.lesson import FOLDER_VAR, Lesson, LessonError, Step, folders, load_all
from ..lessons.progress import Progress, perfect_records, training_records
from ..plots import canvas, compare as cplots, curves, toy as toyplots
from .. import one_gaussian
from .common import get_runner, pause_other_pages
from .config_form import chosen_settings, load_into_widgets
from .live import CURVES_SECONDS, LIVE_RUNNER_OPTIONS, SAMPLES_SECONDS, Panel, controls, live_fragments
from .live_chart import live_plotly_chart
from .live_view import live_view
from .stage import stage_figure, url_extra

P = "lesson"            # the toy runs' runner and widgets
PC = "lesson_cmp"       # the comparisons' runner
EMBEDDED = "_lesson_embedded"  # set while a page step runs a page's script: the page draws no title
PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"
PAGE_FILES = {"divergences": "divergences.py", "perfect-discriminator": "perfect_discriminator.py"}
CMP_OPTIONS = dataclasses.replace(LIVE_RUNNER_OPTIONS, snapshot_points=500)
CHART_CONFIG = {"displaylogo": False}
S = st.session_state


def lessons() -> tuple[dict[str, Lesson], list[str]]:
    """The shipped lessons and those in the GANPG_LESSONS folder, re-read every few seconds (a teacher
    editing a file sees it on the next rerun)."""
    return _lessons(os.environ.get(FOLDER_VAR) or None)


@st.cache_resource(ttl=5, show_spinner=False)
def _lessons(extra: str | None) -> tuple[dict[str, Lesson], list[str]]:
    return load_all(*folders(extra))


def parse_link(query: dict[str, str], known: dict[str, Lesson]) -> tuple[str | None, int, str]:
    """(lesson name or None, step index, the sentence for a bad link or ""). No lesson named: the list."""
    name = query.get("lesson")
    if not name:
        return None, 0, ""
    if name not in known:
        return None, 0, f"There is no lesson called “{name}”. The lessons are listed below."
    lesson, raw = known[name], query.get("step", "1")
    try:
        n = int(raw)
    except ValueError:
        return name, 0, f"“step={raw}” is not a step number: this is step 1 of {len(lesson.steps)}."
    if not 1 <= n <= len(lesson.steps):
        return name, 0, f"“{lesson.title}” has steps 1 to {len(lesson.steps)}, not {n}: this is step 1."
    return name, n - 1, ""


def link(name: str | None, i: int = 0) -> dict[str, str]:
    """The address of a lesson's step (or of the list), with stage mode's flag when it is on."""
    return {**({"lesson": name, "step": str(i + 1)} if name else {}), **url_extra(P)}


def go(name: str | None, i: int = 0) -> None:
    """Open a lesson's step (or the list): the link holds where the student is."""
    st.query_params.from_dict(link(name, i))


def sync_link(name: str, i: int) -> None:
    """The address bar names the step shown (a bad step number in a link becomes the step shown)."""
    if st.query_params.to_dict() != link(name, i):
        st.query_params.from_dict(link(name, i))


def progress_of(lesson: Lesson) -> Progress:
    store = S.setdefault("lesson_progress", {})
    if store.get(lesson.name) is None or store[lesson.name].lesson != lesson:  # a file edited: start afresh
        store[lesson.name] = Progress(lesson)
    return store[lesson.name]


def snapshots_of(lesson: Lesson) -> dict[int, Any]:
    """Each step's last snapshot shown (the handout's figures)."""
    return S.setdefault("lesson_snapshots", {}).setdefault(lesson.name, {})


# ----- entering a step ------------------------------------------------------------------------------
PAGE_KEYS = {"divergences": "dv", "perfect-discriminator": "pd"}  # a page's widget keys: "<prefix>_<state key>"


def enter(lesson: Lesson, i: int) -> None:
    """Once per arrival at a step: its preset's run from step 0, its comparison, or its page's state."""
    at = (lesson.name, i)
    if S.get("lesson_at") == at:
        return
    S["lesson_at"] = at
    step = lesson.steps[i]
    if step.config is not None:
        config = step.config
        load_into_widgets(P, config)
        runner = get_runner(P, config, LIVE_RUNNER_OPTIONS)
        runner.reset(config)
        runner.wait_idle(20)
    elif step.comparison:
        cmp = COMPARISONS[step.comparison].comparison
        runner = get_runner(PC, cmp, CMP_OPTIONS)
        runner.reset(cmp)
        runner.wait_idle(30)
    else:
        for key, value in step.state.items():
            S[f"{PAGE_KEYS[step.page]}_{key}"] = list(value) if isinstance(value, list) else value
        if step.page == "divergences":
            S["dv_apply_scenario"] = True   # the page loads the scenario's distributions
            S["dv_records"] = []
        else:
            S.pop("pd_built_for", None)      # the page builds untrained experiments for the new settings
            S["pd_running"] = None


# ----- the step's view ------------------------------------------------------------------------------
def toy_view(step: Step) -> None:
    base = step.config
    if step.controls:
        st.sidebar.header("Your controls")
        st.sidebar.caption("This step shows these settings; the rest are the preset's.")
    config, error = chosen_settings(P, step.controls, base)
    runner = get_runner(P, config or base, LIVE_RUNNER_OPTIONS)
    pause_other_pages(P)
    controls(P, runner, config, error)
    live_fragments(runner, [Panel(_toy_main, SAMPLES_SECONDS, status=True, motion=True),
                            Panel(_toy_curves, CURVES_SECONDS)])


def _toy_figure(snap):
    if snap.kind == "2d":
        return toyplots.landscape_2d(snap, legend_px=510)
    cfg = snap.config or {}
    return toyplots.distributions_1d(snap, legend_px=510, target=one_gaussian.target(
        cfg.get("dataset", ""), cfg.get("arch", ""), cfg.get("loss", "")))


def _toy_main(snap, moving: bool) -> None:
    frame = canvas.main_frame(snap) if moving else None
    if frame is not None:
        live_view(f"{P}_chart_main", frame=frame, period=SAMPLES_SECONDS, height=560)
    else:
        stage = stage_figure(P, 820)
        fig = _toy_figure(snap)
        live_view(f"{P}_chart_main", figure=stage(fig) if stage else fig, config=CHART_CONFIG)


def _chart(fig, key: str, fit_px: float) -> None:
    stage = stage_figure(P, fit_px)
    live_plotly_chart(stage(fig) if stage else fig, key, CHART_CONFIG)


def _toy_curves(snap) -> None:
    h = snap.history
    if snap.modes is not None:  # a mixture: its modes, then the distances to the data
        figs = (curves.modes_chart(h, legend_px=430), curves.divergences_chart(h, snap.kind, legend_px=430))
    else:
        figs = (curves.divergences_chart(h, snap.kind, legend_px=430), curves.gradient_chart(h, legend_px=430))
    for key, fig in zip("ab", figs):
        _chart(fig, f"{P}_chart_{key}", 400)


def comparison_controls(step: Step):
    """The comparison's runner and its Play / Pause / ... row; returns the runner."""
    cmp = COMPARISONS[step.comparison].comparison
    runner = get_runner(PC, cmp, CMP_OPTIONS)
    pause_other_pages(PC)
    controls(PC, runner, cmp, None)
    return runner


def comparison_view(step: Step, runner=None) -> None:
    """The runs side by side, then the curves of the metrics the checks read (`runner`: its controls
    are drawn already)."""
    runner = runner or comparison_controls(step)
    keys = list(dict.fromkeys(c.metric for c in step.checks if c.metric))
    live_fragments(runner, [Panel(_runs, SAMPLES_SECONDS, status=True, motion=True),
                            Panel(lambda g: _overlays(g, keys), CURVES_SECONDS)])


def _runs(gsnap, moving: bool) -> None:
    if not hasattr(gsnap, "runs"):
        return
    for i, col in enumerate(st.columns(len(gsnap.runs))):
        with col:
            frame = canvas.run_frame(gsnap, i) if moving else None
            if frame is not None:
                live_view(f"{PC}_chart_run{i}", frame=frame, period=SAMPLES_SECONDS, height=cplots.PANEL_HEIGHT)
            else:
                fig = cplots.run_panel(gsnap, i)
                stage = stage_figure(P, 1240 / len(gsnap.runs))
                live_view(f"{PC}_chart_run{i}", figure=stage(fig) if stage else fig, config=CHART_CONFIG)


OVERLAY = {"top2": "modes_covered", "abs_gen_mean": "gen_mean"}  # a derived metric: the chart of its source


def _overlays(gsnap, keys: list[str]) -> None:
    if not hasattr(gsnap, "runs"):
        return
    keys = list(dict.fromkeys(OVERLAY.get(k, k) for k in keys))[:2]
    for col, key in zip(st.columns(len(keys)), keys):
        with col:
            _chart(cplots.overlay_chart(gsnap, key), f"{PC}_chart_{key}", 620)


def page_view(step: Step) -> None:
    """The page's own script, drawn here (its widgets keep their keys: a student's edits stay)."""
    pause_other_pages("lesson_page")
    S[EMBEDDED] = True
    try:
        runpy.run_path(str(PAGES_DIR / PAGE_FILES[step.page]), run_name="__lesson_page__")
    finally:
        S[EMBEDDED] = False


def page_records(step: Step) -> dict[str, list]:
    if step.page == "divergences":
        return {"": S.get("dv_records", [])}
    return perfect_records(S.get("pd_exps") or {})


SEEN = ":green[:material/check_circle:]"   # Material icons: an emoji font is not on every machine
NOT_YET = ":gray[:material/radio_button_unchecked:]"


# ----- the checks -----------------------------------------------------------------------------------
def checks_list(lesson: Lesson, i: int, runs: dict[str, list] | None) -> None:
    """Evaluate step i's checks on `runs` (None: as they stood) and list them: ✅ with where it came true."""
    progress, step = progress_of(lesson), lesson.steps[i]
    results = progress.update(i, runs) if runs is not None else progress.of(i)
    st.markdown("**What you should see**")
    for check, r in zip(step.checks, results):
        if r.met:
            where = f" *(at {step.at(r.step)})*" if r.step is not None else ""
            st.markdown(f"{SEEN} {check.text}{where}")
        else:
            st.markdown(f"{NOT_YET} {check.text}")


def live_checks(lesson: Lesson, i: int) -> None:
    """The checks of a training step, re-evaluated on the live run's history as it trains."""
    step = lesson.steps[i]
    runner = S.get(f"_gp_runner_{PC if step.comparison else P}")
    if runner is None:
        checks_list(lesson, i, None)
        return

    def draw(snap) -> None:
        snapshots_of(lesson)[i] = snap
        checks_list(lesson, i, training_records(snap))

    live_fragments(runner, [Panel(draw, CURVES_SECONDS / 2)])


# ----- the lesson's frame ---------------------------------------------------------------------------
def progress_row(lesson: Lesson, i: int) -> None:
    """One button per step, with its checks seen so far; the current step is the primary one."""
    progress = progress_of(lesson)
    with st.container(horizontal=True, gap="xsmall", vertical_alignment="center", key="lesson_steps"):
        st.button("Back", icon=":material/arrow_back:", key="lesson_back", disabled=i == 0,
                  on_click=go, args=(lesson.name, i - 1))
        for j, met, n in progress.done():
            st.button(f"{j + 1}" if met == n else f"{j + 1} · {met}/{n}", key=f"lesson_step_{j}",
                      icon=":material/check_circle:" if met == n else None,
                      type="primary" if j == i else "secondary", on_click=go, args=(lesson.name, j),
                      help=f"{lesson.steps[j].title}: {met} of {n} checks seen")
        st.button("Next", icon=":material/arrow_forward:", key="lesson_next", disabled=i == len(lesson.steps) - 1,
                  on_click=go, args=(lesson.name, i + 1))


def handout_button(lesson: Lesson) -> None:
    progress, snaps = progress_of(lesson), snapshots_of(lesson)

    def data() -> bytes:
        return handout.zip_bytes(progress, dict(snaps))

    st.download_button("Handout (Markdown + figures, zip)", data, f"{lesson.name}-handout.zip", "application/zip",
                       key="lesson_handout", icon=":material/download:", on_click="ignore",
                       help="The lesson's texts and questions, each check with whether and where your runs met it, "
                            "and your runs' last pictures as PNGs.")


def lesson_list(known: dict[str, Lesson], errors: list[str], problem: str) -> None:
    st.title("Lessons")
    st.caption("Guided paths through the app: each step shows a preset, a comparison or a teaching page, and ticks "
               "what you should see when your run shows it.")
    if problem:
        st.warning(problem, icon=":material/link:")
    for e in errors:
        st.error(f"A lesson file was refused: {e}", icon=":material/error:")
    for name, lesson in known.items():
        with st.container(border=True):
            st.markdown(f"#### {lesson.title}")
            st.markdown(lesson.summary)
            st.caption(" · ".join(f"{j + 1}. {s.title}" for j, s in enumerate(lesson.steps)))
            st.button("Start", key=f"lesson_start_{name}", icon=":material/school:", on_click=go, args=(name, 0))


__all__ = ["lessons", "parse_link", "link", "go", "sync_link", "enter", "toy_view", "comparison_controls", "comparison_view", "page_view", "page_records",
           "checks_list", "live_checks", "progress_row", "handout_button", "lesson_list", "LessonError", "EMBEDDED"]
