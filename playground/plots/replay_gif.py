"""A run's recorded frames (playground/live/replay.py) as an animated GIF: a fallback for a talk given
without the app. One GIF frame per recorded frame, drawn with Pillow (already installed with
Streamlit) on one fixed 32-colour palette, so nothing is quantised per frame.

- 2D: the critic's landscape as a raster (linear interpolation of its grid, 16 shades of the live
  view's purple scale, normalised per frame like the live view), the real samples (blue) and the
  generated ones (vermillion) as dots, the generator's push as dark segments (the longest 8 % of the
  width, as on the live chart).
- 1D: the data density (blue, filled), the generated density (vermillion), the critic (purple: σ(D)
  for a log-loss critic, else its own range) and D* = p/(p+q) (dark) on axes fixed for the whole run.

Each frame has a title line (data, loss, step) and a bar at the bottom: where the step lies in the run.
At 480 px a 2D frame is ~15 kB of GIF, so a full replay budget (~1,000 frames) is ~14 MB, built at the
click in seconds (benchmarks/results/replay_gif.md).
"""
from __future__ import annotations

import io
from typing import Callable, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..live.replay import Frame
from .style import CRITIC, CRITIC_SCALE, FAKE, OPTIMAL, REAL
from .toy import ARROW_FRACTION

WIDTH = 480          # pixels
TITLE_PX = 46        # the title and legend band
BAR_PX = 14          # the progress band at the bottom
MARGIN = 10
SECONDS = 24.0       # the whole animation lasts about this long, within the frame-time limits
FRAME_MS = (40, 250)  # GIF frame times in 10-ms units; browsers slow frames under 20 ms to 100 ms

# palette indices
WHITE, INK, BLUE, VERMILLION, PURPLE, GRAY, BLUE_FILL, TRACK, DARK = range(9)
SHADES = 16          # landscape levels, palette indices 16..31
FIRST_SHADE = 16


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def _scale_colors(n: int) -> list[tuple[int, int, int]]:
    """n colours evenly along the critic's colour scale (the live landscape's)."""
    pos = np.array([p for p, _ in CRITIC_SCALE])
    rgb = np.array([_rgb(c) for _, c in CRITIC_SCALE], np.float64)
    t = (np.arange(n) + 0.5) / n
    return [tuple(int(round(np.interp(x, pos, rgb[:, j]))) for j in range(3)) for x in t]


def palette() -> list[int]:
    """The GIF's palette, flat RGB, 32 entries."""
    blue = np.array(_rgb(REAL))
    fill = tuple(int(v) for v in np.round(0.18 * blue + 0.82 * 255))
    base = [(255, 255, 255), (34, 34, 34), _rgb(REAL), _rgb(FAKE), _rgb(CRITIC), (170, 170, 170), fill,
            (226, 226, 226), _rgb(OPTIMAL)]
    colors = base + [(255, 255, 255)] * (FIRST_SHADE - len(base)) + _scale_colors(SHADES)
    return [v for c in colors for v in c]


def _fonts() -> tuple:
    """(title, legend) fonts: Pillow's bundled font at 16 and 13 px (its bitmap font without FreeType)."""
    try:
        return ImageFont.load_default(size=16), ImageFont.load_default(size=13)
    except (TypeError, OSError, ImportError):
        return ImageFont.load_default(), ImageFont.load_default()


