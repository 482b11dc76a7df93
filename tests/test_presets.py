"""Every preset keeps its promise at its step budget, headless, seed fixed, one torch thread."""
from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from playground.config import RunConfig
from playground.presets import PRESETS
from playground.trainer import Trainer
from tests import promise_pool

ROOT = Path(__file__).resolve().parents[1]
_RUNS: dict = {}


def train(config, steps: int, eval_every: int = 0) -> Trainer:
    """Train `steps` generator steps, evaluating every `eval_every` steps (0: only at the end)."""
    torch.set_num_threads(1)
    tr = Trainer(config)
    every = eval_every or steps
    while tr.step_count < steps:
        tr.run(min(every, steps - tr.step_count))
        tr.evaluate()
    return tr


def _train_job(job: tuple[str, dict, int, int, bool]) -> tuple[str, list, dict | None, float]:
    """One headless preset run in a worker process: (name, history, raw, seconds). With `also_raw` the
    final step is evaluated a second time on the raw generator (g_shown flipped live: training is
    unchanged) and `raw` holds those metrics; the history keeps the preset's own view."""
    name, config, steps, eval_every, also_raw = job
    t0 = time.perf_counter()
    cfg = RunConfig.from_dict(config)
    tr = train(cfg, steps, eval_every)
    history, raw = copy.deepcopy(tr.history), None
    if also_raw:
        tr.update_config(cfg.replace(g_shown="raw"))
        raw = tr.evaluate()
    return name, history, raw, time.perf_counter() - t0


VANISHING_NS = "vanishing-gradients (ns twin)"
AGAIN = "mode-collapse (again)"  # the same preset trained a second time, in another process
ALSO_RAW = {"wgan-gp", "average-hides"}


def _jobs() -> dict[str, tuple]:
    """{run name: the job's argument}: every preset, the non-saturating twin of the vanishing-gradients
    preset, and the mode-collapse preset a second time (the reproducibility test)."""
    jobs = {name: (name, p.config.to_dict(), p.steps, p.eval_every, name in ALSO_RAW) for name, p in PRESETS.items()}
    vg = PRESETS["vanishing-gradients"]
    jobs[VANISHING_NS] = (VANISHING_NS, vg.config.replace(loss="ns").to_dict(), vg.steps, 0, False)
    mc = PRESETS["mode-collapse"]
    jobs[AGAIN] = (AGAIN, mc.config.to_dict(), mc.steps, mc.eval_every, False)
    return jobs


def promise_jobs() -> list:
    """The runs the promise tests read, as tests/promise_pool.py jobs (trained in the background)."""
    return [(("presets", name), _train_job, job, promise_pool.training_cost(job[1], job[2]))
            for name, job in _jobs().items()]


def preset_run(name: str) -> SimpleNamespace:
    """The finished run of `name` (a key of _jobs()): its `history`, and `raw`, the final metrics of its
    raw generator for the presets in ALSO_RAW. Waits for the background process that trains it."""
    if name not in _RUNS:
        _, history, raw, seconds = promise_pool.result(("presets", name), promise_jobs)
        _RUNS[name] = SimpleNamespace(history=history, raw=raw)
        m = history[-1]
        print(f"\n{name}: {m['step']} steps in {seconds:.1f} s; "
              f"modes {m.get('modes_covered')}, HQ {m.get('high_quality_fraction', float('nan')):.3f}, "
              f"W1 {m.get('w1', float('nan')):.3f}")
    return _RUNS[name]


def _all_runs() -> dict:
    """Every run of _jobs() (benchmarks/device_check.py trains them all on a GPU this way)."""
    for name in _jobs():
        preset_run(name)
    return _RUNS


def second_half(name: str) -> list[dict]:
    """The evaluations of a preset's run after half its budget."""
    p = PRESETS[name]
    evals = [h for h in preset_run(name).history if "mode_shares" in h and h["step"] > p.steps / 2]
    assert len(evals) >= p.steps // (2 * max(p.eval_every, 1)), "one evaluation every eval_every steps"
    return evals


def top2(h: dict) -> float:
    """The share of the samples whose nearest mode is one of the two fullest modes."""
    return sum(sorted(h["mode_shares"])[-2:])


def hops(evals: list[dict], majority: float = 2 / 3) -> int:
    """How often the dominant mode changes between evaluations, counting only evaluations where one
    mode holds ≥ `majority` of the samples (a near 50/50 split between two modes is not a hop)."""
    dom = [int(np.argmax(h["mode_shares"])) for h in evals if max(h["mode_shares"]) >= majority]
    return sum(a != b for a, b in zip(dom, dom[1:]))


def g_grad(tr) -> np.ndarray:
    return np.array([h["g_grad_norm"] for h in tr.history if "g_grad_norm" in h])


def test_presets_are_well_formed():
    assert set(PRESETS) >= {"mode-collapse", "mode-hopping", "average-hides", "wgan-gp", "clip-vs-gp",
                            "vanishing-gradients", "hinge-sn"}
    for p in PRESETS.values():
        p.config.validate()
        assert p.config.seed == 0 and p.steps > 0
        assert p.explanation and "\n" not in p.explanation and p.promise
    # the presets that teach dynamics show the raw generator, and say so
    for name in ("mode-collapse", "mode-hopping", "clip-vs-gp", "vanishing-gradients"):
        assert PRESETS[name].shows.startswith("the raw generator"), name
    assert PRESETS["average-hides"].shows.startswith("the weight-averaged generator")


