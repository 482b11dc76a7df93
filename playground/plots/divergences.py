"""Plot builders for the divergence lab: plain numpy in, plotly Figure out (no Streamlit).

    densities_figure          p(x) and q_theta(x) at the current shift
    divergence_curves_figure  KL(P||Q), KL(Q||P), JS, TV, W1 against theta (top row) and their
                              derivatives d/dtheta (bottom row): the gradient a generator would get
    optimal_discriminator_figure  D*(x) = p / (p + q) drawn over the densities
"""
from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import style
from .style import f32

LN2 = math.log(2.0)
FONT = dict(size=16)
P_COLOR, Q_COLOR, D_COLOR = style.REAL, style.FAKE, style.GREEN
CURVE_STYLE = {   # name -> (label, colour, dash); the colours of the toy page's divergence chart
    "js": ("JS(P, Q)", style.REAL, "solid"),
    "tv": ("TV(P, Q)", style.PINK, "dash"),
    "w1": ("W1(P, Q)", style.CRITIC, "solid"),
    "kl_pq": ("KL(P‖Q)", style.FAKE, "solid"),
    "kl_qp": ("KL(Q‖P)", style.SKY, "dash"),
}


def _base_layout(fig: go.Figure, height: int, title: str | None = None) -> go.Figure:
    fig.update_layout(
        height=height, font=FONT, template="plotly_white",
        margin=dict(l=70, r=30, t=90 if title else 60, b=60),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, font=dict(size=15)),
        title=dict(text=title, font=dict(size=19), y=0.98) if title else None,
        hoverlabel=dict(font_size=14),
    )
    return fig


def densities_figure(x, p, q, *, p_label: str = "P (data)", q_label: str = "Q_θ (model)",
                     theta: float = 0.0, y_cap: float | None = None, uirevision: str = "densities") -> go.Figure:
    """Both densities on x. With y_cap the y axis stops there and clipped peaks (a near point mass
    is a box of height 1/width) are annotated with their true height."""
    x, p, q = f32(x), f32(p), f32(q)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=p, name=f"p(x): {p_label}", mode="lines", fill="tozeroy",
                             line=dict(color=P_COLOR, width=3), fillcolor=style.rgba(P_COLOR, 0.25)))
    fig.add_trace(go.Scatter(x=x, y=q, name=f"q_θ(x): {q_label}", mode="lines", fill="tozeroy",
                             line=dict(color=Q_COLOR, width=3), fillcolor=style.rgba(Q_COLOR, 0.25)))
    top = float(np.nanmax(np.concatenate([p, q]))) if len(x) else 1.0
    if y_cap is not None and top > y_cap:
        fig.update_yaxes(range=[0, y_cap * 1.12])
        for arr, name, colour in ((p, "p", P_COLOR), (q, "q", Q_COLOR)):
            peak = float(np.nanmax(arr))
            if peak > y_cap:
                fig.add_annotation(x=float(x[int(np.nanargmax(arr))]), y=y_cap * 1.05,
                                   text=f"↑ {name} peaks at {peak:.3g}", showarrow=False,
                                   font=dict(color=colour, size=15), bgcolor="rgba(255,255,255,0.8)")
    fig.update_xaxes(title_text="x")
    fig.update_yaxes(title_text="density", rangemode="tozero")
    _base_layout(fig, 380, f"Densities at θ = {theta:+.2f}")
    fig.update_layout(uirevision=uirevision)
    return fig


