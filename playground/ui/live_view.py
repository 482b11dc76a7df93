"""The live main view: a canvas that moves between the worker's frames at display rate.

While a run trains, the page sends a frame (`plots/canvas.py`) every time its fragment reruns; the
browser (`live_view.js`) moves each fixed-noise sample, the arrows on them and the generator's map
from where they are drawn toward the new frame over about one frame interval, and cross-fades the
critic's landscape, so the samples glide instead of jumping. Drawing 2,000 points on a canvas costs
the browser a few milliseconds; the same points as Plotly's SVG markers cost most of a
`Plotly.react` (benchmarks/results/live_view.md has both). When the run is paused the same slot
draws the Plotly figure instead, for hover and zoom.

Why a renderer of our own and not a charting library: the view is a few hundred lines of canvas
calls (points, arrows, an image, contour segments), and what it must do that libraries do not is the
per-sample interpolation keyed by the noise index; the frames' arrays come base64-encoded
(float32) inside the component's JSON data.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from .live_chart import LOAD_PLOTLY_JS, PLOTLY_JS_URL, ensure_plotly_js

_JS = LOAD_PLOTLY_JS + Path(__file__).with_name("live_view.js").read_text(encoding="utf-8")
_CSS = """
.gp-live-view { font-family: Inter, 'Helvetica Neue', Helvetica, Arial, sans-serif; color: #222; }
.gp-lv-title { font-size: 20px; line-height: 26px; margin: 2px 0 0 2px; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.gp-lv-sub { font-size: 14px; line-height: 19px; color: #555; margin: 0 0 2px 2px; }
.gp-lv-legend { display: flex; flex-wrap: wrap; gap: 2px 16px; font-size: 15px; line-height: 22px; margin: 2px 0 4px 2px; }
.gp-lv-entry { display: inline-flex; align-items: center; gap: 6px; max-width: 100%; }  /* a long entry wraps in a narrow panel */
.gp-lv-swatch { display: inline-block; width: 18px; height: 12px; position: relative; }
.gp-lv-dot::after { content: ""; position: absolute; left: 5px; top: 2px; width: 8px; height: 8px; border-radius: 50%;
  background: var(--c); }
.gp-lv-ring::after { content: ""; position: absolute; left: 2px; top: -1px; width: 10px; height: 10px; border-radius: 50%;
  border: 2.5px solid var(--c); }
.gp-lv-cross::after { content: "✕"; position: absolute; left: 3px; top: -5px; font-size: 14px; color: var(--c); }
.gp-lv-arrow::after { content: "→"; position: absolute; left: 0; top: -7px; font-size: 17px; color: var(--c); }
.gp-lv-line::after, .gp-lv-dash::after { content: ""; position: absolute; left: 0; top: 5px; width: 18px; height: 0;
  border-top: 3px solid var(--c); }
.gp-lv-dash::after { border-top-style: dashed; }
.gp-lv-area::after, .gp-lv-bar::after { content: ""; position: absolute; left: 0; top: 1px; width: 18px; height: 10px;
  background: var(--c); opacity: 0.35; }
.gp-lv-grad::after { content: ""; position: absolute; left: 0; top: 1px; width: 18px; height: 10px;
  background: linear-gradient(90deg, var(--c)); border: 1px solid #222; box-sizing: border-box; }
.gp-lv-note { font-size: 12.5px; color: #666; font-style: italic; margin: 2px 0 0 2px; line-height: 16px; }
.gp-canvas { display: block; }
.gp-lv-main { display: flex; flex-direction: column; gap: 4px; }
.gp-lv-side { order: -1; min-width: 0; }
.gp-lv-beside .gp-lv-main { flex-direction: row; align-items: flex-start; gap: 12px; }
.gp-lv-beside .gp-lv-side { order: 0; flex: 1; padding-top: 4px; }
.gp-lv-beside .gp-lv-legend { flex-direction: column; gap: 3px; margin-top: 8px; }
.gp-lv-beside .gp-lv-entry { white-space: normal; }
.gp-lv-beside .gp-lv-note { margin-top: 10px; }
"""

_component = st.components.v2.component("gan_playground_live_view", js=_JS, css=_CSS, isolate_styles=False)


def live_view(key: str, *, frame: dict[str, Any] | None = None, figure: go.Figure | None = None,
              period: float = 0.0, height: int = 560, fit: bool = True,
              config: dict[str, Any] | None = None) -> None:
    """Draw a canvas `frame` (moving to it over about `period` seconds, the time until the next one) or
    a Plotly `figure` (hover and zoom) in the slot `key`; later calls with the same key update it in
    place. `height`: the view's largest height in px; `fit`: shrink it so it ends above the window's
    bottom edge."""
    if figure is not None:
        ensure_plotly_js()
        data = {"figure": figure.to_json(), "config": {"responsive": True, **(config or {})}, "src": PLOTLY_JS_URL,
                "height": int(height), "fit": bool(fit)}
    else:
        data = {"frame": frame, "period": float(period), "height": int(height), "fit": bool(fit)}
    _component(key=key, data=data)


__all__ = ["live_view"]
