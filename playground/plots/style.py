"""The shared look of every chart: fonts big enough to read on a projector, one colour per role
(real data, generated samples, critic), a small template, margins, helpers for titles and legends,
and the trace primitives every builder draws with (`line` over steps, dashed `ref_line`, `f32`).

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
# Okabe–Ito colours without a role, for series that need their own
SKY = "#56B4E9"
PINK = "#CC79A7"        # reddish purple
YELLOW = "#F0E442"
GREEN = COVERED

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
    title=dict(font=dict(size=TITLE_SIZE)),
    paper_bgcolor="white", plot_bgcolor="white",
    colorway=[REAL, FAKE, CRITIC, COVERED, PINK, SKY, YELLOW, OPTIMAL],
    xaxis=_AXIS, yaxis=_AXIS,
    hoverlabel=dict(font=dict(size=TICK_SIZE)),
    legend=dict(font=dict(size=LEGEND_SIZE), bgcolor="rgba(255, 255, 255, 0.85)"),
    margin=dict(l=70, r=30, t=60, b=60),
))


LEGEND_ROW_PX = 24      # one row of a 15 px legend
TITLE_LINE_PX = 30
SUBTITLE_LINE_PX = 20
LEGEND_FIT_PX = 480     # legend rows are planned for a chart this wide (builders take legend_px); wider is fine
MAIN_FIT_PX = 640       # the same for the page's main chart (landscape / densities)


def _legend_entries(fig: go.Figure) -> list[str]:
    out = []
    for tr in fig.data:
        if tr.type in ("heatmap", "contour") and tr.showlegend is not True:
            continue
        if tr.showlegend is False or not tr.name:
            continue
        if getattr(tr, "x", None) is not None and len(tr.x) == 0:  # Plotly leaves empty traces out
            continue
        out.append(tr.name)
    return out


def _visible(text: str) -> str:
    import re
    return re.sub(r"<[^>]+>", "", text)


def _entry_px(name: str) -> float:
    """Rough width of one legend entry (symbol + its longest line at LEGEND_SIZE), HTML tags ignored."""
    return 44 + 0.47 * LEGEND_SIZE * max(len(line) for line in _visible(name).split("<br>") or [""])


def wrap_text(text: str, max_chars: float) -> str:
    """`text` with <br> between words so that no line shows more than `max_chars` characters (HTML tags
    count for nothing and are never split; existing <br> stay). A single longer word keeps its line."""
    import re
    out_lines = []
    for line in text.split("<br>"):
        tokens = re.findall(r"<[^>]+>|[^\s<]+|\s+", line)
        cur, n = "", 0
        for tok in tokens:
            vis = 0 if tok.startswith("<") else len(tok)
            if tok.isspace():
                if cur:
                    cur, n = cur + tok, n + vis
                continue
            if n and n + vis > max_chars and cur.strip():
                out_lines.append(cur.rstrip())
                cur, n = "", 0
            cur, n = cur + tok, n + vis
        out_lines.append(cur.rstrip())
    return "<br>".join(out_lines)


def fit_texts(fig: go.Figure, fit_px: float, per_row: int, scale: float = 1.0) -> int:
    """Fit the title (a smaller font) and every legend entry (wrapped) to a `fit_px`-wide chart at font
    scale `scale`, so that no text is cut at the chart's edge (Plotly neither wraps nor shrinks them);
    returns the legend's lines (each row as tall as its tallest entry), for the top margin."""
    title = fig.layout.title.text or ""
    # the title and subtitle start at the plot's left edge (x = 0, paper): the left margin is not their room
    left = fig.layout.margin.l if fig.layout.margin.l is not None else 70 * scale
    room = fit_px - max(40 * scale, left + 10 * scale)
    if title:  # a title too long for the chart gets a smaller font (Plotly mispositions wrapped titles)
        size = fig.layout.title.font.size or TITLE_SIZE * scale
        longest = max(len(_visible(line)) for line in title.split("<br>"))
        fit = room / (0.6 * max(1, longest))  # 0.6 em a character: bold names
        if fit < size:
            fig.layout.title.font.size = max(12.0, fit)
    sub = fig.layout.title.subtitle
    if sub is not None and sub.text:
        size = sub.font.size or TICK_SIZE * scale
        sub.text = wrap_text(sub.text, room / (0.54 * size))
    names = []
    room = (fit_px - 100 * scale) / max(1, per_row) - 44 * scale
    for tr in fig.data:
        if tr.name and tr.name in _legend_entries_set(fig):
            tr.name = wrap_text(tr.name.replace("<br>", " "), room / (0.47 * LEGEND_SIZE * scale))
    for n in _legend_entries(fig):
        names.append(n.count("<br>") + 1)
    return sum(max(names[i:i + per_row]) for i in range(0, len(names), max(1, per_row)))


def _legend_entries_set(fig: go.Figure) -> set[str]:
    return set(_legend_entries(fig))


