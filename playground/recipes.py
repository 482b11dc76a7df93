"""Settings that work: every tuned default in the project, with the measurement that chose it.

The layers, later ones winning:

    RunConfig defaults <- BASE <- DATASET[kind] <- DATASET_ARCH[kind, arch]
        <- LOSS[loss] <- DATASET_LOSS[kind][loss] <- DATASET_ARCH_LOSS[kind, arch][loss]
        <- METHOD[lipschitz] <- DATASET_METHOD[kind][lipschitz] <- DATASET_ARCH_METHOD[kind, arch][lipschitz]
        <- the user's own settings

`kind` is the dataset's kind ("1d", "2d", "image"): the toy mixtures share one tuning, every image
data set (MNIST, a folder of IDX files) shares MNIST's. The architecture layers apply when the caller
names `arch` (a network of another size needs its own rates). The CLI and the pages start every
combination from `recommended(...)`; the presets (presets.py) are recipes plus a seed. The losses and
Lipschitz methods themselves (losses.py, lipschitz.py) hold only the math and its paper.
"""
from __future__ import annotations

from typing import Any

from .config import RunConfig
from .datasets import DATASETS, make_dataset
from .errors import ConfigError

# For every combination: measure the generator through a moving average of its weights (β = 0.99,
# about the last 100 steps). On ring8 / grid25 at 3000 steps this raised the high-quality fraction from
# 51 % to 90 % (ns/r1, ring8), 56 % to 81 % (wgan/gp, ring8) and 43 % to 55 % (ns/r1, grid25) without
# changing training; β = 0.999 averaged across the generator's rotation and missed the modes entirely.
# Re-measured with the warm-up (trainer.py: β_t = min(β, (1 + t)/(10 + t)); benchmarks/ema_warmup.py,
# ns/r1 on ring8, high-quality fraction at steps 500 / 2000 / 10000): raw 17 / 69 / 97 %, β = 0.99
# 37 / 84 / 97 %, β = 0.999 37 / 83 / 97 % (without the warm-up 0 / 0 / 97 %): 0.99 stays.
BASE: dict[str, Any] = {"g_ema": 0.99}

# ----- per loss (tuned on ring8 / grid25) ----------------------------------------------------------
# DCGAN's Adam (2e-4, β = (0.5, 0.999)), one critic step per generator step. Deliberately left at the
# textbook rate: unconstrained ns / minimax then mode-hop on ring8 (at 1e-3 they happen to cover it).
ADAM_DCGAN = dict(g_optim="adam", d_optim="adam", g_lr=2e-4, d_lr=2e-4, g_beta1=0.5, d_beta1=0.5,
                  g_beta2=0.999, d_beta2=0.999, n_critic=1)
# Losses with bounded or self-correcting critic targets (least squares, relativistic average) train
# stably and much faster at 1e-3 on the toy mixtures; at 2e-4 RaGAN still covered 0 of 8 modes at 2000.
ADAM_FAST = dict(ADAM_DCGAN, g_lr=1e-3, d_lr=1e-3)
# WGAN (Gulrajani et al.: Adam β = (0.5, 0.9), n_critic = 5) at 5e-4 instead of 1e-4: 8/8 ring modes in
# ~1000 generator steps instead of tens of thousands; 1e-3 (n_critic 5) and n_critic 2 broke down.
ADAM_WGAN = dict(g_optim="adam", d_optim="adam", g_lr=5e-4, d_lr=5e-4, g_beta1=0.5, d_beta1=0.5,
                 g_beta2=0.9, d_beta2=0.9, n_critic=5)

LOSS: dict[str, dict[str, Any]] = {
    "minimax": ADAM_DCGAN, "ns": ADAM_DCGAN, "hinge": ADAM_DCGAN, "rsgan": ADAM_DCGAN,
    "ralsgan": ADAM_DCGAN, "rahinge": ADAM_DCGAN,
    "lsgan": ADAM_FAST, "ragan": ADAM_FAST,
    "wgan": ADAM_WGAN,
}

