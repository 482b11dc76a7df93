"""Pure chart builders for a run's history (Snapshot.history: a list of dicts, one per logged step).

Loss records (every few steps) carry the step statistics, evaluation records the distances to the
data, the critic's estimates and, for mixtures, mode coverage: the keys, their labels, estimators,
noise floors and log axes are in playground.metric_specs, and every label here comes from there.

`history_arrays` turns the list into float32 columns once (missing / None -> NaN, ±inf kept); each
chart thins its series evenly to at most `MAX_CURVE_POINTS`, draws non-finite values as gaps, and
returns `empty_figure(...)` rather than raising when its keys are missing. Every figure has a title,
axis titles, a legend above the plot and a fixed `uirevision` so a user's zoom survives updates;
`mark_step` draws a dotted line at the step a replay shows.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..losses import FGAN_LOSSES, LOSSES
from ..metric_specs import spec
from . import style
from .style import empty_figure, f32, line, ref_line, step_range

LN2 = float(np.log(2.0))
STEP_AXIS = spec("step").label


def history_arrays(history: Sequence[dict[str, Any]] | None, keys: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """Columns of the history as float32 arrays of equal length: missing keys and None become NaN,
    ±inf stays ±inf (the charts decide how to show it). `keys` defaults to every key present."""
    history = list(history or [])
    if keys is None:
        seen: dict[str, None] = {}
        for rec in history:
            seen.update(dict.fromkeys(rec))
        keys = list(seen)
    keys = list(dict.fromkeys(["step", *keys]))
    out = {}
    for k in keys:
        col = np.full(len(history), np.nan, np.float64)
        for i, rec in enumerate(history):
            val = rec.get(k)
            if val is None:
                continue
            try:
                col[i] = float(val)
            except (TypeError, ValueError):
                pass
        out[k] = col.astype(np.float32)
    return out


def series(h: dict[str, np.ndarray], key: str, *, positive: bool = False,
           limit: int = style.MAX_CURVE_POINTS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(steps, values, inf_steps) of the records that carry `key`, thinned to `limit` points.
    Non-finite values (and values ≤ 0 when `positive`, for log axes) become NaN gaps; the steps of
    +inf values are returned separately."""
    if key not in h:
        e = np.zeros(0, np.float32)
        return e, e, e
    step, val = h["step"], h[key]
    ok = ~np.isnan(val) & ~np.isnan(step)
    step, val = step[ok], val[ok]
    idx = style.even_subsample(len(val), limit)
    step, val = step[idx], val[idx]
    inf_steps = step[np.isposinf(val)]
    bad = ~np.isfinite(val) | ((val <= 0) if positive else False)
    val = np.where(bad, np.nan, val).astype(np.float32)
    return f32(step), val, f32(inf_steps)


def has(h: dict[str, np.ndarray], *keys: str) -> bool:
    """Whether any of `keys` has at least one logged value."""
    return any(k in h and bool((~np.isnan(h[k])).any()) for k in keys)


def log_ticks(*values: np.ndarray) -> dict[str, Any]:
    """Readable ticks for a log axis: 1-2-5 steps over up to three decades, powers of ten beyond,
    written as plain numbers (0.01, 200) rather than Plotly's small minor-digit labels."""
    v = np.concatenate([np.asarray(a, np.float64).ravel() for a in values] + [np.zeros(0)])
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return {}
    lo, hi = np.floor(np.log10(v.min())), np.ceil(np.log10(v.max()))
    hi = max(hi, lo + 1)
    decades = np.arange(lo, hi + 1)
    mult = (1, 2, 5) if hi - lo <= 3 else (1,)
    step = max(1, int(np.ceil((hi - lo) / 6))) if hi - lo > 6 else 1
    ticks = [m * 10.0 ** d for d in decades[::step] for m in mult]
    if sum(v.min() / 1.3 <= t <= v.max() * 1.3 for t in ticks) < 2:
        return {}  # a narrow range: Plotly's own linear-looking ticks read better
    return dict(tickmode="array", tickvals=ticks, ticktext=[f"{t:g}" for t in ticks], minor=dict(showgrid=False))


