"""Perfect discriminator: a log-loss generator starves, a Wasserstein / hinge critic does not.

Thin page: widgets -> playground.experiments.perfect_discriminator (steppable experiment) -> playground.plots.perfect.
Nothing trains on first render; the phase buttons start it, and an st.fragment(run_every=...) advances
every experiment by a time-boxed chunk per tick, so each phase takes a few seconds and the page stays live.
"""
from __future__ import annotations

import math
import time

import streamlit as st

from playground.experiments.perfect_discriminator import OBJECTIVES, PerfectConfig, PerfectDiscriminatorExperiment
from playground.plots import perfect as plots
from playground.ui.common import page_setup

page_setup()

TICK_S = 0.4        # fragment period while a phase runs
BUDGET_S = 0.3      # training time per tick
CHUNK = 25          # steps per experiment between budget checks
LABELS = {k: o.label for k, o in OBJECTIVES.items()}


def _settings() -> tuple:
    return (tuple(st.session_state["pd_objectives"]), int(st.session_state["pd_seed"]),
            int(st.session_state["pd_d_steps"]), int(st.session_state["pd_g_steps"]))


def _build() -> None:
    """(Re)create untrained experiments for the current settings (cheap: no training)."""
    objectives, seed, d_steps, g_steps = _settings()
    st.session_state["pd_exps"] = {
        name: PerfectDiscriminatorExperiment(PerfectConfig(objective=name, seed=seed, d_steps=d_steps,
                                                           g_steps=g_steps))
        for name in objectives
    }
    st.session_state["pd_built_for"] = _settings()
    st.session_state["pd_running"] = None


def _start(phase: str) -> None:
    if st.session_state.get("pd_built_for") != _settings():
        _build()
    st.session_state["pd_running"] = phase


def _reset() -> None:
    _build()


def _advance() -> None:
    """One time-boxed chunk of the running phase, round robin over the experiments."""
    running = st.session_state["pd_running"]
    exps = st.session_state["pd_exps"].values()
    deadline = time.perf_counter() + BUDGET_S
    phase = "d" if running == "all" and not all(e.phase1_complete for e in exps) else running
    phase = "g" if phase == "all" else phase
    while time.perf_counter() < deadline:
        if phase == "d":
            pending = [e for e in exps if not e.phase1_complete]
            for e in pending:
                e.train_discriminator(CHUNK)
        else:
            pending = [e for e in exps if not e.phase2_complete]
            for e in pending:
                e.train_generator(CHUNK)
        if not pending:
            break
    if running == "all" and phase == "d":
        return
    done = all(e.phase1_complete for e in exps) if phase == "d" else all(e.phase2_complete for e in exps)
    if done:
        st.session_state["pd_running"] = None


def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return str(v)
    return f"{v:.3g}" if abs(v) < 1e4 else f"{v:.2e}"


def _status(snap: dict) -> str:
    """One line saying what is happening right now, with numbers."""
    if snap["g_done"] > 0:
        g = snap["g_grad"][-1]
        return (f"Generator step {snap['g_done']}: mean |G(z)| = {snap['mean_abs'][-1]:.3f}, "
                f"L_G = {_fmt(float(snap['g_loss'][-1]))}, ‖∇‖ = {g:.2g}.")
    if snap["d_done"] > 0:
        return (f"Critic step {snap['d_done']}: mean D(real) = {_fmt(float(snap['score_real'][-1]))}, "
                f"mean D(generated) = {_fmt(float(snap['score_fake'][-1]))}.")
    if not snap["has_critic"]:
        return "No critic: press phase 2 to train the generator directly on the distance."
    return "Untrained: press phase 1."


