"""Every preset keeps its promise at its step budget, headless, seed fixed, one torch thread."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from playground.presets import PRESETS
from playground.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]
_RUNS: dict = {}


def train(config, steps: int) -> Trainer:
    torch.set_num_threads(1)
    tr = Trainer(config)
    tr.run(steps)
    tr.evaluate()
    return tr


def preset_run(name: str) -> Trainer:
    """Each preset trained once per session (clip-vs-gp reuses the WGAN-GP run)."""
    if name not in _RUNS:
        p = PRESETS[name]
        t0 = time.perf_counter()
        _RUNS[name] = train(p.config, p.steps)
        m = _RUNS[name].history[-1]
        print(f"\n{name}: {p.steps} steps in {time.perf_counter() - t0:.1f} s; "
              f"modes {m.get('modes_covered')}, HQ {m.get('high_quality_fraction', float('nan')):.3f}, "
              f"W1 {m.get('w1', float('nan')):.3f}")
    return _RUNS[name]


def g_grad(tr: Trainer) -> np.ndarray:
    return np.array([h["g_grad_norm"] for h in tr.history if "g_grad_norm" in h])


def test_presets_are_well_formed():
    assert set(PRESETS) >= {"mode-collapse", "wgan-gp", "clip-vs-gp", "vanishing-gradients", "hinge-sn"}
    for p in PRESETS.values():
        p.config.validate()
        assert p.config.seed == 0 and p.steps > 0
        assert p.explanation and "\n" not in p.explanation and p.promise


def test_mode_collapse():
    m = preset_run("mode-collapse").history[-1]
    assert m["modes_covered"] <= 3


def test_wgan_gp():
    m = preset_run("wgan-gp").history[-1]
    assert m["modes_covered"] == 8
    assert m["high_quality_fraction"] >= 0.5


def test_clip_vs_gp():
    assert PRESETS["clip-vs-gp"].steps == PRESETS["wgan-gp"].steps
    clip, gp = preset_run("clip-vs-gp").history[-1], preset_run("wgan-gp").history[-1]
    assert clip["high_quality_fraction"] < gp["high_quality_fraction"] - 0.2
    assert clip["w1"] > gp["w1"] + 0.1


def test_vanishing_gradients():
    p = PRESETS["vanishing-gradients"]
    minimax = preset_run("vanishing-gradients")
    ns = train(p.config.replace(loss="ns"), p.steps)
    a, b = np.median(g_grad(minimax)), np.median(g_grad(ns))
    print(f"\nmedian g_grad_norm: minimax {a:.2e}, ns {b:.2e}")
    assert a < 0.01 * b


def test_hinge_sn():
    m = preset_run("hinge-sn").history[-1]
    assert m["modes_covered"] == 8


def test_preset_is_reproducible():
    p = PRESETS["mode-collapse"]
    first = preset_run("mode-collapse").history
    again = train(p.config, p.steps).history
    strip = lambda h: [{k: v for k, v in r.items() if k != "seconds"} for r in h]  # wall time differs
    assert strip(first) == strip(again)


def test_cli_runs_a_preset(tmp_path):
    out = tmp_path / "run.json"
    r = subprocess.run([sys.executable, "-m", "playground", "train", "--preset", "vanishing-gradients",
                        "--steps", "20", "--quiet", "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    run = json.loads(out.read_text())
    assert run["steps"] == 20 and run["config"]["loss"] == "minimax" and run["config"]["n_critic"] == 5