def many_points(*ys: np.ndarray) -> bool:
    """More than 60 points in a series: draw lines without markers."""
    return max((len(y) for y in ys), default=0) > 60


def _axis(key: str, kind: str | None = None, **kw: Any) -> dict[str, Any]:
    """A y-axis title (and log type) for history key `key` from the registry."""
    m = spec(key, kind)
    return dict(title=dict(text=m.axis_title, **kw), **({"type": "log"} if m.log else {}))


# --------------------------------------------------------------------------------------------------
def losses_chart(history: Sequence[dict[str, Any]] | None, *, height: int = 420,
                 legend_px: float = style.LEGEND_FIT_PX, mark_step: float | None = None) -> go.Figure:
    """Critic and generator losses per logged step; mean raw critic outputs on real / fake (hidden
    until clicked in the legend)."""
    h = history_arrays(history, ["d_loss", "g_loss", "d_real", "d_fake"])
    if not has(h, "d_loss", "g_loss"):
        return empty_figure("No losses logged yet: press Play or Step.", "Losses", uirevision="curves:losses",
                            fit_px=legend_px)
    fig = go.Figure()
    for key, color, dash, vis in (("d_loss", style.CRITIC, None, True), ("g_loss", style.FAKE, None, True),
                                  ("d_real", style.REAL, "dot", "legendonly"),
                                  ("d_fake", style.FAKE, "dot", "legendonly")):
        x, y, _ = series(h, key)
        fig.add_trace(line(x, y, spec(key).name, color, dash=dash, visible=vis))
    style.apply_style(fig, "Losses", uirevision="curves:losses", height=height, per_row=4, fit_px=legend_px)
    fig.update_xaxes(title=dict(text=STEP_AXIS))
    fig.update_yaxes(**_axis("d_loss"))
    return style.mark_step(fig, mark_step)


