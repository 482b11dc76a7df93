"""MNIST: generator steps per second, and the quality reached after fixed wall-clock budgets.

    python benchmarks/mnist_quality.py                         # budgets 1, 3, 10 minutes, 2 threads
    python benchmarks/mnist_quality.py --budgets 0.5 1 --threads 1 --configs mlp-ns
    python benchmarks/mnist_quality.py --steps 2000 6000 --digits 3 --configs small-wgan-clip --speed-seconds 0
    python benchmarks/mnist_quality.py --configs --speed-configs small-ns --layouts small-ns small-wgan-clip

Speed: each configuration trains for --speed-seconds after a short warm-up; generator steps/s (one
step = n_critic critic updates + one generator update). Quality: each configuration trains from
seed 0 and, whenever its training time (evaluation excluded) passes a budget, is judged on 2000
samples from the fixed noise: Fréchet distance in the classifier's feature space (floor: real
training digits vs the test set), classes covered, class KL, the share outside the digit subset and
mean classifier confidence. `--steps` judges at generator step counts instead: the same figures
whatever else runs on the machine (a budget of M minutes is M · 60 · steps/s steps).
Timings depend on the machine and on what else runs on it; compare rows from one run.

Results, dated, with the CLI runs beside them: benchmarks/results/mnist_quality.md.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from playground.datasets.mnist import MNIST_ARCHS, mnist_reference  # noqa: E402
from playground.recipes import recommended_config  # noqa: E402
from playground.trainer import Trainer  # noqa: E402

CONFIGS = {  # name -> (arch, loss, lipschitz)
    "mlp-ns": ("mlp", "ns", "none"),
    "dcgan-wgan-gp": ("dcgan", "wgan", "gp"),
    "mlp-wgan-gp": ("mlp", "wgan", "gp"),
    "dcgan-ns": ("dcgan", "ns", "none"),
    "dcgan-wgan-clip": ("dcgan", "wgan", "clip"),
    "small-wgan-clip": ("dcgan_small", "wgan", "clip"),
    "small-ns": ("dcgan_small", "ns", "none"),
    "small-wgan-gp": ("dcgan_small", "wgan", "gp"),
}


def config_for(name: str, seed: int, digits: str = ""):
    arch, loss, lip = CONFIGS[name]
    return recommended_config("mnist", loss, lip, arch=arch, seed=seed, digits=digits, device="cpu")


def _chunk(name: str) -> int:
    return 1 if CONFIGS[name][0] == "dcgan" else 10  # the seed-size DCGAN takes ~1 s a step on a CPU


def speed(name: str, seconds: float, seed: int, nchw: bool = False) -> tuple[float, int]:
    """Generator steps per second over about `seconds` of training (after 2 warm-up steps). `nchw`:
    the networks converted to PyTorch's default layout first (the convolutional builders return NHWC)."""
    arch = CONFIGS[name][0]
    build = MNIST_ARCHS[arch]

    def build_nchw(config, dataset):
        return tuple(net.to(memory_format=torch.contiguous_format) for net in build(config, dataset))

    MNIST_ARCHS[arch] = build_nchw if nchw else build  # before the Trainer: its EMA copy follows G's layout
    try:
        t = Trainer(config_for(name, seed), n_eval=64)
    finally:
        MNIST_ARCHS[arch] = build
    t.run(2)
    steps, t0 = 0, time.perf_counter()
    chunk = _chunk(name)
    while time.perf_counter() - t0 < seconds:
        t.run(chunk)
        steps += chunk
    return steps / (time.perf_counter() - t0), steps


