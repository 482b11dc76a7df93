"""The explained step's phases as figures: Snapshot (with `explain`) + a phase -> plotly Figure.

2D: the critic's landscape as a heatmap (before or after the update a phase shows; for a critic
update, the landscape before it as faint contours), the phase's batch on top (coloured by score in
the scoring phase), the generator's gradient as arrows, the generator's update as segments before →
after. 1D: the same on one axis, the critic curve over x and the batches as rows of points below it.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from ..anatomy import Phase, magnification, phases
from plotly.colors import sequential

from . import canvas, style
from .style import f32
from .toy import ARROW_FRACTION, _binned_push, _push_trace, _sigmoid, arrow_segments, grid_extent

VIRIDIS = sequential.Viridis  # the scored batches' colours (the landscape has the critic's own scale)

PHASE_POINT = 8   # marker size of the highlighted batches


def _landscapes(trace: dict[str, Any], phase: Phase) -> tuple[np.ndarray, np.ndarray | None]:
    """(the landscape drawn, the one before it for faint contours or None)."""
    critic = trace["critic"]
    if phase.key in ("batches", "scores"):
        return np.asarray(trace["landscape_before"]), None
    if phase.key == "critic":
        i = phase.critic
        before = trace["landscape_before"] if i == 0 else critic[i - 1]["landscape_after"]
        return np.asarray(critic[i]["landscape_after"]), np.asarray(before)
    return np.asarray(critic[-1]["landscape_after"]), None


def _batch(trace: dict[str, Any], phase: Phase) -> dict[str, Any]:
    return trace["critic"][phase.critic if phase.critic is not None else 0]


def phase_figure(snap, index: int, *, arrow_ref: float | None = None, height: int = 640) -> go.Figure:
    """Phase `index` of `snap.explain` (see playground/anatomy.py). `arrow_ref`: the gradient norm the
    longest live arrow stood for, so the explained arrows share the live chart's scale."""
    trace = snap.explain
    ph = phases(trace, snap.log_loss)
    phase = ph[max(0, min(index, len(ph) - 1))]
    fig = (_figure_2d if trace["kind"] == "2d" else _figure_1d)(snap, trace, phase, arrow_ref)
    sub = f"{snap.dataset_label} · {snap.loss_label} · phase {ph.index(phase) + 1} of {len(ph)}"
    style.apply_style(fig, f"Step {trace['step']:,}: {phase.title}", subtitle=sub,
                      uirevision=f"anatomy:{snap.dataset_label}", height=height, per_row=3, fit_px=style.MAIN_FIT_PX)
    return fig


PHASE_RADIUS = 4.0   # px: the batches' points on the canvas (the live view's samples are 2.6)
GLIDE_SECONDS = 1.2  # how long the canvas takes to move from one phase to the next
PHASE_NOTE = ("Between phases the view moves: the generator's samples glide from G(z) before its update to after "
              "it (the same z), and the critic blends from one critic update to the next. At rest each phase is "
              "the recorded step.")


