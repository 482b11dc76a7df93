"""Training throughput with a page live in a browser vs the headless CLI, measured in one run.

    python benchmarks/live_overhead.py [--preset mode-collapse] [--seconds 30]     # the toy page
    python benchmarks/live_overhead.py --page mnist [--seconds 60]                 # MNIST, MLP + NS recipe
    python benchmarks/live_overhead.py --page mnist --arch dcgan_small            # MNIST, the CPU DCGAN's NS recipe

1. headless: `python -m playground train --preset P` (1 torch thread, evaluation every 250 steps);
   its steps/s (training time only) and its wall-clock steps/s, run once before the live window and
   once after it: the ratio is over their mean, so a drift of the machine's speed during the
   measurement (±20 % within minutes on a shared host) moves both sides alike;
2. live: the app as `./dev.sh app` starts it, the page opened in headless Chromium with the same config in the URL,
   Play pressed, the step counter read from the page over `--seconds` (after a warm-up), with the
   page redrawing at its default refresh rates;
3. the time from launching the server to the first drawn frame (first Plotly chart on /toy);
4. where the CPU went during the live window: the server, its training worker and the browser, in cores.
Last line: `live/headless = 0.NN` (live steps/s over the CLI's steps/s).

`--browser-cpus 0` runs Chromium on CPU 0 alone (`taskset`): on a 2-core machine this stands in for a
browser on another machine (a remote viewer, or a laptop with cores to spare), so that the ratio shows
what the server and its worker cost, apart from the browser's share of the same cores.
`--no-browser` measures the worker alone: a Runner at the page's cadence (the page's runner options), its
snapshot read every SAMPLES_SECONDS as a page would, no server and no browser.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_browser import CHROME_ARGS, CHROMIUM, StreamlitServer  # noqa: E402

from playground.presets import PRESETS  # noqa: E402
from playground.recipes import recommended_config  # noqa: E402

# page -> its run (the toy page: a preset; the MNIST page: the NS recipe of an architecture, the MLP by
# default, as the page opens) and the runner options the page drives it with
PAGES = {"toy": lambda args: PRESETS[args.preset].config,
         "mnist": lambda args: recommended_config("mnist", "ns", "none", arch=args.arch)}
# each page's default: a link holds the fields that differ from it (ui/live.py sync_url)
PAGE_DEFAULTS = {"toy": recommended_config(), "mnist": recommended_config("mnist", "ns", "none")}


def page_options(page: str):
    from playground.ui.live import LIVE_RUNNER_OPTIONS, MNIST_RUNNER_OPTIONS
    return MNIST_RUNNER_OPTIONS if page == "mnist" else LIVE_RUNNER_OPTIONS


def headless(config, steps: int) -> dict:
    with tempfile.TemporaryDirectory() as d:
        out, cfg = Path(d) / "run.json", Path(d) / "config.json"
        cfg.write_text(config.to_json())
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "playground", "train", "--config", str(cfg), "--steps", str(steps),
                        "--out", str(out), "--quiet", "--threads", "1"], cwd=ROOT, check=True)
        wall = time.perf_counter() - t0
        run = json.loads(out.read_text())
    return {"steps_per_second": run["steps_per_second"], "wall_steps_per_second": steps / run["wall_seconds"],
            "process_seconds": wall}


def step_count(page) -> int:
    m = re.search(r"step ([\d,]+)", page.inner_text("body"))
    return int(m.group(1).replace(",", "")) if m else -1


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU time (user + system) so far of the Streamlit server, its training workers (its
    multiprocessing descendants: the forkserver and the workers it forked) and the browser (every
    chromium process), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {"server": 0.0, "worker": 0.0, "browser": 0.0}
    procs = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            cmd = (d / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        procs[int(d.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, cmd)
    for pid, (ppid, used, cmd) in procs.items():
        if pid == server_pid:
            out["server"] += used
        elif "multiprocessing" in cmd and server_pid in (ppid, procs.get(ppid, (None,))[0]):
            out["worker"] += used
        elif "chromium" in cmd or "chrome" in cmd.split("\0")[0]:
            out["browser"] += used
    return out


def pinned_chromium(cpus: str | None, folder: Path) -> str:
    """The Chromium executable to launch: CHROMIUM, or a wrapper that runs it on `cpus` only."""
    if not cpus:
        return CHROMIUM
    wrapper = folder / "chromium"
    wrapper.write_text(f'#!/bin/sh\nexec taskset -c {cpus} {CHROMIUM} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def worker_alone(config, options, seconds: float, warmup: float) -> dict:
    """Steps/s of a live worker with nothing else running: the page's runner options and polling."""
    from playground.live.runner import Runner
    from playground.ui.live import SAMPLES_SECONDS

    runner = Runner(config, options)
    try:
        runner.wait_idle(120)
        runner.play()
        time.sleep(warmup)
        s0, t0 = runner.status().step, time.monotonic()
        while time.monotonic() - t0 < seconds:
            time.sleep(SAMPLES_SECONDS)
            runner.heartbeat()
            runner.snapshot()
        s1, t1 = runner.status().step, time.monotonic()
    finally:
        runner.stop()
    return {"steps_per_second": (s1 - s0) / (t1 - t0), "steps": (s0, s1)}


