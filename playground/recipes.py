"""Settings that work: every tuned default in the project, with the reason for it in a line; the
measurements that chose each value are in benchmarks/results/recipes.md.

The layers, later ones winning:

    RunConfig defaults <- BASE <- DATASET[kind] <- DATASET_ARCH[kind, arch]
        <- LOSS[loss] <- DATASET_LOSS[kind][loss] <- DATASET_ARCH_LOSS[kind, arch][loss]
        <- METHOD[lipschitz] <- DATASET_METHOD[kind][lipschitz] <- DATASET_LOSS_METHOD[kind, loss][lipschitz]
        <- DATASET_ARCH_METHOD[kind, arch][lipschitz] <- the user's own settings

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

# For every combination: show the generator through a moving average of its weights (β = 0.99, about
# the last 100 steps, with trainer.py's warm-up): on the toy mixtures a much larger high-quality share
# early in a run, and training unchanged (benchmarks/results/recipes.md).
BASE: dict[str, Any] = {"g_ema": 0.99}

# ----- per loss (tuned on ring8 / grid25) ----------------------------------------------------------
# DCGAN's Adam (2e-4, β = (0.5, 0.999)), one critic step per generator step. Deliberately left at the
# textbook rate: unconstrained ns / minimax then mode-hop on ring8 (at 1e-3 they happen to cover it).
ADAM_DCGAN = dict(g_optim="adam", d_optim="adam", g_lr=2e-4, d_lr=2e-4, g_beta1=0.5, d_beta1=0.5,
                  g_beta2=0.999, d_beta2=0.999, n_critic=1)
# Losses with bounded or self-correcting critic targets (least squares, relativistic average) train
# stably and much faster at 1e-3 on the toy mixtures (benchmarks/results/recipes.md).
ADAM_FAST = dict(ADAM_DCGAN, g_lr=1e-3, d_lr=1e-3)
# WGAN (Gulrajani et al.: Adam β = (0.5, 0.9), n_critic = 5) at 5e-4 instead of 1e-4: the ring's modes
# in about a thousand generator steps instead of tens of thousands (benchmarks/results/recipes.md).
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
    # λ = 1, not the paper's 10: at this data scale λ = 10 stalls on grid25 short of its 25 modes
    # (benchmarks/results/recipes.md)
    "gp": dict(penalty=1.0),
    "lp": dict(penalty=10.0),
    # γ = 0.1 suits data at this scale (σ = 0.02-0.05); R1 keeps the critic tame enough for Adam 1e-3,
    # which covers grid25 in a few thousand steps (benchmarks/results/recipes.md)
    "r1": dict(penalty=0.1, g_lr=1e-3, d_lr=1e-3),
    # an SN critic is weak: give it a 5× faster optimiser (TTUR, Heusel et al. 2017) and β = (0, 0.9) as
    # in SN-GAN; at the plain 2e-4 / 2e-4 hinge + SN collapses (benchmarks/results/recipes.md)
    "sn": dict(g_lr=2e-4, d_lr=1e-3, g_beta1=0.0, d_beta1=0.0, g_beta2=0.9, d_beta2=0.9),
}

# ----- per dataset kind, and per kind × loss / method ------------------------------------------------
DATASET: dict[str, dict[str, Any]] = {
    # the seed articles' noise dimension and mini-batch size. Generator EMA β = 0.999: the toy recipes'
    # 0.99 is too short a memory for digits (benchmarks/results/recipes.md).
    "image": {"arch": "mlp", "noise_dim": 100, "batch_size": 64, "g_ema": 0.999},
}
# The toy tuning is for 2D points (fast learning rates, λ = 1); on digits use the papers' values,
# except where a measurement chose otherwise (benchmarks/results/recipes.md).
_ADAM_2E4 = dict(g_lr=2e-4, d_lr=2e-4)
DATASET_LOSS: dict[str, dict[str, dict[str, Any]]] = {
    "image": {
        # NS at Adam 5e-4 (β₁ = 0.5): in a few minutes on a CPU, far better digits than at the textbook
        # 2e-4 (benchmarks/results/recipes.md)
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

# ----- per dataset kind × loss × method ---------------------------------------------------------------
# f-GAN losses whose terms are exponentials of the critic's score (forward KL's f* = exp(T − 1), squared
# Hellinger's exp(v) − 1, reverse KL's −exp(−v)) on 2D points, with R1 at γ = 1 instead of 0.1: a smoother
# critic keeps the scores of rejected fakes moderate. At γ = 0.1 forward KL's generator loss starves on
# ring8 (0 of 8 modes on seeds 0 and 4) and on grid25 (0-1 of 25 on seeds 0-2); at γ = 1 squared
# Hellinger and reverse KL also cover more of grid25. JS, Pearson χ² and TV keep γ = 0.1
# (benchmarks/results/fgan_recipes.md).
_R1_SMOOTH = {"r1": dict(penalty=1.0)}
DATASET_LOSS_METHOD: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    ("2d", "kl"): _R1_SMOOTH, ("2d", "hellinger"): _R1_SMOOTH, ("2d", "reverse_kl"): _R1_SMOOTH,
}

# ----- per dataset kind × architecture, and × loss / method ------------------------------------------
# dcgan_small (models/mnist.py), tuned with the image recipe's EMA generator (β = 0.999 with its
# warm-up) for what 2 CPU threads train in minutes (benchmarks/results/recipes.md, mnist_quality.md).
DATASET_ARCH: dict[tuple[str, str], dict[str, Any]] = {
    # the one-Gaussian generator (models/gaussian.py) has two parameters in 1D: a 2 × 64 critic is plenty
    # and twice as fast as the default 3 × 128 (benchmarks/results/fgan_recipes.md)
    ("1d", "gaussian"): {"d_width": 64, "d_depth": 2},
}
DATASET_ARCH_LOSS: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    # "Fit one Gaussian to two" on two_modes1d (benchmarks/results/fgan_recipes.md): with the critic at
    # 2e-4 and one step (DATASET_ARCH_METHOD below), JS and squared Hellinger settle at the centred local
    # minimum (μ = 0, σ ≈ 3.1); with five critic steps they reach a mode on seeds 0-4.
    ("1d", "gaussian"): {"js": dict(n_critic=5), "hellinger": dict(n_critic=5)},
    ("image", "dcgan_small"): {
        # NS, batch 32, Adam β₁ = 0.5 and β₂ = 0.99, the critic at twice the generator's rate (4e-3 / 2e-3):
        # each of these beat its neighbours by generator step, and batch 32 is per step about as good as 64
        # at nearly twice the steps/s; in 10 minutes on all ten digits it reaches the MLP's Fréchet distance
        # but not below it (benchmarks/results/recipes.md).
        "ns": dict(g_lr=2e-3, d_lr=4e-3, g_beta2=0.99, d_beta2=0.99, batch_size=32),
    },
}
DATASET_ARCH_METHOD: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    # The one-Gaussian generator on 1D data, every loss: its two parameters at Adam 5e-3 against a slow
    # critic (2e-4). A fast critic (1e-3, as r1's toy recipe) leaves forward KL near its start for thousands
    # of steps (its saddle generator loss saturates where the critic rejects the fakes); a fast generator
    # (2e-2) drops JS into the centred local minimum (benchmarks/results/fgan_recipes.md). WGAN-GP keeps
    # its critic (5e-4, 5 steps) with the generator at 5e-3.
    ("1d", "gaussian"): {"r1": dict(g_lr=5e-3, d_lr=2e-4), "gp": dict(g_lr=5e-3)},
    ("image", "dcgan_small"): {
        # The seed experiment (WGAN, weight clipping c = 0.01, RMSProp, 5 critic steps) at RMSProp 1e-3,
        # not the paper's 5e-5, which after a few hundred steps still draws noise or unsure digits; at
        # 1e-3 "only 3" gives clear threes by step 500 (benchmarks/results/recipes.md).
        "clip": dict(g_lr=1e-3, d_lr=1e-3),
    },
}


# ----- the generator-step budget a combination needs (the CLI's default when no --steps is given) -------
STEPS = 2000
# the one-Gaussian generator on 1D data: forward KL is still 0.12-0.46 from its optimum μ at step 2,000 and
# within 0.3 of it at 3,000 on seeds 0-4 (benchmarks/results/fgan_recipes.md)
DATASET_ARCH_STEPS: dict[tuple[str, str], int] = {("1d", "gaussian"): 3000}


def recommended_steps(config: RunConfig) -> int:
    """The generator steps a run of this config's kind and architecture needs to show its result."""
    try:
        kind = make_dataset(config).kind
    except ConfigError:
        return STEPS
    return DATASET_ARCH_STEPS.get((kind, config.arch), STEPS)


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
    out.update(DATASET_LOSS_METHOD.get((kind, loss), {}).get(lipschitz, {}))
    out.update(DATASET_ARCH_METHOD.get(arch, {}).get(lipschitz, {}))
    return out


def recommended_config(dataset: str | None = None, loss: str | None = None, lipschitz: str | None = None,
                       **overrides: Any) -> RunConfig:
    """A RunConfig with the recommended settings for the combination (each left out: RunConfig's default),
    then `overrides` on top. `recommended_config()` is the first run: the toy page's and the CLI's default."""
    d = RunConfig()
    fields = {"dataset": dataset or d.dataset, "loss": loss or d.loss, "lipschitz": lipschitz or d.lipschitz}
    dataset, loss, lipschitz = fields["dataset"], fields["loss"], fields["lipschitz"]
    fields.update(recommended(dataset, loss, lipschitz, **overrides))
    fields.update(overrides)
    return RunConfig.from_dict(fields)
