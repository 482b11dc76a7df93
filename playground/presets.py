"""Named, reproducible runs for talks. Each is a fixed config, seed and step budget, and promises a
behaviour that tests/test_presets.py checks headless (seed fixed, one torch thread).

    python -m playground train --preset mode-collapse --out run.json

Measured (seed 0, 1 thread; the EMA warm-up of trainer.py); tests/test_presets.py checks:
  mode-collapse         raw G: every evaluation of steps 1600-3000 (every 100): 100 % of the samples nearest
                        at most two modes (mode 5 dominant throughout), median distance to it 0.02-0.05, 88-100 % high quality
  mode-hopping          raw G: 99-100 % nearest one or two modes at every evaluation of steps 1600-3000, the
                        dominant mode changing 10 times (1, 3, 4, 5, 6, 0, 2, ...), median distance 0.42-0.76
  average-hides         EMA β = 0.99 at step 2000: 0/8 modes, median distance 1.66; raw G of the same run:
                        100 % nearest one or two modes, median distance 0.72
  wgan-gp               8/8 modes, ≈ 87 % high quality, W1 ≈ 0.15 (floor ≈ 0.20) at step 4000
  clip-vs-gp            raw G: 7/8 modes, ≈ 8 % high quality, W1 ≈ 0.45 at step 4000 (WGAN-GP's raw G: 59 %, 0.18)
  vanishing-gradients   median generator gradient norm 3e-5 (minimax) vs 15 (ns twin), 200 steps
  hinge-sn              8/8 modes, ≈ 58 % high quality, W1 ≈ 0.19 at step 2500
With the recommended settings wgan/gp reaches 97 % and hinge/sn 93 % high quality by step 10000
(benchmarks/results/toy_table_10k.md); the presets stop earlier so a talk need not wait for that.

No setting tried gives issue 15's whole picture, a generator that sits on its mode *and* hops: a small
generator against a strong critic collapses onto one mode and stays (mode-collapse); the Metz et al.
networks hop but circle 0.4-0.8 away from the modes (mode-hopping). The two together tell the story.
The search (78 settings: optimisers, rates, widths, depths, batch sizes, critic steps) is
benchmarks/collapse_search.py, its table benchmarks/results/collapse_search.md.
"""
from __future__ import annotations

from dataclasses import dataclass

from .config import RunConfig
from .recipes import recommended_config


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    explanation: str   # one line, shown on screen
    config: RunConfig
    steps: int         # generator steps at which the promise holds
    promise: str       # what the test asserts, in words
    eval_every: int = 0  # the promise holds at every evaluation this far apart (0: at `steps` only)

    @property
    def shows(self) -> str:
        """Which generator the samples and metrics come from, in words (the preset's line says it)."""
        beta = self.config.g_ema
        if beta > 0 and self.config.g_shown == "averaged":
            return f"the weight-averaged generator (β = {beta:g})"
        if beta > 0:
            return f"the raw generator (its β = {beta:g} weight average is one click away)"
        return "the raw generator (no weight average)"


# A plain GAN (non-saturating loss, no Lipschitz constraint) on ring8 for the mode-collapse presets:
# Adam 1e-3 for both networks, batch 512, no weight average (the raw generator is the lesson).
_PLAIN = dict(g_lr=1e-3, d_lr=1e-3, batch_size=512, g_ema=0.0, seed=0)


PRESETS: dict[str, Preset] = {
    p.name: p for p in [
        Preset("mode-collapse", "Mode collapse",
               "A plain GAN (non-saturating loss, no Lipschitz constraint) with a small generator against a "
               "strong discriminator: almost every sample lands on one mode of the eight, on the mode, and "
               "stays there (VEEGAN's table: 1 mode, 99 % high quality).",
               # noise 256 into a 2 × 8 generator; a 2 × 256 critic at 3× the generator's rate
               recommended_config("ring8", "ns", "none", noise_dim=256, g_depth=2, g_width=8, d_depth=2,
                                  d_width=256, **{**_PLAIN, "d_lr": 3e-3}), 3000,
               "at every evaluation of the second half: ≥ 90 % of the samples nearest at most two modes, "
               "median distance to the nearest mode ≤ 0.3, ≥ 80 % high quality", eval_every=100),
        Preset("mode-hopping", "Mode hopping",
               "A plain GAN with the networks of Metz et al. 2017 (Unrolled GANs, Fig. 1: noise 256, a 2-layer "
               "generator, a 1-layer discriminator) at Adam 1e-3: the samples bunch together and circle the ring after the "
               "discriminator, a different mode every few hundred steps, but never settle on one.",
               recommended_config("ring8", "ns", "none", noise_dim=256, g_depth=2, d_depth=1, **_PLAIN), 3000,
               "at every evaluation of the second half: ≥ 90 % of the samples nearest at most two modes; the "
               "dominant mode (≥ 2/3 of the samples) changes ≥ 5 times", eval_every=100),
        Preset("average-hides", "What the weight average hides",
               "A plain GAN at the textbook rate (Adam 2e-4), shown through the weight average (β = 0.99): "
               "the raw generator hops round the ring, and its average is a blob between the modes. "
               "Switch Show to the raw generator to see the hopping.",
               recommended_config("ring8", "ns", "none", seed=0, g_ema=0.99), 2000,
               "the average: no mode covered, median distance to the nearest mode ≥ 1; the raw generator of "
               "the same run: ≥ 90 % of its samples nearest at most two modes"),
        Preset("wgan-gp", "The fix: WGAN-GP",
               "Same data, Wasserstein loss with a gradient penalty: the critic keeps a useful slope "
               "everywhere, so the generator spreads over all 8 modes.",
               # the recommended settings (Adam 5e-4, λ = 1, EMA 0.99): 70 % high quality at step 2000,
               # 81 % at 3000, 87 % at 4000 (a generator at 2e-4 had 59 % at 2000)
               recommended_config("ring8", "wgan", "gp", seed=0), 4000,
               "8 of 8 modes covered, ≥ 80 % high-quality samples"),
        Preset("clip-vs-gp", "Weight clipping vs gradient penalty",
               "WGAN with weight clipping (c = 0.01, RMSProp 5e-5, as in the paper): the clipped critic "
               "learns slowly and the samples stay smeared around the ring; compare WGAN-GP at the same step.",
               recommended_config("ring8", "wgan", "clip", seed=0, g_shown="raw"), 4000,
               "fewer high-quality samples and a larger W1 than WGAN-GP at the same step"),
        Preset("vanishing-gradients", "Vanishing gradients (saturating minimax)",
               "The original minimax loss against a strong discriminator: once D confidently rejects "
               "the fakes, log(1 − D(G(z))) is flat there and the generator's gradient all but vanishes.",
               # strong discriminator: 5 critic steps per generator step, critic learning rate 1e-3
               recommended_config("ring8", "minimax", "none", seed=0, d_lr=1e-3, n_critic=5, g_shown="raw"), 200,
               "median generator gradient norm < 1 % of the non-saturating loss's on the same config"),
        Preset("hinge-sn", "Hinge + spectral norm",
               "The hinge loss with spectral normalisation on every critic layer (SN-GAN) and a 5× faster "
               "critic optimiser: no penalty term, and it still covers all 8 modes.",
               recommended_config("ring8", "hinge", "sn", seed=0), 2500,
               "8 of 8 modes covered"),
    ]
}