def phase_frame(snap, index: int, *, arrow_ref: float | None = None) -> dict[str, Any] | None:
    """Phase `index` of `snap.explain` as a canvas frame (playground/ui/live_view.js; None without an
    explained step). The same content as `phase_figure`, on one critic colour
    scale for every phase of the step (so a critic update's change reads as a change of colour), with
    the samples of one set (`fake_set`: a critic update's batch, or the generator's batch) gliding
    between phases: from the gradient phase to the update each fake moves from G_θ(z) to G_θ'(z)."""
    trace = snap.explain
    if trace is None:
        return None
    if trace["kind"] != "2d":
        return _frame_1d(snap, trace, index, arrow_ref)
    ph = phases(trace, snap.log_loss)
    i = max(0, min(index, len(ph) - 1))
    phase = ph[i]
    gx, gy = (f32(a) for a in trace["generator"]["grid_axes"])
    z, before = _landscapes(trace, phase)
    every = [np.asarray(trace["landscape_before"], np.float64)] + \
        [np.asarray(c["landscape_after"], np.float64) for c in trace["critic"]]
    fin = np.concatenate([a[np.isfinite(a)] for a in every])
    zmin, zmax = (float(fin.min()), float(fin.max())) if fin.size else (-1.0, 1.0)
    if zmax - zmin < 1e-9:
        zmin, zmax = zmin - 0.5, zmax + 0.5
    b = np.asarray(snap.bounds, np.float64)
    width = float(b[0, 1] - b[0, 0])
    gen = trace["generator"]
    empty = np.zeros((0, 2), np.float32)
    real, fake, push, ghost, push_at, scores = empty, empty, empty, None, None, None
    scale = 0.0
    legend: list[dict[str, Any]] = []
    if phase.key in ("batches", "scores", "critic"):
        batch = _batch(trace, phase)
        real, fake = f32(batch["real"]), f32(batch["fake"])
        fake_set = f"critic {phase.critic or 0}"
        if phase.key == "scores":
            scores, more = _scored(batch, snap.log_loss, "real batch: circles", "fake batch: diamonds")
            legend += more
        else:
            legend += [{"name": "real batch", "kind": "dot", "color": style.REAL},
                       {"name": "fake batch G(z)", "kind": "dot", "color": style.FAKE}]
        if before is not None:
            legend.append({"name": "critic before this update (dotted contours)", "kind": "dash",
                           "color": "rgb(123, 50, 148)"})
    else:
        fake_set = "generator"
        before_pts, after_pts = f32(gen["before"]), f32(gen["after"])
        if phase.key == "gradient":
            fake, push = before_pts, f32(gen["push"])
            norms = np.linalg.norm(push.astype(np.float64), axis=1)
            norms = norms[np.isfinite(norms)]
            ref, which = arrow_reference(norms, arrow_ref)
            scale = ARROW_FRACTION * width / ref if ref > 0 and np.isfinite(ref) else 0.0
            legend += [{"name": "generator batch G(z)", "kind": "dot", "color": style.FAKE},
                       {"name": f"gradient −∂ℓ_G/∂x ({which} {ref:.3g})", "kind": "arrow", "color": style.PUSH}]
        else:
            move = after_pts - before_pts
            m = magnification(width, np.linalg.norm(move, axis=1))
            fake, push, ghost, push_at, scale = after_pts, move, before_pts, before_pts, m
            legend += [{"name": "G(z) before (faint)", "kind": "dot", "color": "rgba(213, 94, 0, 0.35)"},
                       {"name": "G(z) after", "kind": "dot", "color": style.FAKE},
                       {"name": "before → after" + (f" (×{m:g}, magnified)" if m > 1 else ""), "kind": "arrow",
                        "color": style.PUSH}]
    title = f"Step {trace['step']:,}: {phase.title}"
    return {
        "kind": "2d", "id": f"explain|{trace['step']}|{i}|{arrow_ref}", "what": "Explained step",
        "title": title, "step": int(trace["step"]), "glide": GLIDE_SECONDS, "fake_set": fake_set,
        "subtitle": [f"{snap.dataset_label} · {snap.loss_label} · phase {i + 1} of {len(ph)}"],
        "bounds": [[float(b[0, 0]), float(b[0, 1])], [float(b[1, 0]), float(b[1, 1])]],
        "grid": {"nx": int(len(gx)), "ny": int(len(gy)), "z": canvas.b64(z), "zmin": zmin, "zmax": zmax,
                 "finite": bool(np.isfinite(z).any()),
                 "before": canvas.b64(before) if before is not None else None},
        "colorscale": canvas.colorscale(),
        "colorbar": "critic D(x), logit (one scale for the whole step)" if snap.log_loss
        else "critic D(x) (one scale for the whole step)",
        "real": canvas.b64(real, 2), "fake": canvas.b64(fake, 2), "push": canvas.b64(push, 2), "arrow_scale": scale,
        "push_at": canvas.b64(push_at, 2) if push_at is not None else None,
        "ghost": canvas.b64(ghost, 2) if ghost is not None else None, "scores": scores, "radius": PHASE_RADIUS,
        "modes": None, "map": None, "legend": legend,
        "colors": {"real": style.REAL, "fake": style.FAKE, "push": style.PUSH, "covered": style.COVERED,
                   "missed": style.MISSED, "contour": style.CONTOUR_LINE},
        "axes": ["x₁", "x₂"], "note": PHASE_NOTE,
    }


