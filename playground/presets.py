"""Named, reproducible runs for talks. Each is a fixed config, seed and step budget, and promises a
behaviour that tests/test_presets.py checks headless (they must behave the same every time).

    python -m playground train --preset mode-collapse --out run.json
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
               "chases the critic from mode to mode and covers only a few at a time.",
               recommended_config("ring8", "ns", "none", seed=0), 2000,
               "≤ 3 of 8 modes covered"),
        Preset("wgan-gp", "The fix: WGAN-GP",
               "Same data, Wasserstein loss with a gradient penalty: the critic's slope stays useful "
               "everywhere and the generator spreads over all 8 modes.",
               recommended_config("ring8", "wgan", "gp", seed=0), 2000,
               "8 of 8 modes covered, ≥ 80 % high-quality samples"),
        Preset("clip-vs-gp", "Weight clipping vs gradient penalty",
               "WGAN with weight clipping (c = 0.01): the critic is squeezed into a nearly linear "
               "function and learns slowly; compare its landscape with the WGAN-GP preset.",
               recommended_config("ring8", "wgan", "clip", seed=0), 2000,
               "fewer high-quality samples than WGAN-GP at the same step"),
        Preset("vanishing-gradients", "Vanishing gradients (saturating minimax)",
               "The original minimax loss: once the discriminator is confident, log(1 − D(G(z))) is "
               "flat and the generator's gradient vanishes.",
               recommended_config("two_modes1d", "minimax", "none", seed=0, d_lr=1e-3), 1000,
               "generator gradient norm far below the non-saturating loss's"),
        Preset("hinge-sn", "Hinge + spectral norm",
               "The hinge loss with spectral normalisation on every critic layer (SN-GAN): stable "
               "and covers the modes without a penalty term.",
               recommended_config("ring8", "hinge", "sn", seed=0), 2000,
               "≥ 6 of 8 modes covered"),
    ]
}