# ----- per Lipschitz method (tuned on ring8 / grid25) ----------------------------------------------
METHOD: dict[str, dict[str, Any]] = {
    "none": {},
    # the WGAN paper's: RMSProp 5e-5, c = 0.01, 5 critic steps
    "clip": dict(g_optim="rmsprop", d_optim="rmsprop", g_lr=5e-5, d_lr=5e-5, clip=0.01, n_critic=5),
    # λ = 1, not the paper's 10: on grid25 λ = 10 stalled at 12-15 of 25 modes (4000 steps), λ = 1
    # reached 25/25 by step 3000 and did no worse on ring8.
    "gp": dict(penalty=1.0),
    "lp": dict(penalty=10.0),
    # γ = 0.1 suits data at this scale (σ = 0.02-0.05); R1 keeps the critic tame enough for Adam 1e-3,
    # which covers grid25 (25/25) in ~3000 steps.
    "r1": dict(penalty=0.1, g_lr=1e-3, d_lr=1e-3),
    # an SN critic is weak: give it a 5× faster optimiser (TTUR, Heusel et al. 2017) and β = (0, 0.9) as
    # in SN-GAN; with the plain 2e-4 / 2e-4 hinge+SN collapsed to 0 modes.
    "sn": dict(g_lr=2e-4, d_lr=1e-3, g_beta1=0.0, d_beta1=0.0, g_beta2=0.9, d_beta2=0.9),
}

# ----- per dataset kind, and per kind × loss / method ------------------------------------------------
DATASET: dict[str, dict[str, Any]] = {
    # the seed articles' noise dimension and mini-batch size. Generator EMA β = 0.999 (the toy recipes'
    # 0.99 is too short a memory here): MLP + NS, Adam 5e-4, one thread, 3 minutes of training: mean
    # confidence 0.92 and Fréchet 71 with β = 0.999, 0.91 / 80 with 0.995, 0.87 / 152 for the raw generator.
    "image": {"arch": "mlp", "noise_dim": 100, "batch_size": 64, "g_ema": 0.999},
}
# The toy tuning is for 2D points (fast learning rates, λ = 1); on digits use the papers' values,
# except where measured otherwise.
_ADAM_2E4 = dict(g_lr=2e-4, d_lr=2e-4)
DATASET_LOSS: dict[str, dict[str, dict[str, Any]]] = {
    "image": {
        # NS at Adam 5e-4 (β₁ = 0.5): after 3 minutes (1 thread) mean confidence 0.92 / Fréchet 71 against
        # 0.82 / 242 at the textbook 2e-4 (both with the EMA generator); batch 128 at 2e-4 did worse (0.80 / 364).
        "ns": dict(g_lr=5e-4, d_lr=5e-4),
        # WGAN-GP on MNIST (Gulrajani et al. 2017): Adam 1e-4, β = (0.5, 0.9), 5 critic steps
        "wgan": dict(g_lr=1e-4, d_lr=1e-4, g_beta1=0.5, d_beta1=0.5, g_beta2=0.9, d_beta2=0.9, n_critic=5),
        "lsgan": _ADAM_2E4,
        "ragan": _ADAM_2E4,
    },
}
DATASET_METHOD: dict[str, dict[str, dict[str, Any]]] = {
    "image": {
        "gp": dict(penalty=10.0),  # Gulrajani et al. 2017's λ on MNIST
        "lp": dict(penalty=10.0),
        # R1 on images (Mescheder et al. 2018): γ = 10 at the usual 2e-4 (the toy 1e-3 is for 2D points)
        "r1": dict(penalty=10.0, **_ADAM_2E4),
    },
}