def _scored(batch: dict[str, Any], log_loss: bool, real: str, fake: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The scoring phase's batches for the canvas (their scores on a Viridis scale from the lowest to the
    highest score of the two batches) and its legend: the scale, then which marker is which batch."""
    rs, fs = f32(batch["real_score"]), f32(batch["fake_score"])
    both = np.concatenate([rs, fs])
    both = both[np.isfinite(both)]
    lo, hi = (float(both.min()), float(both.max())) if both.size else (0.0, 1.0)
    scores = {"real": canvas.b64(rs), "fake": canvas.b64(fs), "range": [lo, hi + (hi <= lo)],
              "colorscale": [[k / (len(VIRIDIS) - 1), c] for k, c in enumerate(VIRIDIS)]}
    legend = [{"name": f"colour = {'logit D' if log_loss else 'score D'}, {lo:.3g} … {hi:.3g}", "kind": "grad",
               "color": ", ".join(VIRIDIS[::4])},
              {"name": real, "kind": "dot", "color": VIRIDIS[5]}, {"name": fake, "kind": "dot", "color": VIRIDIS[5]}]
    return scores, legend


def _frame_1d(snap, trace, index: int, arrow_ref: float | None) -> dict[str, Any]:
    """`phase_frame` in 1D: the data density and the critic curve (σ(D) for a log-loss critic, on one
    scale for the whole step; dotted: before a critic update), the phase's batches as rows of points
    under the density (real above, fake below), the gradient as arrows on the fakes' row, the update
    as each fake moving from G_θ(z) to G_θ'(z) (before: faint)."""
    ph = phases(trace, snap.log_loss)
    i = max(0, min(index, len(ph) - 1))
    phase = ph[i]
    (cx,) = (np.asarray(a, np.float64) for a in trace["generator"]["grid_axes"])
    v = snap.views or {}
    x = np.asarray(v.get("x", cx), np.float64)
    p = np.asarray(v.get("p", np.zeros_like(x)), np.float64)
    lo, hi = grid_extent(x.astype(np.float32), snap)
    shown = (lambda a: _sigmoid(np.asarray(a, np.float64))) if snap.log_loss else (lambda a: np.asarray(a, np.float64))
    on_x = lambda a: np.interp(x, cx, shown(a), left=np.nan, right=np.nan)  # noqa: E731
    z, before = _landscapes(trace, phase)
    every = [shown(trace["landscape_before"])] + [shown(c["landscape_after"]) for c in trace["critic"]]
    fin = np.concatenate([a[np.isfinite(a)] for a in every])
    if snap.log_loss:
        right_range = [0.0, 1.04]
    else:
        cmin, cmax = (float(fin.min()), float(fin.max())) if fin.size else (0.0, 1.0)
        right_range = [cmin, cmax + 0.06 * max(cmax - cmin, 1e-6)]
    p_max = float(np.nanmax(p)) if np.isfinite(p).any() else 0.0
    gen = trace["generator"]
    empty = np.zeros(0, np.float32)
    real, fake, push_x, push, ghost, scores = empty, empty, empty, empty, None, None
    scale, label = 0.0, "discriminator σ(D(x))" if snap.log_loss else "critic D(x)"
    legend: list[dict[str, Any]] = [{"name": "data p(x)", "kind": "area", "color": style.REAL},
                                    {"name": label, "kind": "line", "color": style.CRITIC}]
    if phase.key in ("batches", "scores", "critic"):
        batch = _batch(trace, phase)
        real, fake = f32(batch["real"]).ravel(), f32(batch["fake"]).ravel()
        fake_set = f"critic {phase.critic or 0}"
        if phase.key == "scores":
            scores, more = _scored(batch, snap.log_loss, "real batch: circles, upper row",
                                   "fake batch: diamonds, lower row")
            legend += more
        else:
            legend += [{"name": "real batch (upper row)", "kind": "dot", "color": style.REAL},
                       {"name": "fake batch G(z) (lower row)", "kind": "dot", "color": style.FAKE}]
        if before is not None:
            legend.append({"name": f"{label} before this update", "kind": "dash", "color": style.CRITIC})
    else:
        fake_set = "generator"
        b_pts, a_pts = f32(gen["before"]).ravel(), f32(gen["after"]).ravel()
        if phase.key == "gradient":
            fake, push_x, push = b_pts, b_pts, f32(gen["push"]).ravel()
            norms = np.abs(push[np.isfinite(push)])
            ref, which = arrow_reference(norms, arrow_ref)
            scale = ARROW_FRACTION * (hi - lo) / ref if ref > 0 and np.isfinite(ref) else 0.0
            legend += [{"name": "generator batch G(z)", "kind": "dot", "color": style.FAKE},
                       {"name": f"gradient −∂ℓ_G/∂x ({which} {ref:.3g})", "kind": "arrow", "color": style.PUSH}]
        else:
            m = magnification(hi - lo, np.abs(a_pts - b_pts))
            fake, push_x, push, ghost, scale = a_pts, b_pts, a_pts - b_pts, b_pts, m
            legend += [{"name": "G(z) before (faint)", "kind": "dot", "color": "rgba(213, 94, 0, 0.35)"},
                       {"name": "G(z) after", "kind": "dot", "color": style.FAKE},
                       {"name": "before → after" + (f" (×{m:g}, magnified)" if m > 1 else ""), "kind": "arrow",
                        "color": style.PUSH}]
    return {
        "kind": "1d", "id": f"explain|{trace['step']}|{i}|{arrow_ref}", "what": "Explained step",
        "title": f"Step {trace['step']:,}: {phase.title}", "step": int(trace["step"]), "glide": GLIDE_SECONDS,
        "fake_set": fake_set,
        "subtitle": [f"{snap.dataset_label} · {snap.loss_label} · phase {i + 1} of {len(ph)}"],
        "x": canvas.b64(x), "p": canvas.b64(p), "q": None, "right": canvas.b64(on_x(z)),
        "right_before": canvas.b64(on_x(before)) if before is not None else None, "d_star": None,
        "fake": canvas.b64(fake), "real": canvas.b64(real), "ghost": canvas.b64(ghost) if ghost is not None else None,
        "scores": scores, "range": [lo, hi], "top": (p_max or 1.0) * 1.12, "right_range": right_range,
        "right_title": "P(real)" if snap.log_loss else "critic D(x)", "log_loss": bool(snap.log_loss),
        "push_x": canvas.b64(push_x), "push": canvas.b64(push), "arrow_scale": scale, "arrow_row": 0.7,
        "bins": 0, "rows": True, "radius": PHASE_RADIUS, "legend": legend,
        "colors": {"real": style.REAL, "fake": style.FAKE, "critic": style.CRITIC, "optimal": style.OPTIMAL,
                   "push": style.PUSH},
        "axes": ["x", "density"], "note": PHASE_NOTE,
    }


