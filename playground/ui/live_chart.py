"""Plotly charts that redraw in place while a run is live.

`st.plotly_chart` derives each chart's identity from its figure, so every new frame of a live chart
unmounts the old chart and builds a new one from scratch (`Plotly.newPlot`, all SVG nodes recreated).
On a 2-core machine that keeps Chromium's renderer busy a full core and halves the training speed
(benchmarks/results/live_overhead.md).

`live_plotly_chart` draws the same Plotly figure with plotly.js through a small custom component
(`st.components.v2`, no iframe) whose identity is its key, and updates it with `Plotly.react`, which
only changes what changed; a chart out of sight (below the fold) waits to be seen before it redraws.
plotly.js is served by Streamlit's static file serving
(`server.enableStaticServing`, `.streamlit/config.toml`) from `static/`, where `ensure_plotly_js`
copies it on first use (once per process).

Which plotly.js: the project ships plotly.js's *cartesian* bundle (`playground/assets/`, from the npm
package plotly.js-cartesian-dist-min, MIT) of the same version as the full bundle inside the `plotly`
Python package, and serves it when the versions agree. It holds every trace type our figures use
(`CARTESIAN_TRACES`; tests/test_plots.py checks the plot builders use no other) in 1.5 MB instead of
4.8, and Chromium compiles it about three times faster, on the path to every page's first chart
(benchmarks/results/first_frame.md). With another plotly version the full bundle is served.
"""
from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path
from typing import Any, Callable

import plotly
import plotly.graph_objects as go
import streamlit as st

ROOT = Path(__file__).resolve().parents[2]          # the folder of app.py
STATIC = ROOT / "static"
FULL_BUNDLE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
ASSETS = ROOT / "playground" / "assets"
# the trace types of plotly.js's cartesian bundle (its README)
CARTESIAN_TRACES = frozenset({"bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour",
                              "image", "pie", "scatter", "scatterternary", "violin"})


def bundle_version(path: Path) -> str | None:
    """The plotly.js version in a bundle's header comment ("plotly.js ... v4.1.1")."""
    try:
        with open(path, encoding="utf-8") as f:
            head = f.read(200)
    except OSError:
        return None
    m = re.search(r"plotly\.js[^\n]*? v(\d+\.\d+\.\d+)", head)
    return m.group(1) if m else None


def plotly_js_source() -> Path:
    """The shipped cartesian bundle when its version is the installed plotly's, else the full bundle."""
    version = bundle_version(FULL_BUNDLE)
    cartesian = ASSETS / f"plotly-cartesian-{version}.min.js"
    return cartesian if version and bundle_version(cartesian) == version else FULL_BUNDLE


PLOTLY_JS_SOURCE = plotly_js_source()
PLOTLY_JS_NAME = f"{PLOTLY_JS_SOURCE.name.removesuffix('.min.js')}-py{plotly.__version__}.min.js"
PLOTLY_JS_URL = f"./app/static/{PLOTLY_JS_NAME}"

# plotly.js loaded once per page, whichever component asks first (this one or ui/live_view.py's)
LOAD_PLOTLY_JS = """
function loadPlotly(src) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__gpPlotlyLoading) {
    window.__gpPlotlyLoading = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = src;
      s.onload = () => resolve(window.Plotly);
      s.onerror = () => reject(new Error("could not load " + src));
      document.head.appendChild(s);
    });
  }
  return window.__gpPlotlyLoading;
}
"""

