"""Comparisons for talks: a fixed base, variants, seed and step budget, each with a promise that
tests/test_compare.py checks headless (seed fixed, one torch thread).

    python -m playground compare --preset collapse-vs-gp --out cmp.json

Every variant starts from the recipes of its loss and method (recipes.py); the changes listed are
all that differ. Measured (seed 0, one thread, `compare --preset NAME --eval-every 250`), at the budget:
  collapse-vs-gp     NS GAN 1/8 modes, 95 % high quality (on the mode), W1 2.47; WGAN-GP 8/8, 2 %,
                     W1 0.46 (step 2000; by 3000 1/8 at 94 % vs 8/8 at 11 %, W1 0.38)
  clip-vs-gp         clip 7/8, 4 %, W1 0.48; WGAN-GP 8/8, 70 %, 0.19 (step 2000)
  saturating-vs-ns   median generator gradient norm 1.4e-4 (minimax) vs 16 (non-saturating), 300 steps
  lipschitz-methods  clip 7/8, 4 %, 0.48; gp 8/8, 70 %, 0.19; sn 8/8, 53 %, 0.22; r1 8/8, 91 %, 0.14
  critic-steps       n_critic 1: 8/8, 77 %, W1 0.23, critic estimate 29 % of W1; n_critic 5: 8/8,
                     70 %, W1 0.19, estimate 51 % of W1 (step 2000)
At 3000 steps the gaps hold (clip 4 % vs gp 81 %); the budgets stop at 2000 so a talk waits less.
"""
from __future__ import annotations

from dataclasses import dataclass

from .compare import Comparison, Variant


@dataclass(frozen=True)
class ComparisonPreset:
    name: str
    title: str
    explanation: str   # one line, shown on screen
    comparison: Comparison
    promise: str       # what the test asserts, in words


RING = {"dataset": "ring8", "seed": 0}
# the networks of the toy page's mode-collapse preset: a small generator against a strong critic
COLLAPSE_NETS = {"noise_dim": 256, "g_depth": 2, "g_width": 8, "d_depth": 2, "d_width": 256, "batch_size": 512}

COMPARISONS: dict[str, ComparisonPreset] = {
    p.name: p for p in [
        ComparisonPreset(
            "collapse-vs-gp", "Mode collapse vs WGAN-GP",
            "The same small generator (noise 256, 2 × 8) and strong critic (2 × 256): a plain GAN (non-saturating, "
            "critic at 3× the generator's rate, raw generator) puts almost every sample on one mode; WGAN with a "
            "gradient penalty spreads over all eight.",
            Comparison({**RING, **COLLAPSE_NETS},
                       (Variant("NS GAN", {"loss": "ns", "g_lr": 1e-3, "d_lr": 3e-3, "g_ema": 0.0}),
                        Variant("WGAN-GP", {"loss": "wgan", "lipschitz": "gp"})), 2000),
            "the plain GAN: at most 2 modes covered with ≥ 90 % of its samples high quality (collapsed onto a "
            "mode); WGAN-GP: 8 of 8 modes"),
        ComparisonPreset(
            "clip-vs-gp", "Weight clipping vs gradient penalty",
            "WGAN with weight clipping (c = 0.01, RMSProp 5e-5, the paper's) against WGAN-GP: the clipped "
            "critic learns slowly and its samples stay smeared; the penalised one is sharp.",
            Comparison(RING, (Variant("WGAN clip", {"loss": "wgan", "lipschitz": "clip"}),
                              Variant("WGAN-GP", {"loss": "wgan", "lipschitz": "gp"})), 2000),
            "WGAN-GP has ≥ 20 points more high-quality samples and a W1 smaller by ≥ 0.1 than weight clipping"),
        ComparisonPreset(
            "saturating-vs-ns", "Saturating vs non-saturating loss",
            "The original minimax loss against the non-saturating one, both against a strong discriminator "
            "(5 critic steps at 1e-3): the saturating generator's gradient all but vanishes.",
            Comparison(RING, (Variant("minimax", {"loss": "minimax", "d_lr": 1e-3, "n_critic": 5}),
                              Variant("non-saturating", {"loss": "ns", "d_lr": 1e-3, "n_critic": 5})), 300),
            "the minimax generator's median gradient norm is below 1 % of the non-saturating one's"),
        ComparisonPreset(
            "lipschitz-methods", "Every Lipschitz method",
            "WGAN's loss with four ways to keep the critic 1-Lipschitz: weight clipping, gradient penalty, "
            "spectral normalisation and R1, each at its recipe.",
            Comparison(RING, (Variant("clip", {"loss": "wgan", "lipschitz": "clip"}),
                              Variant("gp", {"loss": "wgan", "lipschitz": "gp"}),
                              Variant("sn", {"loss": "wgan", "lipschitz": "sn"}),
                              Variant("r1", {"loss": "wgan", "lipschitz": "r1"})), 2000),
            "gp, sn and r1 cover 8 of 8 modes with W1 < 0.25; weight clipping has the fewest "
            "high-quality samples and the largest W1"),
        ComparisonPreset(
            "critic-steps", "One vs five critic steps",
            "WGAN-GP with one critic update per generator step against five (the paper's). Both find the "
            "modes at this learning rate, but with one the critic lags: its Wasserstein estimate is a "
            "smaller share of the true W1, and the samples sit less tightly.",
            Comparison(RING, (Variant("n_critic 1", {"loss": "wgan", "lipschitz": "gp", "n_critic": 1}),
                              Variant("n_critic 5", {"loss": "wgan", "lipschitz": "gp", "n_critic": 5})), 2000),
            "five critic steps reach a smaller W1, and their critic's estimate is a larger share of it"),
    ]
}
