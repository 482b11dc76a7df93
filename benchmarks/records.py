"""The record presets under PacGAN's protocol (issue 34, item 5): each `record-*` preset trained on ten
seeds, evaluated once at its budget on 2,500 samples (high quality: within 3σ of the nearest mode; mode
KL: the high-quality samples' mode histogram against uniform), beside PacGAN's Table 1 (Lin et al. 2018,
mean ± standard error over 10 runs).

    python benchmarks/records.py [--presets record-ring8 record-grid25] [--seeds 0 1 ... 9] [--workers 2]

Each run: one torch thread, in its own process (`cli.train.train_promise`, the tests' promise runs).
Printed: a row per seed (the preset's check: kept or what broke), then mean ± standard deviation
(standard error) per preset, and its generator steps/s. The record: benchmarks/results/records.md.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.cli.train import train_promise  # noqa: E402
from playground.presets import PRESETS  # noqa: E402
from playground.promises import evaluation_at  # noqa: E402

# PacGAN, Table 1 (Lin et al. 2018), as quoted in issue 34: modes, high-quality %, reverse KL of the mode
# histogram; mean ± standard error over 10 runs ("—": not quoted there)
PACGAN = {
    "ring8": [("PacGAN2", "7.9 ± 0.1", "95.6 ± 2.0", "—"), ("PacGAN3", "7.8", "97.7 ± 0.3", "—")],
    "grid25": [("PacGAN4", "24.8 ± 0.2", "93.6 ± 0.6", "0.04")],
}
def one(job: tuple[str, int]) -> tuple[str, int, dict, float, list[str]]:
    name, seed = job
    p = PRESETS[name]
    spec = p.spec.__class__(p.config.replace(seed=seed), p.steps, p.steps, eval_samples=p.eval_samples,
                            label=f"{name} seed {seed}")
    run, seconds, _ = train_promise(spec)
    return name, seed, evaluation_at(run.history, p.steps), p.steps / seconds, p.failures(run)


def mean_sd_se(xs: list[float], scale: float = 1.0, fmt: str = ".2f") -> str:
    m = statistics.fmean(xs) * scale
    if len(xs) < 2:
        return f"{m:{fmt}}"
    sd = statistics.stdev(xs) * scale
    return f"{m:{fmt}} ± {sd:{fmt}} (se {sd / len(xs) ** 0.5:{fmt}})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", nargs="+", default=[n for n in PRESETS if n.startswith("record-")])
    ap.add_argument("--seeds", type=int, nargs="+", default=list(range(10)))
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    jobs = [(n, s) for n in args.presets for s in args.seeds]
    with get_context("spawn").Pool(args.workers) as pool:
        results = pool.map(one, jobs, chunksize=1)
    print("| preset | seed | modes covered | high quality | mode KL(q̂‖uniform) | steps/s | promise |")
    print("|---|---|---|---|---|---|---|")
    for name, seed, m, rate, fails in results:
        print(f"| {name} | {seed} | {m['modes_covered']:.0f} | {100 * m['high_quality_fraction']:.1f} % | "
              f"{m['mode_reverse_kl']:.4f} | {rate:.0f} | {'kept' if not fails else '; '.join(fails)} |")
    print()
    print("| | runs | modes covered | high quality (%) | mode KL | steps/s |")
    print("|---|---|---|---|---|---|")
    for name in args.presets:
        rows = [(m, rate, fails) for n, _, m, rate, fails in results if n == name]
        kept = sum(not f for _, _, f in rows)
        print(f"| **{name}** ({PRESETS[name].steps} steps; promise kept on {kept} of {len(rows)} seeds) | {len(rows)} | "
              f"{mean_sd_se([m['modes_covered'] for m, _, _ in rows], fmt='.1f')} | "
              f"{mean_sd_se([m['high_quality_fraction'] for m, _, _ in rows], 100, '.1f')} | "
              f"{mean_sd_se([m['mode_reverse_kl'] for m, _, _ in rows], fmt='.3f')} | "
              f"{statistics.median(r for _, r, _ in rows):.0f} |")
        for label, modes, hq, kl in PACGAN[PRESETS[name].config.dataset]:
            print(f"| {label} (Lin et al. 2018, Table 1; ± standard error) | 10 | {modes} | {hq} | {kl} | |")


if __name__ == "__main__":
    main()