def arrow_reference(norms: np.ndarray, live: float | None) -> tuple[float, str]:
    """The gradient norm the longest arrow (ARROW_FRACTION of the chart) stands for, and its name: the
    live chart's scale while every arrow of the batch fits it; else the batch's largest norm, so no arrow
    spans the chart (the live 1D chart scales bin means, which one sample's gradient can exceed)."""
    largest = float(norms.max()) if norms.size else 0.0
    if live and largest <= live:
        return float(live), "live scale"
    return largest, "max"


def live_arrow_ref(views: dict[str, Any] | None, kind: str) -> float | None:
    """What the longest live arrow stood for in `views` (a Snapshot's): the largest push norm in 2D,
    the largest bin mean in 1D (the live 1D chart bins its arrows). None without arrows."""
    if not views or views.get("push") is None:
        return None
    push = np.asarray(views["push"], np.float64)
    if kind == "2d":
        norms = np.linalg.norm(push.reshape(-1, 2), axis=1)
    else:
        at = np.asarray(views.get("push_x", []), np.float64).ravel()
        x = np.asarray(views.get("x", at), np.float64)
        ok = np.isfinite(at) & np.isfinite(push.ravel())
        norms = np.abs(_binned_push(at[ok], push.ravel()[ok], float(x.min()), float(x.max()))[1]) if ok.any() else np.zeros(0)
    norms = norms[np.isfinite(norms)]
    top = float(norms.max()) if norms.size else 0.0
    return top if top > 0 else None


def _moves(at: np.ndarray, move: np.ndarray, m: float) -> dict[str, Any]:
    """Segments at → at + m·move (arrowheads sized by each move relative to the largest)."""
    norms = np.linalg.norm(np.asarray(move, np.float64).reshape(len(at), -1), axis=1)
    top = float(norms[np.isfinite(norms)].max()) if np.isfinite(norms).any() else 0.0
    top = top if top > 0 else 1.0
    return arrow_segments(at, move, 1.0, ref=top, fraction=m * top)