def quality(name: str, budgets_min: list[float], seed: int, digits: str, log,
            steps: list[int] | None = None) -> list[dict]:
    """Train until each budget of training time (or each step count in `steps`) and evaluate there
    (evaluation time not counted)."""
    t = Trainer(config_for(name, seed, digits))
    chunk = _chunk(name)
    rows, trained = [], 0.0
    marks = [("steps", n) for n in sorted(steps)] if steps else [("budget_min", b) for b in sorted(budgets_min)]
    for kind, mark in marks:
        while (t.step_count < mark) if kind == "steps" else (trained < mark * 60):
            t0 = time.perf_counter()
            t.run(min(chunk, mark - t.step_count) if kind == "steps" else chunk)
            trained += time.perf_counter() - t0
        m = t.evaluate()
        row = {"config": name, "budget_min": mark if kind == "budget_min" else None, "trained_s": round(trained, 1),
               "steps": t.step_count,
               **{k: m[k] for k in ("fid", "modes_covered", "n_modes", "class_kl", "off_subset_fraction",
                                    "mean_confidence")}}
        rows.append(row)
        log(f"  {name:15s} {trained / 60:5.1f} min  step {t.step_count:6d}  fid {m['fid']:8.2f}  "
            f"classes {m['modes_covered']:.0f}/{m['n_modes']:.0f}  class KL {m['class_kl']:.3f}  "
            f"off-subset {m['off_subset_fraction']:.3f}  confidence {m['mean_confidence']:.3f}")
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--budgets", type=float, nargs="+", default=[1, 3, 10], help="minutes of training")
    p.add_argument("--steps", type=int, nargs="+", help="judge at these generator step counts instead")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--digits", default="", help="digit subset for the quality runs ('' = all)")
    p.add_argument("--configs", nargs="*", default=["mlp-ns", "dcgan-wgan-gp"], choices=list(CONFIGS),
                   help="quality runs (none: only the speed table)")
    p.add_argument("--speed-configs", nargs="+", default=["mlp-ns", "dcgan-ns", "dcgan-wgan-gp"],
                   choices=list(CONFIGS), dest="speed_configs")
    p.add_argument("--speed-seconds", type=float, default=15.0, dest="speed_seconds",
                   help="seconds of training per speed measurement (0: skip the speed table)")
    p.add_argument("--layouts", nargs="*", default=[], choices=[n for n, c in CONFIGS.items() if c[0] != "mlp"],
                   help="also time these as built (NHWC) against PyTorch's default NCHW layout, twice each")
    p.add_argument("--json", help="also write the figures here")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)

    def log(s):
        print(s, flush=True)

    log(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), seed {args.seed}")
    floor = mnist_reference().floor(args.digits or None)
    log(f"Fréchet floor (2000 real training digits vs the test set): {floor:.2f}")
    log("speed (generator steps/s; a step = n_critic critic updates + 1 generator update):")
    speeds = {}
    for name in args.speed_configs if args.speed_seconds > 0 else []:
        sps, n = speed(name, args.speed_seconds, args.seed)
        speeds[name] = sps
        log(f"  {name:15s} n_critic {config_for(name, args.seed).n_critic}  {sps:8.2f} steps/s  ({n} steps)")
    for name in args.layouts if args.speed_seconds > 0 else []:  # alternating, so that load drifts hit both
        pairs = [(speed(name, args.speed_seconds, args.seed)[0], speed(name, args.speed_seconds, args.seed, True)[0])
                 for _ in range(2)]
        for nhwc, nchw in pairs:
            log(f"  {name:15s} NHWC (as built) {nhwc:8.2f}  NCHW {nchw:8.2f} steps/s  ratio {nhwc / nchw:.2f}")
    marks = (f"{', '.join(map(str, sorted(args.steps)))} generator steps" if args.steps else
             f"{', '.join(f'{b:g}' for b in sorted(args.budgets))} min of training")
    if args.configs:
        log(f"quality after {marks}{f' on digits {args.digits}' if args.digits else ''}:")
    rows = []
    for name in args.configs:
        rows += quality(name, args.budgets, args.seed, args.digits, log, args.steps)
    if args.json:
        Path(args.json).write_text(json.dumps({"threads": args.threads, "seed": args.seed, "fid_floor": floor,
                                               "steps_per_second": speeds, "quality": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
