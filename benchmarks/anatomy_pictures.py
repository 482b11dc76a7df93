"""Screenshots of issue 11's views in headless Chromium, into test-artifacts/anatomy/:

    python benchmarks/anatomy_pictures.py

explain-2d-<phase>.png   an explained step on the mode-collapse preset after 10 steps, every phase
explain-1d-<phase>.png   the same on the custom 1D mixture with WGAN-GP and n_critic = 2
map-collapse.png         the generator's map on the mode-collapse preset after ~20 s of training
draw.png                 a custom 2D mixture after three clicks in draw mode
stage-1280x720.png       stage mode at 1280 × 720 (and stage-scrolled.png, one screen further)
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_browser import _TO_PIXELS, CHROME_ARGS, CHROMIUM, StreamlitServer  # noqa: E402

OUT = ROOT / "test-artifacts" / "anatomy"


def ready(page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=90_000)
    page.wait_for_function("t => document.body.innerText.includes(t)", arg="Presets for talks", timeout=60_000)
    page.wait_for_timeout(2500)


def explain(page, name: str) -> None:
    page.get_by_role("button", name="10 steps").click()
    page.wait_for_timeout(2500)
    page.get_by_text("Explain a step").click()
    page.wait_for_timeout(2500)
    page.get_by_role("button", name="Explain the next step").click()
    page.wait_for_timeout(3000)
    for i in range(12):
        page.screenshot(path=str(OUT / f"{name}-{i + 1}.png"))
        nxt = page.get_by_role("button", name="Next", exact=True)
        if nxt.is_disabled():
            break
        nxt.click()
        page.wait_for_timeout(2000)
    page.get_by_text("Explain a step").click()
    page.wait_for_timeout(1500)


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with StreamlitServer() as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1500})
        page.goto(f"{server.url}/toy")
        ready(page)
        explain(page, "explain-2d")
        page.goto(f"{server.url}/toy?dataset=custom1d&loss=wgan&lipschitz=gp&n_critic=2")
        ready(page)
        explain(page, "explain-1d")

        page.goto(f"{server.url}/toy")
        ready(page)
        page.get_by_role("button", name="Mode collapse").click()
        page.wait_for_timeout(2500)
        page.get_by_text("Generator's map").click()
        page.get_by_role("button", name="Play").click()
        page.wait_for_timeout(20_000)
        page.get_by_role("button", name="Pause").click()
        page.wait_for_timeout(3000)
        page.screenshot(path=str(OUT / "map-collapse.png"))

        page.goto(f"{server.url}/toy?dataset=custom2d&mixture=1,0,0,0.3")
        ready(page)
        page.get_by_text("Draw", exact=True).click()
        page.wait_for_timeout(2500)
        page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
        for xy in ([0.8, 0.8], [-0.8, 0.8], [0.8, -0.8]):
            page.mouse.click(*page.evaluate(_TO_PIXELS, xy))
            page.wait_for_timeout(3000)
        page.screenshot(path=str(OUT / "draw.png"))

        stage = browser.new_page(viewport={"width": 1280, "height": 720})
        stage.goto(f"{server.url}/toy?stage=1")
        ready(stage)
        stage.get_by_role("button", name="10 steps").click()
        stage.wait_for_timeout(3000)
        stage.screenshot(path=str(OUT / "stage-1280x720.png"))
        stage.mouse.move(640, 500)
        stage.mouse.wheel(0, 560)
        stage.wait_for_timeout(1000)
        stage.screenshot(path=str(OUT / "stage-scrolled.png"))
        browser.close()
    print(f"screenshots in {OUT}")


if __name__ == "__main__":
    main()
