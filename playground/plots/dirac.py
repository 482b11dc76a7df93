"""Plot builders for the DiracGAN convergence page: plain numpy in, plotly Figure out (no Streamlit).

    plane_figure        the (θ, ψ) plane: the field as arrows, the trajectory (Play replays it, the
                        slider scrubs it), start, equilibrium, the clipping band / GP's |ψ| = 1 lines,
                        and an invisible grid of points to click on (the page sets the start there)
    distance_figure     ‖(θ, ψ)‖ over iterations on a log axis, with the linearised rate ρᵏ·d₀
    eigen_figure        eigenvalues λ of the flow's Jacobian J and μ of one discrete step on the complex
                        plane, with the unit circle (|μ| < 1: the steps contract) and Re = 0 (Re λ < 0:
                        the flow converges); closed forms as rings around the numerical values
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import style
from .style import f32

TRAJ = style.FAKE          # the generator/critic pair moving: vermillion
START = style.REAL
EQUILIBRIUM = style.OPTIMAL
ARROW = "#A0A0A0"
FLOW_EIG, STEP_EIG = style.CRITIC, style.FAKE
MAX_TRAJ_POINTS = 1500     # drawn points of a trajectory (the first and last kept)
N_FRAMES = 40              # animation frames of the replay (each a full redraw: see plane_figure)
PICK = "pick"              # the name of the clickable grid trace (the page looks for it)


def arrow_segments(theta, psi, dtheta, dpsi, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """One polyline (None-separated, as NaN) of arrows: a shaft from each grid point along (dθ, dψ) and a
    two-stroke head. Lengths ∝ √(|v| / max |v|), at least 30 % of the full 0.8·spacing, so slow regions
    still show their direction; zero vectors are left out."""
    x, y = np.ravel(theta), np.ravel(psi)
    u, v = np.ravel(dtheta), np.ravel(dpsi)
    mag = np.hypot(u, v)
    keep = np.isfinite(mag) & (mag > 1e-12)
    x, y, u, v, mag = x[keep], y[keep], u[keep], v[keep], mag[keep]
    if mag.size == 0:
        return np.zeros(0), np.zeros(0)
    length = 0.8 * spacing * np.clip(np.sqrt(mag / mag.max()), 0.3, 1.0)
    ux, uy = u / mag, v / mag
    tx, ty = x + length * ux, y + length * uy
    head = 0.35 * length
    c, s = np.cos(np.radians(25)), np.sin(np.radians(25))
    # the head's strokes: the reversed direction rotated by ±25°
    lx, ly = tx - head * (c * ux - s * uy), ty - head * (s * ux + c * uy)
    rx, ry = tx - head * (c * ux + s * uy), ty - head * (-s * ux + c * uy)
    nan = np.full_like(x, np.nan)
    xs = np.stack([x, tx, nan, lx, tx, rx, nan], axis=1).ravel()
    ys = np.stack([y, ty, nan, ly, ty, ry, nan], axis=1).ravel()
    return xs, ys


def _finite_prefix(theta, psi) -> tuple[np.ndarray, np.ndarray]:
    theta, psi = np.asarray(theta, np.float64), np.asarray(psi, np.float64)
    ok = np.isfinite(theta) & np.isfinite(psi)
    n = int(np.argmin(ok)) if not ok.all() else len(ok)
    return theta[:n], psi[:n]


def plane_figure(grid_theta, grid_psi, dtheta, dpsi, theta, psi, *, extent: float, title: str,
                 subtitle: str = "", reg: str = "none", clip: float | None = None, pick_n: int = 25,
                 n_frames: int = N_FRAMES,
                 uirevision: str = "cv_plane", height: int = 820) -> go.Figure:
    """The (θ, ψ) plane on [−extent, extent]², equal scales. grid_* / d*: the field on a grid (arrows);
    theta, psi: the trajectory (NaN after an escape). The full path is drawn at once; ▶ replays it in
    `n_frames` frames and the slider below scrubs through the iterations. A transparent `pick_n` × `pick_n`
    grid of points (trace name "pick") makes the empty plane clickable."""
    grid_theta = np.asarray(grid_theta, np.float64)
    spacing = float(np.ptp(grid_theta)) / max(1, grid_theta.shape[-1] - 1) if grid_theta.size > 1 else extent
    ax, ay = arrow_segments(grid_theta, grid_psi, dtheta, dpsi, spacing)
    th, ps = _finite_prefix(theta, psi)
    n = len(th)
    idx = style.even_subsample(n, MAX_TRAJ_POINTS) if n else np.zeros(0, np.int64)
    tx, ty = th[idx], ps[idx]
    lim = [-extent, extent]

    fig = go.Figure()
    if reg == "clip" and clip is not None and clip < extent:
        # the band the clipped critic lives in: outside it is out of reach
        for y0, y1 in ((clip, extent * 1.5), (-extent * 1.5, -clip)):
            fig.add_shape(type="rect", x0=-extent * 1.5, x1=extent * 1.5, y0=y0, y1=y1, line_width=0,
                          fillcolor="rgba(120, 120, 120, 0.16)", layer="below")
        fig.add_annotation(x=-extent, y=clip, xanchor="left", yanchor="bottom", showarrow=False,
                           text=f"ψ clipped to [−{clip:g}, {clip:g}]: the grey is out of reach",
                           font=dict(size=style.TICK_SIZE, color="#444444"), bgcolor="rgba(255,255,255,0.75)")
    if reg == "gp" and extent > 1:
        for y in (1.0, -1.0):
            fig.add_shape(type="line", x0=-extent * 1.5, x1=extent * 1.5, y0=y, y1=y,
                          line=dict(color=style.REFERENCE, dash="dot", width=1.5))
        fig.add_annotation(x=-extent, y=1.0, xanchor="left", yanchor="bottom", showarrow=False,
                           text="|ψ| = 1: where the gradient penalty is 0",
                           font=dict(size=style.TICK_SIZE, color="#444444"), bgcolor="rgba(255,255,255,0.75)")
    fig.add_trace(go.Scatter(x=f32(ax), y=f32(ay), mode="lines", name="v(θ, ψ)",
                             line=dict(color=ARROW, width=1.3), hoverinfo="skip"))
    pick = np.linspace(-extent, extent, pick_n)
    px, py = np.meshgrid(pick, pick)
    fig.add_trace(go.Scatter(x=f32(px.ravel()), y=f32(py.ravel()), mode="markers", name=PICK, showlegend=False,
                             marker=dict(size=max(8, 500 // pick_n), color="rgba(0, 0, 0, 0)"),
                             hovertemplate="click to start here<br>θ = %{x:.2f}, ψ = %{y:.2f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=f32(tx), y=f32(ty), mode="lines", name="path", line=dict(color=TRAJ, width=2.5),
                             customdata=f32(idx),
                             hovertemplate="iteration %{customdata:.0f}<br>θ = %{x:.4g}, ψ = %{y:.4g}"
                                           "<extra></extra>"))
    now = [n - 1] if n else []
    fig.add_trace(go.Scatter(x=f32(th[now]), y=f32(ps[now]), mode="markers", name="now",
                             marker=dict(color=TRAJ, size=13, line=dict(color="white", width=1.5)),
                             hovertemplate="now: θ = %{x:.4g}, ψ = %{y:.4g}<extra></extra>"))
    fig.add_trace(go.Scatter(x=f32(th[:1]), y=f32(ps[:1]), mode="markers", name="start",
                             marker=dict(color=START, size=13, symbol="circle", line=dict(color="white", width=1.5)),
                             hovertemplate="start: θ = %{x:.3g}, ψ = %{y:.3g}<extra></extra>"))
    fig.add_trace(go.Scatter(x=f32([0.0]), y=f32([0.0]), mode="markers", name="equilibrium",
                             marker=dict(color=EQUILIBRIUM, size=17, symbol="star"),
                             hovertemplate="equilibrium: θ = 0 (on the data), ψ = 0<extra></extra>"))
    traj_i, now_i = 2, 3

    # Frames redraw the whole plot (redraw=True): after an animation without redraws plotly.js stops
    # firing click events, and the page's click-to-start would die after the first replay.
    if n > 1 and n_frames > 1:
        cuts = np.unique(np.linspace(1, len(idx), n_frames).round().astype(int))
        frames, steps = [], []
        for j, cut in enumerate(cuts):
            k = int(idx[cut - 1])
            frames.append(go.Frame(name=str(j), traces=[traj_i, now_i],
                                   data=[go.Scatter(x=f32(tx[:cut]), y=f32(ty[:cut])),
                                         go.Scatter(x=f32(th[[k]]), y=f32(ps[[k]]))]))
            steps.append(dict(method="animate", label=str(k),
                              args=[[str(j)], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                                   transition=dict(duration=0))]))
        fig.frames = frames
        fig.update_layout(
            updatemenus=[dict(type="buttons", direction="left", x=0.0, xanchor="left", y=-0.2, yanchor="top",
                              pad=dict(t=0, r=10), showactive=False, font=dict(size=style.TICK_SIZE),
                              buttons=[dict(label="▶ Replay", method="animate",
                                            args=[None, dict(frame=dict(duration=30, redraw=True),
                                                             transition=dict(duration=0), fromcurrent=False,
                                                             mode="immediate")]),
                                       dict(label="❚❚", method="animate",
                                            args=[[None], dict(frame=dict(duration=0, redraw=True),
                                                               mode="immediate")])])],
            sliders=[dict(active=len(steps) - 1, steps=steps, x=0.3, len=0.7, y=-0.2, yanchor="top",
                          pad=dict(t=0, b=0), font=dict(size=12),
                          currentvalue=dict(prefix="iteration ", font=dict(size=style.TICK_SIZE)))])
    fig.update_xaxes(range=lim, autorange=False, title_text="θ: where the generator's point mass sits",
                     zeroline=True, constrain="domain")
    fig.update_yaxes(range=lim, autorange=False, title_text="ψ: the critic's slope, D(x) = ψx",
                     scaleanchor="x", scaleratio=1, zeroline=True, constrain="domain")
    apply = style.apply_style(fig, title, uirevision=uirevision, height=height, per_row=5,
                              margin=dict(b=190 if fig.frames else 60), fit_px=style.MAIN_FIT_PX,
                              subtitle=subtitle)
    apply.update_layout(dragmode=False)   # a drag would zoom away from the plane the arrows cover
    return apply


def distance_figure(distance, *, rho: float | None = None, title: str = "Distance to the equilibrium",
                    uirevision: str = "cv_distance", height: int = 340) -> go.Figure:
    """‖(θ_k, ψ_k)‖ against the iteration k on a log axis (an escape ends the curve). With the spectral
    radius ρ = max|μ| of one linearised step, the dashed line ρᵏ·d₀ is what linear theory predicts near
    the equilibrium: its slope is log ρ."""
    d = np.asarray(distance, np.float64)
    ok = np.isfinite(d) & (d > 0)
    k = np.arange(len(d))
    if not ok.any():
        return style.empty_figure("Nothing to draw: the run has no finite point.", title, height=height,
                                  uirevision=uirevision)
    idx = style.even_subsample(len(d), style.MAX_CURVE_POINTS)
    idx = idx[ok[idx]]
    fig = go.Figure()
    fig.add_trace(style.line(f32(k[idx]), d[idx], "‖(θ, ψ)‖", TRAJ, fmt=".3g"))
    last = int(k[ok][-1])
    if rho is not None and np.isfinite(rho) and rho > 0:
        pred = d[0] * np.exp(k[idx] * np.log(rho))
        pred = np.where((pred > 1e-300) & (pred < 1e300), pred, np.nan)
        fig.add_trace(style.line(f32(k[idx]), pred, f"linear theory ρᵏ·d₀, ρ = {rho:.6f}", style.REFERENCE,
                                 dash="dash", width=2, fmt=".3g"))
    lo, hi = float(d[ok].min()), float(d[ok].max())
    lo, hi = max(lo, 1e-300), max(hi, lo * 10)
    decades = np.log10(hi) - np.log10(lo)
    # a short range gets 1-2-5 labels, a long one a label per decade (or fewer): never a crowd
    ticks = dict(dtick="D2", tickformat=".3~g") if decades < 2.5 else dict(dtick=max(1, int(decades // 6) + 1),
                                                                           exponentformat="power")
    fig.update_yaxes(type="log", title_text="distance (log scale)", **ticks,
                     range=[np.log10(lo) - 0.15, np.log10(hi) + 0.15])
    fig.update_xaxes(title_text="iteration", range=[0, max(1, len(d) - 1)])
    if last < len(d) - 1:   # bottom right: an escaping curve rises from the bottom left
        fig.add_annotation(x=len(d) - 1, y=np.log10(lo), xanchor="right", yanchor="bottom", showarrow=False,
                           text=f"escaped (‖·‖ > 10⁶) at iteration {last + 1}", font=dict(color=TRAJ))
    return style.apply_style(fig, title, uirevision=uirevision, height=height, per_row=1)


def _unit_circle(n: int = 181) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0, 2 * np.pi, n)
    return np.cos(t), np.sin(t)


def eigen_figure(flow, step, *, flow_closed=None, step_closed=None, title: str = "Eigenvalues at (0, 0)",
                 subtitle: str = "",
                 uirevision: str = "cv_eigen", height: int = 380) -> go.Figure:
    """flow: eigenvalues λ of J (stable: Re λ < 0); step: eigenvalues μ of one discrete iteration
    (stable: |μ| < 1, inside the unit circle). The *_closed values are drawn as rings around them."""
    flow, step = np.asarray(flow, np.complex128), np.asarray(step, np.complex128)
    fig = go.Figure()
    cx, cy = _unit_circle()
    fig.add_trace(go.Scatter(x=f32(cx), y=f32(cy), mode="lines", name="unit circle |μ| = 1",
                             line=dict(color=style.REFERENCE, dash="dash", width=1.8), hoverinfo="skip"))
    pts = np.concatenate([flow, step, [0j, 1 + 1j, -1 - 1j]])
    for vals, name, colour, symbol in ((flow, "λ of J (flow)", FLOW_EIG, "x"),
                                       (step, "μ of one step", STEP_EIG, "circle")):
        fig.add_trace(go.Scatter(x=f32(vals.real), y=f32(vals.imag), mode="markers", name=name,
                                 marker=dict(color=colour, size=12, symbol=symbol),
                                 customdata=f32(np.abs(vals)),
                                 hovertemplate=f"{name.split()[0]} = %{{x:.4f}} %{{y:+.4f}}i, "
                                               "|·| = %{customdata:.4f}<extra></extra>"))
    closed = [np.asarray(v, np.complex128) for v in (flow_closed, step_closed) if v is not None]
    if closed:
        c = np.concatenate(closed)
        fig.add_trace(go.Scatter(x=f32(c.real), y=f32(c.imag), mode="markers", name="closed form",
                                 marker=dict(color=style.OPTIMAL, size=22, symbol="circle-open",
                                             line=dict(width=1.5)),
                                 hovertemplate="closed form: %{x:.4f} %{y:+.4f}i<extra></extra>"))
    r = float(np.max(np.abs(np.concatenate([pts.real, pts.imag])))) * 1.15
    fig.update_xaxes(title_text="real part", range=[-r, r], zeroline=True, zerolinecolor="#777777",
                     zerolinewidth=1.5)
    fig.update_yaxes(title_text="imaginary part", range=[-r, r], scaleanchor="x", scaleratio=1,
                     constrain="domain")
    return style.apply_style(fig, title, uirevision=uirevision, height=height, per_row=2, subtitle=subtitle)


__all__ = ["arrow_segments", "plane_figure", "distance_figure", "eigen_figure", "PICK", "N_FRAMES"]