class Canvas:
    """A palette image with a plot rectangle mapped to data bounds (y up)."""

    def __init__(self, width: int, plot_h: int, bounds: np.ndarray):
        self.w, self.h = width, TITLE_PX + plot_h + BAR_PX
        self.px = np.zeros((self.h, self.w), np.uint8)  # WHITE
        self.bounds = np.asarray(bounds, np.float64)
        self.rect = (MARGIN, TITLE_PX, width - MARGIN, TITLE_PX + plot_h)

    def fit_equal(self) -> None:
        """Equal scales on both axes (2D data), centred in the plot box."""
        (x0, x1), (y0, y1) = self.bounds
        l, t, r, b = self.rect
        s = min((r - l) / max(x1 - x0, 1e-12), (b - t) / max(y1 - y0, 1e-12))
        w, h = (x1 - x0) * s, (y1 - y0) * s
        l, t = l + ((r - l) - w) / 2, t + ((b - t) - h) / 2
        self.rect = (int(round(l)), int(round(t)), int(round(l + w)), int(round(t + h)))

    def to_px(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        (x0, x1), (y0, y1) = self.bounds
        l, t, r, b = self.rect
        return (l + (np.asarray(x, np.float64) - x0) / max(x1 - x0, 1e-12) * (r - l),
                b - (np.asarray(y, np.float64) - y0) / max(y1 - y0, 1e-12) * (b - t))

    def dots(self, xy: np.ndarray, color: int, radius: int = 2) -> None:
        xy = np.asarray(xy, np.float64).reshape(-1, 2)
        xy = xy[np.isfinite(xy).all(1)]
        px, py = self.to_px(xy[:, 0], xy[:, 1])
        px, py = np.round(px).astype(np.int64), np.round(py).astype(np.int64)
        l, t, r, b = self.rect
        d = np.arange(-radius, radius + 1)
        dx, dy = np.meshgrid(d, d)
        disk = dx ** 2 + dy ** 2 <= radius ** 2 + 0.5
        X = (px[:, None] + dx[disk][None]).ravel()
        Y = (py[:, None] + dy[disk][None]).ravel()
        ok = (X >= l) & (X < r) & (Y >= t) & (Y < b)
        self.px[Y[ok], X[ok]] = color

    def image(self) -> Image.Image:
        im = Image.fromarray(self.px, "P")
        im.putpalette(palette())
        return im


def _interp_index(n_px: int, coords: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Linear interpolation from a grid to n_px pixel centres spanning [lo, hi]: for each pixel the
    grid index below it and the weight of the one above."""
    g = np.asarray(coords, np.float64)
    x = lo + (np.arange(n_px) + 0.5) / n_px * (hi - lo)
    fi = np.clip(np.interp(x, g, np.arange(len(g))), 0, len(g) - 1)
    i0 = np.minimum(np.floor(fi).astype(np.int64), len(g) - 2)
    return i0, (fi - i0).astype(np.float32)


def _landscape(c: Canvas, v: dict) -> None:
    gx, gy = np.asarray(v["grid_x"], np.float64), np.asarray(v["grid_y"], np.float64)
    z = np.asarray(v["critic"], np.float32)
    l, t, r, b = c.rect
    (x0, x1), (y0, y1) = c.bounds
    ok = np.isfinite(z)
    if not ok.any() or len(gx) < 2 or len(gy) < 2:
        c.px[t:b, l:r] = GRAY
        return
    lo, hi = float(z[ok].min()), float(z[ok].max())
    zf = np.where(ok, z, lo)
    ix, tx = _interp_index(r - l, gx, x0, x1)
    iy, ty = _interp_index(b - t, gy, y0, y1)
    iy, ty = iy[::-1], ty[::-1]                     # image rows run downwards
    rows = zf[iy] * (1 - ty)[:, None] + zf[iy + 1] * ty[:, None]
    img = rows[:, ix] * (1 - tx) + rows[:, ix + 1] * tx
    level = np.clip((img - lo) * (SHADES / max(hi - lo, 1e-12)), 0, SHADES - 1).astype(np.uint8)
    block = level + np.uint8(FIRST_SHADE)
    if not ok.all():  # non-finite cells: gray, nearest cell
        ny = np.clip(np.round(iy + ty).astype(np.int64), 0, len(gy) - 1)
        nx = np.clip(np.round(ix + tx).astype(np.int64), 0, len(gx) - 1)
        block[~ok[ny][:, nx]] = GRAY
    c.px[t:b, l:r] = block


def _arrows(draw: ImageDraw.ImageDraw, c: Canvas, at, vec) -> None:
    if at is None or vec is None:
        return
    at, vec = np.asarray(at, np.float64).reshape(-1, 2), np.asarray(vec, np.float64).reshape(-1, 2)
    ok = np.isfinite(at).all(1) & np.isfinite(vec).all(1)
    at, vec = at[ok], vec[ok]
    norms = np.linalg.norm(vec, axis=1)
    if not len(norms) or norms.max() <= 0:
        return
    end = at + vec * (ARROW_FRACTION * (c.bounds[0, 1] - c.bounds[0, 0]) / norms.max())
    (ax, ay), (ex, ey) = c.to_px(at[:, 0], at[:, 1]), c.to_px(end[:, 0], end[:, 1])
    for seg in zip(ax, ay, ex, ey):
        draw.line(seg, fill=INK, width=1)


def _bounds_2d(frame: Frame) -> np.ndarray:
    b = frame.context.bounds
    if b is not None and np.asarray(b).shape == (2, 2):
        return np.asarray(b, np.float64)
    v = frame.views
    return np.array([[v["grid_x"][0], v["grid_x"][-1]], [v["grid_y"][0], v["grid_y"][-1]]], np.float64)


def render_2d(frames: Sequence[Frame], width: int) -> list[Image.Image]:
    out = []
    last = max(frames[-1].step, 1)
    fonts = _fonts()
    for f in frames:
        v = f.views
        c = Canvas(width, width - 2 * MARGIN, _bounds_2d(f))
        c.fit_equal()
        _landscape(c, v)
        im = c.image()
        _arrows(ImageDraw.Draw(im), c, v.get("push_at"), v.get("push"))  # under the samples: a collapsed
        c.px = np.array(im)                                                # cloud stays visible
        c.dots(v.get("real", np.zeros((0, 2))), BLUE)
        c.dots(v.get("fake", np.zeros((0, 2))), VERMILLION)
        im = c.image()
        draw = ImageDraw.Draw(im)
        _frame_text(draw, c, f, last, fonts, LEGEND_2D)
        out.append(im)
    return out


def _curve_px(c: Canvas, x: np.ndarray, y: np.ndarray) -> list[tuple[float, float]]:
    ok = np.isfinite(x) & np.isfinite(y)
    px, py = c.to_px(x[ok], y[ok])
    l, t, r, b = c.rect
    return list(zip(px.tolist(), np.clip(py, t, b).tolist()))


def render_1d(frames: Sequence[Frame], width: int) -> list[Image.Image]:
    """Densities on axes fixed for the whole run: x over every frame's range, y up to 1.15 × the data
    density's peak (a generated spike above is clipped); the critic on the plot's full height."""
    xs = [np.asarray(f.views["x"], np.float64) for f in frames]
    finite = np.concatenate([x[np.isfinite(x)] for x in xs] + [np.zeros(0)])
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    peak = max((float(np.nanmax(f.views["p"])) for f in frames if np.isfinite(f.views["p"]).any()), default=1.0)
    top = 1.15 * peak if peak > 0 else 1.0
    last = max(frames[-1].step, 1)
    fonts = _fonts()
    plot_h = int(width * 0.6)
    out = []
    for f, x in zip(frames, xs):
        v = f.views
        c = Canvas(width, plot_h, np.array([[lo, hi], [0.0, top]]))
        im = c.image()
        draw = ImageDraw.Draw(im)
        l, t, r, b = c.rect
        p = np.asarray(v["p"], np.float64)
        pts = _curve_px(c, x, p)
        if pts:
            draw.polygon([(pts[0][0], b)] + pts + [(pts[-1][0], b)], fill=BLUE_FILL)
            draw.line(pts, fill=BLUE, width=3)
        draw.line(_curve_px(c, x, np.asarray(v["q"], np.float64)), fill=VERMILLION, width=3)
        crit = np.asarray(v["critic"], np.float64)
        if f.context.log_loss:
            unit = 1.0 / (1.0 + np.exp(-np.clip(crit, -60, 60)))
        else:
            ok = np.isfinite(crit)
            cl, ch = (float(crit[ok].min()), float(crit[ok].max())) if ok.any() else (0.0, 1.0)
            unit = 0.05 + 0.9 * (crit - cl) / max(ch - cl, 1e-12)
        draw.line(_curve_px(c, x, unit * top), fill=PURPLE, width=2)
        if v.get("d_star") is not None:
            draw.line(_curve_px(c, x, np.asarray(v["d_star"], np.float64) * top), fill=DARK, width=1)
        draw.line([(l, b), (r, b)], fill=GRAY, width=1)
        _frame_text(draw, c, f, last, fonts, LEGEND_1D_LOG if f.context.log_loss else LEGEND_1D)
        out.append(im)
    return out


# legend entries: (label, palette index, "dot" or "line")
LEGEND_2D = [("real", BLUE, "dot"), ("generated", VERMILLION, "dot"), ("generator push", INK, "line")]
LEGEND_1D = [("data p", BLUE, "line"), ("generated q", VERMILLION, "line"), ("critic D", PURPLE, "line")]
LEGEND_1D_LOG = LEGEND_1D[:2] + [("P(real)", PURPLE, "line"), ("optimal D*", DARK, "line")]


def _frame_text(draw: ImageDraw.ImageDraw, c: Canvas, f: Frame, last: int, fonts, legend) -> None:
    """The title line (data, loss, step), a legend line under it, and where the step lies in the run."""
    ctx = f.context
    draw.text((MARGIN, 4), f"{ctx.dataset_label} · {ctx.loss_label} · step {f.step:,}", fill=INK, font=fonts[0])
    x, y = MARGIN, TITLE_PX - 19
    for label, color, how in legend:
        if how == "dot":
            draw.ellipse((x + 2, y + 5, x + 10, y + 13), fill=color)
        else:
            draw.line((x, y + 9, x + 14, y + 9), fill=color, width=3)
        draw.text((x + 18, y), label, fill=INK, font=fonts[1])
        x += 18 + int(draw.textlength(label, font=fonts[1])) + 12
    y = c.h - BAR_PX // 2
    draw.line([(MARGIN, y), (c.w - MARGIN, y)], fill=TRACK, width=4)
    draw.line([(MARGIN, y), (MARGIN + (c.w - 2 * MARGIN) * min(f.step / last, 1.0), y)], fill=INK, width=4)


RENDERERS: dict[str, Callable[[Sequence[Frame], int], list[Image.Image]]] = {"2d": render_2d, "1d": render_1d}


def frame_ms(n: int, seconds: float = SECONDS) -> int:
    """Milliseconds per frame so n frames last about `seconds`, in 10-ms units within FRAME_MS."""
    ms = int(round(seconds * 1000 / max(n, 1) / 10)) * 10
    return int(min(max(ms, FRAME_MS[0]), FRAME_MS[1]))


def gif_bytes(frames: Sequence[Frame], width: int = WIDTH, seconds: float = SECONDS) -> bytes:
    """The frames as an animated GIF, looping, one GIF frame per frame (the steps differ, so no two
    are merged)."""
    if not frames:
        raise ValueError("no frames recorded")
    kind = frames[0].context.kind
    images = RENDERERS[kind]([f for f in frames if f.context.kind == kind], width)
    buf = io.BytesIO()
    images[0].save(buf, "GIF", save_all=True, append_images=images[1:], duration=frame_ms(len(images), seconds),
                   loop=0, optimize=False)
    return buf.getvalue()


__all__ = ["gif_bytes", "render_2d", "render_1d", "RENDERERS", "frame_ms", "palette", "WIDTH"]
