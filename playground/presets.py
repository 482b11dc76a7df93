"""Named, reproducible runs for talks. Each is a fixed config, seed and step budget, and promises a
behaviour that tests/test_presets.py checks headless (seed fixed, one torch thread).

    python -m playground train --preset mode-collapse --out run.json

Measured (seed 0, 1 thread, generator EMA β = 0.99 from the recipes); tests/test_presets.py checks:
  mode-collapse         0/8 modes at step 2000 (no sample within 3σ of a mode; W1 ≈ 1.8)
  wgan-gp               8/8 modes, ≈ 87 % high quality, W1 ≈ 0.15 (floor ≈ 0.20) at step 4000
  clip-vs-gp            7/8 modes, ≈ 7 % high quality, W1 ≈ 0.45 at step 4000 (WGAN-GP: 87 %, 0.15)
  vanishing-gradients   median generator gradient norm 3e-5 (minimax) vs 15 (ns twin), 200 steps
  hinge-sn              8/8 modes, ≈ 58 % high quality, W1 ≈ 0.19 at step 2500
With the recommended settings wgan/gp reaches 97 % and hinge/sn 93 % high quality by step 10000
(benchmarks/results/toy_table_10k.md); the presets stop earlier so a talk need not wait for that.
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


PRESETS: dict[str, Preset] = {
    p.name: p for p in [
        Preset("mode-collapse", "Mode collapse",
               "A plain GAN (non-saturating loss, no Lipschitz constraint) on 8 modes: the generator "
               "bunches its samples together and drifts after the discriminator, never covering the ring.",
               recommended_config("ring8", "ns", "none", seed=0), 2000,
               "≤ 3 of 8 modes covered"),
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
               recommended_config("ring8", "wgan", "clip", seed=0), 4000,
               "fewer high-quality samples and a larger W1 than WGAN-GP at the same step"),
        Preset("vanishing-gradients", "Vanishing gradients (saturating minimax)",
               "The original minimax loss against a strong discriminator: once D confidently rejects "
               "the fakes, log(1 − D(G(z))) is flat there and the generator's gradient all but vanishes.",
               # strong discriminator: 5 critic steps per generator step, critic learning rate 1e-3
               recommended_config("ring8", "minimax", "none", seed=0, d_lr=1e-3, n_critic=5), 200,
               "median generator gradient norm < 1 % of the non-saturating loss's on the same config"),
        Preset("hinge-sn", "Hinge + spectral norm",
               "The hinge loss with spectral normalisation on every critic layer (SN-GAN) and a 5× faster "
               "critic optimiser: no penalty term, and it still covers all 8 modes.",
               recommended_config("ring8", "hinge", "sn", seed=0), 2500,
               "8 of 8 modes covered"),
    ]
}