def top_margin(fig: go.Figure, legend_lines: float, scale: float = 1.0) -> int:
    """The top margin that holds the title's and subtitle's lines and `legend_lines` legend lines."""
    title = fig.layout.title.text or ""
    sub = (fig.layout.title.subtitle.text or "") if fig.layout.title.subtitle else ""
    lines = title.count("<br>") + 1 if title else 0
    sub_lines = sub.count("<br>") + 1 if sub else 0
    # 8 px under the last line, legend or subtitle (a subtitle's descenders reached 4 px into the plot)
    return int(scale * (12 + TITLE_LINE_PX * lines + SUBTITLE_LINE_PX * sub_lines + LEGEND_ROW_PX * legend_lines)
               + (8 if legend_lines or sub_lines else 0))


NARROW_EM = 0.55        # a legend character's width in a narrow chart, in em: Inter's capitals run to 0.6


def full_width_legend(fig: go.Figure, width: float, scale: float = 1.0, pad: float = 12) -> float:
    """A narrow chart's title and legend start near the chart's left edge, not the plot's, and take its
    whole width: in a 230-px panel with two y axes the plot itself is ~100 px wide, too narrow for one
    legend entry (Plotly clips an entry at its legend's width). Needs fixed side margins (the y axes'
    automargin off): the legend's x is in plot fractions. One entry a row, each name wrapped to what the
    room holds, the title's font shrunk (not below 12 px) and the subtitle wrapped to the same room; returns
    the legend's rows (for `top_margin`): a wrapped name's further lines count 0.8 of a row (Plotly sets
    them ~19 px apart, a row is LEGEND_ROW_PX)."""
    m = fig.layout.margin
    left, right = (m.l if m.l is not None else 70 * scale), (m.r if m.r is not None else 30 * scale)
    room = width - 2 * pad - 16 * scale  # 16 px: a column gap on the page
    x = -(left - pad) / max(1.0, width - left - right)
    fig.update_layout(legend=dict(x=x, entrywidthmode="pixels", entrywidth=room),
                      title=dict(xref="container", x=pad / width))
    keep = set(_legend_entries(fig))
    chars = (room - 44 * scale) / (NARROW_EM * LEGEND_SIZE * scale)
    for tr in fig.data:
        if tr.name and tr.name in keep:
            tr.name = wrap_text(tr.name.replace("<br>", " "), chars)
    title = fig.layout.title
    if title.text:
        longest = max(len(_visible(t)) for t in title.text.split("<br>"))
        title.font.size = max(12.0, min(title.font.size or TITLE_SIZE * scale, room / (0.6 * longest)))
    if title.subtitle is not None and title.subtitle.text:
        title.subtitle.text = wrap_text(title.subtitle.text, room / (0.54 * (title.subtitle.font.size or TICK_SIZE * scale)))
    return sum(1 + 0.8 * n.count("<br>") for n in _legend_entries(fig))


def legend_above(per_row: int = 2, **kw: Any) -> dict[str, Any]:
    """A horizontal legend just above the plotting area, `per_row` equal-width entries per row, so its
    height is known in advance and the top margin can hold the title and the legend without overlap
    (Plotly cannot lay out a title and a top legend by itself: plotly.js issue #7556)."""
    return dict(orientation="h", x=0.0, xanchor="left", y=1.0, yanchor="bottom", yref="paper",
                entrywidth=1.0 / max(1, per_row), entrywidthmode="fraction", valign="middle",
                font=dict(size=LEGEND_SIZE), bgcolor="rgba(255, 255, 255, 0)", **kw)


