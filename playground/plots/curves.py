"""Pure chart builders for a run's history (Snapshot.history: a list of dicts, one per logged step).

Loss records (every few steps) have step, d_loss, g_loss, d_real, d_fake, g_grad_norm,
critic_grad_norm. Evaluation records add w1, js, kl, reverse_kl, wasserstein_estimate, for mixtures
modes_covered, n_modes, high_quality_fraction, mode_reverse_kl, and for log-loss losses implied_js.

`history_arrays` turns the list into float32 columns once (missing / None -> NaN, ±inf kept); each
chart thins its series evenly to at most `MAX_CURVE_POINTS`, draws non-finite values as gaps, and
returns `empty_figure(...)` rather than raising when its keys are missing. Every figure has a title,
axis titles, a legend above the plot and a fixed `uirevision` so a user's zoom survives updates.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import style as S
from .style import empty_figure, f32

LN2 = float(np.log(2.0))
W1_FLOOR_2D = 0.2   # the n = 512 matching estimator's floor on ring8 (see playground/metrics.py)

ESTIMATORS = {
    "1d": {"w1": "W1 (exact, 1D CDFs)", "js": "JS (KDE on grid)", "kl": "KDE on grid"},
    "2d": {"w1": "W1 (optimal matching, n=512; floor ≈ 0.2)", "js": "JS (2D histogram)",
           "kl": "2D histogram, smoothed"},
}
_GENERIC = {"w1": "W1", "js": "JS", "kl": ""}
HQ_COLOR = "#CC79A7"


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


def _series(h: dict[str, np.ndarray], key: str, *, positive: bool = False,
            limit: int = S.MAX_CURVE_POINTS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(steps, values, inf_steps) of the records that carry `key`, thinned to `limit` points.
    Non-finite values (and values ≤ 0 when `positive`, for log axes) become NaN gaps; the steps of
    +inf values are returned separately."""
    if key not in h:
        e = np.zeros(0, np.float32)
        return e, e, e
    step, val = h["step"], h[key]
    has = ~np.isnan(val) & ~np.isnan(step)
    step, val = step[has], val[has]
    idx = S.even_subsample(len(val), limit)
    step, val = step[idx], val[idx]
    inf_steps = step[np.isposinf(val)]
    bad = ~np.isfinite(val) | ((val <= 0) if positive else False)
    val = np.where(bad, np.nan, val).astype(np.float32)
    return f32(step), val, f32(inf_steps)


def _has(h: dict[str, np.ndarray], *keys: str) -> bool:
    return any(k in h and bool((~np.isnan(h[k])).any()) for k in keys)


def _line(x, y, name: str, color: str, *, dash: str | None = None, width: float = 2.5,
          markers: bool = False, fmt: str = ".3g", **kw: Any) -> go.Scatter:
    return go.Scatter(x=x, y=y, name=name, mode="lines+markers" if markers else "lines", connectgaps=False,
                      line=dict(color=color, width=width, dash=dash), marker=dict(size=6, color=color),
                      hovertemplate=f"step %{{x:.0f}}: %{{y:{fmt}}}<extra>{name}</extra>", **kw)


def _ref_line(x0: float, x1: float, y: float, name: str, **kw: Any) -> go.Scatter:
    """A dashed horizontal reference line drawn as a trace (data units on any axis type; in the legend)."""
    return go.Scatter(x=f32([x0, x1]), y=f32([y, y]), mode="lines", name=name, hoverinfo="skip",
                      line=dict(color=S.REFERENCE, width=1.8, dash="dash"), **kw)


def _step_range(*steps: np.ndarray) -> tuple[float, float]:
    s = np.concatenate([np.asarray(a, np.float64).ravel() for a in steps] + [np.zeros(0)])
    s = s[np.isfinite(s)]
    if s.size == 0:
        return 0.0, 1.0
    lo, hi = float(s.min()), float(s.max())
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


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


def _many_points(*ys: np.ndarray) -> bool:
    return max((len(y) for y in ys), default=0) > 60


