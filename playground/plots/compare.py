"""Pure plot builders for the compare page: a GroupSnapshot (playground/compare.py) -> plotly Figures.

- `run_panel`: one run's main view (2D landscape or 1D densities, the toy page's builders) with the
  axes every panel shares and, in 2D, one colour scale for all critics unless `shared_scale=False`
  (critics of different losses live on different scales: the subtitle says which is used).
- `overlay_chart`: one metric over steps, one colour per run (W1, JS with ln 2, modes and the
  high-quality share, the generator-gradient norm on a log axis).
- `estimate_chart`: each critic's own estimate (solid) beside the measured truth (dashed), one
  row for Wasserstein-type critics (E D(real) − E D(fake) vs W1) and one for log-loss discriminators
  (implied JS vs JS).
- `summary_rows`: the table at the current step.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .. import one_gaussian
from ..metric_specs import spec
from . import style
from ..losses import FGAN_LOSSES
from .curves import FGAN_TRUTH, LN2, STEP_AXIS, history_arrays, log_ticks, series
from .style import empty_figure, line, ref_line, step_range
from .toy import distributions_1d, landscape_2d, shown_ema

# one colour per run (Okabe–Ito, in the order the variants are listed)
RUN_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")
PANEL_HEIGHT = 560
NARROW_PX = 300  # a panel this narrow (three or more runs) gets style.full_width_legend in 1D
# shorter legend names there: one line each where the toy page's took two or three
NARROW_NAMES = (("generated: histogram", "G(z): histogram"), ("generated: Gaussian KDE", "G(z): KDE"))


def run_color(i: int) -> str:
    return RUN_COLORS[i % len(RUN_COLORS)]


def _finite_range(arrays: Sequence[np.ndarray]) -> tuple[float, float] | None:
    vals = [a[np.isfinite(a)] for a in (np.asarray(x, np.float64).ravel() for x in arrays) if a.size]
    vals = [v for v in vals if v.size]
    if not vals:
        return None
    lo, hi = min(float(v.min()) for v in vals), max(float(v.max()) for v in vals)
    return (lo, hi) if hi - lo > 1e-9 else (lo - 0.5, hi + 0.5)


def critic_range(gsnap) -> tuple[float, float] | None:
    """The range of every run's critic on the 2D grid: the panels' one colour scale."""
    return _finite_range([s.views.get("critic", np.zeros(0)) for s in gsnap.runs])


def x_range_1d(gsnap) -> tuple[float, float] | None:
    """The union of the runs' 1D x ranges (each widens for samples outside the data's bounds)."""
    return _finite_range([s.views.get("x", np.zeros(0)) for s in gsnap.runs])


def run_panel(gsnap, i: int, *, shared_scale: bool = True, show_arrows: bool = True,
              height: int | None = None) -> go.Figure:
    """Run i's main view, titled with its name and step, on the axes all panels share. Each keeps its
    legend: the counts in it (modes covered, samples off view) are the run's own."""
    k = len(gsnap.runs)
    height = height or (PANEL_HEIGHT if k <= 2 else 480)
    legend_px = {1: 960, 2: 470, 3: 300}.get(k, 230)  # a panel's width at 1440 × 900 with the sidebar open
    snap, name = gsnap.runs[i], gsnap.names[i]
    if snap.kind == "2d":
        fig = landscape_2d(snap, show_arrows=show_arrows, height=height, legend_px=legend_px)
        rng = critic_range(gsnap) if shared_scale else None
        if rng is not None:
            fig.update_traces(zmin=rng[0], zmax=rng[1], selector=dict(type="heatmap"))
        scale = "shared critic scale" if shared_scale else "own critic scale"
        fig.update_traces(showscale=False, selector=dict(type="heatmap"))
    elif snap.kind == "1d":
        cfg = snap.config or {}  # a one-Gaussian run on the lesson's data: its optimum, dotted
        fig = distributions_1d(snap, show_arrows=show_arrows, height=height, legend_px=legend_px,
                               target=one_gaussian.target(cfg.get("dataset", ""), cfg.get("arch", ""),
                                                          cfg.get("loss", "")))
        rng = x_range_1d(gsnap)
        if rng is not None:
            fig.update_xaxes(range=list(rng))
        scale = "histogram + KDE"
    else:
        return empty_figure(f"No side-by-side view for {snap.kind} data yet.", name)
    beta = shown_ema(snap.config)
    gen = f"EMA generator (β {beta:g})" if beta > 0 else "raw generator"
    # a narrow 1D panel's two y axes leave its plot ~100 px: its title and legend take the panel's whole width
    # (style.full_width_legend); the axis titles and the critic's tick labels go (the legend names the lines)
    narrow = snap.kind == "1d" and legend_px <= NARROW_PX
    sub = f"{snap.loss_label} · {gen}<br>{scale}"  # two lines: the landscape's own subtitle had two
    if narrow:  # its legend names the histogram and the KDE ("G(z): KDE q(x)")
        sub = f"{snap.loss_label} · {gen}"
    if gsnap.diverged and gsnap.diverged.get("what", "").startswith(f"{name}: "):
        sub = f"<span style='color:#B00020'>diverged at step {gsnap.diverged['step']}</span> · {sub}"
    # wrapped to the panel (four runs side by side at 1440 × 900 are ~230 px each); the top margin changes
    # by what the title and subtitle lines change from the view's own (its legend keeps its rows)
    size = fig.layout.title.subtitle.font.size or style.TICK_SIZE
    before = style.top_margin(fig, 0)
    room = legend_px - (24 if narrow else 60)  # the title's: from the chart's edge, or from the plot's
    # a long name in a narrow panel: a smaller title font, as style.fit_texts does (Plotly does not wrap titles);
    # below 12 px the step goes (the runs are in lockstep: the status line above the panels names it)
    plain = f"{name} — step {snap.step:,}"
    fit = room / (0.6 * len(plain))
    if fit < 12:
        plain = name
        fit = room / (0.6 * len(plain))
    title = f"<b style='color:{run_color(i)}'>{name}</b>" + plain[len(name):]
    title_size = min(style.TITLE_SIZE, max(12.0, fit))
    fig.update_layout(title=dict(text=title, font=dict(size=title_size),
                                 subtitle=dict(text=style.wrap_text(sub, (room - 20) / (0.5 * size)))))
    if narrow:  # fixed side margins: the density's ticks on the left; the critic's scale is in its hover
        fig.update_yaxes(title=None, automargin=False)
        fig.update_yaxes(showticklabels=False, ticks="", secondary_y=True)
        fig.update_layout(margin=dict(l=48, r=12))
        for tr in fig.data:
            for long, short in NARROW_NAMES:
                name_ = (tr.name or "").replace("<br>", " ")
                if name_.startswith(long):
                    tr.name = short + name_[len(long):]
        lines = style.full_width_legend(fig, legend_px)
        fig.update_layout(margin=dict(t=style.top_margin(fig, lines)))
    else:
        fig.update_layout(margin=dict(r=10, t=(fig.layout.margin.t or 0) + style.top_margin(fig, 0) - before))
    # a narrow panel's legend and titles take many lines: the figure grows so its plot keeps 200 px
    fig.update_layout(height=max(height, (fig.layout.margin.t or 0) + (fig.layout.margin.b or 0) + 200))
    return fig