def _figure_2d(snap, trace, phase: Phase, arrow_ref: float | None) -> go.Figure:
    gx, gy = (f32(a) for a in trace["generator"]["grid_axes"])
    z, before = _landscapes(trace, phase)
    z = f32(z).reshape(len(gy), len(gx))
    fin = z[np.isfinite(z)]
    zmin, zmax = (float(fin.min()), float(fin.max())) if fin.size else (-1.0, 1.0)
    fig = go.Figure()
    fig.add_trace(go.Heatmap(
        x=gx, y=gy, z=z, colorscale=style.CRITIC_SCALE, zmin=zmin, zmax=zmax, zsmooth="fast", name="critic D(x)",
        showlegend=False, colorbar=dict(title=dict(text="critic D(x)", side="right"), thickness=14, x=1.0,
                                        xanchor="left", xpad=8),
        hovertemplate="x = %{x:.2f}<br>y = %{y:.2f}<br>D(x) = %{z:.3g}<extra>critic</extra>"))
    fig.add_trace(go.Contour(x=gx, y=gy, z=z, showscale=False, hoverinfo="skip", name="critic contours",
                             showlegend=False, contours=dict(coloring="none"), ncontours=12,
                             line=dict(color=style.CONTOUR_LINE, width=1.2)))
    if before is not None:
        fig.add_trace(go.Contour(
            x=gx, y=gy, z=f32(before).reshape(len(gy), len(gx)), showscale=False, hoverinfo="skip",
            name="critic before this update (contours)", contours=dict(coloring="none"), ncontours=12,
            line=dict(color="rgba(123, 50, 148, 0.45)", width=1.4, dash="dot"), showlegend=True))
    b = np.asarray(snap.bounds, np.float64)
    gen = trace["generator"]
    if phase.key in ("batches", "scores", "critic"):
        batch = _batch(trace, phase)
        real, fake = f32(batch["real"]), f32(batch["fake"])
        if phase.key == "scores":
            allscores = np.concatenate([f32(batch["real_score"]), f32(batch["fake_score"])])
            cmin, cmax = (float(np.nanmin(allscores)), float(np.nanmax(allscores))) if allscores.size else (0, 1)
            for pts, sc, name, sym in ((real, batch["real_score"], "real batch: D(x)", "circle"),
                                       (fake, batch["fake_score"], "fake batch: D(G(z))", "diamond")):
                fig.add_trace(go.Scatter(
                    x=pts[:, 0], y=pts[:, 1], mode="markers", name=name, customdata=f32(sc),
                    marker=dict(size=PHASE_POINT + 2, symbol=sym, color=f32(sc), colorscale="Viridis",
                                cmin=cmin, cmax=cmax, line=dict(width=1, color="#222"),
                                showscale=name.startswith("real"),
                                colorbar=dict(title=dict(text="score", side="right"), x=1.13, thickness=12)),
                    hovertemplate="(%{x:.2f}, %{y:.2f})<br>score %{customdata:.3g}<extra>" + name + "</extra>"))
        else:
            fig.add_trace(go.Scatter(x=real[:, 0], y=real[:, 1], mode="markers", name="real batch",
                                     marker=dict(color=style.REAL, size=PHASE_POINT, line=dict(width=1, color="white"))))
            fig.add_trace(go.Scatter(x=fake[:, 0], y=fake[:, 1], mode="markers", name="fake batch G(z)",
                                     marker=dict(color=style.FAKE, size=PHASE_POINT, line=dict(width=1, color="white"))))
    else:
        before_pts, after_pts = f32(gen["before"]), f32(gen["after"])
        if phase.key == "gradient":
            fig.add_trace(go.Scatter(x=before_pts[:, 0], y=before_pts[:, 1], mode="markers",
                                     name="generator batch G(z)", marker=dict(color=style.FAKE, size=PHASE_POINT)))
            seg = arrow_segments(before_pts, f32(gen["push"]), float(b[0, 1] - b[0, 0]), ref=arrow_ref)
            name = f"gradient −∂ℓ_G/∂x ({'live scale' if arrow_ref else 'max'} {seg['ref']:.3g})"
            fig.add_trace(_push_trace(seg, seg["ys"], name))
        else:
            move = after_pts - before_pts
            m = magnification(float(b[0, 1] - b[0, 0]), np.linalg.norm(move, axis=1))
            fig.add_trace(go.Scatter(x=before_pts[:, 0], y=before_pts[:, 1], mode="markers", name="G(z) before",
                                     marker=dict(color="rgba(213, 94, 0, 0.35)", size=PHASE_POINT - 2)))
            fig.add_trace(go.Scatter(x=after_pts[:, 0], y=after_pts[:, 1], mode="markers", name="G(z) after",
                                     marker=dict(color=style.FAKE, size=PHASE_POINT)))
            seg = _moves(before_pts, move, m)
            moved = "before → after" + (f" (×{m:g}, magnified)" if m > 1 else "")
            fig.add_trace(_push_trace(seg, seg["ys"], moved))
    fig.update_xaxes(range=list(b[0]), autorange=False, title=dict(text="x₁"), constrain="domain", showgrid=False)
    fig.update_yaxes(range=list(b[1]), autorange=False, title=dict(text="x₂"), scaleanchor="x", scaleratio=1,
                     constrain="domain", showgrid=False)
    return fig


