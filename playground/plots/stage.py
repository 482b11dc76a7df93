"""Charts for a projector: `for_stage(fig)` returns a copy with every font, line and marker enlarged.

Applied after a builder (a pure figure -> figure transform), so every chart of a page gets the same
treatment without a `stage` argument in each builder. Data, ranges and uirevision are untouched.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import style

DEFAULT_FONT = 12  # Plotly's size where none is set
STAGE_SCALE = 1.3


def _font(obj, scale: float, attr: str = "font", base: float | None = None) -> None:
    """Scale obj.<attr>.size; an unset size starts from `base` (the template's) or Plotly's default."""
    f = getattr(obj, attr, None)
    if f is not None:
        f.size = (f.size or base or DEFAULT_FONT) * scale


def _template_size(fig: go.Figure, *path: str) -> float | None:
    """A font size the figure's template sets, e.g. ("title", "font"); None if it sets none."""
    node = fig.layout.template.layout if fig.layout.template is not None else None
    for key in path:
        if node is None:
            return None
        try:
            node = node[key]
        except (KeyError, ValueError):
            return None
    return getattr(node, "size", None)


def _scaled(size, scale: float):
    if size is None:
        return None
    if isinstance(size, (int, float)):
        return size * scale
    return (np.asarray(size, np.float64) * scale).tolist()


def _relayout_legend(fig: go.Figure, scale: float, fit_px: float | None) -> None:
    """Margins grow with the fonts; a legend above the plot (style.legend_above) gets as many entries a
    row as still fit a `fit_px`-wide chart at the larger size (without a width: per row / scale), the
    title and the entries wrap where they would be cut, and the top margin holds what results."""
    L = fig.layout
    m = L.margin
    old_t = m.t or 0
    for side in ("l", "b", "t"):
        if getattr(m, side) is not None:
            setattr(m, side, int(getattr(m, side) * scale))
    leg = L.legend
    if leg.entrywidthmode == "pixels" and fit_px:  # style.full_width_legend's: refitted at the larger fonts
        m.t = style.top_margin(fig, style.full_width_legend(fig, fit_px, scale), scale)
    elif leg.orientation == "h" and leg.entrywidthmode == "fraction" and leg.entrywidth and old_t:
        per_row = max(1, round(1.0 / leg.entrywidth))
        entries = [e.replace("<br>", " ") for e in style._legend_entries(fig)]
        if fit_px:
            widest = max((style._entry_px(e) * scale for e in entries), default=1.0)
            new_row = max(1, min(per_row, int((fit_px - 100 * scale) // widest)))
        else:
            new_row = max(1, int(per_row / scale))
        leg.entrywidth = 1.0 / new_row
        lines = style.fit_texts(fig, fit_px, new_row, scale) if fit_px else \
            sum(1 for _ in range(0, len(entries), new_row))
        m.t = max(int(old_t * scale), style.top_margin(fig, lines, scale))
    elif fit_px and L.title.text:
        style.fit_texts(fig, fit_px, 1, scale)


def for_stage(fig: go.Figure, scale: float = STAGE_SCALE, fit_px: float | None = None) -> go.Figure:
    """A copy of `fig` for a projector: fonts × scale, line widths × scale (2·scale on an unset
    lines trace), marker sizes × scale (array sizes elementwise); margins and a legend above the plot
    follow (`fit_px`: the chart's width on screen, for the legend's entries a row). A figure with a set
    height grows by what its margins grew, so its plotting area keeps its height: a 1.3× legend above a
    three-row chart otherwise left rows too flat to read."""
    out = go.Figure(fig)
    L = out.layout
    old_margins = (L.margin.t or 0) + (L.margin.b or 0)
    size = lambda *path: _template_size(out, *path)  # noqa: E731
    base = size("font")
    _font(L, scale, base=base)
    _font(L.title, scale, base=size("title", "font") or base)
    if getattr(L.title, "subtitle", None) is not None:
        _font(L.title.subtitle, scale, base=base)
    _font(L.legend, scale, base=size("legend", "font") or base)
    _font(L.hoverlabel, scale, base=size("hoverlabel", "font") or base)
    for name in list(L):
        if name.startswith(("xaxis", "yaxis")):
            axis, kind = L[name], name[:5]
            _font(axis, scale, "tickfont", base=size(kind, "tickfont") or base)
            _font(axis.title, scale, base=size(kind, "title", "font") or base)
    for a in L.annotations or ():
        _font(a, scale, base=base)
    for tr in out.data:
        line = getattr(tr, "line", None)
        if line is not None and "width" in line:
            if line.width is not None:
                line.width = line.width * scale
            elif "lines" in (getattr(tr, "mode", None) or ""):
                line.width = 2 * scale
        marker = getattr(tr, "marker", None)
        if marker is not None and "size" in marker and marker.size is not None:
            marker.size = _scaled(marker.size, scale)
        raw = tr.to_plotly_json()  # only colour bars the trace has (reading one creates it)
        for bar in ([tr.colorbar] if "colorbar" in raw else []) + \
                   ([tr.marker.colorbar] if "colorbar" in raw.get("marker", {}) else []):
            _font(bar, scale, "tickfont", base=base)
            _font(bar.title, scale, base=base)
    _relayout_legend(out, scale, fit_px)
    if L.height:
        L.height = int(L.height + (L.margin.t or 0) + (L.margin.b or 0) - old_margins)
    return out


__all__ = ["for_stage", "STAGE_SCALE"]
