"""Time to the first drawn chart, cold and warm, for /toy and /mnist (headless Chromium).

    python benchmarks/first_frame.py [--repeat 3]

cold:  from launching the server to the first Plotly chart drawn for the first visitor of each page
       (a fresh server per page), for `./dev.sh app`'s launcher (`python -m playground.ui.serve`:
       torch and the engine imported while the server starts) and for plain `streamlit run app.py`;
warm:  on a running server that has served the page once and has been idle --settle seconds, a new
       browser context (a new session) navigates to the page: navigation -> first drawn chart. Median
       of --repeat tries (`--settle 0`: visitors back to back).
Targets (issue 14): /toy ≤ 3 s warm, /mnist ≤ 4 s warm, ≤ 8 s cold.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_browser import CHROME_ARGS, CHROMIUM, StreamlitServer  # noqa: E402

PAGES = ("toy", "mnist")


def first_chart(browser, url: str) -> float:
    ctx = browser.new_context(viewport={"width": 1600, "height": 1100})
    page = ctx.new_page()
    t0 = time.monotonic()
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=180_000)
    took = time.monotonic() - t0
    ctx.close()
    return took


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--settle", type=float, default=12.0,
                    help="seconds before each warm try: a visitor right after another shares the CPU with the "
                         "server's next spare worker (pool.SPARE_DELAY)")
    args = ap.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        for name in PAGES:
            t_launch = time.monotonic()
            with StreamlitServer(plain=True) as server:
                plain_up = time.monotonic() - t_launch
                plain = first_chart(browser, f"{server.url}/{name}") + plain_up
            t_launch = time.monotonic()
            with StreamlitServer() as server:
                up = time.monotonic() - t_launch
                cold = first_chart(browser, f"{server.url}/{name}") + up
                warm = []
                for _ in range(args.repeat):
                    time.sleep(args.settle)  # the server's next spare worker ready, as on a server running a while
                    warm.append(first_chart(browser, f"{server.url}/{name}"))
            print(f"/{name}: cold {cold:.1f} s from `./dev.sh app` (server up after {up:.1f} s), "
                  f"{plain:.1f} s from `streamlit run app.py` (up after {plain_up:.1f} s); "
                  f"warm {statistics.median(warm):.1f} s (median of {args.repeat}: "
                  f"{', '.join(f'{w:.1f}' for w in warm)})")
        browser.close()


if __name__ == "__main__":
    main()