def aligned(figs: list) -> list:
    """Side-by-side panels with one top margin and one height (the largest of each), so their plots
    start at the same height and keep the same size whatever each one's legend holds, titled at one font size.
    None stays None."""
    real = [f for f in figs if f is not None]
    if real:
        top = max(f.layout.margin.t or 0 for f in real)
        for f in real:
            grow = top - (f.layout.margin.t or 0)
            f.update_layout(margin=dict(t=top), height=(f.layout.height or PANEL_HEIGHT) + grow)
        tallest = max(f.layout.height for f in real)
        title = min(f.layout.title.font.size or style.TITLE_SIZE for f in real)  # one title size: the smallest
        for f in real:
            f.update_layout(height=tallest, title_font_size=title)
    return figs


def _runs_history(gsnap) -> list[dict[str, np.ndarray]]:
    keys = ["w1", "js", "kl", "reverse_kl", "modes_covered", "n_modes", "high_quality_fraction", "g_grad_norm",
            "wasserstein_estimate", "implied_js", "f_divergence_estimate", "fid", "mean_confidence"]
    return [history_arrays(s.history, keys) for s in gsnap.runs]


OVERLAYS: dict[str, dict[str, Any]] = {
    # key: (title, log axis, reference line)
    "w1": dict(title="W1 to the data", ref=None),
    "js": dict(title="Jensen–Shannon divergence to the data", ref=(LN2, "ln 2 = JS of disjoint supports")),
    "modes_covered": dict(title="Modes covered", ref=None),
    "high_quality_fraction": dict(title="High-quality samples (within 3σ of a mode)", ref=None),
    "g_grad_norm": dict(title="Generator gradient ‖∇ₓ ℓ_G‖ at the fakes", ref=(1.0, "1")),
    "fid": dict(title="Fréchet distance (digit classifier's features)", ref=None),
    "gen_mean": dict(title="Mean μ of the generated samples", ref=None),
    "gen_std": dict(title="Standard deviation σ of the generated samples", ref=None),
}


