"""The live main view as a canvas frame: Snapshot -> a plain dict that the browser's canvas renderer
(`playground/ui/live_view.js`) draws and moves toward, at display rate, until the next frame.

A frame holds what `toy.landscape_2d` / `toy.distributions_1d` draw, as float32 arrays (base64, little
endian) plus the texts: the title, the subtitle lines, the legend entries with their counts ("modes
covered (8/8)", "generated (5 off view)") and the colour scale. The renderer interpolates between two
frames: each fixed-noise sample glides from its place in one frame to its place in the next (the
trainer draws them from one fixed noise batch, so sample i is G(zᵢ) in both), the push arrows ride on
their samples, the generator's map moves point by point and the critic's landscape cross-fades. It
says so under the view, and its title names only steps the run reached ("step b", or "steps a → b"
while it moves from frame a to frame b).

Pure functions, no Streamlit: testable alone (tests/test_canvas.py).
"""
from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np

from .. import one_gaussian
from . import style
from .compare import critic_range, run_color, x_range_1d
from .toy import ARROW_FRACTION, _binned_push, _title, grid_extent, mode_status, shown_ema

# what the view says about its own motion (under the chart, always)
MOTION_NOTE = ("Interpolated between frames: each sample glides to its place in the next frame (same noise z), "
               "the landscape cross-fades.")
MOTION_NOTE_1D = ("Interpolated between frames: each sample glides to its place in the next frame (same noise z), "
                  "the curves blend, the histogram counts the samples as drawn.")


def b64(a: Any, dim: int | None = None) -> str:
    """A float32 little-endian array as base64 (the renderer reads it into a Float32Array); non-finite
    values stay NaN so the renderer can skip them."""
    arr = np.ascontiguousarray(np.asarray(a, dtype="<f4"))
    if dim is not None:
        arr = arr.reshape(-1, dim)
    return base64.b64encode(arr.tobytes()).decode("ascii")


def from_b64(s: str, dim: int | None = None) -> np.ndarray:
    """The inverse of `b64` (tests and tools)."""
    a = np.frombuffer(base64.b64decode(s), dtype="<f4")
    return a.reshape(-1, dim) if dim else a


def frame_id(snap, *extra: Any) -> str:
    """What makes two frames different: the run's step and updates, its history length, the generator
    shown, and any view option (a rerun that sends the same frame again is ignored by the renderer)."""
    cfg = snap.config or {}
    return "|".join(map(str, (snap.step, snap.critic_updates, len(snap.history), cfg.get("g_shown"),
                              cfg.get("g_ema"), *extra)))


def _texts(snap, what: str, notes: list[str], replay_of: int | None = None) -> dict[str, Any]:
    """The title's subject (the renderer adds the step), the subtitle lines and the step; a replayed
    frame says so and names the step the run itself is at."""
    title, sub = _title(snap, what, notes)
    lines = sub.split("<br>")
    out: dict[str, Any] = {"what": what, "subtitle": lines, "step": int(snap.step)}
    if replay_of is not None:
        out["replay_of"] = int(replay_of)
        out["subtitle"] = [f"a recorded frame; the run itself is at step {replay_of:,}"] + lines
    return out


def colorscale() -> list[list[Any]]:
    return [[float(s), c] for s, c in style.CRITIC_SCALE]


