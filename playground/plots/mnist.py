"""Pure plot builders for the MNIST page: Snapshot views / history -> plotly Figure (no Streamlit here).

The image views come from `playground.datasets.mnist.image_view`: `grid` (224, 224) in [0, 1] is
G(fixed noise)[:64] as 8×8 tiles (the same z every time, so the same digits evolve), `class_hist`
and `train_hist` (10,) are the generated and the training subset's class shares, `tile_labels` /
`tile_confidence` (64,) the classifier's verdict per tile, `fid_floor` the Fréchet distance of real
training digits to the test set.

- `sample_grid_figure`: the 8×8 grid as one greyscale PNG (`go.Image` with a data URI: ~30 kB a frame
  instead of ~270 kB for a float heatmap), square, no axes, thin gaps between tiles; hovering a tile
  shows what the classifier says it is.
- `class_histogram_figure`: generated share per class next to the training subset's share; a class of
  the subset with (almost) no samples is marked "missing" (mode collapse).
- `label_histogram_figure`: for data the digit classifier cannot judge (uploads): the training
  images per label, the classes trained on coloured.
- `frechet_chart`, `modes_confidence_chart`: curves over training (Fréchet distance on a log axis with
  its real-vs-real floor dashed; modes covered and mean confidence).
- `gallery_figure` + `update_gallery`: a strip of small grids kept at milestones of one run.
- `png_bytes`: a greyscale PNG encoder (numpy + zlib; no image library needed).
"""
from __future__ import annotations

import base64
import struct
import zlib
from typing import Any, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..metric_specs import spec
from . import style
from .curves import STEP_AXIS, history_arrays, log_ticks, many_points, series
from .style import empty_figure, f32, line, ref_line, step_range

TILES = 8           # the grid is TILES × TILES tiles of 28 × 28 pixels
TILE = 28
GAP = 2             # pixels between tiles in the drawn grid
GAP_VALUE = 0.35    # grey of the gaps (0 = black, 1 = white)
MISSING_AT = 0.01   # a class of the subset with less than this share is drawn as missing (= not covered)
GALLERY_CAP = 8
CONFIDENCE = style.REAL


