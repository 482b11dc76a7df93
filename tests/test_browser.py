"""Real browser: the app as `./dev.sh app` starts it, headless Debian Chromium through Playwright.

Skipped without /usr/bin/chromium, unless GANPG_REQUIRE_BROWSER=1 (set by .ci/run), which turns the
skip into a failure so CI always runs it. Screenshots go to test-artifacts/.
"""
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from playground.compare_presets import COMPARISONS
from playground.presets import PRESETS
from playground.ui.live import CURVES_SECONDS

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


def _require_browser():
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"no Chromium at {CHROMIUM} (apt-get install chromium chromium-driver)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Python playwright is not installed")
    if missing:
        reason = "; ".join(missing)
        if os.environ.get("GANPG_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser test required (GANPG_REQUIRE_BROWSER=1) but {reason}")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StreamlitServer:
    """The app on a free port, started as `./dev.sh app` starts it (`plain=True`: `streamlit run app.py`)."""

    def __init__(self, plain: bool = False):
        self.launch = ["-m", "streamlit", "run", "app.py"] if plain else ["-m", "playground.ui.serve"]
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = ARTIFACTS / f"streamlit-{self.port}.log"
        self.proc = None

    def __enter__(self):
        ARTIFACTS.mkdir(exist_ok=True)
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, *self.launch, "--server.headless", "true",
             "--server.port", str(self.port), "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).read().strip() == b"ok":
                    return self
            except OSError:
                time.sleep(0.3)
            if self.proc.poll() is not None:
                break
        raise RuntimeError(f"streamlit did not start; log:\n{self.log.read_text()[-3000:]}")

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


STATUS_STEP = r"(?:Starting|Idle|Running|Paused|Diverged|Error|Dead|Stopped)\s*(?:generator )?step ([\d,]+)"


def _step_counter(page) -> int:
    """The step on the status line (not a step named elsewhere, e.g. in a preset's promise)."""
    m = re.search(STATUS_STEP, page.inner_text("body"))
    return int(m.group(1).replace(",", "")) if m else -1


def wait_for_step(page, past: int, timeout: float = 120_000) -> None:
    """Wait until the status line's step is past `past`."""
    page.wait_for_function(
        "re => { const m = document.body.innerText.match(new RegExp(re));"
        f" return m && parseInt(m[1].replace(/,/g, '')) > {past}; }}", arg=STATUS_STEP, timeout=timeout)


def pause(page) -> None:
    """Press Pause and wait for the status line to say so."""
    page.get_by_role("button", name="Pause").click()
    page.wait_for_function("t => document.body.innerText.includes(t)", arg="Paused", timeout=30_000)


IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# the step of the frame the main view shows or moves to (playground/ui/live_view.js)
VIEW_STEP = "() => +(document.querySelector('.gp-live-view') || {dataset: {}}).dataset.step || -1"
PRESET_BUTTON = {name: p.label for name, p in PRESETS.items()}


def click_preset(page, label: str) -> None:
    """Click a preset button, then move the mouse away as a person would: its tooltip (the preset's
    explanation) would cover the controls under it, and Playwright scrolls the page to reach them."""
    page.get_by_role("button", name=label).click()
    page.mouse.move(5, 5)


def box(page, selector: str, nth: int = 0) -> list[float]:
    """[left, top, right, bottom] of the nth element matching `selector`, in viewport px."""
    return page.evaluate("([s, i]) => { const r = document.querySelectorAll(s)[i].getBoundingClientRect();"
                         " return [r.left, r.top, r.right, r.bottom]; }", [selector, nth])


def inside_viewport(page, b: list[float]) -> bool:
    vw, vh = page.viewport_size["width"], page.viewport_size["height"]
    return b[0] >= 0 and b[1] >= 0 and b[2] <= vw + 0.5 and b[3] <= vh + 0.5


