"""Pictures of every comparison preset at its promise step, for the notes and a talk without the app.

    python benchmarks/compare_pictures.py [--out test-artifacts/compare] [--preset NAME ...]

Trains each preset headless in lockstep (the live page's TrainerGroup, one thread, evaluation every
250 steps) to its budget, builds the page's figures from the final snapshot (the same plot builders
as pages/compare.py), and screenshots them in headless Chromium: <out>/<preset>.png.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import plotly  # noqa: E402
import torch  # noqa: E402

from playground.compare import TrainerGroup  # noqa: E402
from playground.compare_presets import COMPARISONS  # noqa: E402
from playground.plots import compare as cplots  # noqa: E402

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def html(gsnap) -> str:
    k = len(gsnap.runs)
    panels = [cplots.run_panel(gsnap, i) for i in range(k)]
    overlays = [cplots.overlay_chart(gsnap, key) for key in ("w1", "js", "modes_covered", "high_quality_fraction",
                                                             "g_grad_norm")] + [cplots.estimate_chart(gsnap)]
    width = 1600 // k
    divs = [f"<div style='display:inline-block;width:{width}px'>{f.to_html(full_html=False, include_plotlyjs=False)}</div>"
            for f in panels]
    divs += [f"<div style='display:inline-block;width:790px'>{f.to_html(full_html=False, include_plotlyjs=False)}</div>"
             for f in overlays]
    return (f"<html><head><script src='file://{PLOTLY_JS}'></script></head>"
            f"<body style='margin:0;width:1600px'>{''.join(divs)}</body></html>")


def main() -> None:
    from playwright.sync_api import sync_playwright
    from test_browser import CHROME_ARGS, CHROMIUM

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "test-artifacts" / "compare"))
    ap.add_argument("--preset", nargs="*", default=list(COMPARISONS))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS + ["--allow-file-access-from-files"])
        for name in args.preset:
            cmp = COMPARISONS[name].comparison
            group = TrainerGroup(cmp)
            group.evaluate()
            while group.step_count < cmp.steps:
                group.run(min(250 - group.step_count % 250, cmp.steps - group.step_count))
                if group.step_count % 250 == 0 or group.step_count == cmp.steps:
                    group.evaluate()
            gsnap = group.snapshot(1000)
            page_file = out / f"{name}.html"
            page_file.write_text(html(gsnap))
            page = browser.new_page(viewport={"width": 1600, "height": 1800})
            page.goto(f"file://{page_file}")
            page.wait_for_timeout(2500)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            page.close()
            print(f"{name}: step {gsnap.step}; " + "; ".join(
                f"{r['run']}: modes {r.get('modes', '-')}, HQ {r.get('high quality', '-')}, W1 {r.get('W1', '-')}"
                for r in cplots.summary_rows(gsnap)) + f" -> {out / (name + '.png')}")
        browser.close()


if __name__ == "__main__":
    main()
