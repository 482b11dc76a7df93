"""The generator's map (playground/genmap.py) as plotly traces: G of a regular grid in noise space,
drawn as one NaN-separated polyline, and the image G(0) of the grid's origin.

Only for 2D data: the 1D chart (toy.distributions_1d) does not draw the map, so a view whose outputs
are 1D gives no traces.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go


def _origin(n: int, k: int) -> tuple[int, int] | None:
    """(line, point) of z = 0 in a noise_grid of n lines × k points, or None when no grid point is 0.

    The single 1D line (n = 1) crosses 0 at its middle point when k is odd; a grid of n = 2·lines has
    it where the middle row (z₂ = 0, needs `lines` odd) meets the middle column (z₁ = 0, needs k odd).
    """
    if k % 2 == 0:
        return None
    if n == 1:
        return 0, k // 2
    lines = n // 2
    return (lines // 2, k // 2) if n % 2 == 0 and lines % 2 == 1 else None


def map_traces(view: dict[str, Any] | None, *, color: str = "rgba(40,40,40,0.55)",
               width: float = 1.0) -> list[go.Scatter]:
    """Traces of view["map_lines"] (n_lines, points, 2): one "lines" Scatter of every polyline, each
    followed by a NaN so the lines stay apart, and a small open circle at G(0) when the grid holds
    z = 0. Non-finite points become NaN too, so a blown-up point breaks its line rather than drawing
    a stroke to infinity. [] for a missing map or 1D outputs (the 1D chart does not draw the map)."""
    lines = (view or {}).get("map_lines")
    if lines is None:
        return []
    lines = np.asarray(lines, np.float32)
    if lines.ndim != 3 or lines.shape[2] != 2 or lines.size == 0:
        return []
    n, k, _ = lines.shape
    finite = np.isfinite(lines).all(axis=2, keepdims=True)
    xy = np.full((n, k + 1, 2), np.nan, np.float32)  # the extra NaN column separates the lines
    xy[:, :k] = np.where(finite, lines, np.nan)
    xy = xy.reshape(-1, 2)
    out = [go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="lines", name="generator's map G(z grid)", legendrank=6,
                      showlegend=True, hoverinfo="skip", connectgaps=False, line=dict(color=color, width=width))]
    at = _origin(n, k)
    if at is not None and finite[at].all():
        o = lines[at]
        out.append(go.Scatter(x=o[:1], y=o[1:], mode="markers", name="G(0)", showlegend=False,
                              marker=dict(symbol="circle-open", size=9, color="#111111", line=dict(width=1.5)),
                              hovertemplate="G(0) = (%{x:.3g}, %{y:.3g})<extra></extra>"))
    return out


__all__ = ["map_traces"]
