"""Ways to keep the critic (roughly) 1-Lipschitz, and how each hooks into a critic step.

A method may wrap the critic once (`prepare`), add a penalty to the critic loss (`penalty`) and act
after each critic optimiser step (`after_step`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm


def input_grad(critic: nn.Module, x: Tensor, create_graph: bool = True) -> Tensor:
    """∇ₓD(x) for each sample, flattened to (B, d)."""
    x = x.detach().requires_grad_(True)
    out = critic(x)
    (g,) = torch.autograd.grad(out.sum(), x, create_graph=create_graph)
    return g.flatten(1)


def _interpolates(real: Tensor, fake: Tensor, gen: torch.Generator) -> Tensor:
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1), generator=gen, device=real.device)
    return eps * real + (1 - eps) * fake


def gp_penalty(critic, real, fake, weight, gen) -> Tensor:
    """Two-sided gradient penalty λ E_x̂ (‖∇D(x̂)‖ − 1)², x̂ = εx + (1−ε)G(z), ε ~ U[0,1]
    (Gulrajani et al. 2017, WGAN-GP)."""
    norm = input_grad(critic, _interpolates(real, fake, gen)).norm(dim=1)
    return weight * ((norm - 1) ** 2).mean()


def lp_penalty(critic, real, fake, weight, gen) -> Tensor:
    """One-sided penalty λ E_x̂ max(0, ‖∇D(x̂)‖ − 1)² (Petzka et al. 2018, WGAN-LP)."""
    norm = input_grad(critic, _interpolates(real, fake, gen)).norm(dim=1)
    return weight * (torch.relu(norm - 1) ** 2).mean()


def r1_penalty(critic, real, fake, weight, gen) -> Tensor:
    """R1: (γ/2) E_real ‖∇D(x)‖² on real data only (Mescheder et al. 2018)."""
    return 0.5 * weight * (input_grad(critic, real) ** 2).sum(1).mean()


def clip_weights(critic: nn.Module, c: float) -> None:
    """Clamp every critic parameter to [−c, c] after each critic step (Arjovsky et al. 2017)."""
    with torch.no_grad():
        for p in critic.parameters():
            p.clamp_(-c, c)


def apply_spectral_norm(critic: nn.Module) -> nn.Module:
    """W ← W / σ_max(W) on every Linear / Conv layer, σ_max by one power iteration per forward
    (Miyato et al. 2018)."""
    for name, m in list(critic.named_modules()):
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            spectral_norm(m)
    return critic


@dataclass(frozen=True)
class Lipschitz:
    name: str
    label: str
    param: str | None = None  # which config field tunes it: "clip" or "penalty"
    param_label: str = ""
    penalty: Callable | None = None
    after_step: Callable | None = None
    prepare: Callable | None = None
    per_sample: bool = False  # penalises per-sample input gradients: batch norm in the critic breaks it
    paper: str = ""
    defaults: dict = field(default_factory=dict)  # settings that work with this method (see recipes.py)


LIPSCHITZ: dict[str, Lipschitz] = {
    m.name: m for m in [
        Lipschitz("none", "None"),
        Lipschitz("clip", "Weight clipping", "clip", "clip value c", after_step=clip_weights,
                  paper="Arjovsky et al. 2017",
                  defaults=dict(g_optim="rmsprop", d_optim="rmsprop", g_lr=5e-5, d_lr=5e-5, clip=0.01, n_critic=5)),
        Lipschitz("gp", "Gradient penalty (two-sided)", "penalty", "penalty weight λ", penalty=gp_penalty,
                  per_sample=True, paper="Gulrajani et al. 2017",
                  # λ = 1, not the paper's 10: on grid25 λ = 10 stalled at 12-15 of 25 modes (4000 steps),
                  # λ = 1 reached 25/25 by step 3000 and did no worse on ring8.
                  defaults=dict(penalty=1.0)),
        Lipschitz("lp", "Gradient penalty (one-sided)", "penalty", "penalty weight λ", penalty=lp_penalty,
                  per_sample=True, paper="Petzka et al. 2018", defaults=dict(penalty=10.0)),
        Lipschitz("r1", "R1 penalty on real data", "penalty", "penalty weight γ", penalty=r1_penalty,
                  per_sample=True, paper="Mescheder et al. 2018",
                  # γ = 0.1 suits data at this scale (σ = 0.02-0.05); R1 keeps the critic tame enough for
                  # Adam 1e-3, which covers grid25 (25/25) in ~3000 steps.
                  defaults=dict(penalty=0.1, g_lr=1e-3, d_lr=1e-3)),
        Lipschitz("sn", "Spectral normalisation", prepare=apply_spectral_norm, paper="Miyato et al. 2018",
                  # an SN critic is weak: give it a 5× faster optimiser (TTUR, Heusel et al. 2017) and
                  # β = (0, 0.9) as in SN-GAN; with the plain 2e-4 / 2e-4 hinge+SN collapsed to 0 modes.
                  defaults=dict(g_lr=2e-4, d_lr=1e-3, g_beta1=0.0, d_beta1=0.0, g_beta2=0.9, d_beta2=0.9)),
    ]
}
