"""Pure plot builders for the 1D / 2D toy page: Snapshot -> plotly Figure (no Streamlit here).

- `landscape_2d`: the critic D(x) as a heatmap with contour lines over the data bounds, real and
  generated samples, the generator's push −∇ₓ ℓ_G as arrows, and the mode centres (covered / missed).
- `distributions_1d`: the data density p(x), the generated density (histogram + Gaussian KDE), the
  critic on a second axis (for log-loss critics σ(D) next to the optimal D* = p / (p + q)), and the
  generator's push as a row of arrows under the densities.

`as_replay` marks either figure as a replayed frame (the title and a subtitle line say so).

Arrow lengths: every arrow is scaled by one factor per figure, chosen so the longest arrow is
`ARROW_FRACTION` of the plot width; relative lengths are kept, so vanishing gradients look vanishing
(the legend says what the longest arrow stands for). Pass `arrow_ref` to fix the scale yourself
(e.g. the same reference for every frame of a run).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import style
from .genmap import map_traces
from .style import f32

ARROW_FRACTION = 0.08   # the longest arrow spans 8 % of the plot width
ARROW_HEAD = (3.0, 11.0)  # arrowhead size (px) for a vanishing ... the longest arrow
N_ARROWS_1D = 24   # bins over the x range for the 1D push arrows


NOTE_LINE = 60  # characters per subtitle line (the charts are ~500 px wide)


def _title(snap, what: str, notes: list[str] | None = None) -> tuple[str, str]:
    """(title, subtitle): what and the step in the title (short: Plotly does not wrap titles); the
    dataset, the loss, a divergence and estimator notes in the subtitle."""
    t = f"{what} — step {snap.step}"
    sub = f"{snap.dataset_label} · {snap.loss_label}"
    notes = list(notes or []) + ema_notes(snap)
    lines: list[str] = []
    for note in notes:  # Plotly does not wrap: fill lines of at most NOTE_LINE characters
        if lines and len(lines[-1]) + 2 + len(note) <= NOTE_LINE:
            lines[-1] += "; " + note
        else:
            lines.append(note)
    if lines:
        sub += "<br>" + "<br>".join(lines)
    if snap.diverged:
        d = snap.diverged
        div = f"<span style='color:#B00020'>diverged at step {d.get('step', '?')}: " \
              f"{d.get('what', 'non-finite value')}</span>"
        sub = f"{div}; {sub}"
    return t, sub


def shown_ema(config: dict | None) -> float:
    """β of the weight average when it is the generator shown (g_ema > 0, g_shown "averaged"), else 0."""
    config = config or {}
    beta = config.get("g_ema") or 0.0
    return float(beta) if config.get("g_shown", "averaged") == "averaged" else 0.0


def ema_notes(snap) -> list[str]:
    """Which generator the samples come from, when the weight average exists (config g_ema > 0)."""
    beta = (snap.config or {}).get("g_ema") or 0.0
    if beta <= 0:
        return []
    if shown_ema(snap.config) > 0:
        return [f"samples from the averaged generator (EMA β = {beta:g})"]
    return [f"samples from the raw generator (the EMA β = {beta:g} average is kept, not shown)"]


def _points(a: Any, dim: int, limit: int = style.MAX_POINTS) -> tuple[np.ndarray, int]:
    """Finite rows of a sample array as float32 (n, dim), evenly thinned to `limit`; also how many
    non-finite rows were dropped."""
    if a is None:
        return np.zeros((0, dim), np.float32), 0
    a = f32(a).reshape(-1, dim)
    ok = np.isfinite(a).all(1)
    a = a[ok]
    return a[style.even_subsample(len(a), limit)], int((~ok).sum())


def arrow_segments(at: np.ndarray, vec: np.ndarray, length: float, *, ref: float | None = None,
                   fraction: float = ARROW_FRACTION) -> dict[str, Any]:
    """Line segments from `at` to `at + s·vec`, one NaN-separated polyline (k, d) -> (3k,) per axis.

    s = fraction · length / ref, with ref the largest arrow norm unless given: the longest arrow spans
    `fraction` of `length` (the plot width) and every other keeps its length relative to it.
    Returns xs, ys (3k,), head sizes (3k,), norms (k,), scale s and ref. Non-finite arrows are dropped.
    """
    at, vec = np.asarray(at, np.float64), np.asarray(vec, np.float64)
    if at.ndim == 1:
        at, vec = at[:, None], vec[:, None]
    ok = np.isfinite(at).all(1) & np.isfinite(vec).all(1)
    at, vec = at[ok], vec[ok]
    norms = np.linalg.norm(vec, axis=1)
    top = float(norms.max()) if len(norms) else 0.0
    ref = top if ref is None else float(ref)
    scale = fraction * length / ref if ref > 0 and np.isfinite(ref) else 0.0
    end = at + scale * vec
    k, d = at.shape
    xyz = np.full((3 * k, d), np.nan)
    xyz[0::3], xyz[1::3] = at, end
    rel = np.clip(norms / ref, 0.0, 1.0) if scale > 0 else np.zeros(k)
    sizes = np.zeros(3 * k)
    sizes[1::3] = ARROW_HEAD[0] + (ARROW_HEAD[1] - ARROW_HEAD[0]) * rel
    return {"xs": xyz[:, 0], "ys": xyz[:, 1] if d > 1 else None, "sizes": sizes, "norms": norms,
            "scale": scale, "ref": ref, "n": k}


def _push_trace(seg: dict[str, Any], ys: np.ndarray, name: str, **kw: Any) -> go.Scatter:
    norms3 = np.repeat(seg["norms"], 3).astype(np.float32)
    return go.Scatter(
        x=f32(seg["xs"]), y=f32(ys), mode="lines+markers", name=name, connectgaps=False,
        line=dict(color=style.PUSH, width=1.6),
        marker=dict(symbol="arrow", angleref="previous", size=f32(seg["sizes"]), color=style.PUSH,
                    line=dict(width=0)),
        customdata=norms3, hovertemplate="‖−∇ℓ_G‖ = %{customdata:.3g}<extra>generator push</extra>", **kw)


def _push_name(seg: dict[str, Any], given_ref: bool) -> str:
    if seg["n"] == 0:
        return "push −∇ℓ_G (none)"
    if seg["scale"] == 0:
        return "push −∇ℓ_G (all zero)"
    which = "ref" if given_ref else "max"
    return f"push −∇ℓ_G ({which} {seg['ref']:.3g})"


def mode_status(fake: np.ndarray, centers: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Covered modes (bool, K) by the VEEGAN / PacGAN rule used in playground.metrics: a sample is
    high quality when within 3σ of its nearest mode; a mode is covered by ≥ 1 such sample."""
    centers = np.asarray(centers, np.float64).reshape(len(centers), -1)
    sigma = np.broadcast_to(np.asarray(sigma, np.float64).reshape(-1), (len(centers),))
    fake = np.asarray(fake, np.float64).reshape(-1, centers.shape[1])
    fake = fake[np.isfinite(fake).all(1)]
    if len(fake) == 0:
        return np.zeros(len(centers), bool)
    d = np.sqrt(((fake[:, None, :] - centers[None]) ** 2).sum(-1))
    nearest = d.argmin(1)
    hq = d[np.arange(len(fake)), nearest] <= 3 * sigma[nearest]
    return np.bincount(nearest[hq], minlength=len(centers)) > 0


