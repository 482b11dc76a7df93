"""Every loss / Lipschitz pair on ring8 and grid25 at a fixed generator-step budget, with the
recommended settings (playground/recipes.py), one torch thread per run: a thin call of
`python -m playground sweep` (on a local Ray, one run per core), then the W1 noise floors. Prints a
markdown table.

    .venv/bin/python benchmarks/toy_table.py --steps 10000 --seeds 0 1 2 > benchmarks/results/toy_table_10k.md

(three seeds, 90 cells: about 2 h on 2 cores; the 36 f-GAN cells alone, `--pairs kl/r1 ...`, took
about an hour.) Each cell is the run `python -m playground train --dataset D --loss L --lipschitz M
--steps N --seed S` would make; its JSON is in --out (default runs/toy_table_<steps>),
so an interrupted table continues where it stopped.

Columns, mean ± standard deviation over the seeds: modes covered (VEEGAN / PacGAN protocol: a sample
is high quality within 3σ of its nearest mode), high-quality fraction, the reverse KL of the mode
histogram to uniform, final W1 (exact assignment, n = 512; its noise floor below the table), and
generator steps per second (training only, no evaluation; a lower bound when the machine is shared).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground import metrics as M  # noqa: E402
from playground.cli.main import main as playground  # noqa: E402
from playground.recipes import recommended_config  # noqa: E402
from playground.trainer import Trainer  # noqa: E402

PAIRS = ["minimax/none", "ns/none", "lsgan/none", "ragan/none", "wgan/clip", "wgan/gp", "wgan/lp",
         "hinge/sn", "ns/r1",
         # the f-GAN losses (Nowozin et al. 2016) with their 2D recipe (R1; recipes.py DATASET_LOSS_METHOD)
         "kl/r1", "reverse_kl/r1", "pearson/r1", "hellinger/r1", "js/r1", "tv/r1"]
DATASETS = ["ring8", "grid25"]


def noise_floor(dataset: str, seed: int = 0) -> float:
    """W1 between the trainer's real reference set and an independent real set of the same size."""
    tr = Trainer(recommended_config(dataset, "ns", "none", seed=seed, device="cpu"))
    other = tr.dataset.sample(len(tr.real_ref), torch.Generator().manual_seed(seed + 104729))
    return M.w1_2d(tr.real_ref.numpy(), other.numpy())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=10000, help="generator steps per run (default 10000)")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0])
    ap.add_argument("--datasets", nargs="+", default=DATASETS)
    ap.add_argument("--pairs", nargs="+", default=PAIRS)
    ap.add_argument("--out", help="the sweep's folder (default runs/toy_table_<steps>)")
    ap.add_argument("--address", help="a running Ray cluster (default: a local Ray)")
    ap.add_argument("--cpus", type=int, help="the local Ray's CPUs (default: this machine's cores)")
    args = ap.parse_args(argv)
    out = args.out or str(ROOT / "runs" / f"toy_table_{args.steps}")
    extra = [*(["--address", args.address] if args.address else []), *(["--cpus", str(args.cpus)] if args.cpus else [])]
    t0 = time.perf_counter()
    rc = playground(["sweep", "--datasets", *args.datasets, "--pairs", *args.pairs, "--seeds", *map(str, args.seeds),
                     "--steps", str(args.steps), "--out", out, *extra])
    if rc not in (0, 3):  # 3: a run diverged, and the table says so
        return rc
    floors = ", ".join(f"{d} {noise_floor(d, args.seeds[0]):.3f}" for d in args.datasets)
    print(f"Seeds {' '.join(map(str, args.seeds))}, {args.steps} generator steps, recommended settings, 1 torch "
          f"thread per run, on Ray; {time.perf_counter() - t0:.0f} s (cells already in {out} are not rerun).\n")
    print((Path(out) / "summary.md").read_text())
    print(f"W1: exact assignment on 512 + 512 points; its floor (two independent real samples): {floors}. "
          "steps/s: generator steps per second of training (n_critic critic steps each); "
          "the machine was shared, so these are lower bounds.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