def divergences_chart(history: Sequence[dict[str, Any]] | None, kind: str = "2d", *,
                      height: int = 640, legend_px: float = style.LEGEND_FIT_PX,
                      mark_step: float | None = None) -> go.Figure:
    """Distances from the generated samples to the data over training, one row each, shared steps:
    W1 (linear; with the estimator's noise floor where it has one), JS (linear, ln 2 marked), KL both
    ways (log axis; infinite values are gaps, marked ▲ at the top of the row)."""
    w1, js, kl, rkl = (spec(k, kind) for k in ("w1", "js", "kl", "reverse_kl"))
    h = history_arrays(history, ["w1", "js", "kl", "reverse_kl"])
    if not has(h, "w1", "js", "kl", "reverse_kl"):
        return empty_figure("No evaluations yet: the divergences appear after the first evaluation.",
                            "Divergences from the data", uirevision=f"curves:div:{kind}", fit_px=legend_px)
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06)
    x_w, y_w, _ = series(h, "w1")
    x_j, y_j, _ = series(h, "js")
    x_k, y_k, inf_k = series(h, "kl", positive=kl.log)
    x_r, y_r, inf_r = series(h, "reverse_kl", positive=rkl.log)
    lo, hi = step_range(x_w, x_j, x_k, x_r)
    mk = not many_points(y_w, y_j, y_k)

    fig.add_trace(line(x_w, y_w, w1.name, style.CRITIC, markers=mk), row=1, col=1)
    if w1.floor is not None:
        fig.add_trace(ref_line(lo, hi, w1.floor, f"{w1.label} noise floor ≈ {w1.floor:g} ({w1.floor_note})"),
                      row=1, col=1)
    fig.add_trace(line(x_j, y_j, js.name, style.REAL, markers=mk), row=2, col=1)
    fig.add_trace(ref_line(lo, hi, LN2, "ln 2 = JS of disjoint supports"), row=2, col=1)
    fig.add_trace(line(x_k, y_k, kl.name, style.FAKE, markers=mk), row=3, col=1)
    fig.add_trace(line(x_r, y_r, rkl.name, style.SKY, markers=mk, dash="dash"), row=3, col=1)
    finite_k = np.concatenate([y_k[np.isfinite(y_k)], y_r[np.isfinite(y_r)]])
    top = float(finite_k.max()) * 2.0 if finite_k.size else 10.0
    inf_x = np.concatenate([inf_k, inf_r])
    fig.add_trace(go.Scatter(x=f32(inf_x), y=np.full(len(inf_x), top, np.float32), mode="markers",
                             name="KL = ∞ (no overlap)", showlegend=bool(len(inf_x)),
                             marker=dict(symbol="triangle-up", size=11, color=style.OPTIMAL),
                             hovertemplate="step %{x:.0f}: KL = ∞<extra></extra>"), row=3, col=1)

    style.apply_style(fig, "Divergences from the data", subtitle="p = data, q = generated",
                      uirevision=f"curves:div:{kind}", height=height, per_row=2, fit_px=legend_px)
    fig.update_yaxes(**_axis("w1", kind), rangemode="tozero", row=1, col=1)
    js_lo = min(0.0, float(np.nanmin(y_j))) if np.isfinite(y_j).any() else 0.0
    fig.update_yaxes(**_axis("js", kind), range=[js_lo, LN2 * 1.08], row=2, col=1)
    fig.update_yaxes(**_axis("kl", kind), row=3, col=1,
                     **(log_ticks(y_k, y_r, [top] if len(inf_x) else []) if kl.log else {}))
    fig.update_xaxes(title=dict(text=STEP_AXIS), row=3, col=1)
    return style.mark_step(fig, mark_step)


# f-GAN losses whose divergence the evaluation also measures: loss name -> the history key of the truth
# (metric_specs.py; the same orientation, p = data, q = generated, and nats). The others (Pearson χ²,
# squared Hellinger, total variation) have no measured counterpart.
FGAN_TRUTH = {"kl": "kl", "reverse_kl": "reverse_kl", "js": "js"}
NO_TRUTH = "the evaluation does not measure this divergence"


def critic_estimate_chart(history: Sequence[dict[str, Any]] | None, log_loss: bool, *, kind: str | None = None,
                          loss: str | None = None, height: int = 420, legend_px: float = style.LEGEND_FIT_PX,
                          mark_step: float | None = None) -> go.Figure:
    """What the critic believes next to the truth. Wasserstein-type critics: E[D(real)] − E[D(fake)]
    beside the measured W1 (equal only for an optimal 1-Lipschitz critic). Log-loss discriminators:
    the JS their value implies, (V + ln 4)/2, beside the measured JS (a lower bound unless D = D*).
    f-GAN losses (`loss` one of losses.FGAN_LOSSES, or a history with f_divergence_estimate): the critic's
    variational bound on D_f beside the measured divergence where the evaluation has it (FGAN_TRUTH),
    else the note NO_TRUTH."""
    if loss in FGAN_LOSSES or (loss is None and any("f_divergence_estimate" in r for r in history or ())):
        return _fgan_estimate_chart(history, loss, kind, height, legend_px, mark_step)
    h = history_arrays(history, ["w1", "js", "wasserstein_estimate", "implied_js"])
    ukey = f"curves:critic:{'log' if log_loss else 'w'}"
    title = "Critic's estimate vs truth"
    est, truth = ("implied_js", "js") if log_loss else ("wasserstein_estimate", "w1")
    if not has(h, est):
        what = "implied JS" if log_loss else "critic estimate"
        return empty_figure(f"No {what} yet: it appears after the first evaluation.", title, uirevision=ukey,
                            fit_px=legend_px)
    xe, ye, _ = series(h, est)
    xt, yt, _ = series(h, truth)
    mk = not many_points(ye, yt)
    fig = go.Figure([line(xe, ye, spec(est).name, style.CRITIC, markers=mk),
                     line(xt, yt, f"measured {spec(truth, kind).name}", style.OPTIMAL, markers=mk, dash="dash")])
    if log_loss:
        lo, hi = step_range(xe, xt)
        fig.add_trace(ref_line(lo, hi, LN2, "ln 2 (disjoint supports)"))
        style.apply_style(fig, title, uirevision=ukey, height=height, per_row=2, fit_px=legend_px)
        fin = np.concatenate([ye[np.isfinite(ye)], yt[np.isfinite(yt)], [0.0]])
        fig.update_yaxes(**_axis(est), range=[min(0.0, float(fin.min()) * 1.1), LN2 * 1.08])
    else:
        style.apply_style(fig, title, uirevision=ukey, height=height, fit_px=legend_px)
        fig.update_yaxes(**_axis(est))
    fig.update_xaxes(title=dict(text=STEP_AXIS))
    return style.mark_step(fig, mark_step)


