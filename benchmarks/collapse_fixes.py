"""The fixes for mode collapse against the presets that show it (issue 34): each toy preset's config with
one fix switched on (`pack=2`, `mbstd=true`, `unroll=5`, ... : any RunConfig fields), on several seeds,
one torch thread; modes covered and the dominant mode at every evaluation, the high-quality share at
the last.

    python benchmarks/collapse_fixes.py --preset mode-hopping --fix plain pack=2 mbstd=true --seeds 0 1 2 3 4

The record: benchmarks/results/collapse_fixes.md.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.config import RunConfig  # noqa: E402
from playground.presets import PRESETS  # noqa: E402
from playground.trainer import Trainer  # noqa: E402


def fixed(config: RunConfig, fix: str) -> RunConfig:
    """The config with the fix's fields ("plain": none; "pack=2,mbstd=true": those), parsed as a link's."""
    if fix == "plain":
        return config
    query = dict(item.split("=", 1) for item in fix.split(","))
    out, warnings = RunConfig.from_query(query, base=config)
    if warnings:
        raise SystemExit(f"error: {'; '.join(warnings)}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="mode-hopping", choices=list(PRESETS))
    ap.add_argument("--fix", nargs="+", default=["plain", "pack=2", "mbstd=true"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--steps", type=int, help="default: the preset's")
    ap.add_argument("--every", type=int, default=250)
    args = ap.parse_args()
    torch.set_num_threads(1)
    preset = PRESETS[args.preset]
    steps = args.steps or preset.steps
    print(f"{args.preset}, {steps} steps, evaluations every {args.every}")
    print("| fix | seed | modes covered at each evaluation | dominant mode at each | high quality at the last | steps/s |")
    print("|---|---|---|---|---|---|")
    for fix in args.fix:
        for seed in args.seeds:
            tr = Trainer(fixed(preset.config, fix).replace(seed=seed))
            t0, modes, dominant = time.perf_counter(), [], []
            while tr.step_count < steps:
                tr.run(min(args.every, steps - tr.step_count))
                m = tr.evaluate()
                shares = m["mode_shares"]
                modes.append(int(m["modes_covered"]))
                dominant.append(max(range(len(shares)), key=shares.__getitem__))
            rate = steps / (time.perf_counter() - t0)
            print(f"| {fix} | {seed} | {' '.join(map(str, modes))} | {' '.join(map(str, dominant))} | "
                  f"{m['high_quality_fraction']:.1%} | {rate:.0f} |", flush=True)


if __name__ == "__main__":
    main()