# every text of every chart whose box leaves its chart's box (Plotly's SVG texts, a legend's names their legend's
# box, a title's or subtitle's line reaching into the plot; the live view's title, subtitle, legend and note),
# as [text, px past the left, right, top, bottom edge]
CUT_TEXTS = """() => { const out = [];
  const check = (chart, texts) => { const r = chart.getBoundingClientRect();
    for (const t of texts) { const b = t.getBoundingClientRect();
      if (b.width === 0 || !t.textContent.trim()) continue;
      const over = [r.left - b.left, b.right - r.right, r.top - b.top, b.bottom - r.bottom];
      if (over.some(d => d > 1) || (t instanceof HTMLElement && t.scrollWidth > t.clientWidth + 1)) out.push([t.textContent.slice(0, 60), ...over]); } };
  for (const gd of document.querySelectorAll('.js-plotly-plot')) { check(gd, gd.querySelectorAll('text'));
    const bg = gd.querySelector('.legend .bg');  // Plotly clips a legend's names at its box
    if (bg) check(bg, gd.querySelectorAll('.legend text.legendtext'));
    const plot = gd.querySelector('.nsewdrag');  // the title and subtitle stay above the plot, not over it
    if (plot) for (const t of gd.querySelectorAll('.g-gtitle text')) { const b = t.getBoundingClientRect();
      const into = b.bottom - plot.getBoundingClientRect().top;
      if (b.width > 0 && t.textContent.trim() && into > 1) out.push([t.textContent.slice(0, 60), 0, 0, 0, into]); } }
  for (const v of document.querySelectorAll('.gp-live-view'))
    check(v, v.querySelectorAll('.gp-lv-title, .gp-lv-sub div, .gp-lv-entry, .gp-lv-note'));
  return out; }"""


def main_view_pixels(page, selector: str = ".gp-live-view canvas") -> bytes:
    return page.locator(selector).first.screenshot()


@pytest.fixture(scope="module")
def server():
    """One app server for the module: each test opens its own sessions (browser contexts), which end
    when the test closes them. (The first page load after `streamlit run` is the cold one; the cold
    figure is benchmarks/first_frame.py's.)"""
    _require_browser()
    with StreamlitServer() as s:
        yield s


@pytest.fixture(scope="module")
def chromium():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium):
    """new_page(width=1600, height=1100) -> a page in a new browser context (a new session), closed
    after the test."""
    contexts = []

    def make(width: int = 1600, height: int = 1100):
        contexts.append(chromium.new_context(viewport={"width": width, "height": height}))
        return contexts[-1].new_page()

    yield make
    for ctx in contexts:
        ctx.close()


def open_page(new_page, url):
    page = new_page()
    page.goto(url)
    page.wait_for_selector(IDLE, timeout=90_000)
    return page


def test_toy_page_trains_wgan_gp_preset_in_the_browser(server, new_page):
    page = open_page(new_page, f"{server.url}/toy")
    click_preset(page, PRESET_BUTTON["wgan-gp"])
    page.wait_for_function("t => document.body.innerText.includes(t)", arg="Expected by step",
                           timeout=60_000)
    page.get_by_role("button", name="Play").click()
    # while training the main view is the canvas renderer, updated in place; the curves are Plotly
    # charts updated in place (Plotly.react), never torn down and rebuilt every frame
    page.wait_for_selector(".gp-live-view canvas", timeout=60_000)
    page.wait_for_selector(".gp-live-chart.js-plotly-plot", timeout=60_000)
    page.evaluate("() => { window.__gpRemoved = 0; new MutationObserver(ms => { for (const m of ms)"
                  " for (const n of m.removedNodes) if (n.nodeType === 1 && (n.matches('.js-plotly-plot, .gp-live-view')"
                  " || n.querySelector('.js-plotly-plot, .gp-live-view'))) window.__gpRemoved++; })"
                  ".observe(document.body, {childList: true, subtree: true}); }")
    first = page.evaluate(VIEW_STEP)
    wait_for_step(page, 100, timeout=120_000)
    page.wait_for_timeout(2500)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator(".js-plotly-plot").count() >= 4, "the curves are drawn"
    assert page.evaluate(VIEW_STEP) > first, "the main view moved on to later frames"
    assert page.evaluate("() => window.__gpRemoved") == 0, "no chart was rebuilt while training"
    assert "wgan" in page.url, "the config is in the URL"
    page.screenshot(path=str(ARTIFACTS / "toy-wgan-gp.png"), full_page=True)
    pause(page)
    assert _step_counter(page) > 100


def test_every_page_renders_and_cuts_no_chart_text(server, new_page):
    """Every page at 1440×900 renders without an exception and, scrolled top to bottom a screen at a time (a
    chart out of sight draws when it is seen, and stays drawn), no chart text leaves its chart, no legend name
    its legend's box, no title line reaches into its plot. 1440×900 is the narrower desktop size: the charts
    plan their texts for fixed widths, so 1600×1000 only adds room."""
    app = (ROOT / "app.py").read_text()
    width, height = 1440, 900
    page = new_page(width, height)
    for path in [""] + re.findall(r'url_path="([\w-]+)"', app):
        page.goto(f"{server.url}/{path}")
        page.wait_for_selector(IDLE, timeout=90_000)
        page.wait_for_timeout(1000)
        assert page.locator("[data-testid='stException']").count() == 0, f"exception on /{path}"
        page.screenshot(path=str(ARTIFACTS / f"page-{path or 'home'}.png"))
        cut = []
        tall = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
        for y in [*range(0, tall, height - 100), tall]:
            page.evaluate(f"document.querySelector('[data-testid=stMain]').scrollTo(0, {y})")
            page.wait_for_timeout(400 if y < tall else 1000)
            cut += [c[0] for c in page.evaluate(CUT_TEXTS)]
        assert not cut, (path, sorted(set(cut)))