# ----- images --------------------------------------------------------------------------------------
def to_uint8(img: Any) -> np.ndarray:
    """A 2D image in [0, 1] (float) or uint8 -> uint8; NaN -> 0."""
    a = np.asarray(img)
    if a.dtype == np.uint8:
        return a
    a = np.nan_to_num(a.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    return (np.clip(a, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def png_bytes(img: Any) -> bytes:
    """Encode a 2D greyscale image (float in [0, 1] or uint8) as an 8-bit PNG."""
    a = to_uint8(img)
    if a.ndim != 2:
        raise ValueError(f"png_bytes wants a 2D image, got shape {a.shape}")
    h, w = a.shape
    raw = np.concatenate([np.zeros((h, 1), np.uint8), a], axis=1).tobytes()  # filter type 0 per row

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)  # 8-bit greyscale, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def data_uri(img: Any) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(img)).decode("ascii")


def grid_png(grid: Any, scale: int = 2) -> bytes:
    """The sample grid for download: tiles separated by gaps, each pixel `scale`×`scale`."""
    img = with_gaps(grid)
    return png_bytes(np.kron(img, np.ones((scale, scale), np.uint8)) if scale > 1 else img)


def with_gaps(grid: Any, tiles: int = TILES, gap: int = GAP, value: float = GAP_VALUE) -> np.ndarray:
    """(tiles·28, tiles·28) -> the same tiles separated (and framed) by `gap` grey pixels, uint8."""
    g = to_uint8(grid)
    t = g.shape[0] // tiles
    size = tiles * t + (tiles + 1) * gap
    out = np.full((size, size), int(round(value * 255)), np.uint8)
    for r in range(tiles):
        for c in range(tiles):
            y, x = gap + r * (t + gap), gap + c * (t + gap)
            out[y:y + t, x:x + t] = g[r * t:(r + 1) * t, c * t:(c + 1) * t]
    return out


def downsample(grid: Any, factor: int = 2) -> np.ndarray:
    """Mean-pool a 2D image by `factor` (uint8 out): small copies for the gallery."""
    a = to_uint8(grid).astype(np.float32)
    h, w = (a.shape[0] // factor) * factor, (a.shape[1] // factor) * factor
    a = a[:h, :w].reshape(h // factor, factor, w // factor, factor).mean((1, 3))
    return (a + 0.5).astype(np.uint8)


def _image_axes(fig: go.Figure, width: int, height: int) -> None:
    fig.update_xaxes(visible=False, range=[-0.5, width - 0.5], constrain="domain")
    fig.update_yaxes(visible=False, range=[height - 0.5, -0.5], scaleanchor="x", scaleratio=1,
                     constrain="domain")


def sample_grid_figure(views: dict[str, Any], step: int, *, show_labels: bool = False,
                       height: int = 560, title: str | None = None, ema: float = 0.0,
                       image: str = "grid", subtitle: str | None = None) -> go.Figure:
    """The 8×8 grid of G(fixed noise) (or of views[`image`], e.g. "real_grid") as a square greyscale
    image without axes. Hover: the classifier's label and confidence per tile where the view has them;
    `show_labels` also writes them on the tiles. `ema`: the generator's weight-average β when the
    samples come from the average (said in the subtitle)."""
    title = title or f"Samples at step {step:,}"  # short: the grid's column can be ~450 px wide
    revision = f"mnist:{image}"
    if views.get(image) is None:
        return empty_figure("No samples yet.", title, height=height, uirevision=revision)
    img = with_gaps(views[image])
    size = img.shape[0]
    fig = go.Figure()
    verdict = "hover a tile for the classifier's verdict" if views.get("tile_labels") is not None else ""
    sub = "the same 64 noise vectors at every step" + (f"; {verdict}" if verdict else "")
    if ema > 0:
        sub = f"the same 64 noise vectors · weight-averaged G (EMA β = {ema:g})" + (f"<br>{verdict}" if verdict else "")
    # style first: style.apply_style counts legend entries and Image traces have no `showlegend`
    style.apply_style(fig, title, uirevision=revision, height=height, subtitle=subtitle or sub,
                  margin=dict(l=4, r=4, b=4, t=78))
    fig.update_layout(margin=dict(t=max(78, style.top_margin(fig, 0))))  # a subtitle wrapped to three lines
    fig.add_trace(go.Image(source=data_uri(img), x0=0, y0=0, dx=1, dy=1, hoverinfo="skip"))
    labels, conf = views.get("tile_labels"), views.get("tile_confidence")
    names = list(np.asarray(views.get("class_names", [str(d) for d in range(10)])).astype(str))
    t = (size - (TILES + 1) * GAP) // TILES
    centres = GAP + np.arange(TILES) * (t + GAP) + t / 2.0 - 0.5
    cx, cy = np.meshgrid(centres, centres)
    if labels is not None and conf is not None and len(labels) >= TILES * TILES:
        labels = np.asarray(labels)[: TILES * TILES]
        conf = f32(conf)[: TILES * TILES]
        text = [f"classifier: {names[int(k)]} ({c:.0%})" for k, c in zip(labels, conf)]
        fig.add_trace(go.Scatter(x=f32(cx.ravel()), y=f32(cy.ravel()), mode="markers", showlegend=False,
                                 marker=dict(size=24, opacity=0, color="white"), hovertext=text,
                                 hovertemplate="%{hovertext}<extra></extra>"))
        if show_labels:  # top-left corner of each tile, on a dark box; colour = confidence
            for x, y, k, c in zip(cx.ravel() - t / 2, cy.ravel() - t / 2, labels, conf):
                color = "#7CFC8A" if c >= 0.9 else ("#FFD166" if c >= 0.5 else "#FF7B7B")
                fig.add_annotation(x=float(x), y=float(y), xref="x", yref="y", text=f"<b>{names[int(k)]}</b>",
                                   showarrow=False, xanchor="left", yanchor="top", bgcolor="rgba(0,0,0,0.7)",
                                   borderpad=1, font=dict(size=14, color=color))
    fig.update_layout(showlegend=False, hovermode="closest", dragmode=False)
    _image_axes(fig, size, size)
    return fig


# ----- class histogram -----------------------------------------------------------------------------
def class_histogram_figure(views: dict[str, Any], *, height: int = 430,
                           legend_px: float = style.LEGEND_FIT_PX) -> go.Figure:
    """Share of the generated samples the classifier gives each class (bars) next to the training
    subset's share (what a perfect generator would match). Classes of the subset that get less than
    1 % are marked "missing": mode collapse shows as missing bars."""
    title = "Which digits does the generator make?"
    gen, train = views.get("class_hist"), views.get("train_hist")
    if gen is None or train is None:
        return empty_figure("The classifier was trained on MNIST digits only: no class histogram "
                            "for this data set.", title, height=height, uirevision="mnist:hist")
    gen, train = f32(gen), f32(train)
    names = [str(n) for n in np.asarray(views.get("class_names", [str(d) for d in range(10)]))]
    classes = set(int(c) for c in np.asarray(views.get("classes", np.flatnonzero(train > 0))))
    fig = go.Figure([
        go.Bar(x=names, y=train, name="training data (expected)", marker=dict(color=style.REAL, opacity=0.35),
               hovertemplate="%{x}: %{y:.1%} of the training digits<extra></extra>"),
        go.Bar(x=names, y=gen, name="generated (classifier's verdict)", marker=dict(color=style.FAKE),
               hovertemplate="%{x}: %{y:.1%} of the generated digits<extra></extra>"),
    ])
    top = float(max(gen.max(initial=0.0), train.max(initial=0.0), 0.05)) * 1.18
    missing = [i for i in sorted(classes) if i < len(gen) and gen[i] < MISSING_AT]
    for i in missing:
        fig.add_annotation(x=names[i], y=0, yref="y", text="✗", showarrow=False, yshift=12,
                           font=dict(size=style.FONT_SIZE + 2, color="#B00020"))
    covered = len(classes) - len(missing)
    off = float(gen[[i for i in range(len(gen)) if i not in classes]].sum()) if len(classes) < len(gen) else 0.0
    n = views.get("class_hist_n")
    sub = (f"{int(n)} samples · " if n is not None else "") + f"{covered} of {len(classes)} classes covered (≥ 1 %)"
    more = []  # on a line of their own: one line of all of it is clipped in a half-width column
    if missing:
        more.append("✗ missing: " + ", ".join(names[i] for i in missing))
    if len(classes) < len(gen):
        more.append(f"outside the subset: {off:.0%}")
    if more:
        sub += "<br>" + " · ".join(more)
    style.apply_style(fig, title, subtitle=sub, uirevision="mnist:hist", height=height, per_row=2, fit_px=legend_px)
    fig.update_layout(barmode="group", bargap=0.2, bargroupgap=0.05)
    fig.update_xaxes(title=dict(text="class (MNIST classifier)"), type="category", ticks="")
    fig.update_yaxes(title=dict(text="share of samples"), range=[0, top], tickformat=".0%")
    return fig


def label_histogram_figure(views: dict[str, Any], *, height: int = 430) -> go.Figure:
    """Images per label in the training split of data the digit classifier cannot judge (an upload):
    the classes trained on in the data colour, the others grey. Without labels: a note saying so."""
    title = "Your training images per label"
    counts = views.get("label_counts")
    if counts is None or not int(np.asarray(views.get("labelled", 0))):
        return empty_figure("These images came without labels: there is no label histogram, and the GAN "
                            "learns all of them.", title, height=height, uirevision="mnist:labels")
    counts = np.asarray(counts, np.int64)
    names = [str(n) for n in np.asarray(views.get("class_names", [str(d) for d in range(10)]))][: len(counts)]
    classes = set(int(c) for c in np.asarray(views.get("classes", np.flatnonzero(counts))))
    trained = [i in classes for i in range(len(counts))]
    colors = [style.REAL if t else "#BBBBBB" for t in trained]
    fig = go.Figure(go.Bar(x=names, y=f32(counts), marker=dict(color=colors),
                           customdata=np.array(["trained on" if t else "not in the subset" for t in trained]),
                           hovertemplate="%{x}: %{y:,} images (%{customdata})<extra></extra>", showlegend=False))
    n_in = int(counts[[i for i in range(len(counts)) if trained[i]]].sum())
    present = int((counts > 0).sum())
    sub = f"{int(counts.sum()):,} images, {present} labels"
    if len(classes) < present:
        sub += f" · training on {len(classes)} of them ({n_in:,} images; grey: left out)"
    style.apply_style(fig, title, subtitle=sub, uirevision="mnist:labels", height=height)
    fig.update_xaxes(title=dict(text="label"), type="category", ticks="")
    fig.update_yaxes(title=dict(text="training images"), rangemode="tozero", tickformat=",d")
    return fig


# ----- curves --------------------------------------------------------------------------------------
def frechet_chart(history: Sequence[dict[str, Any]] | None, floor: float | None = None, *, height: int = 420,
                  legend_px: float = style.LEGEND_FIT_PX) -> go.Figure:
    """Fréchet distance between the classifier features of the fakes and of real held-out digits,
    on a log axis; `floor` (real training digits vs the test set) dashed: the best a generator can do."""
    title = "Fréchet distance to real digits"
    fid = spec("fid", "image")
    h = history_arrays(history, ["fid"])
    x, y, _ = series(h, "fid", positive=fid.log)
    if not np.isfinite(y).any():
        return empty_figure("No evaluation yet: press Play or Step.", title, height=height, uirevision="mnist:fid")
    lo, hi = step_range(x)
    fig = go.Figure([line(x, y, "generated vs test digits", style.FAKE, fmt=fid.fmt, markers=not many_points(y))])
    vals = [y]
    if floor is not None and np.isfinite(floor) and floor > 0:
        fig.add_trace(ref_line(lo, hi, float(floor), f"floor ≈ {floor:.2g} ({fid.floor_note})"))
        vals.append(f32([floor]))
    style.apply_style(fig, title, subtitle=f"{fid.estimator}; {fid.better} is better",
                      uirevision="mnist:fid", height=height, per_row=2, fit_px=legend_px)
    fig.update_yaxes(title=dict(text=fid.axis_title), **(dict(type="log", **log_ticks(*vals)) if fid.log else {}))
    fig.update_xaxes(title=dict(text=STEP_AXIS))
    return fig


def modes_confidence_chart(history: Sequence[dict[str, Any]] | None, *, height: int = 420,
                           legend_px: float = style.LEGEND_FIT_PX) -> go.Figure:
    """Classes covered (of those trained on, left axis) and the classifier's mean confidence on the
    generated digits (right axis): blurry digits have low confidence, collapse loses classes."""
    title = "Modes covered and confidence"
    cov, conf = spec("modes_covered", "image"), spec("mean_confidence", "image")
    h = history_arrays(history, ["modes_covered", "n_modes", "mean_confidence"])
    xc, yc, _ = series(h, "modes_covered")
    xm, ym, _ = series(h, "mean_confidence")
    if not (np.isfinite(yc).any() or np.isfinite(ym).any()):
        return empty_figure("No evaluation yet: press Play or Step.", title, height=height,
                            uirevision="mnist:modes")
    n = h["n_modes"][np.isfinite(h["n_modes"])]
    k = int(n[-1]) if n.size else 10
    lo, hi = step_range(xc, xm)
    mk = not many_points(yc, ym)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(line(xc, yc, f"{cov.name} (of {k})", style.COVERED, fmt=cov.fmt, markers=mk, line_shape="hv"),
                  secondary_y=False)
    fig.add_trace(ref_line(lo, hi, float(k), f"all {k}"), secondary_y=False)
    fig.add_trace(line(xm, ym, conf.name, CONFIDENCE, fmt=conf.fmt, markers=mk), secondary_y=True)
    # the right axis (ticks and title) takes ~60 px more than the template's right margin: the legend has less room
    style.apply_style(fig, title, uirevision="mnist:modes", height=height, per_row=3, fit_px=legend_px - 60)
    fig.update_yaxes(title=dict(text=cov.axis_title, font=dict(color=style.COVERED)), range=[0, k * 1.08 + 0.1],
                     autorange=False, tickformat="d", nticks=min(k + 1, 8), secondary_y=False)
    fig.update_yaxes(title=dict(text=conf.axis_title, font=dict(color=CONFIDENCE)), range=[0, 1.05],
                     autorange=False, tickformat=".0%", tickmode="array", tickvals=[0, 0.25, 0.5, 0.75, 1],
                     showgrid=False, secondary_y=True)
    fig.update_xaxes(title=dict(text=STEP_AXIS))
    return fig


# ----- the timeline gallery ------------------------------------------------------------------------
def milestones_between(after: int, upto: int, every: int | None) -> list[int]:
    """Milestone steps m with after < m ≤ upto. every=None: 10, 25, 50, 100, 250, 500, 1000, …
    (dense early, where the samples change fastest); else multiples of `every`."""
    if upto <= after:
        return []
    if every:
        first = (after // every + 1) * every
        return list(range(first, upto + 1, every))
    out, decade = [], 10
    while decade <= upto:
        out += [m for m in (decade, decade * 5 // 2, decade * 5) if after < m <= upto]
        decade *= 10
    return out


def update_gallery(gallery: dict[str, Any] | None, step: int, grid: Any, run_id: Any, *,
                   every: int | None = None, cap: int = GALLERY_CAP) -> dict[str, Any]:
    """Keep a small copy of `grid` when the run passed a milestone since the last kept one (or it is
    the run's first frame); a new run (other `run_id`, or the step went back) starts over. At most
    `cap` items, the oldest dropped. Returns the (possibly new) gallery dict {"run", "items"}, items
    being (step, uint8 image) pairs."""
    if gallery is None or gallery.get("run") != run_id or (gallery["items"] and step < gallery["items"][-1][0]):
        gallery = {"run": run_id, "items": []}
    items = gallery["items"]
    if grid is None:
        return gallery
    if not items or (step != items[-1][0] and milestones_between(items[-1][0], step, every)):
        items.append((int(step), downsample(grid, 2)))
        del items[:-cap]
    return gallery


def gallery_figure(items: Sequence[tuple[int, Any]], *, height: int = 230, gap: int = 10) -> go.Figure:
    """The kept grids side by side (oldest left) in one image, each labelled with its step."""
    title = "Timeline: the same noise batch over training"
    if not items:
        return empty_figure("Grids are kept at steps 10, 25, 50, 100, 250, … as the run passes them.",
                            title, height=height, uirevision="mnist:gallery")
    tiles = [to_uint8(img) for _, img in items]
    h = max(t.shape[0] for t in tiles)
    width = sum(t.shape[1] for t in tiles) + gap * (len(tiles) - 1)
    strip = np.full((h, width), 255, np.uint8)
    x, centres = 0, []
    for t in tiles:
        strip[: t.shape[0], x:x + t.shape[1]] = t
        centres.append(x + t.shape[1] / 2.0)
        x += t.shape[1] + gap
    fig = go.Figure()
    style.apply_style(fig, title, uirevision="mnist:gallery", height=height, margin=dict(l=4, r=4, b=34))
    fig.add_trace(go.Image(source=data_uri(strip), x0=0, y0=0, dx=1, dy=1, hoverinfo="skip"))
    for (step, _), cx in zip(items, centres):
        # paper y: an annotation anchored outside the axis range is hidden
        fig.add_annotation(x=cx, y=0, yref="paper", text=f"step {step:,}", showarrow=False, yanchor="top",
                           yshift=-2, font=dict(size=style.TICK_SIZE))
    fig.update_layout(showlegend=False, dragmode=False)
    _image_axes(fig, width, h)
    fig.update_yaxes(constraintoward="bottom")  # the labels sit just under the images
    return fig


__all__ = ["png_bytes", "grid_png", "data_uri", "with_gaps", "downsample", "to_uint8", "sample_grid_figure",
           "class_histogram_figure", "label_histogram_figure", "frechet_chart", "modes_confidence_chart", "milestones_between",
           "update_gallery", "gallery_figure"]
