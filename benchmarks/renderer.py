"""What one frame of the toy page's main view costs the browser, per renderer, measured in one run in
headless Chromium: the canvas renderer (playground/ui/live_view.js) drawing a moment of a move between
two frames (the cross-fade, 1,000 moving samples, their arrows) and at rest; plotly.js redrawing the
same view as SVG (`Plotly.react` of the landscape figure), and updating only the samples
(`Plotly.restyle` of their x and y: what moving them every display frame with Plotly would cost).

    python benchmarks/renderer.py [--preset mode-collapse] [--repeat 60]

Frames from the preset trained a little (seed 0); each figure is the mean over --repeat draws, the canvas
forced to raster after each (a 1-pixel read). The record: benchmarks/results/live_view.md.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_browser import CHROME_ARGS, CHROMIUM  # noqa: E402

from playground.plots import canvas, toy  # noqa: E402
from playground.presets import PRESETS  # noqa: E402
from playground.trainer import Trainer  # noqa: E402
from playground.ui.live_chart import LOAD_PLOTLY_JS, PLOTLY_JS_SOURCE  # noqa: E402

JS = LOAD_PLOTLY_JS + (ROOT / "playground" / "ui" / "live_view.js").read_text()
MOUNT = "(f) => window.__gpMount({data: {frame: f, period: 1000, height: 560, fit: false}, parentElement: window.__host})"
CANVAS = """(n) => { const v = window.__host.__gpLiveView, c = v.canvas.getContext('2d');
  const time = (t) => { const t0 = performance.now(); for (let i = 0; i < n; i++) { v.draw(t); c.getImageData(0, 0, 1, 1); }
                        return (performance.now() - t0) / n; };
  time(0.5); return [time(0.5), time(1)]; }"""
PLOTLY = """async ([figs, n]) => { const gd = document.getElementById('g');
  await Plotly.newPlot(gd, figs[0].data, figs[0].layout);
  let t0 = performance.now();
  for (let i = 0; i < n; i++) { const f = figs[i % 2]; await Plotly.react(gd, f.data, f.layout); }
  const react = (performance.now() - t0) / n;
  const k = figs[0].data.findIndex(t => (t.name || '').startsWith('generated'));
  t0 = performance.now();
  for (let i = 0; i < n; i++) { const t = figs[i % 2].data[k]; await Plotly.restyle(gd, {x: [t.x], y: [t.y]}, [k]); }
  return [react, (performance.now() - t0) / n]; }"""


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="mode-collapse", choices=list(PRESETS))
    ap.add_argument("--repeat", type=int, default=60)
    args = ap.parse_args()
    torch.set_num_threads(1)
    tr = Trainer(PRESETS[args.preset].config)
    snaps = []
    for _ in range(2):
        tr.run(40)
        snaps.append(tr.snapshot(1000))
    frames = [canvas.landscape_frame(s) for s in snaps]
    figs = [json.loads(toy.landscape_2d(s).to_json()) for s in snaps]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.set_content("<html><body><div id=host style='width:620px'></div>"
                         "<div id=g style='width:620px;height:640px'></div></body></html>")
        page.add_script_tag(content=JS.replace("export function motionLabel", "function motionLabel")
                            .replace("export default function", "window.__gpMount = function"))
        page.evaluate("() => { window.__host = document.getElementById('host'); }")
        page.evaluate(MOUNT, frames[0])
        page.evaluate(MOUNT, frames[1])  # a move from frame 0 to frame 1 that lasts 1,000 s
        moving, rest = page.evaluate(CANVAS, args.repeat)
        page.add_script_tag(path=str(PLOTLY_JS_SOURCE))
        react, restyle = page.evaluate(PLOTLY, [figs, max(4, args.repeat // 6)])
        browser.close()
    n = int(len(canvas.from_b64(frames[0]["fake"])) // 2)
    print(f"{args.preset}: {n} generated + {n} real samples, critic on a {frames[0]['grid']['nx']}² grid")
    print(f"canvas renderer: {moving:.2f} ms a draw while moving (cross-fade), {rest:.2f} ms at rest")
    print(f"plotly.js (SVG): Plotly.react of the view {react:.1f} ms; Plotly.restyle of the samples alone "
          f"{restyle:.1f} ms")
    print(f"Plotly.react / canvas draw = {react / moving:.0f}×")


if __name__ == "__main__":
    main()