def overlay_chart(gsnap, key: str, *, height: int = 360) -> go.Figure:
    """`key` over training for every run, one colour each (a log axis where the metric's spec says)."""
    o, m = OVERLAYS[key], spec(key, gsnap.runs[0].kind)
    hs = _runs_history(gsnap)
    if not any(np.isfinite(h.get(key, np.zeros(0))).any() for h in hs):
        return empty_figure(f"No {m.label} yet: it appears after the first evaluation.", o["title"],
                            height=height, uirevision=f"cmp:{key}")
    fig = go.Figure()
    xs, ys = [], []
    for i, (name, h) in enumerate(zip(gsnap.names, hs)):
        x, y, _ = series(h, key, positive=m.log)
        xs.append(x)
        ys.append(y)
        fig.add_trace(line(x, y, name, run_color(i), fmt=m.fmt,
                           **({"line_shape": "hv"} if key == "modes_covered" else {})))
    lo, hi = step_range(*xs)
    if o["ref"] is not None:
        fig.add_trace(ref_line(lo, hi, o["ref"][0], o["ref"][1]))
    if key == "w1" and m.floor is not None:
        fig.add_trace(ref_line(lo, hi, m.floor, f"noise floor ≈ {m.floor:g}"))
    style.apply_style(fig, o["title"], uirevision=f"cmp:{key}", height=height, per_row=4, fit_px=420)
    fig.update_xaxes(title=dict(text=STEP_AXIS))
    axis: dict[str, Any] = dict(title=dict(text=m.axis_title))
    if m.log:
        axis.update(type="log", **log_ticks(*ys, [o["ref"][0]] if o["ref"] else []))
    elif key == "js":
        axis.update(range=[0, LN2 * 1.08])
    elif key == "high_quality_fraction":
        axis.update(range=[0, 1.05], tickformat=".0%")
    elif key == "modes_covered":
        k = max((np.nanmax(h["n_modes"]) for h in hs if np.isfinite(h.get("n_modes", np.zeros(0))).any()),
                default=None)
        if k is not None:
            axis.update(range=[0, float(k) * 1.08], tickformat="d")
    fig.update_yaxes(**axis)
    return fig


# what a run's critic estimates, by the kind of critic: (estimate key, truth key or None, y-axis title)
CRITIC_KINDS = {
    "wasserstein": ("wasserstein_estimate", "w1", "E D(real) − E D(fake) vs W1"),
    "log": ("implied_js", "js", "implied JS vs JS (nats)"),
    "fgan": ("f_divergence_estimate", None, "bound on D_f vs measured"),
}


def critic_kind(snap) -> str:
    """"fgan" for an f-GAN loss (its critic bounds D_f), "log" for a log-loss discriminator, else "wasserstein"."""
    if (snap.config or {}).get("loss") in FGAN_LOSSES:
        return "fgan"
    return "log" if snap.log_loss else "wasserstein"