# ----- per dataset kind × architecture, and × loss / method ------------------------------------------
# dcgan_small (models/mnist.py), seed 0, the image recipe's EMA generator (β = 0.999 with its warm-up).
# Figures by generator step (the shared machine gave no clean wall clock; benchmarks/mnist_quality.py
# has the table): on 2 threads it made 33.6 steps/s with NS and 12.3 with WGAN + clipping, so 3 minutes
# are ~6000 NS steps and 5 minutes ~3700 clipping steps.
DATASET_ARCH: dict[tuple[str, str], dict[str, Any]] = {}
DATASET_ARCH_LOSS: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    ("image", "dcgan_small"): {
        # NS, batch 32, Adam β₁ = 0.5 and β₂ = 0.99, the critic at twice the generator's rate (4e-3 / 2e-3).
        # All ten digits, `train --minutes 10`, 2 threads (2026-12-07): 22,225 steps, Fréchet 40.6,
        # confidence 0.918, 10/10 classes, and 41.1 in a second run; the MLP beside them 40.3 and 39.4 (not
        # below it: benchmarks/mnist_quality.py). Against both at 2e-3 and β₂ = 0.999,
        # by step: 79.8 / 63.5 / 55.7 / 50.2 against 82.8 / 69.1 / 63.0 / 58.8 at steps 3000 / 6000 / 9000 /
        # 12000 (which reached 47.0 in 10 minutes on 2026-12-06). One thread, by step 12000, each change
        # alone: 55.7 (critic 4e-3) and 56.5 (β₂ = 0.99) against 58.5. 2e-3 had beaten 1e-3 (51.7 in 10
        # minutes), 1e-3 had beaten 5e-4; batch 32 is per step about as good as 64 at ~1.9× the steps/s.
        # (With the biases the batch norms cancel, 2e-3 fell apart: 596 at step 6000.) "Only 3":
        # benchmarks/mnist_quality.py.
        "ns": dict(g_lr=2e-3, d_lr=4e-3, g_beta2=0.99, d_beta2=0.99, batch_size=32),
    },
}
DATASET_ARCH_METHOD: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    ("image", "dcgan_small"): {
        # The seed experiment (WGAN, weight clipping c = 0.01, RMSProp, 5 critic steps) at RMSProp 1e-3,
        # not the paper's 5e-5: on "only 3" at step 600, 97 % threes, confidence 0.98, Fréchet 78 (1000
        # samples) against 77 %, 0.40 and 913 at 5e-5 (which had made only noise at step 300). CLI, 2
        # threads: 97.5 % threes and confidence 0.979 at step 500, 97.8 %, 0.986 and Fréchet 53.9 at 1870.
        "clip": dict(g_lr=1e-3, d_lr=1e-3),
    },
}


def recommended(dataset: str, loss: str, lipschitz: str, **base: Any) -> dict[str, Any]:
    """Field overrides for this combination (unknown names are left for validate() to report).
    `base` may carry the dataset's parameters (mixture, digits) needed to build it, and `arch`."""
    kind = None
    if dataset in DATASETS:
        probe = RunConfig(dataset=dataset, mixture=base.get("mixture", ""), digits=base.get("digits", ""))
        try:
            kind = make_dataset(probe).kind
        except ConfigError:  # a bad mixture / digit string is reported later by validate()
            pass
    arch = (kind, base.get("arch") or "")
    out: dict[str, Any] = dict(BASE)
    out.update(DATASET.get(kind, {}))
    if base.get("arch"):
        out["arch"] = base["arch"]
    out.update(DATASET_ARCH.get(arch, {}))
    out.update(LOSS.get(loss, {}))
    out.update(DATASET_LOSS.get(kind, {}).get(loss, {}))
    out.update(DATASET_ARCH_LOSS.get(arch, {}).get(loss, {}))
    out.update(METHOD.get(lipschitz, {}))
    out.update(DATASET_METHOD.get(kind, {}).get(lipschitz, {}))
    out.update(DATASET_ARCH_METHOD.get(arch, {}).get(lipschitz, {}))
    return out


def recommended_config(dataset: str = "ring8", loss: str = "ns", lipschitz: str = "none", **overrides: Any) -> RunConfig:
    """A RunConfig with the recommended settings for the combination, then `overrides` on top."""
    fields = {"dataset": dataset, "loss": loss, "lipschitz": lipschitz}
    fields.update(recommended(dataset, loss, lipschitz, **overrides))
    fields.update(overrides)
    return RunConfig.from_dict(fields)