@pytest.mark.promise_runs
def test_mode_collapse():
    """Collapsed and on the mode at every evaluation of the second half."""
    evals = second_half("mode-collapse")
    print("\nmode-collapse, second half: top-2 share", [round(top2(h), 3) for h in evals],
          "\n  median distance", [round(h["median_mode_distance"], 3) for h in evals],
          "\n  high quality", [round(h["high_quality_fraction"], 3) for h in evals],
          "\n  dominant", [int(np.argmax(h["mode_shares"])) for h in evals])
    for h in evals:
        assert top2(h) >= 0.9, h["step"]
        assert h["median_mode_distance"] <= 0.3, h["step"]


@pytest.mark.xfail(strict=False, reason="the preset's ≥ 80 % high quality at *every* second-half evaluation "
                   "holds on some CPUs, not others (the run is chaotic in floating-point rounding): on an AVX-512 "
                   "machine one evaluation of 15 dips to 0.755 (1 thread), 0.708 (2 threads), 0.544 (AVX2 "
                   "kernels); see the closing note")
@pytest.mark.promise_runs
def test_mode_collapse_stays_high_quality():
    for h in second_half("mode-collapse"):
        assert h["high_quality_fraction"] >= 0.8, h["step"]


@pytest.mark.xfail(strict=True, reason="issue 15's full promise, not met by any of 78 settings searched "
                   "(benchmarks/results/collapse_search.md): the collapsed generator that sits on its mode does "
                   "not hop, and the one that hops (mode-hopping) circles 0.4-0.8 away from the modes")
@pytest.mark.promise_runs
def test_mode_collapse_also_hops():
    assert hops(second_half("mode-collapse")) >= 2


@pytest.mark.promise_runs
def test_mode_hopping():
    """Collapsed at every evaluation of the second half, onto a mode that keeps changing."""
    evals = second_half("mode-hopping")
    print("\nmode-hopping, second half: top-2 share", [round(top2(h), 3) for h in evals],
          "\n  median distance", [round(h["median_mode_distance"], 3) for h in evals],
          "\n  dominant", [int(np.argmax(h["mode_shares"])) for h in evals], "hops", hops(evals))
    assert all(top2(h) >= 0.9 for h in evals)
    assert hops(evals) >= 5


@pytest.mark.promise_runs
def test_average_hides_the_hopping():
    run = preset_run("average-hides")
    avg, raw = run.history[-1], run.raw
    print(f"\naverage-hides: averaged median {avg['median_mode_distance']:.2f}, covered {avg['modes_covered']}; "
          f"raw top-2 {top2(raw):.3f}, median {raw['median_mode_distance']:.2f}")
    assert avg["modes_covered"] == 0 and avg["median_mode_distance"] >= 1.0
    assert top2(raw) >= 0.9


@pytest.mark.promise_runs
def test_wgan_gp():
    m = preset_run("wgan-gp").history[-1]
    assert m["modes_covered"] == 8
    assert m["high_quality_fraction"] >= 0.8


@pytest.mark.promise_runs
def test_clip_vs_gp():
    """Clipping shows its raw generator: compared with WGAN-GP's raw generator at the same step."""
    assert PRESETS["clip-vs-gp"].steps == PRESETS["wgan-gp"].steps
    assert PRESETS["clip-vs-gp"].config.g_shown == "raw"
    clip, gp = preset_run("clip-vs-gp").history[-1], preset_run("wgan-gp").raw
    print(f"\nclip (raw): HQ {clip['high_quality_fraction']:.3f}, W1 {clip['w1']:.3f}; "
          f"gp (raw): HQ {gp['high_quality_fraction']:.3f}, W1 {gp['w1']:.3f}")
    assert clip["high_quality_fraction"] < gp["high_quality_fraction"] - 0.2
    assert clip["w1"] > gp["w1"] + 0.1


@pytest.mark.promise_runs
def test_vanishing_gradients():
    p = PRESETS["vanishing-gradients"]
    minimax, ns = preset_run("vanishing-gradients"), preset_run(VANISHING_NS)
    a, b = np.median(g_grad(minimax)), np.median(g_grad(ns))
    print(f"\nmedian g_grad_norm: minimax {a:.2e}, ns {b:.2e}")
    assert a < 0.01 * b


@pytest.mark.promise_runs
def test_hinge_sn():
    m = preset_run("hinge-sn").history[-1]
    assert m["modes_covered"] == 8


@pytest.mark.promise_runs
def test_preset_is_reproducible():
    """The same preset trained twice, in two processes, gives the same history."""
    first, again = preset_run("mode-collapse").history, preset_run(AGAIN).history
    strip = lambda h: [{k: v for k, v in r.items() if k != "seconds"} for r in h]  # wall time differs
    assert strip(first) == strip(again)


def test_cli_runs_a_preset(tmp_path):
    out = tmp_path / "run.json"
    r = subprocess.run([sys.executable, "-m", "playground", "train", "--preset", "vanishing-gradients",
                        "--steps", "20", "--quiet", "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    run = json.loads(out.read_text())
    assert run["steps"] == 20 and run["config"]["loss"] == "minimax" and run["config"]["n_critic"] == 5