def test_convergence_page_every_preset_replay_and_click_to_start(server, new_page):
    presets = ["The unregularised GAN spirals out (simultaneous steps)", "WGAN circles forever",
               "Weight clipping: a bounded oscillation", "R1 converges", "Alternating steps: circling, not escaping",
               "Too large a step"]
    page = new_page(1600, 2300)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server.url}/convergence")
    page.wait_for_selector(IDLE, timeout=90_000)
    for i, name in enumerate(presets):
        page.get_by_role("button", name=name).click()
        page.wait_for_timeout(300)
        page.wait_for_selector(IDLE, timeout=60_000)
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3",
                               timeout=30_000)
        page.wait_for_timeout(800)
        assert page.locator("[data-testid='stException']").count() == 0, name
        assert page.locator("[data-testid='stAlertContentInfo']").count() == 1, f"{name}: no lesson"
        page.screenshot(path=str(ARTIFACTS / f"convergence-preset-{i}.png"), full_page=True)
    # ▶ Replay: the path is redrawn from the start, frame by frame, and ends complete
    count = "() => document.querySelectorAll('.js-plotly-plot')[0].calcdata[2].length"
    full = page.evaluate(count)
    page.locator(".js-plotly-plot .updatemenu-button").first.click()   # ▶ Replay (an SVG button)
    page.wait_for_timeout(400)
    assert page.evaluate(count) < full, "the replay starts over"
    page.wait_for_function(f"() => {count[6:]} === {full}", timeout=30_000)
    # (after a replay too: plotly.js drops click events after an animation without redraws)
    # a click on the empty plane, near (−0.5, 0.5), becomes the start point
    xy = page.evaluate("""() => { const gd = document.querySelectorAll('.js-plotly-plot')[0];
        const L = gd._fullLayout, r = gd.getBoundingClientRect(), cd = gd.calcdata[1];
        let best = 0, bd = 1e9;
        for (let i = 0; i < cd.length; i++) {
            const d = (cd[i].x + 0.5) ** 2 + (cd[i].y - 0.5) ** 2; if (d < bd) { bd = d; best = i; } }
        return [r.left + L._size.l + L.xaxis.l2p(cd[best].x), r.top + L._size.t + L.yaxis.l2p(cd[best].y),
                cd[best].x, cd[best].y]; }""")
    page.mouse.move(xy[0], xy[1])
    page.mouse.click(xy[0], xy[1])
    page.wait_for_function(f"() => location.search.includes('t0={round(xy[2], 3):g}')", timeout=30_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    assert page.get_by_label("start ψ").input_value() == f"{xy[3]:.3f}"
    assert page.locator("[data-testid='stException']").count() == 0
    assert not errors, errors


def test_compare_page_plays_a_preset_in_lockstep(server, new_page):
    """/compare: a preset played past step 100 shows one panel per run, all at the same step."""
    page = open_page(new_page, f"{server.url}/compare")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    click_preset(page, COMPARISONS["saturating-vs-ns"].label)
    page.wait_for_function("t => document.body.innerText.includes(t)", arg="Expected at step",
                           timeout=60_000)
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => document.querySelectorAll('.gp-live-view canvas').length === 2", timeout=60_000)
    wait_for_step(page, 100, timeout=180_000)
    # read the panels once they are still: while running, one panel may be a frame ahead of the other for
    # the moment between their updates
    pause(page)
    page.wait_for_timeout(2500)
    assert page.locator("[data-testid='stException']").count() == 0 and not errors, errors
    titles = page.evaluate("() => [...document.querySelectorAll('.gp-live-view .js-plotly-plot .gtitle')]"
                           ".map(t => t.textContent)")
    panels = [t for t in titles if re.search(r"(minimax|non-saturating) — step [\d,]+", t)]
    assert len(panels) == 2, titles
    steps = {re.search(r"step (\d+)", t).group(1) for t in panels}
    assert len(steps) == 1, f"the panels show different steps: {panels}"
    assert "v1=" in page.url and "v2=" in page.url, "the comparison is in the URL"
    page.set_viewport_size({"width": 1600, "height": 3000})  # the whole page (Streamlit scrolls inside)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "compare-saturating.png"))


def test_three_sessions_train_at_once(server, new_page):
    """Three browser contexts (three sessions) press Play on /toy: every step counter advances, and the
    status line says how many runs share the machine."""
    pages = []
    for _ in range(3):
        page = new_page(1400, 1000)
        page.goto(f"{server.url}/toy")
        page.wait_for_selector(IDLE, timeout=90_000)
        page.wait_for_selector(".gp-live-view", timeout=90_000)
        pages.append(page)
    for page in pages:
        page.get_by_role("button", name="Play").click()
    t0 = time.monotonic()
    seen = {}
    while len(seen) < 3 and time.monotonic() - t0 < 60:
        for i, page in enumerate(pages):
            if i not in seen and _step_counter(page) > 0:
                seen[i] = time.monotonic() - t0
        time.sleep(0.25)
    print(f"\nseconds from Play to a moving counter, per session: {seen}")
    assert len(seen) == 3, f"only sessions {sorted(seen)} advanced"
    pages[0].wait_for_function("() => document.body.innerText.includes('runs share this machine')",
                               timeout=30_000)
    # Each counter keeps moving: every one passes its present value within 10 s. (The browser's
    # three renderers share the test machine's cores with the workers, so frames can be a few
    # seconds apart; a stalled run still fails.)
    before = [_step_counter(pg) for pg in pages]
    deadline = time.monotonic() + 10
    for i, (pg, b) in enumerate(zip(pages, before)):
        try:
            wait_for_step(pg, b, timeout=max(0.5, deadline - time.monotonic()) * 1000)
        except Exception:
            pytest.fail(f"session {i} stayed at step {b} for 10 s; now {[_step_counter(q) for q in pages]}")
    for page in pages:
        assert page.locator("[data-testid='stException']").count() == 0
    pages[0].screenshot(path=str(ARTIFACTS / "three-sessions.png"), full_page=True)
    for page in pages:
        page.get_by_role("button", name="Pause").click()


# the data coordinates of the landscape chart -> page pixels (plotly's own axis maps)
_TO_PIXELS = """([x, y]) => { const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g =>
  g._fullLayout && ((g._fullLayout.title || {}).text || '').startsWith('Critic landscape'));
  const L = gd._fullLayout, r = gd.getBoundingClientRect();
  return [r.left + L.xaxis._offset + L.xaxis.l2p(x), r.top + L.yaxis._offset + L.yaxis.l2p(y)]; }"""


def test_toy_page_draw_explain_and_stage(server, new_page):
    """Issue 11 in a real browser: a click in draw mode adds a component near the clicked point; an
    explained step walks through every phase; stage mode at 1280×720 hides the sidebar and widens the
    main chart."""
    from urllib.parse import unquote

    def settled(page):
        page.wait_for_timeout(600)
        page.wait_for_selector(IDLE, timeout=60_000)

    page = open_page(new_page, f"{server.url}/toy?dataset=custom2d&mixture=1,0,0,0.3")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.get_by_text("Draw", exact=True).click()
    settled(page)
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    x, y = page.evaluate(_TO_PIXELS, [1.2, -0.8])
    page.mouse.click(x, y)
    page.wait_for_function("() => decodeURIComponent(location.search).includes(';')", timeout=30_000)
    settled(page)
    mixture = unquote(page.url).split("mixture=")[1].split("&")[0].replace("+", " ")
    w, mx, my, s = (float(v) for v in mixture.split(";")[1].split(","))
    assert abs(mx - 1.2) < 0.1 and abs(my + 0.8) < 0.1 and s == 0.2, mixture
    page.screenshot(path=str(ARTIFACTS / "toy-draw.png"))
    page.get_by_text("Draw", exact=True).click()
    settled(page)

    page.get_by_role("button", name="View").click()
    page.get_by_text("Explain a step").click()
    page.keyboard.press("Escape")
    settled(page)
    page.get_by_role("button", name="Explain the next step").click()
    page.wait_for_function("t => document.body.innerText.includes(t)", arg="1 · Draw the batches",
                           timeout=30_000)
    seen, drawn = [], []
    for _ in range(10):
        seen.append(page.locator("text=/^\\d · /").first.inner_text()[:40])
        # 2D: the phase on the live view's canvas, titled with it, each phase drawn differently
        page.wait_for_selector(".gp-live-view[data-moving='0']", timeout=10_000)
        title = page.locator(".gp-live-view .gp-lv-title").first.inner_text()
        assert title.endswith(seen[-1].split(" — ")[0].strip()), (title, seen[-1])
        drawn.append(main_view_pixels(page))
        nxt = page.get_by_role("button", name="Next", exact=True)
        if nxt.is_disabled():
            break
        nxt.click()
        settled(page)
    assert seen[0].startswith("1 · Draw") and seen[-1].startswith("5 · The generator's update"), seen
    assert len(seen) == 5, seen
    assert len(set(drawn)) == 5, "each phase draws something else"
    assert page.locator("[data-testid='stException']").count() == 0 and not errors, errors

    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server.url}/toy?stage=1")
    page.wait_for_function("t => document.body.innerText.includes(t)", arg="Presets", timeout=60_000)
    page.wait_for_selector(".gp-live-view .js-plotly-plot", timeout=60_000)
    page.wait_for_timeout(1500)
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    left, _, right, _ = box(page, ".gp-live-view")
    assert left < 60 and right - left > 0.55 * 1280, (left, right)
    assert "stage=1" in page.url
    page.screenshot(path=str(ARTIFACTS / "toy-stage-1280x720.png"))
    # the View popover's Stage toggle shows the mode a link turned on, and another toggle keeps it on
    # (a toggle that held the mode itself read "off" once the run had played, and a click sent that back)
    page.get_by_role("button", name="Play").click()
    wait_for_step(page, 30, timeout=120_000)
    page.get_by_role("button", name="View").click()
    assert page.get_by_role("switch", name="Stage mode").is_checked()
    page.get_by_text("Explain a step", exact=True).click()
    page.keyboard.press("Escape")
    settled(page)
    assert "stage=1" in page.url and not page.locator("[data-testid='stSidebar']").is_visible()
    assert page.locator("[data-testid='stException']").count() == 0 and not errors, errors


