"""The per-mode timeline: which modes the generated samples fall to, evaluation by evaluation.

A pure function of a run's history (Snapshot.history). Each evaluation record of a mixture carries
`mode_shares` (per mode k: the fraction of all samples whose nearest mode is k; they sum to 1) and
of MNIST the classifier's class shares; the heatmap puts modes on the y axis, evaluation steps on
the x axis, and the share as the colour. A collapsed generator that hops (Metz et al. 2017, Fig. 1)
draws one dark cell per column that moves from row to row; a dropped mode is a pale row; a
generator that covers the mixture is an even band.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import plotly.graph_objects as go

from ..metric_specs import spec
from . import style
from .style import empty_figure, f32

# white -> vermillion (the generated samples' colour): a pale cell is a mode the generator misses
SHARE_SCALE = [[0.0, "#FFFFFF"], [0.1, "#FBE3D3"], [0.35, "#F0A374"], [0.7, "#D55E00"], [1.0, "#7A3500"]]
STEP_AXIS = spec("step").label


def share_matrix(history: Sequence[dict[str, Any]] | None, limit: int = style.MAX_CURVE_POINTS
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(steps (n,), shares (K, n)) of the evaluation records that carry `mode_shares`, thinned evenly
    to at most `limit` columns. Records whose list length differs from the latest one (a reset to
    another dataset) are left out; a missing or non-finite share is NaN."""
    recs = [r for r in (history or []) if isinstance(r.get("mode_shares"), (list, tuple)) and r.get("step") is not None]
    if not recs:
        return np.zeros(0, np.float32), np.zeros((0, 0), np.float32)
    k = len(recs[-1]["mode_shares"])
    recs = [r for r in recs if len(r["mode_shares"]) == k]
    recs = [recs[i] for i in style.even_subsample(len(recs), limit)]
    steps = f32([r["step"] for r in recs])
    z = np.array([[np.nan if v is None else float(v) for v in r["mode_shares"]] for r in recs], np.float64)
    z[~np.isfinite(z)] = np.nan
    return steps, f32(z.T)


def mode_timeline(history: Sequence[dict[str, Any]] | None, kind: str | None = "2d", *,
                  class_names: Sequence[str] | None = None, height: int = 420,
                  legend_px: float = style.LEGEND_FIT_PX, mark_step: float | None = None) -> go.Figure:
    """Heatmap modes × evaluation steps, colour = the mode's share of all samples (0 white, 1 dark).
    `kind` "image" names the rows by class (`class_names`, default the digits 0-9); `mark_step`: a
    dotted line at the step a replay shows."""
    m = spec("mode_shares", kind)
    image = str(kind).lower() == "image"
    title = "Classes over time" if image else "Modes over time"
    ukey = f"timeline:{'image' if image else 'modes'}"
    steps, z = share_matrix(history)
    if z.size == 0:
        return empty_figure("No per-mode shares yet: they appear after the first evaluation of a dataset with "
                            "discrete modes.", title, uirevision=ukey)
    k = z.shape[0]
    names = [str(i) for i in range(k)]
    if image and class_names is not None and len(class_names) == k:
        names = [str(c) for c in class_names]
    hover = [f"{m.axis_title} {n}" for n in names]
    fig = go.Figure(go.Heatmap(
        x=steps, y=list(range(k)), z=z, zmin=0.0, zmax=1.0, colorscale=SHARE_SCALE, xgap=0, ygap=1,
        customdata=np.array(hover, dtype=object)[:, None].repeat(len(steps), 1),
        colorbar=dict(title=dict(text=m.label, side="right"), tickformat=".0%", thickness=14, len=0.9),
        hovertemplate=f"step %{{x:.0f}}, %{{customdata}}: %{{z:{m.fmt}}}<extra></extra>", name=m.label))
    sub = "share of all samples by nearest mode" if not image else "share of the samples per classifier verdict"
    style.apply_style(fig, title, subtitle=sub, uirevision=ukey, height=height, fit_px=legend_px)
    fig.update_xaxes(title=dict(text=STEP_AXIS))
    fig.update_yaxes(title=dict(text=m.axis_title), tickmode="array", tickvals=list(range(k)),
                     ticktext=names if k <= 12 else [n if i % -(-k // 12) == 0 else "" for i, n in enumerate(names)],
                     autorange="reversed", showgrid=False, zeroline=False)
    return style.mark_step(fig, mark_step)


__all__ = ["mode_timeline", "share_matrix", "SHARE_SCALE"]