def _fgan_estimate_chart(history: Sequence[dict[str, Any]] | None, loss: str | None, kind: str | None,
                         height: int, legend_px: float, mark_step: float | None) -> go.Figure:
    """critic_estimate_chart for an f-GAN loss: the bound, and the measured divergence or NO_TRUTH."""
    truth = FGAN_TRUTH.get(loss or "")
    h = history_arrays(history, ["f_divergence_estimate"] + ([truth] if truth else []))
    ukey, title = f"curves:critic:fgan:{loss}", "Critic's estimate vs truth"
    if not has(h, "f_divergence_estimate"):
        return empty_figure("No f-divergence estimate yet: it appears after the first evaluation.", title,
                            uirevision=ukey, fit_px=legend_px)
    xe, ye, _ = series(h, "f_divergence_estimate")
    name = (f"critic's bound on {LOSSES[loss].label.removeprefix('f-GAN: ')}" if loss in LOSSES
            else spec("f_divergence_estimate").name)
    traces = [line(xe, ye, name, style.CRITIC, markers=not many_points(ye))]
    if truth:
        xt, yt, _ = series(h, truth)
        traces.append(line(xt, yt, f"measured {spec(truth, kind).name}", style.OPTIMAL,
                           markers=not many_points(ye, yt), dash="dash"))
    fig = go.Figure(traces)
    style.apply_style(fig, title, uirevision=ukey, height=height, fit_px=legend_px)
    if not truth:
        fig.add_annotation(text=NO_TRUTH, x=0.98, y=0.98, xref="paper", yref="paper", xanchor="right",
                           yanchor="top", showarrow=False, font=dict(size=style.FONT_SIZE, color="#555555"))
    fig.update_yaxes(**_axis("f_divergence_estimate"))
    fig.update_xaxes(title=dict(text=STEP_AXIS))
    return style.mark_step(fig, mark_step)