def apply_style(fig: go.Figure, title: str, *, uirevision: str, height: int = HEIGHT,
                legend: dict[str, Any] | None = None, per_row: int = 2, margin: dict[str, int] | None = None,
                subtitle: str = "", fit_px: float = LEGEND_FIT_PX) -> go.Figure:
    """Template, title, height, a legend above the plot and a stable uirevision (zoom survives updates).

    Legend entries get equal widths, at most `per_row` a row and fewer when the longest name would not
    fit in a `fit_px`-wide chart (less 100 px of side margins); the top margin is computed from the title's line count and the
    legend's row count, so title, legend and plot never overlap (Plotly cannot do this by itself)."""
    entries = _legend_entries(fig)
    if legend is None:
        widest = max((_entry_px(n) for n in entries), default=1.0)
        per_row = max(1, min(per_row, len(entries) or 1, int((fit_px - 100) // widest)))
        legend = legend_above(per_row)
    per_row = max(1, round(1.0 / legend.get("entrywidth", 1.0 / per_row)))
    fig.update_layout(template=TEMPLATE, height=height, uirevision=uirevision, legend=legend,
                      hovermode="closest",
                      title=dict(text=title, yref="container", y=1.0, yanchor="top", pad=dict(t=10),
                                 automargin=False, x=0.0, xref="paper", xanchor="left",
                                 subtitle=dict(text=subtitle, font=dict(size=TICK_SIZE, color="#555555"))))
    rows = fit_texts(fig, fit_px, per_row) if legend.get("orientation") == "h" else 0
    if legend.get("orientation") != "h":
        fit_texts(fig, fit_px, 1)  # the title still wraps
    m = dict(l=70, r=30, t=top_margin(fig, rows), b=60)
    m.update(margin or {})
    fig.update_layout(margin=m)
    return fig


def f32(a: Any) -> np.ndarray:
    """A float32 numpy array (Plotly serialises these as compact typed arrays)."""
    return np.asarray(a, dtype=np.float32)


def rgba(color: str, alpha: float) -> str:
    """"#RRGGBB" with an opacity, as Plotly's "rgba(r, g, b, a)" (for fills)."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha:g})"


def line(x, y, name: str, color: str, *, dash: str | None = None, width: float = 2.5,
         markers: bool = False, fmt: str = ".3g", **kw: Any) -> go.Scatter:
    """A curve over generator steps: gaps stay gaps; hover "step N: value" formatted with `fmt`."""
    return go.Scatter(x=x, y=y, name=name, mode="lines+markers" if markers else "lines", connectgaps=False,
                      line=dict(color=color, width=width, dash=dash), marker=dict(size=6, color=color),
                      hovertemplate=f"step %{{x:.0f}}: %{{y:{fmt}}}<extra>{name}</extra>", **kw)


def ref_line(x0: float, x1: float, y: float, name: str, **kw: Any) -> go.Scatter:
    """A dashed horizontal reference line drawn as a trace (data units on any axis type; in the legend)."""
    return go.Scatter(x=f32([x0, x1]), y=f32([y, y]), mode="lines", name=name, hoverinfo="skip",
                      line=dict(color=REFERENCE, width=1.8, dash="dash"), **kw)


def step_range(*steps: Any) -> tuple[float, float]:
    """(first, last) finite step over all the given arrays; (0, 1) when none, (s, s + 1) for one step."""
    s = np.concatenate([np.asarray(a, np.float64).ravel() for a in steps] + [np.zeros(0)])
    s = s[np.isfinite(s)]
    if s.size == 0:
        return 0.0, 1.0
    lo, hi = float(s.min()), float(s.max())
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


def even_subsample(n: int, k: int) -> np.ndarray:
    """Indices of at most k evenly spaced items out of n, always keeping the first and the last."""
    if n <= k:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, k).round().astype(np.int64))


MARK = "#111111"        # the step a replay shows, on the curves


def mark_step(fig: go.Figure, step: float | None) -> go.Figure:
    """A dotted vertical line at `step` through the whole plot (every row of a subplot grid) with a
    small "replay: step N" label at its top, on the side of the line with more room (judged from the
    traces' steps): the step a replay shows. None: the figure as it is."""
    if step is None:
        return fig
    xs = [np.asarray(tr.x, np.float64).ravel() for tr in fig.data
          if getattr(tr, "x", None) is not None and np.asarray(tr.x).dtype.kind in "fiu"]
    lo, hi = step_range(*xs)
    fig.add_shape(type="line", x0=step, x1=step, xref="x", y0=0, y1=1, yref="paper", layer="above",
                  line=dict(color=MARK, width=2, dash="dot"), name="replay step")
    side = "right" if step > (lo + hi) / 2 else "left"
    fig.add_annotation(x=step, xref="x", y=1, yref="paper", yanchor="top", xanchor=side, showarrow=False,
                       text=f"replay: step {step:,.0f}", font=dict(size=TICK_SIZE - 2, color=MARK),
                       bgcolor="rgba(255, 255, 255, 0.8)", name="replay step")
    return fig


def empty_figure(message: str, title: str = "", *, height: int = 360, uirevision: str = "empty",
                 fit_px: float = LEGEND_FIT_PX) -> go.Figure:
    """A blank chart with a short centred message (no axes): used when there is nothing to draw. Its
    title is fitted to a `fit_px`-wide chart, as the chart it stands in for."""
    fig = go.Figure()
    apply_style(fig, title, uirevision=uirevision, height=height, fit_px=fit_px)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    # wrapped for the narrowest chart that shows it (a third of a 1,000-px page, or on stage at 1.3×)
    fig.add_annotation(text=wrap_text(message, 26), x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font=dict(size=FONT_SIZE + 1, color="#555555"))
    return fig


__all__ = ["COLORS", "REAL", "FAKE", "CRITIC", "OPTIMAL", "COVERED", "MISSED", "PUSH", "REFERENCE", "SKY",
           "PINK", "YELLOW", "GREEN", "CRITIC_SCALE", "TEMPLATE", "MAX_POINTS", "MAX_CURVE_POINTS", "apply_style",
           "legend_above", "empty_figure", "mark_step", "f32", "rgba", "line", "ref_line", "step_range", "even_subsample"]