# --------------------------------------------------------------------------------------------------
def losses_chart(history: Sequence[dict[str, Any]] | None, *, height: int = 420,
                 legend_px: float = S.LEGEND_FIT_PX) -> go.Figure:
    """Critic and generator losses per logged step; mean raw critic outputs on real / fake (hidden
    until clicked in the legend)."""
    h = history_arrays(history, ["d_loss", "g_loss", "d_real", "d_fake"])
    if not _has(h, "d_loss", "g_loss"):
        return empty_figure("No losses logged yet: press Play or Step.", "Losses", uirevision="curves:losses")
    fig = go.Figure()
    for key, name, color, dash, vis in (("d_loss", "critic loss L_D", S.CRITIC, None, True),
                                        ("g_loss", "generator loss L_G", S.FAKE, None, True),
                                        ("d_real", "mean D(real)", S.REAL, "dot", "legendonly"),
                                        ("d_fake", "mean D(fake)", S.FAKE, "dot", "legendonly")):
        x, y, _ = _series(h, key)
        fig.add_trace(_line(x, y, name, color, dash=dash, visible=vis))
    S.apply_style(fig, "Losses", uirevision="curves:losses", height=height, per_row=4, fit_px=legend_px)
    fig.update_xaxes(title=dict(text="generator step"))
    fig.update_yaxes(title=dict(text="loss"))
    return fig


def divergences_chart(history: Sequence[dict[str, Any]] | None, kind: str = "2d", *,
                      height: int = 640, legend_px: float = S.LEGEND_FIT_PX) -> go.Figure:
    """Distances from the generated samples to the data over training, one row each, shared steps:
    W1 (linear; 2D: the matching estimator's noise floor), JS (linear, ln 2 marked), KL both ways
    (log axis; infinite values are gaps, marked ▲ at the top of the row)."""
    est = ESTIMATORS.get(str(kind).lower(), _GENERIC)
    h = history_arrays(history, ["w1", "js", "kl", "reverse_kl"])
    if not _has(h, "w1", "js", "kl", "reverse_kl"):
        return empty_figure("No evaluations yet: the divergences appear after the first evaluation.",
                            "Divergences from the data", uirevision=f"curves:div:{kind}")
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06)
    x_w, y_w, _ = _series(h, "w1")
    x_j, y_j, _ = _series(h, "js")
    x_k, y_k, inf_k = _series(h, "kl", positive=True)
    x_r, y_r, inf_r = _series(h, "reverse_kl", positive=True)
    lo, hi = _step_range(x_w, x_j, x_k, x_r)
    mk = not _many_points(y_w, y_j, y_k)

    fig.add_trace(_line(x_w, y_w, est["w1"], S.CRITIC, markers=mk), row=1, col=1)
    if str(kind).lower() == "2d":
        fig.add_trace(_ref_line(lo, hi, W1_FLOOR_2D, "W1 noise floor ≈ 0.2 (real vs real)",
), row=1, col=1)
    fig.add_trace(_line(x_j, y_j, est["js"], S.REAL, markers=mk), row=2, col=1)
    fig.add_trace(_ref_line(lo, hi, LN2, "ln 2 = JS of disjoint supports"), row=2, col=1)
    sfx = f", {est['kl']}" if est["kl"] else ""
    fig.add_trace(_line(x_k, y_k, f"KL(p‖q){sfx}", S.FAKE, markers=mk), row=3, col=1)
    fig.add_trace(_line(x_r, y_r, f"KL(q‖p){sfx}", "#56B4E9", markers=mk, dash="dash"),
                  row=3, col=1)
    finite_k = np.concatenate([y_k[np.isfinite(y_k)], y_r[np.isfinite(y_r)]])
    top = float(finite_k.max()) * 2.0 if finite_k.size else 10.0
    inf_x = np.concatenate([inf_k, inf_r])
    fig.add_trace(go.Scatter(x=f32(inf_x), y=np.full(len(inf_x), top, np.float32), mode="markers",
                             name="KL = ∞ (no overlap)", showlegend=bool(len(inf_x)),
                             marker=dict(symbol="triangle-up", size=11, color=S.OPTIMAL),
                             hovertemplate="step %{x:.0f}: KL = ∞<extra></extra>"), row=3, col=1)

    S.apply_style(fig, "Divergences from the data", subtitle="p = data, q = generated",
                  uirevision=f"curves:div:{kind}",
                  height=height, per_row=2, fit_px=legend_px)
    fig.update_yaxes(title=dict(text="W1"), rangemode="tozero", row=1, col=1)
    js_lo = min(0.0, float(np.nanmin(y_j))) if np.isfinite(y_j).any() else 0.0
    fig.update_yaxes(title=dict(text="JS (nats)"), range=[js_lo, LN2 * 1.08], row=2, col=1)
    fig.update_yaxes(title=dict(text="KL (nats)"), type="log", row=3, col=1,
                     **log_ticks(y_k, y_r, [top] if len(inf_x) else []))
    fig.update_xaxes(title=dict(text="generator step"), row=3, col=1)
    return fig


