"""The first run (RunConfig's defaults + their recipe: what /toy and `train --dataset ring8` start with)
on several seeds: modes covered, high-quality share and W1 every 250 steps up to 2,000.

    python benchmarks/first_run.py [--seeds 0 1 2 ... 9] [--steps 2000]

One torch thread, as the live page trains. The record: benchmarks/results/first_run.md.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.recipes import recommended_config  # noqa: E402
from playground.trainer import Trainer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=list(range(10)))
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--every", type=int, default=250)
    args = ap.parse_args()
    torch.set_num_threads(1)
    c = recommended_config()
    print(f"first run: {c.dataset}, {c.loss}/{c.lipschitz} (penalty {c.penalty:g}), Adam {c.g_lr:g}/{c.d_lr:g}, "
          f"EMA {c.g_ema:g}, batch {c.batch_size}")
    print("seed | modes covered at each evaluation | high quality at the last | W1 at the last | steps/s")
    for seed in args.seeds:
        tr = Trainer(c.replace(seed=seed))
        t0, modes = time.perf_counter(), []
        while tr.step_count < args.steps:
            tr.run(min(args.every, args.steps - tr.step_count))
            m = tr.evaluate()
            modes.append(int(m["modes_covered"]))
        rate = args.steps / (time.perf_counter() - t0)
        print(f"{seed} | {' '.join(map(str, modes))} | {m['high_quality_fraction']:.2f} | {m['w1']:.3f} | {rate:.0f}",
              flush=True)


if __name__ == "__main__":
    main()