def _sigmoid(z: np.ndarray) -> np.ndarray:
    z = np.clip(np.asarray(z, np.float64), -60, 60)
    return 1.0 / (1.0 + np.exp(-z))


# --------------------------------------------------------------------------------------------------
def landscape_2d(snap, show_arrows: bool = True, show_modes: bool = True, *, arrow_ref: float | None = None,
                 webgl: bool = False, height: int = 640, legend_px: float = style.MAIN_FIT_PX,
                 show_map: bool = False) -> go.Figure:
    """The critic's landscape over the data bounds with real / generated samples, push arrows, modes.

    Traces in drawing order: "critic D(x)" (heatmap),
    "critic contours", "modes covered (c/K)" and "modes missed (m/K)" (show_modes, mixtures only; under
    the points so a mode's own samples stay visible), "real data", "generated …", "generator push …"
    (show_arrows), "generator's map …" (show_map: G of a grid in noise space). The legend (three entries a row, above the plot) lists real, generated, push,
    covered, missed (legendrank); the colour bar is on the right.
    `webgl=True` draws the sample clouds with Scattergl (faster, but needs WebGL in the browser:
    headless Chromium with --disable-gpu may draw nothing).
    """
    v = snap.views
    b = np.asarray(snap.bounds, np.float64) if snap.bounds is not None else None
    gx, gy = f32(v.get("grid_x", [])), f32(v.get("grid_y", []))
    if b is None or b.shape != (2, 2):
        b = np.array([[gx.min(), gx.max()], [gy.min(), gy.max()]], np.float64) if gx.size and gy.size \
            else np.array([[-1.0, 1.0], [-1.0, 1.0]])
    width = float(b[0, 1] - b[0, 0])
    z = f32(v.get("critic", np.zeros((len(gy), len(gx)))))
    log_loss = bool(snap.log_loss)
    finite_z = np.isfinite(z)
    Scatter = go.Scattergl if webgl else go.Scatter

    fig = go.Figure()
    cb_title = "critic D(x), logit  (high = looks real)" if log_loss else "critic D(x)  (high = looks real)"
    zmin = zmax = None
    if finite_z.any():
        zmin, zmax = float(z[finite_z].min()), float(z[finite_z].max())
        if zmax - zmin < 1e-9:
            zmin, zmax = zmin - 0.5, zmax + 0.5
    fig.add_trace(go.Heatmap(
        x=gx, y=gy, z=z, name="critic D(x)", colorscale=style.CRITIC_SCALE, zmin=zmin, zmax=zmax,
        zsmooth="fast", showscale=True, showlegend=False,
        colorbar=dict(title=dict(text=cb_title, side="right", font=dict(size=style.FONT_SIZE)),
                      tickfont=dict(size=style.TICK_SIZE), thickness=14, len=1.0, x=1.0, xanchor="left",
                      xpad=8, outlinewidth=1, outlinecolor="#AAAAAA"),
        hovertemplate="x = %{x:.2f}<br>y = %{y:.2f}<br>D(x) = %{z:.3g}<extra>critic</extra>"))
    fig.add_trace(go.Contour(
        x=gx, y=gy, z=z, name="critic contours", showscale=False, showlegend=False, hoverinfo="skip",
        contours=dict(coloring="none", showlabels=False), ncontours=12,
        line=dict(color=style.CONTOUR_LINE, width=1.2), visible=bool(finite_z.sum() >= 4)))

    fake_all = f32(v.get("fake", np.zeros((0, 2)))).reshape(-1, 2)
    modes = snap.modes
    if show_modes and modes is not None and np.asarray(modes["centers"]).ndim == 2 \
            and np.asarray(modes["centers"]).shape[1] == 2:
        c = f32(modes["centers"])
        cov = mode_status(fake_all, c, modes["sigma"])
        k = len(c)
        fig.add_trace(go.Scatter(
            x=c[cov, 0], y=c[cov, 1], mode="markers", name=f"modes covered ({int(cov.sum())}/{k})",
            marker=dict(symbol="circle-open", size=22, color=style.COVERED, line=dict(width=3, color=style.COVERED)),
            legendrank=4,
            hovertemplate="mode (%{x:.2f}, %{y:.2f}): covered<extra></extra>"))
        fig.add_trace(go.Scatter(
            x=c[~cov, 0], y=c[~cov, 1], mode="markers", name=f"modes missed ({int((~cov).sum())}/{k})",
            marker=dict(symbol="x-thin-open", size=18, color=style.MISSED, opacity=0.8, line=dict(width=2.5, color=style.MISSED)),
            legendrank=5,
            hovertemplate="mode (%{x:.2f}, %{y:.2f}): missed<extra></extra>"))

    real, _ = _points(v.get("real"), 2)
    fake, n_bad = _points(fake_all, 2)
    inside = ((fake_all >= b[:, 0]) & (fake_all <= b[:, 1])).all(1)
    n_out = int((~inside).sum()) - n_bad
    fake_name = "generated" + (f" ({n_out} off view)" if n_out > 0 else "") \
        + (f" ({n_bad} not finite)" if n_bad else "")
    fig.add_trace(Scatter(
        x=real[:, 0], y=real[:, 1], mode="markers", name="real data", legendrank=1,
        marker=dict(color=style.REAL, size=5, opacity=0.75),
        hovertemplate="real (%{x:.2f}, %{y:.2f})<extra></extra>"))
    fig.add_trace(Scatter(
        x=fake[:, 0], y=fake[:, 1], mode="markers", name=fake_name, legendrank=2,
        marker=dict(color=style.FAKE, size=5, opacity=0.85),
        hovertemplate="generated (%{x:.2f}, %{y:.2f})<extra></extra>"))

    if show_arrows:
        at, push = v.get("push_at"), v.get("push")
        if at is None or push is None:
            at = push = np.zeros((0, 2))
        seg = arrow_segments(np.asarray(at).reshape(-1, 2), np.asarray(push).reshape(-1, 2), width, ref=arrow_ref)
        fig.add_trace(_push_trace(seg, seg["ys"], _push_name(seg, arrow_ref is not None), legendrank=3))

    notes = [f"{n_bad} generated samples are not finite"] if n_bad else []
    if show_map:
        traces = map_traces(v)
        fig.add_traces(traces)
        notes.append(v.get("map_note", "") if traces else "no generator map in this frame")
    title, sub = _title(snap, "Critic landscape", notes)
    style.apply_style(fig, title, subtitle=sub, uirevision=f"landscape:{snap.dataset_label}",
                  height=height, per_row=3, margin=dict(r=20), fit_px=legend_px)
    fig.update_xaxes(range=list(b[0]), autorange=False, title=dict(text="x₁"), constrain="domain",
                     showgrid=False, zeroline=False, mirror=True)
    fig.update_yaxes(range=list(b[1]), autorange=False, title=dict(text="x₂"), scaleanchor="x", scaleratio=1,
                     constrain="domain", showgrid=False, zeroline=False, mirror=True)
    if not finite_z.any():
        fig.add_annotation(text="critic output is not finite", x=0.5, y=0.5, xref="paper", yref="paper",
                           showarrow=False, font=dict(size=style.FONT_SIZE + 2, color="#B00020"),
                           bgcolor="rgba(255,255,255,0.8)")
    return fig