def landscape_frame(snap, *, show_map: bool = False, arrow_ref: float | None = None,
                    replay_of: int | None = None) -> dict[str, Any]:
    """The 2D view: critic on its grid, real and generated samples, push arrows on the first samples,
    the modes (covered / missed) and optionally the generator's map. Arrow lengths: the longest arrow
    spans ARROW_FRACTION of the view's width (or `arrow_ref` does), others in proportion."""
    v = snap.views
    b = np.asarray(snap.bounds, np.float64) if snap.bounds is not None else None
    gx, gy = np.asarray(v.get("grid_x", []), np.float32), np.asarray(v.get("grid_y", []), np.float32)
    if b is None or b.shape != (2, 2):
        b = np.array([[gx.min(), gx.max()], [gy.min(), gy.max()]], np.float64) if gx.size and gy.size \
            else np.array([[-1.0, 1.0], [-1.0, 1.0]])
    z = np.asarray(v.get("critic", np.zeros((len(gy), len(gx)))), np.float32)
    finite = np.isfinite(z)
    zmin, zmax = (float(z[finite].min()), float(z[finite].max())) if finite.any() else (0.0, 1.0)
    if zmax - zmin < 1e-9:
        zmin, zmax = zmin - 0.5, zmax + 0.5

    fake_all = np.asarray(v.get("fake", np.zeros((0, 2))), np.float32).reshape(-1, 2)
    fake = fake_all[: style.MAX_POINTS]
    ok = np.isfinite(fake).all(1)
    n_bad = int((~ok).sum())
    inside = ok & ((fake >= b[:, 0]) & (fake <= b[:, 1])).all(1)
    n_out = int((ok & ~inside).sum())
    real = np.asarray(v.get("real", np.zeros((0, 2))), np.float32).reshape(-1, 2)[: style.MAX_POINTS]

    # arrows: on the first k generated samples (the snapshot pushes fake[:k])
    push = np.asarray(v.get("push", np.zeros((0, 2))), np.float32).reshape(-1, 2)
    norms = np.linalg.norm(push, axis=1)
    norms = norms[np.isfinite(norms)]
    top = float(norms.max()) if norms.size else 0.0
    ref = top if arrow_ref is None else float(arrow_ref)
    width = float(b[0, 1] - b[0, 0])
    scale = ARROW_FRACTION * width / ref if ref > 0 and np.isfinite(ref) else 0.0
    push_name = ("push −∇ℓ_G (none)" if not len(push) else "push −∇ℓ_G (all zero)" if scale == 0
                 else f"push −∇ℓ_G ({'ref' if arrow_ref is not None else 'max'} {ref:.3g})")

    fake_name = "generated" + (f" ({n_out} off view)" if n_out else "") + (f" ({n_bad} not finite)" if n_bad else "")
    legend = [{"name": "real data", "kind": "dot", "color": style.REAL},
              {"name": fake_name, "kind": "dot", "color": style.FAKE},
              {"name": push_name, "kind": "arrow", "color": style.PUSH}]
    modes = None
    if snap.modes is not None and np.asarray(snap.modes["centers"]).ndim == 2 \
            and np.asarray(snap.modes["centers"]).shape[1] == 2:
        c = np.asarray(snap.modes["centers"], np.float32)
        cov = mode_status(fake_all, c, snap.modes["sigma"])
        k = len(c)
        modes = {"centers": b64(c, 2), "covered": [bool(x) for x in cov]}
        legend += [{"name": f"modes covered ({int(cov.sum())}/{k})", "kind": "ring", "color": style.COVERED},
                   {"name": f"modes missed ({int((~cov).sum())}/{k})", "kind": "cross", "color": style.MISSED}]
    notes = [f"{n_bad} generated samples are not finite"] if n_bad else []
    gmap = None
    if show_map:
        lines = v.get("map_lines")
        if lines is not None and np.asarray(lines).ndim == 3 and np.asarray(lines).shape[2] == 2:
            lines = np.asarray(lines, np.float32)
            gmap = {"lines": int(lines.shape[0]), "points": int(lines.shape[1]), "xy": b64(lines, 2)}
            legend.append({"name": "generator's map G(z grid)", "kind": "line", "color": "rgba(40,40,40,0.55)"})
            notes.append(v.get("map_note", ""))
        else:
            notes.append("no generator map in this frame")
    texts = _texts(snap, "Critic landscape", notes, replay_of)
    return {
        "kind": "2d", "id": frame_id(snap, show_map, arrow_ref, replay_of), **texts,
        "bounds": [[float(b[0, 0]), float(b[0, 1])], [float(b[1, 0]), float(b[1, 1])]],
        "grid": {"nx": int(len(gx)), "ny": int(len(gy)), "z": b64(z), "zmin": zmin, "zmax": zmax,
                 "finite": bool(finite.any())},
        "colorscale": colorscale(),
        "colorbar": "critic D(x), logit (high = looks real)" if snap.log_loss else "critic D(x) (high = looks real)",
        "real": b64(real, 2), "fake": b64(fake, 2),
        "push": b64(push, 2), "arrow_scale": scale,
        "modes": modes, "map": gmap, "legend": legend,
        "colors": {"real": style.REAL, "fake": style.FAKE, "push": style.PUSH, "covered": style.COVERED,
                   "missed": style.MISSED, "contour": style.CONTOUR_LINE},
        "axes": ["x₁", "x₂"], "note": MOTION_NOTE,
    }