def test_toy_page_replays_the_mode_collapse_preset(server, new_page):
    """Replay: the mode-collapse preset played a little (a few hundred steps, not its 3000-step budget: the
    suite has a time budget), paused, the per-mode timeline saved; then Replay on and the slider at an
    early recorded step: the main view moves to that frame and says it is a replay, and the curves mark
    its step."""
    chart_titles = "[...document.querySelectorAll('.js-plotly-plot')].map(g => ((g._fullLayout || {}).title || {}).text || '')"
    titles = f"() => {chart_titles}"
    page = open_page(new_page, f"{server.url}/toy")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    click_preset(page, PRESET_BUTTON["mode-collapse"])
    page.wait_for_function("t => document.body.innerText.includes(t)", arg="Expected by step", timeout=60_000)
    page.get_by_role("button", name="Play").click()
    wait_for_step(page, 250, timeout=120_000)
    pause(page)
    page.wait_for_timeout(600)
    page.wait_for_selector(IDLE, timeout=60_000)
    live = _step_counter(page)
    page.wait_for_timeout(1500)
    timeline = page.evaluate(titles).index("Modes over time")
    page.locator(".js-plotly-plot").nth(timeline).screenshot(path=str(ARTIFACTS / "replay-timeline.png"))

    page.get_by_role("button", name="View").click()
    page.get_by_text("Replay", exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_timeout(600)
    page.wait_for_selector(IDLE, timeout=60_000)
    slider = page.locator("input[type=range][aria-label='Replay step']")
    slider.focus()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")   # the second recorded frame: early in the run
    page.wait_for_function("() => (document.querySelector('.gp-lv-title') || {}).textContent?.startsWith('Replay')",
                           timeout=30_000)
    page.wait_for_timeout(600)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_timeout(1500)
    chosen = int(slider.get_attribute("aria-valuetext").replace(",", ""))
    assert 0 < chosen < live, (chosen, live)
    assert page.inner_text(".gp-lv-title") == f"Replay · Critic landscape — step {chosen:,}"
    assert f"the run itself is at step {live:,}" in page.inner_text(".gp-lv-sub")
    page.set_viewport_size({"width": 1600, "height": 2600})  # the whole page: charts out of sight wait to be seen
    page.wait_for_timeout(1500)
    marks = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')].map(g =>"
                          " (g.layout.shapes || []).filter(s => s.name === 'replay step').map(s => s.x0))")
    assert [m for m in marks if m] == [[chosen]] * 6, f"each curve marks step {chosen}: {marks}"
    assert _step_counter(page) == live, "replaying does not train"
    assert page.locator("[data-testid='stException']").count() == 0 and not errors, errors
    page.screenshot(path=str(ARTIFACTS / "replay.png"))