def critic_estimate_chart(history: Sequence[dict[str, Any]] | None, log_loss: bool, *, kind: str | None = None,
                          height: int = 420, legend_px: float = S.LEGEND_FIT_PX) -> go.Figure:
    """What the critic believes next to the truth. Wasserstein-type critics: E[D(real)] − E[D(fake)]
    beside the measured W1 (equal only for an optimal 1-Lipschitz critic). Log-loss discriminators:
    the JS their value implies, (V + ln 4)/2, beside the measured JS (a lower bound unless D = D*)."""
    est = ESTIMATORS.get(str(kind).lower(), _GENERIC) if kind else _GENERIC
    h = history_arrays(history, ["w1", "js", "wasserstein_estimate", "implied_js"])
    ukey = f"curves:critic:{'log' if log_loss else 'w'}"
    title = "Critic's estimate vs truth"
    if log_loss:
        if not _has(h, "implied_js"):
            return empty_figure("No implied JS yet: it appears after the first evaluation.", title, uirevision=ukey)
        xe, ye, _ = _series(h, "implied_js")
        xt, yt, _ = _series(h, "js")
        lo, hi = _step_range(xe, xt)
        mk = not _many_points(ye, yt)
        fig = go.Figure([
            _line(xe, ye, "implied JS = (V + ln 4)/2 (discriminator)", S.CRITIC, markers=mk),
            _line(xt, yt, f"measured {est['js']}", S.OPTIMAL, markers=mk, dash="dash"),
            _ref_line(lo, hi, LN2, "ln 2 (disjoint supports)"),
        ])
        S.apply_style(fig, title, uirevision=ukey, height=height, per_row=2, fit_px=legend_px)
        fin = np.concatenate([ye[np.isfinite(ye)], yt[np.isfinite(yt)], [0.0]])
        fig.update_yaxes(title=dict(text="JS (nats)"), range=[min(0.0, float(fin.min()) * 1.1), LN2 * 1.08])
    else:
        if not _has(h, "wasserstein_estimate"):
            return empty_figure("No critic estimate yet: it appears after the first evaluation.", title,
                                uirevision=ukey)
        xe, ye, _ = _series(h, "wasserstein_estimate")
        xt, yt, _ = _series(h, "w1")
        mk = not _many_points(ye, yt)
        fig = go.Figure([
            _line(xe, ye, "critic: E[D(real)] − E[D(fake)]", S.CRITIC, markers=mk),
            _line(xt, yt, f"measured {est['w1']}", S.OPTIMAL, markers=mk, dash="dash"),
        ])
        S.apply_style(fig, title, uirevision=ukey, height=height, fit_px=legend_px)
        fig.update_yaxes(title=dict(text="distance"))
    fig.update_xaxes(title=dict(text="generator step"))
    return fig


