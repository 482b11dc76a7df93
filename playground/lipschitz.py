"""Ways to keep the critic (roughly) 1-Lipschitz, and how each hooks into a critic step.

A method may wrap the critic once (`prepare`), add a penalty to the critic loss (`penalty`) and act
after each critic optimiser step (`after_step`; `project` is the same act as a differentiable function
of the parameters, which the unrolled critic of unroll.py applies to its copy).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm


def input_grad(critic: nn.Module, x: Tensor, create_graph: bool = True) -> Tensor:
    """∇ₓD(x) for each score, flattened: (B, d) for B samples; for a packed critic (PacGAN) the gradient
    of each pack's score with respect to the whole pack, (B/m, m·d). An x that carries a graph keeps it
    (the unrolled critic's interpolates depend on the generator)."""
    x = x if x.requires_grad else x.detach().requires_grad_(True)
    out = critic(x)
    (g,) = torch.autograd.grad(out.sum(), x, create_graph=create_graph)
    return g.reshape(out.shape[0], -1)


def _interpolates(real: Tensor, fake: Tensor, gen: torch.Generator, m: int = 1) -> Tensor:
    """x̂ = εx + (1−ε)G(z), one ε ~ U[0,1] per score: with packs of m (PacGAN) x̂ is a point between a
    real and a fake pack."""
    eps = torch.rand((real.shape[0] // m,) + (1,) * (real.dim() - 1), generator=gen, device=real.device)
    if m > 1:
        eps = eps.repeat_interleave(m, 0)
    return eps * real + (1 - eps) * fake


def gp_penalty(critic, real, fake, weight, gen) -> Tensor:
    """Two-sided gradient penalty λ E_x̂ (‖∇D(x̂)‖ − 1)², x̂ = εx + (1−ε)G(z), ε ~ U[0,1]
    (Gulrajani et al. 2017, WGAN-GP)."""
    norm = input_grad(critic, _interpolates(real, fake, gen, getattr(critic, "pack", 1))).norm(dim=1)
    return weight * ((norm - 1) ** 2).mean()


def lp_penalty(critic, real, fake, weight, gen) -> Tensor:
    """One-sided penalty λ E_x̂ max(0, ‖∇D(x̂)‖ − 1)² (Petzka et al. 2018, WGAN-LP)."""
    norm = input_grad(critic, _interpolates(real, fake, gen, getattr(critic, "pack", 1))).norm(dim=1)
    return weight * (torch.relu(norm - 1) ** 2).mean()


def r1_penalty(critic, real, fake, weight, gen) -> Tensor:
    """R1: (γ/2) E_real ‖∇D(x)‖² on real data only (Mescheder et al. 2018)."""
    return 0.5 * weight * (input_grad(critic, real) ** 2).sum(1).mean()


def clip_weights(critic: nn.Module, c: float) -> None:
    """Clamp every critic parameter to [−c, c] after each critic step (Arjovsky et al. 2017)."""
    with torch.no_grad():
        for p in critic.parameters():
            p.clamp_(-c, c)


def clip_params(params: dict[str, Tensor], c: float) -> dict[str, Tensor]:
    """clip_weights as a function of the parameters, differentiable (the unrolled critic's, unroll.py)."""
    return {n: p.clamp(-c, c) for n, p in params.items()}


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
    param: str | None = None  # the RunConfig field passed to penalty / after_step as their weight
    param_label: str = ""
    penalty: Callable | None = None
    after_step: Callable | None = None
    prepare: Callable | None = None
    project: Callable | None = None  # after_step as a function of the parameters (params, weight) -> params
    # the penalty is on each sample's ∇ₓD: batch norm in the critic (scores depending on the whole
    # batch) makes it meaningless, so such critics use layer norm instead
    penalises_input_gradients: bool = False
    paper: str = ""


LIPSCHITZ: dict[str, Lipschitz] = {
    m.name: m for m in [
        Lipschitz("none", "None"),
        Lipschitz("clip", "Weight clipping", "clip", "clip value c", after_step=clip_weights,
                  project=clip_params, paper="Arjovsky et al. 2017"),
        Lipschitz("gp", "Gradient penalty (two-sided)", "penalty", "penalty weight λ", penalty=gp_penalty,
                  penalises_input_gradients=True, paper="Gulrajani et al. 2017"),
        Lipschitz("lp", "Gradient penalty (one-sided)", "penalty", "penalty weight λ", penalty=lp_penalty,
                  penalises_input_gradients=True, paper="Petzka et al. 2018"),
        Lipschitz("r1", "R1 penalty on real data", "penalty", "penalty weight γ", penalty=r1_penalty,
                  penalises_input_gradients=True, paper="Mescheder et al. 2018"),
        Lipschitz("sn", "Spectral normalisation", prepare=apply_spectral_norm, paper="Miyato et al. 2018"),
    ]
}
