"""MNIST: generator steps per second, and the quality reached after fixed wall-clock budgets.

    python benchmarks/mnist_quality.py                         # budgets 1, 3, 10 minutes, 2 threads
    python benchmarks/mnist_quality.py --budgets 0.5 1 --threads 1 --configs mlp-ns

Speed: each configuration trains for --speed-seconds after a short warm-up; generator steps/s (one
step = n_critic critic updates + one generator update). Quality: each configuration trains from
seed 0 and, whenever its training time (evaluation excluded) passes a budget, is judged on 2000
samples from the fixed noise: Fréchet distance in the classifier's feature space (floor: real
training digits vs the test set), classes covered, class KL and mean classifier confidence.
Timings depend on the machine and on what else runs on it; compare rows from one run.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from playground.datasets.mnist import mnist_reference  # noqa: E402
from playground.recipes import recommended_config  # noqa: E402
from playground.trainer import Trainer  # noqa: E402

CONFIGS = {  # name -> (arch, loss, lipschitz)
    "mlp-ns": ("mlp", "ns", "none"),
    "dcgan-wgan-gp": ("dcgan", "wgan", "gp"),
    "mlp-wgan-gp": ("mlp", "wgan", "gp"),
    "dcgan-ns": ("dcgan", "ns", "none"),
    "dcgan-wgan-clip": ("dcgan", "wgan", "clip"),
}


def config_for(name: str, seed: int, digits: str = ""):
    arch, loss, lip = CONFIGS[name]
    return recommended_config("mnist", loss, lip, arch=arch, seed=seed, digits=digits, device="cpu")


def speed(name: str, seconds: float, seed: int) -> tuple[float, int]:
    """Generator steps per second over about `seconds` of training (after 2 warm-up steps)."""
    t = Trainer(config_for(name, seed), n_eval=64)
    t.run(2)
    steps, t0 = 0, time.perf_counter()
    chunk = 10 if CONFIGS[name][0] == "mlp" else 1
    while time.perf_counter() - t0 < seconds:
        t.run(chunk)
        steps += chunk
    return steps / (time.perf_counter() - t0), steps


def quality(name: str, budgets_min: list[float], seed: int, digits: str, log) -> list[dict]:
    """Train until each budget of training time and evaluate there (evaluation time not counted)."""
    t = Trainer(config_for(name, seed, digits))
    chunk = 10 if CONFIGS[name][0] == "mlp" else 1
    rows, trained = [], 0.0
    for budget in sorted(budgets_min):
        while trained < budget * 60:
            t0 = time.perf_counter()
            t.run(chunk)
            trained += time.perf_counter() - t0
        m = t.evaluate()
        row = {"config": name, "budget_min": budget, "trained_s": round(trained, 1), "steps": t.step_count,
               **{k: m[k] for k in ("fid", "modes_covered", "n_modes", "class_kl", "mean_confidence")}}
        rows.append(row)
        log(f"  {name:15s} {budget:5.1f} min  step {t.step_count:6d}  fid {m['fid']:8.2f}  "
            f"classes {m['modes_covered']:.0f}/{m['n_modes']:.0f}  class KL {m['class_kl']:.3f}  "
            f"confidence {m['mean_confidence']:.3f}")
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--budgets", type=float, nargs="+", default=[1, 3, 10], help="minutes of training")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--digits", default="", help="digit subset for the quality runs ('' = all)")
    p.add_argument("--configs", nargs="+", default=["mlp-ns", "dcgan-wgan-gp"], choices=list(CONFIGS))
    p.add_argument("--speed-configs", nargs="+", default=["mlp-ns", "dcgan-ns", "dcgan-wgan-gp"],
                   choices=list(CONFIGS), dest="speed_configs")
    p.add_argument("--speed-seconds", type=float, default=15.0, dest="speed_seconds",
                   help="seconds of training per speed measurement (0: skip the speed table)")
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
    log(f"quality after {', '.join(f'{b:g}' for b in sorted(args.budgets))} min of training:")
    rows = []
    for name in args.configs:
        rows += quality(name, args.budgets, args.seed, args.digits, log)
    if args.json:
        Path(args.json).write_text(json.dumps({"threads": args.threads, "seed": args.seed, "fid_floor": floor,
                                               "steps_per_second": speeds, "quality": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