# --------------------------------------------------------------------------------------------------
def _binned_push(x: np.ndarray, push: np.ndarray, lo: float, hi: float,
                 n_bins: int = N_ARROWS_1D) -> tuple[np.ndarray, np.ndarray]:
    """The 1D push field summarised for drawing: the mean push of the samples in each of `n_bins`
    equal bins over [lo, hi], at the bin's mean position (empty bins give no arrow)."""
    if x.size == 0:
        return np.zeros(0), np.zeros(0)
    edges = np.linspace(lo, hi, n_bins + 1)
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, n_bins - 1)
    cnt = np.bincount(idx, minlength=n_bins)
    sx = np.bincount(idx, weights=x, minlength=n_bins)
    sv = np.bincount(idx, weights=push, minlength=n_bins)
    ok = cnt > 0
    return sx[ok] / cnt[ok], sv[ok] / cnt[ok]


def _density_hist(fake: np.ndarray, lo: float, hi: float, bins: int = 60) -> tuple[np.ndarray, np.ndarray, float]:
    """Histogram of `fake` on [lo, hi] normalised to a density over *all* samples (mass outside the
    range is left out, not piled into the edge bins)."""
    edges = np.linspace(lo, hi, bins + 1)
    if len(fake) == 0:
        return 0.5 * (edges[1:] + edges[:-1]), np.zeros(bins), float(edges[1] - edges[0])
    counts, _ = np.histogram(fake, bins=edges)
    w = float(edges[1] - edges[0])
    return 0.5 * (edges[1:] + edges[:-1]), counts / (len(fake) * w), w