def _figure_1d(snap, trace, phase: Phase, arrow_ref: float | None) -> go.Figure:
    (x,) = (f32(a) for a in trace["generator"]["grid_axes"])
    z, before = _landscapes(trace, phase)
    log_loss = bool(snap.log_loss)
    shown = (lambda v: f32(_sigmoid(v))) if log_loss else f32
    crit = shown(z)
    fin = crit[np.isfinite(crit)]
    lo, hi = (0.0, 1.0) if log_loss else ((float(fin.min()), float(fin.max())) if fin.size else (-1.0, 1.0))
    span = max(hi - lo, 1e-6)
    rows = {"real": lo - 0.12 * span, "fake": lo - 0.26 * span, "after": lo - 0.40 * span}
    label = "discriminator σ(D(x))" if log_loss else "critic D(x)"
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=crit, mode="lines", name=label, line=dict(color=style.CRITIC, width=3)))
    if before is not None:
        fig.add_trace(go.Scatter(x=x, y=shown(before), mode="lines", name=f"{label} before this update",
                                 line=dict(color=style.CRITIC, width=2, dash="dot"), opacity=0.5))
    gen = trace["generator"]

    def row(pts, y, name, color, **marker):
        pts = f32(pts).ravel()
        fig.add_trace(go.Scatter(x=pts, y=np.full(len(pts), y, np.float32), mode="markers", name=name,
                                 marker=dict(color=color, size=PHASE_POINT, line=dict(width=0.5, color="white"), **marker)))

    if phase.key in ("batches", "scores", "critic"):
        batch = _batch(trace, phase)
        if phase.key == "scores":
            sc = np.concatenate([f32(batch["real_score"]), f32(batch["fake_score"])])
            rng = dict(cmin=float(np.nanmin(sc)), cmax=float(np.nanmax(sc))) if sc.size else {}
            row(batch["real"], rows["real"], "real batch: D(x)", f32(batch["real_score"]), colorscale="Viridis",
                showscale=True, colorbar=dict(title=dict(text="score", side="right"), thickness=12), **rng)
            row(batch["fake"], rows["fake"], "fake batch: D(G(z))", f32(batch["fake_score"]), colorscale="Viridis",
                symbol="diamond", **rng)
        else:
            row(batch["real"], rows["real"], "real batch", style.REAL)
            row(batch["fake"], rows["fake"], "fake batch G(z)", style.FAKE)
    else:
        before_pts, after_pts = f32(gen["before"]).ravel(), f32(gen["after"]).ravel()
        row(before_pts, rows["fake"], "generator batch G(z)" if phase.key == "gradient" else "G(z) before",
            style.FAKE if phase.key == "gradient" else "rgba(213, 94, 0, 0.35)")
        if phase.key == "gradient":
            seg = arrow_segments(before_pts, f32(gen["push"]).ravel(), float(x.max() - x.min()) if x.size else 1.0,
                                 ref=arrow_ref)
            ys = np.repeat(np.full(seg["n"], rows["fake"]), 3).astype(np.float32)
            name = f"gradient −∂ℓ_G/∂x ({'live scale' if arrow_ref else 'max'} {seg['ref']:.3g})"
            fig.add_trace(_push_trace(seg, ys, name))
        else:
            move = after_pts - before_pts
            m = magnification(float(x.max() - x.min()) if x.size else 1.0, np.abs(move))
            row(after_pts, rows["after"], "G(z) after", style.FAKE)
            seg = _moves(before_pts, move, m)
            ys = np.repeat(np.full(seg["n"], rows["fake"]), 3).astype(np.float32)
            moved = "before → after" + (f" (×{m:g}, magnified)" if m > 1 else "")
            fig.add_trace(_push_trace(seg, ys, moved))
    fig.update_yaxes(range=[rows["after"] - 0.1 * span, hi + 0.06 * span], autorange=False,
                     title=dict(text=label), zeroline=False)
    fig.update_xaxes(range=[float(x.min()), float(x.max())] if x.size else None, title=dict(text="x"))
    return fig


__all__ = ["phase_figure", "phase_frame", "phases", "live_arrow_ref", "GLIDE_SECONDS"]
