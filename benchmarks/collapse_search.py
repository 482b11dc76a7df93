"""The search for issue 15's whole mode-collapse picture on ring8 with a plain GAN (NS loss, no Lipschitz
method, raw generator): at every evaluation of the second half (every 100 steps of 3000) ≥ 90 % of the
samples nearest at most two modes, their median distance to the nearest mode ≤ 0.3, and the dominant
mode (≥ 2/3 of the samples) changing at least twice.

    python benchmarks/collapse_search.py                      # every batch, 2 processes (~20 min here)
    python benchmarks/collapse_search.py --batch tiny-g --processes 1 --out rows.jsonl

Each config trains seed 0 on one torch thread. Per config it prints how many of the 15 second-half
evaluations keep the two-mode share and the median distance, the number of hops, and the largest
median distance. Results of 2026-12-05: benchmarks/results/collapse_search.md.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from multiprocessing import get_context
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.promises import hops, top2  # noqa: E402  the presets' own counts

STEPS, EVERY = 3000, 100
# the mode-hopping preset's networks (Metz et al. 2017) and the mode-collapse preset's
HOP = dict(noise_dim=256, g_depth=2, d_depth=1, g_ema=0.0, batch_size=512, seed=0, g_lr=1e-3, d_lr=1e-3)
COL = dict(noise_dim=256, g_depth=2, g_width=8, d_depth=2, d_width=128, g_ema=0.0, batch_size=512, seed=0,
           g_lr=1e-3, d_lr=3e-3)


def _batches() -> dict[str, list[dict]]:
    b = {}
    b["optimisers"] = [{**HOP, **v} for v in (
        dict(g_optim="sgd", g_lr=0.01), dict(g_optim="sgd", g_lr=0.03), dict(g_optim="sgd", g_lr=0.1),
        dict(d_lr=1e-4), dict(g_lr=1e-4), dict(g_lr=3e-4), dict(g_beta1=0.9, d_beta1=0.9),
        dict(g_beta1=0.0, d_beta1=0.0), dict(n_critic=2), dict(n_critic=3), dict(n_critic=5),
        dict(n_critic=2, g_lr=3e-4, d_lr=3e-4), dict(d_depth=2, d_width=32), dict(batch_size=128),
        dict(g_optim="sgd", d_optim="sgd", g_lr=0.05, d_lr=0.05), dict(noise_dim=2), dict(noise_dim=16),
        dict(d_width=512), dict(d_beta1=0.9))]
    b["tiny-g"] = [{**COL, "d_depth": dd, "d_width": dw, "d_lr": dl}
                   for dd in (1, 2) for dw in (32, 64, 128) for dl in (1e-3, 3e-3)]
    b["tiny-g"] += [{**COL, **v} for v in (
        dict(d_width=256, g_width=16), dict(g_width=16), dict(d_width=256, g_depth=1), dict(d_lr=1e-4),
        dict(d_lr=3e-4), dict(d_lr=3e-4, g_lr=3e-3), dict(g_lr=1e-2), dict(g_lr=3e-3), dict(d_beta1=0.9),
        dict(d_beta1=0.9, d_lr=1e-3), dict(g_beta1=0.9), dict(g_width=32, d_width=256),
        dict(g_width=64, d_width=256), dict(d_depth=1, d_width=256, d_lr=1e-3), dict(d_optim="sgd", d_lr=0.1),
        dict(d_optim="sgd", d_lr=0.03), dict(g_optim="sgd", g_lr=0.1), dict(d_lr=1e-2), dict(d_lr=3e-2))]
    b["batch"] = [{**COL, "batch_size": bs, "d_lr": dl} for bs in (16, 32, 64, 128) for dl in (3e-3, 1e-2)]
    b["batch"] += [{**COL, "batch_size": bs, **v} for bs in (32, 128) for v in (dict(d_width=256), dict(g_lr=3e-3))]
    b["between"] = [{**HOP, "g_width": gw, "d_width": dw} for gw in (16, 32) for dw in (160, 192, 224)]
    b["between"] += [{**HOP, **v} for v in (
        dict(g_width=16), dict(g_width=24), dict(g_width=32), dict(g_width=48), dict(g_width=32, d_width=256),
        dict(g_width=32, d_width=256, d_lr=5e-4), dict(g_width=32, d_lr=2e-3),
        dict(g_width=32, d_width=256, g_lr=2e-3), dict(g_width=32, g_lr=5e-4),
        dict(g_width=32, d_width=256, n_critic=2))]
    return b


def run(kw: dict) -> dict:
    """Train one config for STEPS, evaluating every EVERY steps; the second half's figures."""
    import torch
    torch.set_num_threads(1)
    from playground.recipes import recommended_config
    from playground.trainer import Trainer
    tr = Trainer(recommended_config("ring8", "ns", "none", **kw))
    t0, evals = time.perf_counter(), []
    while tr.step_count < STEPS:
        tr.run(EVERY)
        h = tr.evaluate()
        evals.append({"step": tr.step_count, "mode_shares": h["mode_shares"],
                      "median_mode_distance": h["median_mode_distance"]})
    late = [e for e in evals if e["step"] > STEPS / 2]
    med = [e["median_mode_distance"] for e in late]
    return dict(kw=kw, seconds=round(time.perf_counter() - t0, 1), evals=len(late),
                two_modes=sum(top2(e) >= 0.9 for e in late), on_mode=sum(m <= 0.3 for m in med),
                hops=hops(late), max_median=round(max(med), 3))


def main() -> None:
    batches = _batches()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", choices=sorted(batches), action="append", help="default: all")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--out", help="append one JSON line per config here")
    args = ap.parse_args()
    configs = [c for name in (args.batch or batches) for c in batches[name]]
    out = open(args.out, "a") if args.out else None
    print(f"{len(configs)} configs, {STEPS} steps each; per config: second-half evaluations with ≥ 90 % on two "
          f"modes / with median distance ≤ 0.3 (of 15), hops, largest median distance")
    whole = 0
    with get_context("spawn").Pool(args.processes) as pool:
        for r in pool.imap_unordered(run, configs):
            shown = {k: v for k, v in r["kw"].items() if k not in ("seed", "g_ema")}
            ok = r["two_modes"] == r["on_mode"] == r["evals"] and r["hops"] >= 2
            whole += ok
            print(f"{r['two_modes']:>2} {r['on_mode']:>2} {r['hops']:>2} {r['max_median']:.3f}  "
                  f"{'WHOLE PICTURE ' if ok else ''}{json.dumps(shown)}", flush=True)
            if out:
                out.write(json.dumps(r) + "\n")
                out.flush()
    print(f"configs with the whole picture: {whole} of {len(configs)}")


if __name__ == "__main__":
    main()
