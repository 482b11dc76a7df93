"""Plot builders for the perfect-discriminator experiment: plain numpy / dicts in, Figure out.

The per-objective builders take the dict returned by `PerfectDiscriminatorExperiment.snapshot()`.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import plotly.graph_objects as go

from . import style
from .style import f32

OBJECTIVE_COLORS = {"bce": style.FAKE, "wgan": style.GREEN, "hinge": style.PINK,
                    "euclidean": "#7f7f7f"}  # grey: no critic at all
REAL_COLOR, FAKE_COLOR = style.REAL, style.FAKE
GRAD_FLOOR = 1e-12


def _layout(fig: go.Figure, title: str, height: int, *, legend: bool = True, small: bool = False) -> go.Figure:
    """Big panels: legend above the plot. Small panels (one of several side by side): legend below."""
    legend_pos = (dict(orientation="h", yanchor="top", y=-0.3, xanchor="left", x=0, font=dict(size=13))
                  if small else
                  dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, font=dict(size=14)))
    fig.update_layout(
        title=dict(text=title, font=dict(size=16 if small else 17), y=0.98 if not small else 0.95),
        height=height, template="plotly_white", font=dict(size=14 if small else 15),
        margin=dict(l=65, r=15, t=40 if small else (115 if legend else 50), b=(110 if legend else 55) if small else 55),
        showlegend=legend, legend=legend_pos, hoverlabel=dict(font_size=14),
    )
    return fig


def _score_axis(snap: Mapping) -> str:
    if snap.get("sigmoid"):
        return "D(x) = σ(ℓ(x))"
    return "critic score D(x)" if snap.get("has_critic", True) else "−|x| (no critic)"


def mean_abs_figure(series: Mapping[str, tuple], *, log_y: bool = False, labels: Mapping[str, str] | None = None,
                    max_step: int | None = None, uirevision: str = "pd_mean_abs") -> go.Figure:
    """Phase 2, all objectives: the generator's mean |G(z)| (distance to the real point 0) per step.
    series: objective -> (steps, mean_abs)."""
    fig = go.Figure()
    for name, (steps, values) in series.items():
        label = (labels or {}).get(name, name)
        fig.add_trace(go.Scatter(x=f32(steps), y=f32(values), mode="lines", name=label,
                                 line=dict(color=OBJECTIVE_COLORS.get(name), width=3)))
    x_end = float(max_step or max([len(s[0]) for s in series.values()] + [1]))
    fig.add_trace(go.Scatter(x=np.array([0.0, x_end], np.float32), y=np.full(2, 1e-4 if log_y else 0.0, np.float32),
                             mode="lines", name="real data (x = 0)" if not log_y else "10⁻⁴ (log axis has no 0)",
                             line=dict(color=REAL_COLOR, width=2, dash="dot"), hoverinfo="skip"))
    fig.update_xaxes(title_text="generator step (phase 2)", rangemode="tozero")
    if max_step:
        fig.update_xaxes(range=[0, max_step])
    if log_y:
        fig.update_yaxes(title_text="mean |G(z)| (log scale)", type="log")
    else:
        fig.update_yaxes(title_text="mean |G(z)|, batch of 64", range=[-0.03, 1.05])
    _layout(fig, "How far the generator is from the data", 430)
    fig.update_layout(uirevision=uirevision)
    return fig


def grad_norm_figure(series: Mapping[str, tuple], *, labels: Mapping[str, str] | None = None,
                     floor: float = GRAD_FLOOR, max_step: int | None = None,
                     uirevision: str = "pd_grad") -> go.Figure:
    """Phase 2, all objectives: ||dL_G/d(a, b)|| on a log axis. Values below `floor` (exact zeros:
    the sigmoid saturated in float32) are drawn on the floor line."""
    fig = go.Figure()
    for name, (steps, values) in series.items():
        v = np.asarray(values, dtype=np.float64)
        label = (labels or {}).get(name, name)
        fig.add_trace(go.Scatter(x=f32(steps), y=f32(np.maximum(v, floor)), mode="lines", name=label,
                                 customdata=f32(v), hovertemplate="step %{x}<br>‖∇‖ = %{customdata:.3g}",
                                 line=dict(color=OBJECTIVE_COLORS.get(name), width=3)))
    fig.add_hline(y=floor, line=dict(color="#444", dash="dot", width=1))
    fig.add_annotation(x=1.0, xref="paper", y=float(np.log10(floor)), yref="y", yanchor="bottom", xanchor="right",
                       text=f"≤ {floor:.0e}: exactly 0 in float32", showarrow=False, font=dict(size=13),
                       bgcolor="rgba(255,255,255,0.8)")
    fig.update_xaxes(title_text="generator step (phase 2)", rangemode="tozero")
    if max_step:
        fig.update_xaxes(range=[0, max_step])
    top = max([float(np.max(np.asarray(v, np.float64))) for _, v in series.values() if len(v)] + [1.0])
    fig.update_yaxes(title_text="‖∂L_G/∂(a, b)‖ (log)", type="log", exponentformat="power",
                     range=[np.log10(floor) - 0.7, np.log10(max(top, 1.0)) + 0.7])
    _layout(fig, "The generator's gradient norm", 430)
    fig.update_layout(uirevision=uirevision)
    return fig


def scores_figure(snap: Mapping, *, uirevision: str | None = None) -> go.Figure:
    """Phase 1: mean D on real (x = 0) and on generated points (x~ ~ N(0, 1)) per critic step."""
    fig = go.Figure()
    if snap.get("has_critic", True):
        steps = f32(snap["d_step"])
        fig.add_trace(go.Scatter(x=steps, y=f32(snap["score_real"]), mode="lines", name="mean D(real)",
                                 line=dict(color=REAL_COLOR, width=3)))
        fig.add_trace(go.Scatter(x=steps, y=f32(snap["score_fake"]), mode="lines", name="mean D(generated)",
                                 line=dict(color=FAKE_COLOR, width=3)))
        if snap.get("sigmoid"):
            fig.update_yaxes(range=[-0.05, 1.05])
    else:
        fig.add_annotation(text="no discriminator:<br>nothing to train<br>in phase 1", showarrow=False,
                           x=0.5, y=0.5, xref="paper", yref="paper", font=dict(size=15))
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    if snap.get("has_critic", True):
        fig.update_xaxes(title_text="step (phase 1)")
    fig.update_xaxes(range=[0, max(1, int(snap.get("d_steps", 1)))])
    fig.update_yaxes(title_text=_score_axis(snap))
    _layout(fig, "Phase 1: mean scores", 330, small=True)
    fig.update_layout(uirevision=uirevision or f"pd_scores_{snap.get('objective')}")
    return fig


def critic_figure(snap: Mapping, *, uirevision: str | None = None) -> go.Figure:
    """The (frozen) critic over x, the real point at 0 and the generator's current points on it."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=f32(snap["x"]), y=f32(snap["critic"]), mode="lines", name=_score_axis(snap),
                             line=dict(color="#333", width=3)))
    fig.add_trace(go.Scatter(x=f32(snap["fake_x"]), y=f32(snap["fake_score"]), mode="markers",
                             name="G(z) now (200 z)", marker=dict(color=FAKE_COLOR, size=8, opacity=0.6)))
    fig.add_trace(go.Scatter(x=np.zeros(1, np.float32), y=f32([snap["real_score"]]), mode="markers",
                             name="real x = 0", marker=dict(color=REAL_COLOR, size=16, symbol="star")))
    if snap.get("sigmoid"):
        fig.update_yaxes(range=[-0.05, 1.08])
    fig.update_xaxes(title_text="x", range=[float(snap["x"][0]), float(snap["x"][-1])])
    fig.update_yaxes(title_text=_score_axis(snap))
    _layout(fig, "Frozen critic over x" if snap.get("has_critic", True) else "Score −|x| (no critic)", 330,
            small=True)
    fig.update_layout(uirevision=uirevision or f"pd_critic_{snap.get('objective')}")
    return fig


def generator_loss_figure(snap: Mapping, *, uirevision: str | None = None) -> go.Figure:
    """Phase 2: the generator's loss L_G on each training batch."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=f32(snap["g_step"]), y=f32(snap["g_loss"]), mode="lines", name="L_G",
                             line=dict(color=OBJECTIVE_COLORS.get(snap.get("objective"), "#333"), width=3)))
    if snap.get("sigmoid"):
        fig.add_hline(y=1.0, line=dict(color="#888", dash="dot", width=1))
        fig.add_annotation(x=1.0, xref="paper", y=0.97, yref="y", yanchor="top", xanchor="right", showarrow=False,
                           text="1.0 = D is 0 on every G(z)", font=dict(size=13))
        fig.update_yaxes(range=[-0.05, 1.1])
    fig.update_xaxes(title_text="step (phase 2)", range=[0, max(1, int(snap.get("g_steps", 1)))])
    fig.update_yaxes(title_text="generator loss L_G")
    _layout(fig, "Phase 2: generator loss", 330, legend=False, small=True)
    fig.update_layout(uirevision=uirevision or f"pd_gloss_{snap.get('objective')}")
    return fig
