"""The generator's weight average with and without its warm-up, against the raw generator.

    python benchmarks/ema_warmup.py                                  # MNIST MLP + NS and ring8, 500/2000/10000
    python benchmarks/ema_warmup.py --data mnist --checks 500 2000   # shorter

One training run per dataset (the recipe's config, seed 0, one torch thread). Averaging never changes
training, so the script keeps several averages of the same run side by side and judges each at every
check on the trainer's fixed evaluation noise (2000 samples):

  raw          the generator being trained
  ema β        the trainer's own average: θ̄ ← β_t θ̄ + (1 − β_t) θ, β_t = min(β, (1 + t)/(10 + t))
  ema β (old)  the same β without the warm-up (β_t = β from step 0: the average starts at θ₀ and
               keeps 0.999^t of it after t steps)

MNIST: Fréchet distance in the classifier's feature space (lower is better; floor ≈ 1.8) and mean
confidence; ring8: W1 (floor ≈ 0.2), modes covered, high-quality fraction and the median distance to
the nearest mode. The last line per dataset checks the issue's target, the warm-up average's Fréchet
distance at step 500 within 1.25× the raw generator's.
"""
from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from playground.recipes import recommended_config  # noqa: E402
from playground.trainer import Trainer  # noqa: E402

DATA = {  # name -> (dataset, loss, lipschitz, columns shown)
    "mnist": ("mnist", "ns", "none", ("fid", "mean_confidence")),
    "ring8": ("ring8", "ns", "r1", ("w1", "modes_covered", "high_quality_fraction", "median_mode_distance")),
}


def warm(beta: float):
    return lambda t: min(beta, (1.0 + t) / (10.0 + t))


def judge(trainer: Trainer, G: torch.nn.Module) -> dict:
    with torch.no_grad(), trainer.inspecting():
        G.eval()
        fake = G(trainer.fixed_noise).cpu().numpy()
        G.train()
    return trainer.dataset.metrics(fake, trainer.real_ref.cpu().numpy())


def run(name: str, checks: list[int], betas: list[float], log) -> list[dict]:
    dataset, loss, lip, cols = DATA[name]
    cfg = recommended_config(dataset, loss, lip, seed=0, device="cpu")
    t = Trainer(cfg)
    beta0 = cfg.g_ema
    # extra averages of the same run: (label, module, decay(t))
    extra = []
    for b in betas:
        if b != beta0:
            extra.append((f"ema {b:g}", copy.deepcopy(t.G).requires_grad_(False), warm(b)))
        extra.append((f"ema {b:g} (old)", copy.deepcopy(t.G).requires_grad_(False), lambda k, b=b: b))
    log(f"\n{name}: {dataset} {loss}/{lip}, recipe g_ema = {beta0:g}; {', '.join(cols)}")
    rows, t0 = [], time.perf_counter()
    for k in range(max(checks)):
        t.run(1)
        with torch.no_grad():
            raw = [p.detach() for p in t.G.parameters()]
            for _, module, decay in extra:
                torch._foreach_lerp_(list(module.parameters()), raw, 1.0 - decay(k))
        if k + 1 in checks:
            shown = [("raw", t.G), (f"ema {beta0:g}", t.G_ema)] + [(lab, mod) for lab, mod, _ in extra]
            for label, G in shown:
                m = judge(t, G)
                rows.append({"data": name, "step": k + 1, "generator": label, **{c: m[c] for c in cols}})
                log(f"  step {k + 1:6d}  {label:16s} " + "  ".join(f"{c} {m[c]:8.3f}" for c in cols))
            log(f"  ({time.perf_counter() - t0:.0f} s so far)")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", nargs="+", default=list(DATA), choices=list(DATA))
    ap.add_argument("--checks", nargs="+", type=int, default=[500, 2000, 10000])
    ap.add_argument("--betas", nargs="+", type=float, default=None,
                    help="averages to keep besides the recipe's (default: 0.99 0.999)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for name in args.data:
        rows = run(name, sorted(args.checks), args.betas or [0.99, 0.999], lambda s: print(s, flush=True))
        if name == "mnist" and 500 in args.checks:
            at = {r["generator"]: r["fid"] for r in rows if r["step"] == 500}
            beta = next(g for g in at if g.startswith("ema") and "old" not in g)
            ratio = at[beta] / at["raw"]
            print(f"  step 500: {beta} Fréchet / raw = {ratio:.2f} (target ≤ 1.25)"
                  f"{'' if ratio <= 1.25 else '  NOT MET'}", flush=True)


if __name__ == "__main__":
    main()
