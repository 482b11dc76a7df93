"""The shared look of every chart: fonts big enough to read on a projector, one colour per role
(real data, generated samples, critic), a small template, margins, and helpers for titles and legends.

Colours follow the Okabe–Ito palette (readable with the common colour-vision deficiencies):
real = blue, generated = vermillion, critic = purple. The critic landscape uses a light purple scale
so blue and vermillion points stay visible on top of it.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

FONT_FAMILY = "Inter, 'Helvetica Neue', Helvetica, Arial, sans-serif"
FONT_SIZE = 17          # axis titles, hover, annotations
TICK_SIZE = 15
TITLE_SIZE = 21
LEGEND_SIZE = 15

REAL = "#0072B2"        # data (blue)
FAKE = "#D55E00"        # generated samples (vermillion)
CRITIC = "#7B3294"      # critic / discriminator (purple)
OPTIMAL = "#222222"     # the optimal discriminator D*, reference values (near black)
COVERED = "#009E73"     # modes that are covered (bluish green)
MISSED = "#222222"      # modes that are missed
PUSH = "#111111"        # generator push arrows
GRID = "#E6E6E6"
REFERENCE = "#666666"   # reference lines (ln 2, noise floor, ‖∇‖ = 1)

COLORS = {"real": REAL, "fake": FAKE, "critic": CRITIC, "optimal": OPTIMAL, "covered": COVERED,
          "missed": MISSED, "push": PUSH, "reference": REFERENCE}

# light-to-dark purple (high D(x) = "looks real" is dark); kept light so the points stay readable
CRITIC_SCALE = [[0.0, "#FBFAFD"], [0.25, "#E7E1EF"], [0.5, "#C9B7DB"], [0.75, "#A386C2"], [1.0, "#6E4A9E"]]
CONTOUR_LINE = "rgba(40, 20, 60, 0.35)"

MAX_POINTS = 1000        # per scatter group (real, generated)
MAX_CURVE_POINTS = 2000  # per line chart trace
HEIGHT = 520

_AXIS = dict(gridcolor=GRID, zerolinecolor="#CCCCCC", linecolor="#888888", showline=True, ticks="outside",
             tickfont=dict(size=TICK_SIZE), title=dict(font=dict(size=FONT_SIZE)), automargin=True)

# A deliberately small template (the stock ones add ~10 kB of JSON to every live update).
TEMPLATE = go.layout.Template(layout=dict(
    font=dict(family=FONT_FAMILY, size=FONT_SIZE, color="#222222"),
    title=dict(font=dict(size=TITLE_SIZE), x=0.0, xanchor="left", xref="paper", automargin=True),
    paper_bgcolor="white", plot_bgcolor="white",
    colorway=[REAL, FAKE, CRITIC, COVERED, "#CC79A7", "#56B4E9", "#F0E442", OPTIMAL],
    xaxis=_AXIS, yaxis=_AXIS,
    hoverlabel=dict(font=dict(size=TICK_SIZE)),
    legend=dict(font=dict(size=LEGEND_SIZE), bgcolor="rgba(255, 255, 255, 0.85)"),
    margin=dict(l=70, r=30, t=60, b=60),
))


def legend_above(**kw: Any) -> dict[str, Any]:
    """A horizontal legend just above the plotting area (it never covers data)."""
    return dict(orientation="h", x=0.0, xanchor="left", y=1.01, yanchor="bottom",
                font=dict(size=LEGEND_SIZE), **kw)


def apply_style(fig: go.Figure, title: str, *, uirevision: str, height: int = HEIGHT,
                legend: dict[str, Any] | None = None) -> go.Figure:
    """Template, title, height, legend placement and a stable uirevision (zoom survives updates)."""
    fig.update_layout(template=TEMPLATE, title=dict(text=title), height=height, uirevision=uirevision,
                      legend=legend if legend is not None else legend_above(),
                      margin=dict(l=70, r=30, t=60, b=60), hovermode="closest")
    return fig


def f32(a: Any) -> np.ndarray:
    """A float32 numpy array (Plotly serialises these as compact typed arrays)."""
    return np.asarray(a, dtype=np.float32)


def even_subsample(n: int, k: int) -> np.ndarray:
    """Indices of at most k evenly spaced items out of n, always keeping the first and the last."""
    if n <= k:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, k).round().astype(np.int64))


def empty_figure(message: str, title: str = "", *, height: int = 360, uirevision: str = "empty") -> go.Figure:
    """A blank chart with a short centred message (no axes): used when there is nothing to draw."""
    fig = go.Figure()
    apply_style(fig, title, uirevision=uirevision, height=height)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font=dict(size=FONT_SIZE + 1, color="#555555"))
    return fig


__all__ = ["COLORS", "REAL", "FAKE", "CRITIC", "OPTIMAL", "COVERED", "MISSED", "PUSH", "REFERENCE",
           "CRITIC_SCALE", "TEMPLATE", "MAX_POINTS", "MAX_CURVE_POINTS", "apply_style", "legend_above",
           "empty_figure", "f32", "even_subsample"]
