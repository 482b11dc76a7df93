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

Measured 2026-12-02, seed 0, the recipes of playground/recipes.py (EMA generator, β = 0.999 with its
warm-up), 2000 samples (* 1000). The machine's 2 cores were shared with other work (load 2-9), so the
quality rows are by generator step; the speeds are the best of two 2-thread runs at a load near 1.5
(the other: mlp-ns 110, small-ns 29.4, small-wgan-clip 10.9), and a budget of M minutes is M · 60 times
the speed.

    speed, 2 threads, steps/s:  mlp-ns 134   small-ns 33.6   small-wgan-clip 12.3   dcgan-wgan-gp 1.31
    (small-*: the earlier generator; the present one made 14.7 and 4.9 steps/s in the CLI runs below)
    (one thread, steps per CPU-second: 75.6, 17.9, 6.2 and 0.79)

    config            digits  threads  step   Fréchet  classes  off-subset  confidence
    small-wgan-clip   3       2 (CLI)   500    91.1     1/1      0.025       0.979
    small-wgan-clip   3       2 (CLI)  1870    53.9     1/1      0.022       0.986
    small-wgan-clip   3       1         600    78.3*    1/1      0.029       0.982
    small-ns          3       1 (CLI)   800    10.5     1/1      0.007       0.995
    small-ns          3       1 (CLI)  3200     5.45    1/1      0.004       0.997
    small-ns          all     1        1000   142.1    10/10     0           0.862
    small-ns          all     1        2000   109.2    10/10     0           0.885
    small-ns          all     1        3000   104.2    10/10     0           0.896
    small-ns          all     1        5000   107.3    10/10     0           0.910
    small-ns          all     2 (CLI)  8000    99.8    10/10     0           0.909
    small-ns          all     2 (CLI) 12475    91.6    10/10     0           0.908   (`--minutes 10`)

Measured 2026-12-05 with the present dcgan_small (its generator writes 16 channels at 28×28, then a 3×3
convolution; the rows above are the earlier generator, whose last transposed convolution wrote the
image directly). CLI, `train --config <recipe> --minutes M --threads 2`, seed 0, on a quiet machine:

    config            digits  budget   steps   Fréchet  classes  off-subset  confidence
    small-wgan-clip   3       5 min     1450    63.6     1/1      0.026       0.983   (step 500: 67.6, 0.032, 0.980)
    small-ns          3       3 min     2700     4.89    1/1      0.007       0.996   (step 1000: 6.29, 0.008, 0.995)
    small-ns          all     10 min    8800    61.7    10/10     0           0.918   (2000: 90.5; 4000: 80.4; 6000: 65.6)

Measured 2026-12-06, the NS recipe now at batch 32 (the same CLI command, quiet machine):

    config            digits  budget   steps   Fréchet  classes  off-subset  confidence
    small-ns (b32)    3       3 min     6125     4.03    1/1      0.006       0.997   (step 1000: 5.96)
    small-ns (b32)    all     10 min   18225    52.5    10/10     0           0.913   (3000: 93.8; 9000: 65.0; 15000: 55.9)

Per step batch 32 is about as good as 64 (65.0 at step 9000 against 61.7 at 8800) at ~1.9× the steps/s
(30.3 against 15.6 on 2 threads), so 10 minutes go from 61.7 to 52.5: still above the MLP's 41.3.

Measured later on 2026-12-06: dcgan_small in NHWC (channels-last, `--layouts`: CLI ~30 → ~33 steps/s on 2
threads) and without the bias of its two transposed convolutions (batch norm cancels it; see
models/mnist.py: with it, NHWC drifted and the EMA generator fell to Fréchet 319 at step 3000). The same
CLI command, quiet machine, the MLP re-measured the same day:

    config            digits  budget   steps   Fréchet  classes  off-subset  confidence
    small-ns (b32)    3       3 min     6175     4.70    1/1      0.008       0.996   (step 1000: 6.5)
    small-ns (b32)    all     10 min   19425    51.7    10/10     0           0.916   (3000: 94.3; 9000: 68.8; 15000: 59.1)
    small-wgan-clip   3       5 min     2275    55.3     1/1      0.032       0.981   (step 500: 71.1, 0.030, 0.982)
    mlp-ns            all     10 min   53025    41.7    10/10     0           0.953   (20000: 46.9; 40000: 42.3)

Then the NS recipe at Adam 2e-3 (it had fallen apart with the biases: 596 at step 6000), the same command:

    small-ns (2e-3)   3       3 min     6175     4.04    1/1      0.0085      0.997   (step 1000: 6.72)
    small-ns (2e-3)   all     10 min   20075    47.0    10/10     0           0.916   (3000: 82.8; 9000: 63.0; 15000: 54.7)

Measured 2026-12-07: the NS recipe with the critic at twice the generator's rate (Adam 4e-3 / 2e-3) and
β₂ = 0.99 for both (the recipe now). The same command; the machine ran faster than the day before (the
MLP: 54,750 steps in 10 minutes against 53,025), so the MLP was re-measured beside it:

    config            digits  budget   steps   Fréchet  classes  off-subset  confidence
    small-ns          3       3 min     6850     5.27    1/1      0.0065      0.996   (step 1000: 7.47)
    small-ns          all     10 min   22225    40.6    10/10     0           0.918   (3000: 79.8; 9000: 55.7; 15000: 44.7)
    mlp-ns            all     10 min   54750    40.3    10/10     0           0.952   (20000: 46.9; 40000: 42.3)
Again, back to back from 00:52 (the recipe from the architecture, no `--set`: the same run step for step):

    small-ns          all     10 min   21500    41.1    10/10     0           0.921   (21000: 40.0)
    mlp-ns            all     10 min   66175    39.4    10/10     0           0.956   (the machine faster again: 110 steps/s)

So in 10 minutes on all ten digits dcgan_small (40.6, 41.1) is at the MLP (40.3, 39.4) but not below it.
A critic at 3× (6e-3) was worse by step: 80.3 / 71.8 / 64.7 at 3000 / 6000 / 9000 against 79.8 / 63.5 / 55.7.

So in 10 minutes on all ten digits dcgan_small (47.0) is still above the MLP (41.7). `--layouts`, the same
hour, alternating (NHWC / NCHW steps/s): small-ns 37.9 / 28.6 and 34.2 / 24.5 (1.32, 1.40), small-wgan-clip
6.82 / 5.55 and 7.77 / 6.65 (1.23, 1.17). The CLI rows gained less than that against the day's earlier rows
(30.3 → 32.3 NS): the machine's speed drifts between hours, so compare ratios from one run.

One thread, by step, all ten digits, Fréchet at 1000 / 2000 / 3000: this generator 105.7 / 85.5 / 74.6,
the earlier one 146.4 / 121.1 / 108.9 (its 1000-step figure above, 142.1, was a run of 2026-12-02).

With the earlier generator, 5 minutes of small-wgan-clip were ~3700 steps, 3 of small-ns ~6000, 10 of
small-ns ~20000 (the `--minutes 10` run reached 12475 under load); on all ten digits its Fréchet
distance fell slowly after step 3000 (Adam 5e-4: 116 at 4000, 111 at 6000; a critic of 64/128 channels: 114 at 3000); the
MLP reaches 41.3 in 10 minutes (README), so on all ten digits dcgan_small does not beat the MLP, with
either generator (61.7 against 41.3 with the present one).
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