def densities_frame(snap, *, arrow_ref: float | None = None, replay_of: int | None = None) -> dict[str, Any]:
    """The 1D view: data density p, the generated samples (the renderer bins the samples it shows into a
    histogram, so bars move with them), the generated KDE q, the critic (σ(D) and D* for log-loss
    critics, else D) on the right axis, and the push arrows (bin means) under the densities."""
    v = snap.views
    x = np.asarray(v.get("x", np.zeros(0)), np.float32)
    p = np.asarray(v.get("p", np.zeros_like(x)), np.float32)
    q = np.asarray(v.get("q", np.zeros_like(x)), np.float32)
    crit = np.asarray(v.get("critic", np.full_like(x, np.nan)), np.float32)
    fake = np.asarray(v.get("fake", np.zeros(0)), np.float32).ravel()[: style.MAX_POINTS]
    lo, hi = grid_extent(x, snap)
    n_bad = int((~np.isfinite(fake)).sum())
    log_loss = bool(snap.log_loss)
    if log_loss:
        c = np.clip(crit.astype(np.float64), -60, 60)
        right = (1.0 / (1.0 + np.exp(-c))).astype(np.float32)
        ds = v.get("d_star")
        d_star = np.asarray(ds if ds is not None else p / np.maximum(p + q, 1e-30), np.float32)
        right_range = [0.0, 1.04]
    else:
        right, d_star = crit, None
        fin = np.isfinite(crit)
        cmin, cmax = (float(crit[fin].min()), float(crit[fin].max())) if fin.any() else (0.0, 1.0)
        span = max(cmax - cmin, 1e-6)
        right_range = [cmin, cmax + 0.06 * span]
    cfg = snap.config or {}  # a one-Gaussian run on the lesson's data: its divergence's optimum, dotted
    goal = one_gaussian.target(cfg.get("dataset", ""), cfg.get("arch", ""), cfg.get("loss", ""))
    target = None
    if goal is not None and x.size:
        xs = x.astype(np.float64)
        target = np.max([np.exp(-0.5 * ((xs - m) / s) ** 2) / (s * math.sqrt(2 * math.pi)) for m, s in goal[1]],
                        axis=0).astype(np.float32)
    p_max = float(np.nanmax(p)) if np.isfinite(p).any() else 0.0
    q_max = float(np.nanmax(q)) if np.isfinite(q).any() else 0.0
    t_max = float(target.max()) if target is not None else 0.0
    top = max(p_max, min(max(q_max, t_max), 2.5 * p_max if p_max > 0 else q_max)) * 1.12 or 1.0
    px_ = np.asarray(v.get("push_x", np.zeros(0)), np.float64).ravel()
    pv = np.asarray(v.get("push", np.zeros(0)), np.float64).ravel()
    okp = np.isfinite(px_) & np.isfinite(pv)
    bx, bv = _binned_push(px_[okp], pv[okp], lo, hi)
    ref = float(np.abs(bv).max()) if bv.size else 0.0
    ref = ref if arrow_ref is None else float(arrow_ref)
    scale = ARROW_FRACTION * (hi - lo) / ref if ref > 0 and np.isfinite(ref) else 0.0
    notes = ["generated: histogram of the samples shown + Gaussian KDE (Scott)"]
    if q_max > top:
        notes.append(f"generated density peaks at {q_max:.3g} (clipped)")
    if n_bad:
        notes.append(f"{n_bad} non-finite samples dropped")
    legend = [{"name": "data p(x)", "kind": "area", "color": style.REAL},
              {"name": "generated: histogram", "kind": "bar", "color": style.FAKE},
              {"name": "generated: Gaussian KDE q(x)", "kind": "line", "color": style.FAKE}]
    legend += ([{"name": "discriminator σ(D(x))", "kind": "line", "color": style.CRITIC},
                {"name": "optimal D*(x) = p/(p+q)", "kind": "dash", "color": style.OPTIMAL}] if log_loss
               else [{"name": "critic D(x)", "kind": "line", "color": style.CRITIC}])
    if target is not None:
        legend.append({"name": goal[0], "kind": "dash", "color": style.OPTIMAL})
    legend.append({"name": ("push −∂ℓ_G/∂x (bin mean, " + ("ref" if arrow_ref is not None else "max")
                            + f" {ref:.3g})") if scale else "push −∂ℓ_G/∂x (none)", "kind": "arrow", "color": style.PUSH})
    texts = _texts(snap, "Densities", notes, replay_of)
    return {
        "kind": "1d", "id": frame_id(snap, arrow_ref, replay_of), **texts,
        "x": b64(x), "p": b64(p), "q": b64(q), "right": b64(right),
        "d_star": b64(d_star) if d_star is not None else None,
        "target": b64(target) if target is not None else None,
        "fake": b64(fake), "range": [lo, hi], "top": top, "right_range": right_range,
        "right_title": "P(real)" if log_loss else "critic D(x)", "log_loss": log_loss,
        "push_x": b64(bx), "push": b64(bv), "arrow_scale": scale, "bins": 60,
        "legend": legend,
        "colors": {"real": style.REAL, "fake": style.FAKE, "critic": style.CRITIC, "optimal": style.OPTIMAL,
                   "push": style.PUSH},
        "axes": ["x", "density"], "note": MOTION_NOTE_1D,
    }


