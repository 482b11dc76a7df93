"""Explain one step: the toy page's slow motion of a generator step (playground/anatomy.py), phase
by phase on the main chart, with Back / Next and an auto-advance. The phases are drawn by the live
view's canvas, which moves from one phase to the next (the generator's samples glide from before its
update to after it).

The explained step is an ordinary step of the run (the worker runs `Trainer.explain_step`), so
leaving the mode continues the run exactly where the explained step left it.
"""
from __future__ import annotations

import streamlit as st

from ..anatomy import phases
from ..live.runner import Runner, RunState
from ..plots.anatomy import GLIDE_SECONDS, live_arrow_ref, phase_frame
from .live import status_line
from .live_view import live_view

AUTO_SECONDS = 3.0   # one phase per 3 s: time to read a caption aloud


def _keys(prefix: str) -> dict[str, str]:
    return {k: f"{prefix}_explain_{k}" for k in ("on", "snap", "phase", "ref", "auto", "error")}


def explain_toggle(prefix: str) -> bool:
    return st.toggle("Explain a step", key=_keys(prefix)["on"],
                     help="Slow motion: the next generator step in its phases (batches, scores, critic "
                          "update(s), the generator's gradient, its update), each with a caption.")


def explain_next(prefix: str, runner: Runner) -> None:
    """Run the next step as an explained step and keep its phases (a button's callback)."""
    K, S = _keys(prefix), st.session_state
    before = runner.snapshot()
    S[K["ref"]] = live_arrow_ref(before.views, before.kind) if before is not None else None
    runner.step(1, "explain")
    runner.wait_idle(60)
    snap = runner.snapshot()
    if snap is None or snap.explain is None:
        S[K["error"]] = runner.status().message or "The step could not be explained (the run is not ready)."
        return
    S[K["snap"]], S[K["phase"]], S[K["error"]] = snap, 0, None


def _move(prefix: str, delta: int, n: int) -> None:
    K = _keys(prefix)
    st.session_state[K["phase"]] = max(0, min(n - 1, st.session_state.get(K["phase"], 0) + delta))


def explain_view(prefix: str, runner: Runner, chart_key: str, height: int = 640) -> bool:
    """The main area in explain mode (True), or nothing when the mode is off or the run is training (False).
    `height`: the canvas view's largest height."""
    K, S = _keys(prefix), st.session_state
    if not S.get(K["on"]):
        S.pop(K["snap"], None)
        return False
    status = runner.status()
    if status.state == RunState.RUNNING:
        runner.pause()
        runner.wait_idle(10)
        status = runner.status()
    status_line(runner)
    usable = status.state in (RunState.IDLE, RunState.PAUSED)
    snap = S.get(K["snap"])
    if snap is not None and snap.step != status.step:  # the run moved on (Step, Reset): explain afresh
        snap = None
        S.pop(K["snap"], None)
    n = len(phases(snap.explain, snap.log_loss)) if snap is not None else 0
    i = min(S.get(K["phase"], 0), max(n - 1, 0))
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):  # one row, labels whole
        st.button("Explain the next step", icon=":material/slow_motion_video:", key=f"{prefix}_explain_go",
                  type="primary", disabled=not usable, on_click=explain_next, args=(prefix, runner))
        st.button("Back", icon=":material/chevron_left:", key=f"{prefix}_explain_back",
                  disabled=snap is None or i == 0, on_click=_move, args=(prefix, -1, n))
        st.button("Next", icon=":material/chevron_right:", key=f"{prefix}_explain_fwd",
                  disabled=snap is None or i >= n - 1, on_click=_move, args=(prefix, 1, n))
        auto = st.toggle("Auto-advance", key=K["auto"], disabled=snap is None,
                         help=f"Next phase every {AUTO_SECONDS:g} s.")
    if S.get(K["error"]):
        st.error(S[K["error"]], icon=":material/error:")
    if snap is None:
        st.info("Press **Explain the next step**: the run takes one ordinary step and shows it phase by phase. "
                "Leave the mode to continue training from there.", icon=":material/slow_motion_video:")
        return True

    ticked = f"{prefix}_explain_ticked"

    @st.fragment(run_every=AUTO_SECONDS if auto and i < n - 1 else None)
    def _phase() -> None:
        tick = bool(S.get(ticked))  # True on the fragment's own timed reruns
        S[ticked] = True
        j = S.get(K["phase"], 0)
        if auto and tick:
            j = min(n - 1, j + 1)
            S[K["phase"]] = j
        ph = phases(snap.explain, snap.log_loss)[j]
        st.markdown(f"**{ph.title}** — {ph.caption}")
        live_view(chart_key, frame=phase_frame(snap, j, arrow_ref=S.get(K["ref"])), period=GLIDE_SECONDS,
                  height=height)
        if auto and tick and j >= n - 1:
            st.rerun()  # the last phase: the page redraws without the timer

    S[ticked] = False
    _phase()
    return True


__all__ = ["explain_toggle", "explain_view", "explain_next", "AUTO_SECONDS"]