def _draw() -> None:
    exps: dict[str, PerfectDiscriminatorExperiment] = st.session_state["pd_exps"]
    snaps = {k: e.snapshot() for k, e in exps.items()}
    running = st.session_state["pd_running"]
    if exps:
        n_d = sum(e.d_done for e in exps.values() if e.objective.has_critic)
        tot_d = sum(e.config.d_steps for e in exps.values() if e.objective.has_critic)
        n_g = sum(e.g_done for e in exps.values())
        tot_g = sum(e.config.g_steps for e in exps.values())
        c1, c2 = st.columns(2)
        c1.progress(n_d / tot_d if tot_d else 1.0, text=f"Phase 1 (discriminators): {n_d}/{tot_d} steps")
        c2.progress(n_g / tot_g if tot_g else 1.0, text=f"Phase 2 (generators): {n_g}/{tot_g} steps")
    for e in exps.values():
        if e.diverged:
            st.error(f"{e.objective.label}: {e.diverged}; the run stopped there.")
    if not exps:
        st.info("Pick at least one objective.")
        return

    # side-by-side comparison: the lesson in two charts
    series = {k: (s["g_step"], s["mean_abs"]) for k, s in snaps.items()}
    grads = {k: (s["g_step"], s["g_grad"]) for k, s in snaps.items()}
    max_g = max(s["g_steps"] for s in snaps.values())
    c1, c2 = st.columns(2)
    with c1:
        st.plotly_chart(plots.mean_abs_figure(series, labels=LABELS, log_y=st.session_state["pd_log"],
                                             max_step=max_g),
                        key="pd_mean_abs", theme=None)
        st.markdown(r"Mean distance of the generated points to the real point: $\mathbb{E}\,|G(z) - 0|$ "
                    r"on each training batch. Reaching 0 means the generator found the data.")
    with c2:
        st.plotly_chart(plots.grad_norm_figure(grads, labels=LABELS, max_step=max_g), key="pd_grad", theme=None)
        st.markdown(r"$\lVert \partial L_G / \partial(a, b) \rVert$ for $G(z) = \tanh(az + b)$: the only "
                    r"signal the generator gets. Against the saturated sigmoid it is 0 to machine precision "
                    r"from the first step; hinge reaches 0 only once its generator has arrived at 0.")
    if all(s["g_done"] >= s["g_steps"] for s in snaps.values()):
        rows = []
        for k, e in exps.items():
            ev = e.evaluate()
            rows.append({"objective": LABELS[k], "final mean |G(z)|": round(ev["mean_abs_output"], 4),
                         "final L_G": _fmt(ev["loss"]),
                         "last ‖∇‖": f"{e.history.g_grad[-1]:.2g}" if e.history.g_grad else "",
                         "seconds (phase 1 / 2)": f"{e.seconds['phase1']:.1f} / {e.seconds['phase2']:.1f}"})
        st.dataframe(rows, hide_index=True)
        st.caption("Final numbers on a fixed batch of 1024 z (seed + 3000009), the same for every objective.")

    # one row per objective: what is happening | phase-1 scores | frozen critic | generator loss
    for name, snap in snaps.items():
        obj = OBJECTIVES[name]
        with st.container(border=True):
            t, c1, c2, c3 = st.columns([1.25, 1, 1, 1])
            with t:
                st.markdown(f"#### {obj.label}")
                st.markdown(f"**Now:** {_status(snap)}")
                st.markdown(obj.story)
            with c1:
                st.plotly_chart(plots.scores_figure(snap), key=f"pd_scores_{name}", theme=None)
                if obj.has_critic:
                    st.caption(f"Critic loss ${obj.d_formula}$, minimised for {snap['d_steps']} steps.")
                else:
                    st.caption("The naive distance needs no critic.")
            with c2:
                st.plotly_chart(plots.critic_figure(snap), key=f"pd_critic_{name}", theme=None)
                st.caption(f"What the generator feels: ${obj.grad_formula}$ at each of its points.")
            with c3:
                st.plotly_chart(plots.generator_loss_figure(snap), key=f"pd_gloss_{name}", theme=None)
                st.caption(f"Generator loss ${obj.g_formula}$ on each batch of 64.")
    if running:
        st.caption("Training… the charts update a few times a second.")


# ---------------------------------------------------------------------------------------------
st.session_state.setdefault("pd_objectives", list(OBJECTIVES))
st.session_state.setdefault("pd_seed", 0)
st.session_state.setdefault("pd_d_steps", 1000)
st.session_state.setdefault("pd_g_steps", 1000)
st.session_state.setdefault("pd_log", False)
st.session_state.setdefault("pd_running", None)

if not st.session_state.get("_lesson_embedded"):  # inside a lesson's step the lesson has the title and text
    st.title("Perfect discriminator")
    st.markdown(
        "The real data is a single point, **x = 0**. **Phase 1** trains a discriminator (1 → 32 → 32 → 1, ReLU) "
        "to perfection: real 0 against generated points drawn from N(0, 1). **Phase 2** freezes it and trains a "
        "one-unit generator $G(z) = \\tanh(az + b)$, $z \\sim N(0, 1)$, against it (Adam, lr 0.05, batches of 64). "
        "Same seed, same networks, same data for every objective: only the loss differs. With the log-loss the "
        "discriminator is sure every generated point is fake, its sigmoid is flat there, and the generator gets "
        "no gradient. The Wasserstein and hinge critics have no sigmoid, so their slope still points at the data."
    )

busy = st.session_state["pd_running"] is not None
c = st.columns([3, 1, 1, 1])
c[0].multiselect("objectives", list(OBJECTIVES), format_func=lambda k: LABELS[k], key="pd_objectives", disabled=busy)
c[1].number_input("seed", min_value=0, max_value=10_000, step=1, key="pd_seed", disabled=busy)
c[2].number_input("phase-1 steps", min_value=10, max_value=5000, step=100, key="pd_d_steps", disabled=busy)
c[3].number_input("phase-2 steps", min_value=10, max_value=5000, step=100, key="pd_g_steps", disabled=busy)

if st.session_state.get("pd_built_for") != _settings() and not st.session_state["pd_running"]:
    try:
        _build()
    except ValueError as e:
        st.error(str(e))
        st.stop()

exps_now = st.session_state["pd_exps"]
phase1_ready = all(e.phase1_complete for e in exps_now.values())
idle = st.session_state["pd_running"] is None
b = st.columns([2, 2, 2, 1, 2])
b[0].button("1 · Train discriminators", key="pd_phase1", type="primary", on_click=_start, args=("d",),
            disabled=not idle or phase1_ready, help="Phase 1: train each critic to perfection, then freeze it.")
b[1].button("2 · Train generators", key="pd_phase2", type="primary", on_click=_start, args=("g",),
            disabled=not idle or not phase1_ready or all(e.phase2_complete for e in exps_now.values()),
            help="Phase 2: train each generator against its frozen critic.")
b[2].button("Run both phases", key="pd_all", on_click=_start, args=("all",),
            disabled=not idle or all(e.phase2_complete for e in exps_now.values()))
b[3].button("Reset", key="pd_reset", on_click=_reset, disabled=not idle)
b[4].toggle("log scale for |G(z)|", key="pd_log")


@st.fragment(run_every=TICK_S if st.session_state["pd_running"] else None)
def live() -> None:
    was_running = st.session_state["pd_running"]
    if was_running:
        _advance()
    _draw()
    if was_running and st.session_state["pd_running"] is None:
        st.rerun()   # whole page: re-enable the buttons and stop the fragment's timer


live()