def test_charts_out_of_sight_wait_to_be_seen(server, new_page):
    """While a run trains, a live chart below the fold is not redrawn (the curves beside the view are);
    scrolled into view, it draws the latest figure at once. A chart whose column changes width refits."""
    page = new_page(1600, 1000)
    page.goto(f"{server.url}/toy")
    page.wait_for_selector(IDLE, timeout=90_000)
    page.get_by_role("button", name="Play").click()
    wait_for_step(page, 30, timeout=120_000)
    draws = "() => [...document.querySelectorAll('.gp-live-chart')].map(d => [Number(d.dataset.draws || 0), " \
            "d.getBoundingClientRect().top < window.innerHeight])"
    before = page.evaluate(draws)
    page.wait_for_timeout(3 * 1000 * CURVES_SECONDS + 1000)  # three refreshes of the curves' panels
    after = page.evaluate(draws)
    seen = [i for i, (_, on) in enumerate(before) if on]
    hidden = [i for i, (_, on) in enumerate(before) if not on]
    assert seen and hidden, before
    assert all(after[i][0] >= before[i][0] + 2 for i in seen), (before, after)
    assert all(after[i][0] == before[i][0] for i in hidden), (before, after)
    last = page.locator(".gp-live-chart").nth(hidden[-1])
    last.scroll_into_view_if_needed()
    page.wait_for_function(f"n => Number(document.querySelectorAll('.gp-live-chart')[{hidden[-1]}].dataset.draws) > n",
                           arg=after[hidden[-1]][0], timeout=5_000)
    pause(page)
    # a column that narrows without the window (stage mode's styles, the sidebar) refits its chart: Plotly's own
    # `responsive` follows the window only, and a curves chart once stayed 265 px wide in a 406-px column
    first = ".gp-live-chart"
    page.evaluate(f"document.querySelector('{first}').style.width = '300px'")
    page.wait_for_function(f"() => Math.abs(document.querySelector('{first}')._fullLayout.width - 300) <= 1",
                           timeout=5_000)