def estimate_chart(gsnap, *, height: int = 420) -> go.Figure:
    """Each run's critic estimate (solid) beside the measured truth (dashed), in its run's colour, one row
    per kind of critic: Wasserstein-type (E D(real) − E D(fake) against W1), log-loss (the implied JS
    against JS) and f-GAN (the variational bound on the run's own D_f against that divergence measured,
    where the evaluation measures it: forward KL, reverse KL, JS; curves.FGAN_TRUTH)."""
    hs = _runs_history(gsnap)
    kinds = [critic_kind(s) for s in gsnap.runs]
    rows = [k for k in CRITIC_KINDS if k in kinds]
    title = "Critic's estimate vs truth"
    if not any(np.isfinite(h.get("w1", np.zeros(0))).any() for h in hs):
        return empty_figure("No evaluations yet.", title, height=height, uirevision="cmp:estimate")
    fig = make_subplots(rows=len(rows), cols=1, shared_xaxes=True, vertical_spacing=0.1)
    untruthful = []
    for i, (name, h, kind, snap) in enumerate(zip(gsnap.names, hs, kinds, gsnap.runs)):
        est, truth, _ = CRITIC_KINDS[kind]
        if kind == "fgan":
            truth = FGAN_TRUTH.get((snap.config or {}).get("loss", ""))
            if truth is None:
                untruthful.append(name)
        row = rows.index(kind) + 1
        xe, ye, _ = series(h, est)
        # one legend entry per run (its estimate); the dashed truth follows it in the legend group
        fig.add_trace(line(xe, ye, f"{name}: critic's estimate", run_color(i), legendgroup=name), row=row, col=1)
        if truth is not None:
            xt, yt, _ = series(h, truth)
            fig.add_trace(line(xt, yt, f"{name}: measured", run_color(i), dash="dash", width=1.8, legendgroup=name,
                               showlegend=False), row=row, col=1)
    sub = "solid: what each critic believes · dashed, same colour: the truth"
    if untruthful:
        sub += f" · not measured for {', '.join(untruthful)}"
    style.apply_style(fig, title, subtitle=sub, uirevision="cmp:estimate", height=height + 240 * (len(rows) - 1),
                      per_row=2, fit_px=420)
    for row, kind in enumerate(rows, 1):
        fig.update_yaxes(title=dict(text=CRITIC_KINDS[kind][2]), row=row, col=1,
                         **({"range": [0, LN2 * 1.08]} if kind == "log" else {}))
    fig.update_xaxes(title=dict(text=STEP_AXIS), row=len(rows), col=1)
    return fig


def summary_rows(gsnap) -> list[dict[str, Any]]:
    """One row per run at the current step: its latest evaluation (modes, high quality, W1, JS, or the
    digit metrics) and its training speed."""
    out = []
    for name, snap, rate in zip(gsnap.names, gsnap.runs, gsnap.steps_per_second or [0.0] * len(gsnap.runs)):
        evals = [h for h in snap.history if "w1" in h or "fid" in h]
        last = evals[-1] if evals else {}
        row: dict[str, Any] = {"run": name, "loss": snap.loss_label,
                               "method": (snap.config or {}).get("lipschitz", ""), "evaluated at step": last.get("step")}
        if "modes_covered" in last:
            row["modes"] = f"{int(last['modes_covered'])}/{int(last.get('n_modes', 0))}"
            row["high quality"] = f"{last.get('high_quality_fraction', float('nan')):.0%}"
        for key, label in (("w1", "W1"), ("js", "JS"), ("fid", "Fréchet"), ("mean_confidence", "confidence")):
            if key in last:
                row[label] = round(float(last[key]), 3)
        row["steps/s"] = round(float(rate), 1)
        out.append(row)
    return out


__all__ = ["run_panel", "overlay_chart", "estimate_chart", "summary_rows", "critic_range", "x_range_1d",
           "RUN_COLORS", "OVERLAYS", "run_color"]