def modes_chart(history: Sequence[dict[str, Any]] | None, *, height: int = 420,
                legend_px: float = S.LEGEND_FIT_PX) -> go.Figure:
    """Modes covered (of n_modes, left axis) and the share of high-quality samples (within 3σ of a
    mode, right axis) over training (VEEGAN / PacGAN protocol)."""
    title = "Mode coverage"
    h = history_arrays(history, ["modes_covered", "n_modes", "high_quality_fraction"])
    if not _has(h, "modes_covered"):
        return empty_figure("No discrete modes to count for this dataset.", title, uirevision="curves:modes")
    n_modes = h["n_modes"][np.isfinite(h["n_modes"])]
    k = int(n_modes[-1]) if n_modes.size else int(np.nanmax(h["modes_covered"]))
    xc, yc, _ = _series(h, "modes_covered")
    xq, yq, _ = _series(h, "high_quality_fraction")
    lo, hi = _step_range(xc, xq)
    mk = not _many_points(yc, yq)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(_line(xc, yc, f"modes covered (of {k})", S.COVERED, markers=mk, width=3, fmt=".0f",
                        line_shape="hv"), secondary_y=False)
    fig.add_trace(_ref_line(lo, hi, float(k), f"all {k} modes"), secondary_y=False)
    fig.add_trace(_line(xq, yq, "high quality (within 3σ)", HQ_COLOR, markers=mk, fmt=".1%"),
                  secondary_y=True)
    S.apply_style(fig, title, uirevision="curves:modes", height=height, per_row=3, fit_px=legend_px)
    fig.update_yaxes(title=dict(text="modes covered", font=dict(color=S.COVERED)), range=[0, k * 1.08 + 0.1],
                     autorange=False, secondary_y=False, tickmode="auto", nticks=min(k + 1, 8),
                     tickformat="d")
    fig.update_yaxes(title=dict(text="high-quality fraction", font=dict(color=HQ_COLOR)), range=[0, 1.08],
                     autorange=False, tickformat=".0%", tickmode="array", tickvals=[0, 0.25, 0.5, 0.75, 1],
                     showgrid=False, secondary_y=True)
    fig.update_xaxes(title=dict(text="generator step"))
    return fig


def gradient_chart(history: Sequence[dict[str, Any]] | None, *, height: int = 420,
                   legend_px: float = S.LEGEND_FIT_PX) -> go.Figure:
    """Input-gradient norms at the fakes on a log axis: ‖∇ₓ ℓ_G‖ (what moves the generator: it
    vanishes when a saturating discriminator wins) and ‖∇ₓ D‖ (≈ 1 for a 1-Lipschitz critic)."""
    title = "Gradients at the generated samples"
    h = history_arrays(history, ["g_grad_norm", "critic_grad_norm"])
    if not _has(h, "g_grad_norm", "critic_grad_norm"):
        return empty_figure("No gradients logged yet: press Play or Step.", title, uirevision="curves:grad")
    xg, yg, _ = _series(h, "g_grad_norm", positive=True)
    xc, yc, _ = _series(h, "critic_grad_norm", positive=True)
    lo, hi = _step_range(xg, xc)
    fig = go.Figure([
        _line(xg, yg, "generator ‖∇ₓ ℓ_G‖", S.FAKE, width=3),
        _line(xc, yc, "critic ‖∇ₓ D‖", S.CRITIC, dash="dash"),
        _ref_line(lo, hi, 1.0, "‖∇ₓ D‖ = 1 (1-Lipschitz)"),
    ])
    S.apply_style(fig, title, uirevision="curves:grad", height=height, per_row=3, fit_px=legend_px)
    fig.update_yaxes(title=dict(text="norm (log scale)"), type="log", **log_ticks(yg, yc, [1.0]))
    fig.update_xaxes(title=dict(text="generator step"))
    return fig


__all__ = ["history_arrays", "losses_chart", "divergences_chart", "critic_estimate_chart", "modes_chart",
           "gradient_chart", "empty_figure", "ESTIMATORS", "LN2"]
