"""What a comparison costs: K runs in lockstep against the same runs trained one after another, in one run.

    python benchmarks/compare_overhead.py [--steps 1500] [--ks 2 4] [--browser] [--preset collapse-vs-gp]

For K = 2 and 4 variants of ring8 whose steps cost about the same (losses with one critic step):
1. solo: each run alone, one after another, headless (`train_together([t])`, one torch thread);
2. compare, headless: the K runs in lockstep in one process (`train_together(trainers)`, what
   `python -m playground compare` does);
3. compare, live: the Runner with the comparison (one worker process, the page's cadence of
   snapshots and evaluations), Play until the step budget;
4. with --browser: the compare page in headless Chromium, Play pressed, until the status line reads
   the budget.
Each line prints `compare/solo = solo time ÷ (compare time × cores the comparison used)`: 1.0 means no
overhead. The comparison trains every run in one worker (one core), so cores used = 1.
With --preset, also the wall time of that preset at its budget (what a talk waits for).
"""
from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import torch  # noqa: E402

from playground.compare import Comparison, Variant  # noqa: E402
from playground.compare_presets import COMPARISONS  # noqa: E402
from playground.cli.train import train_together  # noqa: E402
from playground.live.runner import Runner  # noqa: E402
from playground.trainer import Trainer  # noqa: E402
from playground.ui.live import LIVE_RUNNER_OPTIONS  # noqa: E402

LOSSES = ("ns", "hinge", "lsgan", "minimax")
CORES_USED = 1


def comparison(k: int, steps: int) -> Comparison:
    return Comparison({"dataset": "ring8", "seed": 0}, tuple(Variant(l, {"loss": l}) for l in LOSSES[:k]), steps)


def solo(cmp: Comparison) -> float:
    t0 = time.perf_counter()
    for c in cmp.configs():
        train_together([Trainer(c)], cmp.steps, eval_every=250)
    return time.perf_counter() - t0


def headless(cmp: Comparison) -> float:
    t0 = time.perf_counter()
    train_together([Trainer(c) for c in cmp.configs()], cmp.steps, eval_every=250)
    return time.perf_counter() - t0


def live(cmp: Comparison) -> float:
    runner = Runner(cmp, dataclasses.replace(LIVE_RUNNER_OPTIONS, threads=1, snapshot_points=500))
    try:
        runner.wait_idle(120)
        t0 = time.perf_counter()
        runner.play()
        while runner.status().step < cmp.steps:
            time.sleep(0.05)
        return time.perf_counter() - t0
    finally:
        runner.stop()


def browser(cmp: Comparison) -> float:
    from playwright.sync_api import sync_playwright
    from test_browser import CHROME_ARGS, CHROMIUM, StreamlitServer

    with StreamlitServer() as server, sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        page = b.new_page(viewport={"width": 1600, "height": 1100})
        page.goto(f"{server.url}/compare?{urlencode(cmp.to_query())}")
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=120_000)
        page.wait_for_selector(".js-plotly-plot", timeout=120_000)
        t0 = time.perf_counter()
        page.get_by_role("button", name="Play").click()
        while True:
            m = re.search(r"step ([\d,]+)", page.inner_text("body"))
            if m and int(m.group(1).replace(",", "")) >= cmp.steps:
                break
            page.wait_for_timeout(200)
        seconds = time.perf_counter() - t0
        assert page.locator("[data-testid='stException']").count() == 0
        b.close()
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--ks", type=int, nargs="+", default=[2, 4])
    ap.add_argument("--browser", action="store_true", help="also measure with the page open in Chromium")
    ap.add_argument("--preset", choices=list(COMPARISONS), help="also time this preset to its budget, headless")
    args = ap.parse_args()
    torch.set_num_threads(1)
    headless(comparison(2, 200))  # warm-up: the first run in a process pays one-off costs the others do not
    for k in args.ks:
        cmp = comparison(k, args.steps)
        s = solo(cmp)
        h = headless(cmp)
        print(f"K={k}, {args.steps} steps each ({', '.join(cmp.names)}): solo one after another {s:.1f} s")
        print(f"  compare headless {h:.1f} s: compare/solo = {s / (h * CORES_USED):.2f}")
        lv = live(cmp)
        print(f"  compare live (Runner, no page) {lv:.1f} s: compare/solo = {s / (lv * CORES_USED):.2f}")
        if args.browser:
            br = browser(cmp)
            print(f"  compare page in Chromium {br:.1f} s: compare/solo = {s / (br * CORES_USED):.2f}")
    if args.preset:
        cmp = COMPARISONS[args.preset].comparison
        print(f"preset {args.preset} to its budget of {cmp.steps} steps, headless: {headless(cmp):.0f} s wall")


if __name__ == "__main__":
    main()