@pytest.mark.parametrize("width,height", [(1600, 1000), (1440, 900)])
def test_toy_page_is_one_screen_and_moves(server, new_page, width, height):
    """What a person sees: after a preset click, with the sidebar open, the main view is wholly on the screen
    with the controls above it and the curves beside it, and no chart text is cut at its chart's edge,
    while training and paused. While training the view keeps changing (consecutive screenshots differ,
    and its title names only steps the run reached); paused, it stops."""
    page = new_page(width, height)
    page.goto(f"{server.url}/toy")
    page.wait_for_selector(IDLE, timeout=90_000)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # the page as a newcomer first sees it (no run yet: the Plotly figure) fits too
    page.wait_for_selector(".gp-live-view .js-plotly-plot", timeout=60_000)
    page.wait_for_timeout(1000)
    first = box(page, ".gp-live-view")
    assert inside_viewport(page, first), f"first view {first} not within {page.viewport_size}"
    click_preset(page, PRESET_BUTTON["mode-collapse"])
    page.wait_for_function("t => document.body.innerText.includes(t)", arg="Expected by step", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.get_by_role("button", name="Play").click()
    page.wait_for_selector(".gp-live-view canvas", timeout=60_000)
    wait_for_step(page, 60, timeout=120_000)
    page.wait_for_timeout(1500)
    assert page.locator("[data-testid='stSidebar']").is_visible()
    view = box(page, ".gp-live-view")
    assert inside_viewport(page, view), f"main view {view} not within {page.viewport_size}"
    assert page.get_by_role("button", name="Play").bounding_box()["y"] < view[1], "the controls are above the view"
    curves = box(page, ".gp-live-chart.js-plotly-plot")
    assert curves[0] >= view[2] - 1 and curves[1] < view[3], "the divergence curves are beside the view"
    assert page.evaluate(CUT_TEXTS) == []
    # motion: the view changes between screenshots a fifth of a second apart
    shots = []
    for _ in range(4):
        shots.append(main_view_pixels(page))
        page.wait_for_timeout(200)
    assert sum(a != b for a, b in zip(shots, shots[1:])) >= 2, "the main view did not move while training"
    label = page.inner_text(".gp-lv-title")
    steps = [int(x.replace(",", "")) for x in re.findall(r"[\d,]+", label.split("—")[1])]
    assert all(s <= _step_counter(page) for s in steps), (label, _step_counter(page))
    page.screenshot(path=str(ARTIFACTS / f"toy-one-screen-{width}x{height}.png"))
    pause(page)
    page.wait_for_timeout(2000)
    view = box(page, ".gp-live-view")
    assert inside_viewport(page, view), f"paused view {view} not within {page.viewport_size}"
    assert page.evaluate(CUT_TEXTS) == []
    still = [page.locator(".gp-live-view").screenshot()]
    page.wait_for_timeout(1000)
    still.append(page.locator(".gp-live-view").screenshot())
    assert still[0] == still[1], "the paused view kept changing"
    assert page.locator("[data-testid='stException']").count() == 0 and not errors, errors


def test_motion_label_rule(server, new_page):
    """The title while the view moves from the frame of step a to the frame of step b: "steps a → b"
    (both reached by the run), and the frame's own step at rest or with nothing to move from."""
    page = new_page()
    page.goto(f"{server.url}/toy")
    page.wait_for_selector(IDLE, timeout=90_000)
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => typeof window.__gpMotionLabel === 'function'", timeout=60_000)
    label = lambda a, b, t: page.evaluate("([a, b, t]) => window.__gpMotionLabel(a, b, t)", [a, b, t])  # noqa: E731
    assert label(1200, 1450, 0.5) == "steps 1,200 → 1,450"
    assert label(1200, 1450, 0.0) == "steps 1,200 → 1,450"
    assert label(1200, 1450, 1.0) == "step 1,450"
    assert label(None, 1450, 0.3) == "step 1,450"
    assert label(1450, 1450, 0.3) == "step 1,450"
    pause(page)


@pytest.mark.parametrize("width, height, stage", [(1440, 900, False), (1280, 720, True)])
def test_compare_presets_paused_panels_keep_room_to_draw(server, new_page, width, height, stage):
    """A compare preset opened by its link, paused at step 0 (the Plotly views): every panel's plot is at
    least 120 px tall, no chart text is cut, and on stage no panel is lower than another (a panel drawn
    while the run cards above it were open refits when they fold). One preset per run count and kind."""
    page = new_page(width, height)
    for name in ("collapse-vs-gp", "ring-kl", "collapse-fixes", "one-gaussian"):
        n = len(COMPARISONS[name].comparison.variants)
        page.goto(f"{server.url}/compare?preset={name}" + ("&stage=1" if stage else ""))
        page.wait_for_selector(IDLE, timeout=90_000)
        page.wait_for_function("n => document.querySelectorAll('.gp-lv-plotly .nsewdrag').length === n", arg=n,
                               timeout=60_000)
        page.wait_for_timeout(1500)
        plots = [page.locator(".gp-lv-plotly .nsewdrag").nth(i).bounding_box() for i in range(n)]
        assert all(b["height"] >= 120 for b in plots), (name, plots)
        assert len({round(b["y"]) for b in plots}) == 1 and len({round(b["height"]) for b in plots}) == 1, (name, plots)
        assert page.evaluate(CUT_TEXTS) == [], name
    # a few steps on, the legend's numbers (the push's max) are the run's own: still whole
    page.get_by_role("button", name="10 steps").click()
    page.wait_for_function("() => document.body.innerText.includes('step 10')", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_timeout(1500)
    assert page.evaluate(CUT_TEXTS) == []
    assert page.locator("[data-testid='stException']").count() == 0


def test_stage_mode_fits_a_projector(server, new_page):
    """Stage mode at 1280×720: the toy page's main view is whole and covers ≥ 40 % of the screen, the
    divergence curves' first row beside it on the screen; on /compare both run panels are whole; no
    chart text is cut."""
    page = new_page(1280, 720)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server.url}/toy?stage=1")
    page.wait_for_selector(IDLE, timeout=90_000)
    click_preset(page, PRESET_BUTTON["mode-hopping"])
    page.wait_for_function("t => document.body.innerText.includes(t)", arg="Expected by step", timeout=60_000)
    page.get_by_role("button", name="Play").click()
    page.wait_for_selector(".gp-live-view canvas", timeout=60_000)
    wait_for_step(page, 30, timeout=120_000)
    page.wait_for_timeout(1500)
    view = box(page, ".gp-live-view")
    area = (view[2] - view[0]) * (view[3] - view[1]) / (1280 * 720)
    assert inside_viewport(page, view) and area >= 0.4, (view, area)
    assert page.evaluate(CUT_TEXTS) == []
    # the curves beside it start at the top: the divergence chart's first row (W1) is on the screen
    w1_row = page.locator(".gp-live-chart .nsewdrag").first.bounding_box()
    assert w1_row is not None and w1_row["y"] + w1_row["height"] <= 720, w1_row
    page.screenshot(path=str(ARTIFACTS / "toy-stage-playing-1280x720.png"))
    pause(page)

    page.goto(f"{server.url}/compare?stage=1")
    page.wait_for_selector(IDLE, timeout=90_000)
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => document.querySelectorAll('.gp-live-view canvas').length === 2", timeout=60_000)
    wait_for_step(page, 10, timeout=120_000)
    page.wait_for_timeout(1500)
    for i in range(2):
        panel = box(page, ".gp-live-view", i)
        assert inside_viewport(page, panel), (i, panel)
    assert page.evaluate(CUT_TEXTS) == []
    page.screenshot(path=str(ARTIFACTS / "compare-stage-1280x720.png"))
    pause(page)
    assert page.locator("[data-testid='stException']").count() == 0 and not errors, errors


def test_mnist_grid_and_histogram_fit_the_screen(server, new_page):
    page = new_page(1600, 1000)
    page.goto(f"{server.url}/mnist")
    page.wait_for_selector(IDLE, timeout=90_000)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=90_000)
    page.wait_for_timeout(1500)
    titles = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')].map(g =>"
                           " ((g._fullLayout || {}).title || {}).text || '')")
    for i, t in enumerate(titles):
        if t.startswith("Samples at step") or t.startswith("Which digits"):
            assert inside_viewport(page, box(page, ".js-plotly-plot", i)), t
    assert page.evaluate(CUT_TEXTS) == []


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _cpu(pid: int) -> float:
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(f[11]) + int(f[12])
    except (OSError, IndexError, ValueError):
        return 0.0


