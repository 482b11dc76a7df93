"""What unrolling costs (issue 34): generator steps/s of the unrolled critic, k = 0, 5 and 10, on Metz et
al.'s toy networks (generator 2 × 128 ReLU, critic 1 × 128; ring8, batch 512, noise 256, Adam 1e-4,
non-saturating, no Lipschitz method), measured in one run, alternated, one torch thread.

    python benchmarks/unroll_cost.py [--ks 0 5 10] [--steps 150] [--repeat 2]

Each k trains --steps generator steps after 10 warm-up steps; a step with unroll = k runs n_critic = 1
ordinary critic update plus k differentiated updates of the copy (each on fresh batches, and each
through G for its fakes) before the generator's update. Printed: steps/s per k and its cost over k = 0.
The record: benchmarks/results/unroll_cost.md.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.config import RunConfig  # noqa: E402
from playground.trainer import Trainer  # noqa: E402

METZ = RunConfig(dataset="ring8", loss="ns", lipschitz="none", noise_dim=256, g_width=128, g_depth=2,
                 d_width=128, d_depth=1, batch_size=512, g_lr=1e-4, d_lr=1e-4, g_ema=0.0)


def steps_per_second(k: int, steps: int) -> float:
    tr = Trainer(METZ.replace(unroll=k))
    tr.run(10)
    t0 = time.perf_counter()
    tr.run(steps)
    return steps / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ks", type=int, nargs="+", default=[0, 5, 10])
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rates: dict[int, list[float]] = {k: [] for k in args.ks}
    for _ in range(args.repeat):
        for k in args.ks:
            rates[k].append(steps_per_second(k, args.steps))
    base = statistics.median(rates[args.ks[0]])
    for k in args.ks:
        r = statistics.median(rates[k])
        print(f"unroll k = {k:2d}: {r:6.1f} steps/s (runs: {', '.join(f'{x:.1f}' for x in rates[k])}); "
              f"{base / r:4.1f}× the time of k = {args.ks[0]}")


if __name__ == "__main__":
    main()
