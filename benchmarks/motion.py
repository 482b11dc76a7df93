"""How often the toy page's main view visibly changes while a run trains: Chromium's screencast, frames
whose crop of the main view differs from the frame before, per second; then the same while paused.

    python benchmarks/motion.py [--preset mode-collapse] [--seconds 15] [--width 1600 --height 1000]

Headless Chromium on this machine's cores (the server, its worker and the browser share them), the
page as `./dev.sh app` serves it. Also printed: the screencast's frames per second (everything
Chromium painted), the canvas renderer's own draws per second and its frames received per second
(the `data-draws` / `data-frames` counters of the view), the run's steps/s and where the CPU went.
The record: benchmarks/results/live_view.md.
"""
from __future__ import annotations

import argparse
import base64
import io
import os
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from live_overhead import cpu_seconds, step_count  # noqa: E402
from test_browser import CHROME_ARGS, CHROMIUM, IDLE, StreamlitServer  # noqa: E402

from playground.presets import PRESETS  # noqa: E402
from playground.recipes import recommended_config  # noqa: E402

VIEW = "() => { const c = document.querySelector('.gp-live-view canvas'); if (!c) return null;" \
       " const r = c.getBoundingClientRect(); const v = c.closest('.gp-live-view');" \
       " return [r.left, r.top, r.width, r.height, +(v.dataset.draws || 0), +(v.dataset.frames || 0)]; }"


def watch(page, cdp, box, seconds: float) -> dict:
    """Screencast for `seconds`: frames, and frames whose crop of `box` (CSS px) changed."""
    frames: list[tuple[float, bytes]] = []
    lock = threading.Lock()

    def on_frame(ev):
        with lock:
            frames.append((time.monotonic(), base64.b64decode(ev["data"])))
        cdp.send("Page.screencastFrameAck", {"sessionId": ev["sessionId"]})

    cdp.on("Page.screencastFrame", on_frame)
    cdp.send("Page.startScreencast", {"format": "jpeg", "quality": 90, "maxWidth": 800, "maxHeight": 800,
                                      "everyNthFrame": 1})  # half size: the capture costs the browser less
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        page.wait_for_timeout(100)  # lets Playwright dispatch the screencast events
    cdp.send("Page.stopScreencast")
    cdp.remove_listener("Page.screencastFrame", on_frame)
    vw = page.viewport_size["width"]
    changed, prev = 0, None
    for _, png in frames:
        img = Image.open(io.BytesIO(png))
        k = img.width / vw
        x, y, w, h = (int(round(v * k)) for v in box)
        crop = np.asarray(img.crop((x, y, x + w, y + h)).convert("RGB"))
        if prev is not None and (crop.shape != prev.shape or not np.array_equal(crop, prev)):
            changed += 1
        prev = crop
    return {"frames": len(frames), "changed": changed, "seconds": seconds}


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="mode-collapse", choices=list(PRESETS))
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--warmup", type=float, default=6.0)
    ap.add_argument("--width", type=int, default=1600)
    ap.add_argument("--height", type=int, default=1000)
    args = ap.parse_args()
    query = urlencode(PRESETS[args.preset].config.to_query(recommended_config()))
    with StreamlitServer() as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        page.goto(f"{server.url}/toy?{query}")
        page.wait_for_selector(IDLE, timeout=120_000)
        page.wait_for_selector(".js-plotly-plot", timeout=120_000)
        page.get_by_role("button", name="Play").click()
        page.wait_for_selector(".gp-live-view canvas", timeout=60_000)
        page.wait_for_timeout(int(args.warmup * 1000))
        cdp = page.context.new_cdp_session(page)
        v0, s0, c0, t0 = page.evaluate(VIEW), step_count(page), cpu_seconds(server.proc.pid), time.monotonic()
        running = watch(page, cdp, v0[:4], args.seconds)
        v1, s1, c1, t1 = page.evaluate(VIEW), step_count(page), cpu_seconds(server.proc.pid), time.monotonic()
        page.get_by_role("button", name="Pause").click()
        page.wait_for_function("t => document.body.innerText.includes(t)", arg="Paused", timeout=30_000)
        page.wait_for_timeout(3000)
        box = page.evaluate("() => { const e = document.querySelector('.gp-live-view');"
                            " const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; }")
        paused = watch(page, cdp, box, 5.0)
        browser.close()
    dt = t1 - t0
    cores = {k: (c1[k] - c0[k]) / dt for k in c0}
    print(f"/toy, preset {args.preset}, {args.width}×{args.height}, {os.cpu_count()} cores "
          f"(load average {os.getloadavg()[0]:.1f}); {dt:.0f} s while training")
    print(f"screencast: {running['frames'] / dt:.1f} frames/s painted; the main view changed in "
          f"{running['changed'] / dt:.1f} frames/s")
    print(f"canvas renderer: {(v1[4] - v0[4]) / dt:.1f} draws/s, {(v1[5] - v0[5]) / dt:.2f} frames received/s")
    print(f"run: {(s1 - s0) / dt:.1f} steps/s; CPU in cores: " + ", ".join(f"{k} {v:.2f}" for k, v in cores.items()))
    print(f"paused: the main view changed in {paused['changed']} of {paused['frames']} screencast frames over "
          f"{paused['seconds']:.0f} s")
    print(f"main view changes per second while training = {running['changed'] / dt:.1f}")


if __name__ == "__main__":
    main()