FRAMES = {"2d": landscape_frame, "1d": densities_frame}


def run_frame(gsnap, i: int, *, shared_scale: bool = True) -> dict[str, Any] | None:
    """Run i of a comparison (compare.GroupSnapshot) as a canvas frame: titled with the run's name in its
    colour, on the axes every panel shares and, in 2D, one colour scale for every critic unless
    `shared_scale=False` (the subtitle says which)."""
    from_ = gsnap.runs[i]
    frame = main_frame(from_)
    if frame is None:
        return None
    beta = shown_ema(from_.config)
    gen = f"EMA generator (β {beta:g})" if beta > 0 else "raw generator"
    if frame["kind"] == "2d":
        rng = critic_range(gsnap) if shared_scale else None
        if rng is not None:
            frame["grid"]["zmin"], frame["grid"]["zmax"] = rng
        scale = "shared critic scale" if shared_scale else "own critic scale"
    else:
        rng = x_range_1d(gsnap)
        if rng is not None:
            frame["range"] = list(rng)
        scale = "histogram + KDE"
    name = gsnap.names[i]
    sub = [f"{from_.loss_label} · {gen} · {scale}"]
    if gsnap.diverged and gsnap.diverged.get("what", "").startswith(f"{name}: "):
        sub.insert(0, f"diverged at step {gsnap.diverged['step']}")
    frame.update(what=name, what_color=run_color(i), subtitle=sub, id=frame["id"] + f"|{i}|{shared_scale}")
    return frame


def main_frame(snap, **kw: Any) -> dict[str, Any] | None:
    """The canvas frame of a toy snapshot (2D or 1D), or None for other kinds (MNIST)."""
    build = FRAMES.get(snap.kind)
    if build is None:
        return None
    if snap.kind == "1d":
        kw.pop("show_map", None)
    return build(snap, **kw)


__all__ = ["landscape_frame", "densities_frame", "main_frame", "run_frame", "frame_id", "b64", "from_b64", "MOTION_NOTE", "FRAMES"]