def grid_extent(x: np.ndarray, snap) -> tuple[float, float]:
    """The 1D view's x extent: the evaluation grid's, else the snapshot's bounds, else [-1, 1]."""
    if x.size:
        return float(np.nanmin(x)), float(np.nanmax(x))
    if snap.bounds is not None:
        lo, hi = map(float, np.asarray(snap.bounds).reshape(-1)[:2])
        return lo, hi
    return -1.0, 1.0


def distributions_1d(snap, show_arrows: bool = True, *, arrow_ref: float | None = None, bins: int = 60,
                     height: int = 560, legend_px: float = style.MAIN_FIT_PX,
                     target: tuple[str, Sequence[tuple[float, float]]] | None = None) -> go.Figure:
    """Data density, generated density (histogram + Gaussian KDE) and the critic on a second axis.
    `target` (one_gaussian.py `target`): a name and Gaussians (μ, σ) drawn dotted on the density
    axis, the optimum a one-Gaussian generator should reach.

    Left axis (density): "data p(x)", "generated: histogram", "generated: Gaussian KDE q(x)" and, below
    zero, "generator push …" arrows. Right axis: for log-loss critics the discriminator's probability
    "discriminator σ(D(x))" and "optimal D*(x) = p/(p+q)" on [0, 1]; otherwise the raw "critic D(x)".
    A generated density far taller than the data's is clipped (the annotation says by how much).
    """
    v = snap.views
    x = f32(v.get("x", np.zeros(0)))
    p = f32(v.get("p", np.zeros_like(x)))
    q = f32(v.get("q", np.zeros_like(x)))
    crit = f32(v.get("critic", np.full_like(x, np.nan)))
    fake = f32(v.get("fake", np.zeros(0))).ravel()
    n_bad = int((~np.isfinite(fake)).sum())
    fake = fake[np.isfinite(fake)]
    lo, hi = grid_extent(x, snap)
    log_loss = bool(snap.log_loss)

    fig = make_subplots(specs=[[{"secondary_y": True}]])
    p_fin = np.where(np.isfinite(p), p, np.nan)
    q_fin = np.where(np.isfinite(q), q, np.nan)
    centers, dens, w = _density_hist(fake, lo, hi, bins)
    fig.add_trace(go.Bar(x=f32(centers), y=f32(dens), width=w, name="generated: histogram", legendrank=2,
                         marker=dict(color=style.FAKE, opacity=0.35, line=dict(width=0)),
                         hovertemplate="x = %{x:.2f}<br>density %{y:.3f}<extra>generated (histogram)</extra>"),
                  secondary_y=False)
    fig.add_trace(go.Scatter(x=x, y=f32(q_fin), mode="lines", name="generated: Gaussian KDE q(x)", legendrank=3,
                             line=dict(color=style.FAKE, width=3),
                             hovertemplate="x = %{x:.2f}<br>q(x) = %{y:.3f}<extra>generated (KDE)</extra>"),
                  secondary_y=False)
    fig.add_trace(go.Scatter(x=x, y=f32(p_fin), mode="lines", name="data p(x)", legendrank=1,
                             line=dict(color=style.REAL, width=3.5), fill="tozeroy",
                             fillcolor=style.rgba(style.REAL, 0.15),
                             hovertemplate="x = %{x:.2f}<br>p(x) = %{y:.3f}<extra>data</extra>"),
                  secondary_y=False)

    if target is not None and x.size:  # each Gaussian of the target, gaps between them
        tx = np.concatenate([np.append(x, np.nan) for _ in target[1]])
        ty = np.concatenate([np.append(np.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi)), np.nan)
                             for m, s in target[1]])
        fig.add_trace(go.Scatter(x=f32(tx), y=f32(ty), mode="lines", name=target[0], legendrank=5,
                                 line=dict(color=style.OPTIMAL, width=2.5, dash="dot"),
                                 hovertemplate="x = %{x:.2f}<br>density %{y:.3f}<extra>optimum</extra>"),
                      secondary_y=False)
    # density axis: room for the data; a generated spike far above it is clipped, and said so
    p_max = float(np.nanmax(p_fin)) if np.isfinite(p_fin).any() else 0.0
    g_max = max(float(np.nanmax(q_fin)) if np.isfinite(q_fin).any() else 0.0, float(dens.max()) if dens.size else 0.0)
    cap = 2.5 * p_max if p_max > 0 else g_max
    t_max = max((1 / (sd * math.sqrt(2 * math.pi)) for _, sd in target[1]), default=0.0) if target else 0.0
    top = max(p_max, min(max(g_max, t_max), cap)) * 1.12 or 1.0
    arrow_band = 0.16 * top if show_arrows else 0.0
    fig.update_yaxes(range=[-arrow_band, top], autorange=False, title=dict(text="density"),
                     secondary_y=False, rangemode="normal", zeroline=True)
    notes = ["generated: histogram + Gaussian KDE (Scott)"]
    if g_max > top:
        notes.append(f"generated density peaks at {g_max:.3g} (clipped)")
    if n_bad:
        notes.append(f"{n_bad} non-finite samples dropped")

    if show_arrows:
        px_, pv = v.get("push_x"), v.get("push")
        px_ = np.zeros(0) if px_ is None else np.asarray(px_, np.float64).ravel()
        pv = np.zeros(0) if pv is None else np.asarray(pv, np.float64).ravel()
        ok = np.isfinite(px_) & np.isfinite(pv)
        px_, pv = px_[ok], pv[ok]
        bx, bv = _binned_push(px_, pv, lo, hi)
        seg = arrow_segments(bx, bv, hi - lo, ref=arrow_ref)
        rows = np.array([0.3, 0.7])[np.arange(seg["n"]) % 2] * -arrow_band
        name = _push_name(seg, arrow_ref is not None).replace("push −∇ℓ_G (", "push −∂ℓ_G/∂x (bin mean, ")
        fig.add_trace(_push_trace(seg, np.repeat(rows, 3).astype(np.float32), name, legendrank=6),
                      secondary_y=False)

    finite_c = np.isfinite(crit)
    if log_loss:
        prob = np.where(finite_c, _sigmoid(crit), np.nan)
        fig.add_trace(go.Scatter(x=x, y=f32(prob), mode="lines", name="discriminator σ(D(x))", legendrank=4,
                                 line=dict(color=style.CRITIC, width=3), customdata=crit,
                                 hovertemplate="x = %{x:.2f}<br>σ(D) = %{y:.3f}<br>logit D = %{customdata:.3g}"
                                               "<extra>discriminator</extra>"),
                      secondary_y=True)
        ds = v.get("d_star")
        if ds is None and x.size:
            ds = p / np.maximum(p + q, 1e-30)
        if ds is not None:
            fig.add_trace(go.Scatter(x=x, y=f32(ds), mode="lines", name="optimal D*(x) = p/(p+q)", legendrank=5,
                                     line=dict(color=style.OPTIMAL, width=2.5, dash="dash"),
                                     hovertemplate="x = %{x:.2f}<br>D* = %{y:.3f}<extra>optimal D*</extra>"),
                          secondary_y=True)
        p_hi = 1.04
        fig.update_yaxes(range=[-(arrow_band / top) * p_hi, p_hi], autorange=False,
                         title=dict(text="P(real)", font=dict(color=style.CRITIC)), secondary_y=True,
                         tickmode="array", tickvals=[0, 0.5, 1], showgrid=False, zeroline=False,
                         tickfont=dict(color=style.CRITIC))
    else:
        fig.add_trace(go.Scatter(x=x, y=crit, mode="lines", name="critic D(x)", legendrank=4,
                                 line=dict(color=style.CRITIC, width=3),
                                 hovertemplate="x = %{x:.2f}<br>D(x) = %{y:.3g}<extra>critic</extra>"),
                      secondary_y=True)
        if finite_c.any():
            cmin, cmax = float(crit[finite_c].min()), float(crit[finite_c].max())
            span = max(cmax - cmin, 1e-6)
            c_top = cmax + 0.06 * span
            # line the critic's axis up with the density axis (the arrow band stays free)
            c_lo = cmin - (arrow_band / top) * (c_top - cmin) if top > 0 else cmin
            fig.update_yaxes(range=[c_lo, c_top], autorange=False, secondary_y=True)
        fig.update_yaxes(title=dict(text="critic D(x)", font=dict(color=style.CRITIC)), secondary_y=True,
                         tickmode="auto", showgrid=False, zeroline=False, tickfont=dict(color=style.CRITIC))

    title, sub = _title(snap, "Densities", notes)
    style.apply_style(fig, title, subtitle=sub, uirevision=f"dist1d:{snap.dataset_label}",
                  height=height, per_row=2, fit_px=legend_px)
    fig.update_xaxes(range=[lo, hi], autorange=False, title=dict(text="x"), zeroline=False)
    fig.update_layout(barmode="overlay", bargap=0)
    return fig


# --------------------------------------------------------------------------------------------------
REPLAY_NOTE = "#8A4B00"  # a dark amber: the replay's line stands out from the grey subtitle


def as_replay(fig: go.Figure, live_step: int) -> go.Figure:
    """Mark a main-view figure (landscape_2d / distributions_1d of a recorded frame) as a replay:
    "Replay · " before its title ("Critic landscape — step N" names the frame's step) and a first
    subtitle line naming the step the run itself is at; the top margin grows by that line."""
    t = fig.layout.title
    t.text = f"Replay · {t.text}"
    note = f"<span style='color:{REPLAY_NOTE}'>a recorded frame; the run itself is at step {live_step:,}</span>"
    sub = t.subtitle.text or ""
    t.subtitle.text = note + (f"<br>{sub}" if sub else "")
    fig.layout.margin.t = (fig.layout.margin.t or 0) + style.SUBTITLE_LINE_PX
    return fig


__all__ = ["landscape_2d", "distributions_1d", "as_replay", "arrow_segments", "mode_status", "ARROW_FRACTION"]
