"""Every loss / Lipschitz pair on ring8 and grid25 at a fixed generator-step budget, with the
recommended settings (playground/recipes.py), seed 0, one torch thread. Prints a markdown table.

    .venv/bin/python benchmarks/toy_table.py --steps 10000 --jobs 2 > benchmarks/results/toy_table_10k.md

(~28 min on 2 cores.) Each row is the run `python -m playground train --dataset D --loss L --lipschitz M
--steps N --seed 0` would make: the same recommended config, the same seeded trainer.

Columns: modes covered (VEEGAN / PacGAN protocol: a sample is high quality within 3σ of its nearest
mode), high-quality fraction, final W1 (exact assignment, n = 512) next to the W1 noise floor of two
independent real samples at the same n, and generator steps per second (training only, no
evaluation; a lower bound when the machine is shared).
"""
from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PAIRS = ["minimax/none", "ns/none", "lsgan/none", "ragan/none", "wgan/clip", "wgan/gp", "wgan/lp",
         "hinge/sn", "ns/r1"]
DATASETS = ["ring8", "grid25"]


def noise_floor(dataset: str, seed: int = 0) -> float:
    """W1 between the trainer's real reference set and an independent real set of the same size."""
    import torch
    from playground import metrics as M
    from playground.recipes import recommended_config
    from playground.trainer import Trainer

    tr = Trainer(recommended_config(dataset, "ns", "none", seed=seed, device="cpu"))
    other = tr.dataset.sample(len(tr.real_ref), torch.Generator().manual_seed(seed + 104729))
    return M.w1_2d(tr.real_ref.numpy(), other.numpy())


def run_one(job: tuple[str, str, int, int]) -> dict:
    dataset, pair, steps, seed = job
    import torch
    torch.set_num_threads(1)
    from playground.recipes import recommended_config
    from playground.trainer import Diverged, Trainer

    loss, lip = pair.split("/")
    tr = Trainer(recommended_config(dataset, loss, lip, seed=seed, device="cpu"))
    t0 = time.perf_counter()
    diverged = ""
    try:
        tr.run(steps)
    except Diverged as e:
        diverged = str(e)
    m = tr.evaluate()
    print(f"{dataset} {pair}: {tr.step_count} steps, {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    return dict(dataset=dataset, pair=pair, modes=int(m["modes_covered"]), n_modes=int(m["n_modes"]),
                hq=m["high_quality_fraction"], w1=m["w1"], sps=tr.step_count / tr.seconds if tr.seconds else 0.0,
                wall=time.perf_counter() - t0, diverged=diverged, steps=tr.step_count)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=10000, help="generator steps per run (default 10000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=1, help="runs in parallel, one thread each (default 1)")
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--pairs", default=",".join(PAIRS))
    args = ap.parse_args(argv)
    import torch
    torch.set_num_threads(1)
    datasets, pairs = args.datasets.split(","), args.pairs.split(",")
    jobs = [(d, p, args.steps, args.seed) for d in datasets for p in pairs]
    t0 = time.perf_counter()
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn")) as pool:
            rows = list(pool.map(run_one, jobs))
    else:
        rows = [run_one(j) for j in jobs]
    floors = {d: noise_floor(d, args.seed) for d in datasets}
    print(f"Seed {args.seed}, {args.steps} generator steps, recommended settings, 1 torch thread, "
          f"{args.jobs} run(s) in parallel; total {time.perf_counter() - t0:.0f} s.\n")
    print("| dataset | loss / lipschitz | modes covered | high-quality fraction | W1 (floor) | steps/s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        note = f" (diverged: {r['diverged']})" if r["diverged"] else ""
        print(f"| {r['dataset']} | {r['pair']} | {r['modes']}/{r['n_modes']} | {r['hq']:.1%} | "
              f"{r['w1']:.3f} ({floors[r['dataset']]:.3f}) | {r['sps']:.0f}{note} |")
    print("\nW1: exact assignment on 512 + 512 points; the floor is two independent real samples. "
          "steps/s: generator steps per second of training (n_critic critic steps each); "
          "the machine was shared, so these are lower bounds.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