def test_reset_recovers_a_killed_worker_by_clicks(server, new_page):
    """Kill the training process (SIGKILL): the page says so, Reset is enabled, and a person's clicks on
    Reset then Play train again."""
    import signal

    page = new_page()
    page.goto(f"{server.url}/toy")
    page.wait_for_selector(IDLE, timeout=90_000)
    page.get_by_role("button", name="Play").click()
    wait_for_step(page, 20, timeout=120_000)
    # the training worker: the server's descendant that used the most CPU over a second
    before = {p: _cpu(p) for p in _descendants(server.proc.pid)}
    time.sleep(1.0)
    worker = max(before, key=lambda p: _cpu(p) - before[p])
    os.kill(worker, signal.SIGKILL)
    page.wait_for_function("t => document.body.innerText.includes(t)", arg="ended unexpectedly", timeout=30_000)
    page.wait_for_selector(IDLE, timeout=30_000)
    reset = page.get_by_role("button", name="Reset", exact=True)
    assert reset.is_enabled(), "Reset must be the way on"
    assert page.get_by_role("button", name="Play").is_disabled()
    reset.click()
    page.wait_for_function("t => document.body.innerText.includes(t)", arg="Idle", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    play = page.get_by_role("button", name="Play")
    assert play.is_enabled()
    play.click()
    wait_for_step(page, 5, timeout=120_000)
    assert "ended unexpectedly" not in page.inner_text("body")
    assert page.locator("[data-testid='stException']").count() == 0
    pause(page)


def test_a_lesson_step_ticks_its_check_when_the_run_shows_it(server, new_page):
    """/lessons: open the saturating-vs-non-saturating step by its link, press Play and see its check
    ticked with the step at which it came true; Next moves the link on."""
    page = open_page(new_page, f"{server.url}/lessons?lesson=why-wasserstein&step=3")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    assert page.get_by_text("3. Saturating against non-saturating").count() == 1
    unseen = page.locator("[data-testid='stMarkdownContainer']", has_text="gradient is below 1 %")
    assert unseen.first.locator("span[role=img]").first.inner_text() == "radio_button_unchecked"
    page.get_by_role("button", name="Play").click()
    seen = page.locator("[data-testid='stMarkdownContainer']", has_text="gradient is below 1 %").filter(
        has_text="at step")
    seen.first.wait_for(timeout=120_000)
    assert seen.first.locator("span[role=img]").first.inner_text() == "check_circle"  # the tick
    assert page.locator("[data-testid='stException']").count() == 0 and not errors, errors
    page.screenshot(path=str(ARTIFACTS / "lesson-step-ticked.png"))
    page.get_by_role("button", name="Next").click()
    page.wait_for_function("() => location.search.includes('step=4')", timeout=60_000)
    page.get_by_text("4. A non-saturating GAN against WGAN-GP").wait_for(timeout=60_000)