_JS = LOAD_PLOTLY_JS + """

export default function (component) {
  const { data, parentElement } = component;
  if (data.preload) {  // start fetching and compiling plotly.js now, before any chart is ready
    loadPlotly(data.src).catch(() => {});
    return;
  }
  let div = parentElement.querySelector(".gp-live-chart");
  if (!div) {
    div = document.createElement("div");
    div.className = "gp-live-chart";
    div.style.width = "100%";
    parentElement.appendChild(div);
  }
  const fig = JSON.parse(data.figure);
  div.style.height = (fig.layout && fig.layout.height ? fig.layout.height : 450) + "px";
  div.__gpClickable = !!data.clickable;
  div.__gpSend = component.setTriggerValue;
  if (data.clickable && !div.__gpListening) {
    // one listener for the div's life: every later frame runs this function again (Plotly.react)
    div.__gpListening = true;
    div.addEventListener("click", (e) => {
      const L = div._fullLayout;
      if (!div.__gpClickable || !L || !L.xaxis || !L.yaxis) return;
      // plotly dispatches its own click after a press without a drag; on a touch screen the browser's
      // click may follow it: one press, one point
      if (e.timeStamp - (div.__gpLastClick || -1e9) < 150) return;
      const xa = L.xaxis, ya = L.yaxis;
      const drag = div.querySelector(".draglayer .xy .nsewdrag");  // exactly the plot area
      const r = (drag || div).getBoundingClientRect();
      const px = e.clientX - r.left - (drag ? 0 : xa._offset), py = e.clientY - r.top - (drag ? 0 : ya._offset);
      if (!(px >= 0 && py >= 0 && px <= xa._length && py <= ya._length)) return;  // axes, legend, margins
      const x = xa.p2c(px), y = ya.p2c(py);
      if (!Number.isFinite(x) || !Number.isFinite(y)) return;
      div.__gpLastClick = e.timeStamp;
      div.__gpSend("click", {x: x, y: y});
    });
  }
  // A chart out of sight is not redrawn: it keeps the latest figure and draws it when it scrolls into
  // view (below the fold, the curves would cost the browser a Plotly.react every refresh for nobody).
  div.__gpPending = [fig, data.config, data.src];
  if (!div.__gpObserver) {
    div.__gpVisible = true;  // until the observer's first report: draw the first figure at once
    div.__gpObserver = new IntersectionObserver((entries) => {
      div.__gpVisible = entries[entries.length - 1].isIntersecting;
      if (div.__gpVisible) drawPending(div);
    });
    div.__gpObserver.observe(div);
    // Plotly's `responsive` follows the window only: a column that changed width without the window (stage
    // mode's styles, the sidebar) left a chart drawn at its old width, its legend cut, until a window resize
    new ResizeObserver(() => fitWidth(div)).observe(div);
  }
  if (div.__gpVisible || !div._fullLayout) drawPending(div);
}

function fitWidth(div) {
  const L = div._fullLayout, w = div.clientWidth;
  const fixed = div.layout && div.layout.width;  // a figure that sets its own width keeps it
  if (L && w && !fixed && Math.abs(w - L.width) > 1 && window.Plotly) window.Plotly.Plots.resize(div);
}

function drawPending(div) {
  const pending = div.__gpPending;
  if (!pending) return;
  div.__gpPending = null;
  const [fig, config, src] = pending;
  div.dataset.draws = (Number(div.dataset.draws) || 0) + 1;
  loadPlotly(src).then((Plotly) => Plotly.react(div, fig.data, fig.layout, config)).then(() => fitWidth(div))
    .catch((e) => { div.textContent = "Chart unavailable: " + e.message; });
}
"""

_component = st.components.v2.component("gan_playground_live_plotly", js=_JS, isolate_styles=False)


@functools.cache
def ensure_plotly_js() -> Path:
    """Copy the plotly.js bundle (PLOTLY_JS_SOURCE) into static/ (once per version; checked once per
    process, not on every frame)."""
    target = STATIC / PLOTLY_JS_NAME
    if not target.exists() or target.stat().st_size != PLOTLY_JS_SOURCE.stat().st_size:
        STATIC.mkdir(exist_ok=True)
        tmp = target.with_suffix(".tmp")
        shutil.copyfile(PLOTLY_JS_SOURCE, tmp)
        tmp.replace(target)
    return target


def live_plotly_chart(fig: go.Figure, key: str, config: dict[str, Any] | None = None,
                      on_click: Callable[[], None] | None = None) -> None:
    """Draw `fig` under `key`; later calls with the same key update that chart in place. Falls back to
    st.plotly_chart (correct, only slower) when plotly.js cannot be put into static/.

    With `on_click`, a click in the plot area calls it, with `clicked(key)` holding the point in data
    coordinates (pass a figure with dragmode False, or a click is also the start of a zoom); a double
    click then no longer resets the axes."""
    try:
        ensure_plotly_js()
    except OSError:
        st.plotly_chart(fig, key=key, config=config, theme=None)
        return
    data = {"figure": fig.to_json(), "config": {"responsive": True, **(config or {})}, "src": PLOTLY_JS_URL}
    if on_click is None:
        _component(key=key, data=data)
    else:
        # no double-click reset: plotly re-ranges the axes on the second click, before that click is read
        data["config"]["doubleClick"] = False
        _component(key=key, data={**data, "clickable": True}, on_click_change=on_click)


def preload_plotly() -> None:
    """Load plotly.js in the browser now (a page calls it first: the download and compile overlap the
    seconds its run takes to start, instead of following them). Draws nothing."""
    try:
        ensure_plotly_js()
    except OSError:
        return
    _component(key="gp_plotly_preload", data={"preload": True, "src": PLOTLY_JS_URL}, height=0)


def clicked(key: str) -> tuple[float, float] | None:
    """The data coordinates of the click that triggered `on_click` of the live chart `key`."""
    state = st.session_state.get(key)
    value = None
    if state is not None:
        value = state.get("click") if isinstance(state, dict) else getattr(state, "click", None)
    if not isinstance(value, dict) or "x" not in value:
        return None
    try:
        return float(value["x"]), float(value.get("y", 0.0) or 0.0)
    except (TypeError, ValueError):
        return None