def live(page_name: str, config, seconds: float, warmup: float, browser_cpus: str | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    query = urlencode(config.to_query(PAGE_DEFAULTS[page_name]))
    t_launch = time.monotonic()
    with StreamlitServer() as server, sync_playwright() as p, tempfile.TemporaryDirectory() as d:
        browser = p.chromium.launch(executable_path=pinned_chromium(browser_cpus, Path(d)), args=CHROME_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1100})
        page.goto(f"{server.url}/{page_name}?{query}")
        page.wait_for_selector(".js-plotly-plot", timeout=120_000)
        first_frame = time.monotonic() - t_launch
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
        page.get_by_role("button", name="Play").click()
        page.wait_for_timeout(int(warmup * 1000))
        s0, t0, c0 = step_count(page), time.monotonic(), cpu_seconds(server.proc.pid)
        page.wait_for_timeout(int(seconds * 1000))
        s1, t1, c1 = step_count(page), time.monotonic(), cpu_seconds(server.proc.pid)
        assert page.locator("[data-testid='stException']").count() == 0, "the page raised an exception"
        page.get_by_role("button", name="Pause").click()
        browser.close()
    cores = {k: (c1[k] - c0[k]) / (t1 - t0) for k in c0}
    return {"steps_per_second": (s1 - s0) / (t1 - t0), "steps": (s0, s1), "first_frame_seconds": first_frame,
            "cores": cores}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--page", default="toy", choices=list(PAGES))
    ap.add_argument("--preset", default="mode-collapse", choices=list(PRESETS), help="the toy page's run")
    ap.add_argument("--arch", default="mlp", choices=("mlp", "dcgan_small"), help="the MNIST page's network")
    ap.add_argument("--seconds", type=float, default=30.0, help="live measurement window")
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--steps", type=int, default=1500, help="headless run length (each of the two)")
    ap.add_argument("--browser-cpus", metavar="LIST", help="run Chromium on these CPUs only (taskset -c LIST)")
    ap.add_argument("--no-browser", action="store_true", help="the worker alone: no server, no browser")
    args = ap.parse_args()

    config = PAGES[args.page](args)
    h = headless(config, args.steps)
    print(f"/{args.page}: {config.to_query()}")
    print(f"headless CLI: {h['steps_per_second']:.1f} steps/s training, "
          f"{h['wall_steps_per_second']:.1f} steps/s wall (with evaluations), {args.steps} steps")
    if args.no_browser:
        wa = worker_alone(config, page_options(args.page), args.seconds, args.warmup)
        print(f"worker alone: {wa['steps_per_second']:.1f} steps/s over {args.seconds:.0f} s (steps "
              f"{wa['steps'][0]} -> {wa['steps'][1]}), page cadence, no server, no browser")
        print(f"worker alone/headless = {wa['steps_per_second'] / h['steps_per_second']:.2f}")
        return
    lv = live(args.page, config, args.seconds, args.warmup, args.browser_cpus)
    h2 = headless(config, args.steps)
    print(f"headless CLI, after the live window: {h2['steps_per_second']:.1f} steps/s training")
    h = {"steps_per_second": (h["steps_per_second"] + h2["steps_per_second"]) / 2}
    pinned = f", Chromium on CPU {args.browser_cpus} only" if args.browser_cpus else ""
    print(f"live page:    {lv['steps_per_second']:.1f} steps/s over {args.seconds:.0f} s "
          f"(steps {lv['steps'][0]} -> {lv['steps'][1]}), browser open, default refresh{pinned}")
    print("CPU over the window, in cores: " + ", ".join(f"{k} {v:.2f}" for k, v in lv["cores"].items()) +
          f" (of {os.cpu_count()}; load average {os.getloadavg()[0]:.1f})")
    print(f"./dev.sh app -> first drawn frame on /{args.page}: {lv['first_frame_seconds']:.1f} s")
    print(f"live/headless = {lv['steps_per_second'] / h['steps_per_second']:.2f} (headless: the mean of the two runs, "
          f"{h['steps_per_second']:.1f} steps/s)")


if __name__ == "__main__":
    main()