def _kl_for_plot(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Finite part (inf -> NaN: a gap) and a mask of where KL = +inf."""
    values = np.asarray(values, dtype=np.float64)
    inf = np.isinf(values)
    return np.where(inf, np.nan, values), inf


def divergence_curves_figure(thetas, curves: Mapping[str, np.ndarray], derivs: Mapping[str, np.ndarray],
                             theta_now: float, *, uirevision: str = "curves") -> go.Figure:
    """2 x 3 grid. Columns: JS and TV (bounded; ln 2 marked), W1, KL in both directions (+inf drawn
    as markers on a "+∞" line). Top row: value against theta; bottom row: d/dtheta."""
    th = f32(thetas)
    fig = make_subplots(
        rows=2, cols=3, shared_xaxes=True, vertical_spacing=0.1, horizontal_spacing=0.07,
        subplot_titles=("JS and TV (bounded)", "W1 (earth mover's)", "KL, both directions",
                        "d/dθ JS, d/dθ TV", "d/dθ W1", "d/dθ KL"),
    )
    groups = [("js", "tv"), ("w1",), ("kl_pq", "kl_qp")]
    for col, names in enumerate(groups, start=1):
        for name in names:
            label, colour, dash = CURVE_STYLE[name]
            vals, inf = _kl_for_plot(curves[name])
            fig.add_trace(go.Scatter(x=th, y=f32(vals), name=label, legendgroup=name, mode="lines",
                                     line=dict(color=colour, dash=dash, width=3)), row=1, col=col)
            d = f32(derivs[name])
            fig.add_trace(go.Scatter(x=th, y=d, name=f"d/dθ {label}", legendgroup=name, showlegend=False,
                                     mode="lines", line=dict(color=colour, dash=dash, width=3)), row=2, col=col)
    # KL = +inf: markers on a line just above the finite part
    kl_finite = np.concatenate([np.asarray(curves[k], float)[np.isfinite(curves[k])] for k in ("kl_pq", "kl_qp")])
    kl_top = float(np.max(kl_finite)) if kl_finite.size else 1.0
    y_inf = kl_top * 1.15 if kl_top > 0 else 1.0
    any_inf = False
    for name in ("kl_pq", "kl_qp"):
        _, inf = _kl_for_plot(curves[name])
        if inf.any():
            any_inf = True
            label, colour, _ = CURVE_STYLE[name]
            step = max(1, int(inf.sum() // 40))
            xs = th[inf][::step]
            fig.add_trace(go.Scatter(x=xs, y=np.full(len(xs), y_inf, dtype=np.float32), mode="markers",
                                     name=f"{label} = +∞", legendgroup=name,
                                     marker=dict(color=colour, symbol="triangle-up", size=10)), row=1, col=3)
    if any_inf:
        fig.add_hline(y=y_inf, line=dict(color="#888", dash="dot", width=1), row=1, col=3,
                      annotation_text="+∞", annotation_position="top left", annotation_font_size=16)
        fig.update_yaxes(range=[0, y_inf * 1.12], row=1, col=3)
    # references: ln 2 plateau, TV <= 1, zero slope, W1 slope +-1
    fig.add_hline(y=LN2, line=dict(color=CURVE_STYLE["js"][1], dash="dot", width=2), row=1, col=1,
                  annotation_text="ln 2", annotation_position="bottom left",
                  annotation_font_size=15, annotation_font_color=CURVE_STYLE["js"][1])
    fig.add_hline(y=1.0, line=dict(color="#999", dash="dot", width=1), row=1, col=1)
    for col in (1, 2, 3):
        fig.add_hline(y=0.0, line=dict(color="#444", width=1), row=2, col=col)
    for y in (1.0, -1.0):
        fig.add_hline(y=y, line=dict(color="#aaa", dash="dot", width=1), row=2, col=2)
    fig.update_yaxes(range=[-0.05, 1.1], row=1, col=1)
    fig.update_yaxes(range=[-1.4, 1.4], row=2, col=2)
    # a near point mass makes d/dθ JS, TV spike to ~1/width at θ ≈ 0: keep the rest readable
    d_bounded = np.abs(np.concatenate([np.asarray(derivs[k], float) for k in ("js", "tv")]))
    d_bounded = d_bounded[np.isfinite(d_bounded)]
    if d_bounded.size:
        lim = max(1.1, 1.15 * float(np.percentile(d_bounded, 97)))
        if float(d_bounded.max()) > lim:
            fig.update_yaxes(range=[-lim, lim], row=2, col=1)
    # where we are
    fig.add_vline(x=float(theta_now), line=dict(color="#333", dash="dash", width=2))
    fig.update_xaxes(title_text="shift θ", row=2)
    fig.update_yaxes(title_text="value (nats; W1 in x units)", row=1, col=1)
    fig.update_yaxes(title_text="d/dθ (per unit θ)", row=2, col=1)
    fig.update_annotations(font_size=16, selector=dict(xref="paper"))  # subplot titles
    _base_layout(fig, 640)
    fig.update_layout(margin=dict(t=110), legend=dict(y=1.08), uirevision=uirevision)
    return fig


def optimal_discriminator_figure(x, p, q, d_star, *, theta: float = 0.0, y_cap: float | None = None,
                                 uirevision: str = "dstar") -> go.Figure:
    """Densities (left axis) with D*(x) = p(x)/(p(x) + q(x)) on a right axis in [0, 1];
    D* is undefined (a gap) where p = q = 0."""
    x = f32(x)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=x, y=f32(p), name="p(x)", mode="lines", fill="tozeroy",
                             line=dict(color=P_COLOR, width=2), fillcolor=style.rgba(P_COLOR, 0.18)),
                  secondary_y=False)
    fig.add_trace(go.Scatter(x=x, y=f32(q), name="q_θ(x)", mode="lines", fill="tozeroy",
                             line=dict(color=Q_COLOR, width=2), fillcolor=style.rgba(Q_COLOR, 0.18)),
                  secondary_y=False)
    fig.add_trace(go.Scatter(x=x, y=f32(d_star), name="D*(x) = p / (p + q)", mode="lines",
                             line=dict(color=D_COLOR, width=4)), secondary_y=True)
    fig.add_hline(y=0.5, line=dict(color=D_COLOR, dash="dot", width=1), secondary_y=True)
    fig.add_annotation(x=0.01, xref="paper", y=0.5, yref="y2", text="D* = ½ where p = q", showarrow=False,
                       xanchor="left", yanchor="bottom", font=dict(size=14, color=D_COLOR))
    if np.isnan(np.asarray(d_star, dtype=np.float64)).any():
        fig.add_annotation(x=0.5, xref="paper", y=0.82, yref="paper", showarrow=False,
                           text="D* is undefined where p = q = 0 (gaps in the green line)",
                           font=dict(size=14, color=D_COLOR), bgcolor="rgba(255,255,255,0.8)")
    top = float(np.nanmax(np.concatenate([f32(p), f32(q)])))
    if y_cap is not None and top > y_cap:
        fig.update_yaxes(range=[0, y_cap * 1.12], secondary_y=False)
    fig.update_yaxes(title_text="density", rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text="D*(x)", range=[-0.03, 1.05], secondary_y=True, showgrid=False,
                     tickmode="array", tickvals=[0, 0.25, 0.5, 0.75, 1.0])
    fig.update_xaxes(title_text="x")
    _base_layout(fig, 400, f"Optimal discriminator at θ = {theta:+.2f}")
    fig.update_layout(uirevision=uirevision)
    return fig