def modes_chart(history: Sequence[dict[str, Any]] | None, *, height: int = 420,
                legend_px: float = style.LEGEND_FIT_PX, mark_step: float | None = None) -> go.Figure:
    """Modes covered (of n_modes, left axis), modes visited so far (covered at one evaluation or more:
    a generator that hops covers one mode at a time but visits many) and the share of high-quality
    samples (within 3σ of a mode, right axis) over training (VEEGAN / PacGAN protocol)."""
    title = "Mode coverage"
    h = history_arrays(history, ["modes_covered", "modes_visited", "n_modes", "high_quality_fraction"])
    if not has(h, "modes_covered"):
        return empty_figure("No discrete modes to count for this dataset.", title, uirevision="curves:modes",
                            fit_px=legend_px)
    cov, hq = spec("modes_covered"), spec("high_quality_fraction")
    n_modes = h["n_modes"][np.isfinite(h["n_modes"])]
    k = int(n_modes[-1]) if n_modes.size else int(np.nanmax(h["modes_covered"]))
    xc, yc, _ = series(h, "modes_covered")
    xq, yq, _ = series(h, "high_quality_fraction")
    lo, hi = step_range(xc, xq)
    mk = not many_points(yc, yq)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(line(xc, yc, f"{cov.name} (of {k})", style.COVERED, markers=mk, width=3, fmt=cov.fmt,
                       line_shape="hv"), secondary_y=False)
    fig.add_trace(ref_line(lo, hi, float(k), f"all {k} {spec('n_modes').label}"), secondary_y=False)
    fig.add_trace(line(xq, yq, hq.name, style.PINK, markers=mk, fmt=hq.fmt), secondary_y=True)
    if has(h, "modes_visited"):
        vis = spec("modes_visited")
        xv, yv, _ = series(h, "modes_visited")
        fig.add_trace(line(xv, yv, vis.name, style.COVERED, dash="dot", width=2, fmt=vis.fmt, line_shape="hv"),
                      secondary_y=False)
    style.apply_style(fig, title, uirevision="curves:modes", height=height, per_row=3, fit_px=legend_px)
    fig.update_yaxes(**_axis("modes_covered", font=dict(color=style.COVERED)), range=[0, k * 1.08 + 0.1],
                     autorange=False, secondary_y=False, tickmode="auto", nticks=min(k + 1, 8),
                     tickformat="d")
    fig.update_yaxes(**_axis("high_quality_fraction", font=dict(color=style.PINK)), range=[0, 1.08],
                     autorange=False, tickformat=".0%", tickmode="array", tickvals=[0, 0.25, 0.5, 0.75, 1],
                     showgrid=False, secondary_y=True)
    fig.update_xaxes(title=dict(text=STEP_AXIS))
    return style.mark_step(fig, mark_step)


def gradient_chart(history: Sequence[dict[str, Any]] | None, *, height: int = 420,
                   legend_px: float = style.LEGEND_FIT_PX, mark_step: float | None = None) -> go.Figure:
    """Input-gradient norms at the fakes on a log axis: ‖∇ₓ ℓ_G‖ (what moves the generator: it
    vanishes when a saturating discriminator wins) and ‖∇ₓ D‖ (≈ 1 for a 1-Lipschitz critic)."""
    title = "Gradients at the generated samples"
    h = history_arrays(history, ["g_grad_norm", "critic_grad_norm"])
    if not has(h, "g_grad_norm", "critic_grad_norm"):
        return empty_figure("No gradients logged yet: press Play or Step.", title, uirevision="curves:grad",
                            fit_px=legend_px)
    g, c = spec("g_grad_norm"), spec("critic_grad_norm")
    xg, yg, _ = series(h, "g_grad_norm", positive=g.log)
    xc, yc, _ = series(h, "critic_grad_norm", positive=c.log)
    lo, hi = step_range(xg, xc)
    fig = go.Figure([
        line(xg, yg, g.name, style.FAKE, width=3),
        line(xc, yc, c.name, style.CRITIC, dash="dash"),
        ref_line(lo, hi, 1.0, "‖∇ₓ D‖ = 1 (1-Lipschitz)"),
    ])
    style.apply_style(fig, title, uirevision="curves:grad", height=height, per_row=3, fit_px=legend_px)
    fig.update_yaxes(**_axis("g_grad_norm"), **(log_ticks(yg, yc, [1.0]) if g.log else {}))
    fig.update_xaxes(title=dict(text=STEP_AXIS))
    return style.mark_step(fig, mark_step)


__all__ = ["history_arrays", "series", "has", "many_points", "log_ticks", "losses_chart", "divergences_chart",
           "critic_estimate_chart", "modes_chart", "gradient_chart", "empty_figure", "LN2", "STEP_AXIS"]
