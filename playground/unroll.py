"""The unrolled critic (Metz et al. 2017, "Unrolled Generative Adversarial Networks", eqs. 6-7).

With critic parameters φ, generator parameters θ and the critic's loss L_D(θ, φ), k further updates of
the critic by its own optimiser (Adam's moments and step count included) are

    φ₀ = φ,    φᵢ₊₁ = φᵢ − U(∂L_D(θ, φᵢ)/∂φᵢ; stateᵢ)                             (eq. 6)

each on a fresh batch of real data and noise (U: one step of SGD, Adam or RMSprop; the paper writes
eq. 6 as ascent on the value f = −L_D). The generator minimises the surrogate L_G(θ, φ_k(θ)),
differentiated through the k updates:

    dL_G/dθ = ∂L_G(θ, φ_k)/∂θ + ∂L_G(θ, φ_k)/∂φ_k · dφ_k/dθ                     (eq. 7)

The second term is how the critic would answer the generator's move: it is what keeps the generator
from hopping to the mode the current critic likes best. `unrolled_critic` runs the k updates on a copy
(`torch.func.functional_call`, gradients with create_graph=True, so autograd flows through them, and
through the optimiser's steps written here as plain tensor arithmetic); the real critic and its
optimiser are untouched, and the copy is dropped after the generator's update. k = 0 is the ordinary
generator loss.

Every Lipschitz method combines with it, each as the critic's own update does it: a penalty (gp, lp,
r1) is part of L_D, so the unrolled gradient takes third derivatives (autograd has them; each unrolled
step costs more); clipping's clamp is applied to the copy (`Lipschitz.project`; it passes no gradient
where it clamps); spectral norm's power-iteration vectors advance in the copy's own buffers and are
constants to autograd, as in the critic's own backward pass. Optimisers: SGD, Adam and RMSprop as
optim.py makes them (no momentum, weight decay or amsgrad); config.py refuses any other.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn
from torch.func import functional_call

Params = dict[str, Tensor]


class FunctionalCritic:
    """`module` called with the parameters `params` (and its own buffers, copied: batch norm's running
    statistics and spectral norm's power iteration update them in place). Callable like the module."""

    def __init__(self, module: nn.Module, params: Params, buffers: Params):
        self.module, self.params, self.buffers = module, params, buffers
        self.pack = getattr(module, "pack", 1)

    def __call__(self, x: Tensor) -> Tensor:
        return functional_call(self.module, (self.params, self.buffers), (x,))


def _sqrt(v: Tensor) -> Tensor:
    """√v whose derivative at v = 0 is 0, not ∞: a parameter whose gradient has always been 0 (a dead
    ReLU unit) would otherwise turn the unrolled gradient into 0·∞ = NaN."""
    return torch.where(v > 0, v.clamp_min(torch.finfo(v.dtype).tiny).sqrt(), torch.zeros_like(v))


def _sgd(group: dict, p: Tensor, g: Tensor, state: dict, t: int) -> Tensor:
    """φ ← φ − η g (torch.optim.SGD without momentum or weight decay)."""
    return p - group["lr"] * g


def _adam(group: dict, p: Tensor, g: Tensor, state: dict, t: int) -> Tensor:
    """m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², φ ← φ − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
    (Kingma & Ba 2015, as torch.optim.Adam computes it); t counts the real critic's steps too."""
    b1, b2 = group["betas"]
    state["exp_avg"] = m = b1 * state["exp_avg"] + (1 - b1) * g
    state["exp_avg_sq"] = v = b2 * state["exp_avg_sq"] + (1 - b2) * g * g
    denom = _sqrt(v) / (1 - b2 ** t) ** 0.5 + group["eps"]
    return p - group["lr"] / (1 - b1 ** t) * m / denom


def _rmsprop(group: dict, p: Tensor, g: Tensor, state: dict, t: int) -> Tensor:
    """s ← αs + (1 − α)g², φ ← φ − η g / (√s + ε) (Tieleman & Hinton 2012, as torch.optim.RMSprop)."""
    a = group["alpha"]
    state["square_avg"] = s = a * state["square_avg"] + (1 - a) * g * g
    return p - group["lr"] * g / (_sqrt(s) + group["eps"])


# torch optimiser class -> (its functional step, the state it keeps besides "step", its options that
# must be off for the step above to be the optimiser's own)
FUNCTIONAL_STEPS: dict[type, tuple[Callable, tuple[str, ...], tuple[str, ...]]] = {
    torch.optim.SGD: (_sgd, (), ("momentum", "weight_decay", "maximize")),
    torch.optim.Adam: (_adam, ("exp_avg", "exp_avg_sq"), ("weight_decay", "amsgrad", "maximize")),
    torch.optim.RMSprop: (_rmsprop, ("square_avg",), ("momentum", "weight_decay", "centered", "maximize")),
}


def _functional_step(optimiser: torch.optim.Optimizer) -> tuple[Callable, tuple[str, ...], dict] | None:
    """(step, the state it keeps, the options) when this optimiser can be unrolled as configured, else None."""
    entry = FUNCTIONAL_STEPS.get(type(optimiser))
    if entry is None or len(optimiser.param_groups) != 1:
        return None
    step, kept, off = entry
    group = optimiser.param_groups[0]
    return None if any(group.get(o) for o in off) else (step, kept, group)


def can_unroll(factory: Callable) -> bool:
    """Whether an optimiser factory (optim.py's OPTIMIZERS) makes an optimiser unrolled_critic can step."""
    return _functional_step(factory([torch.zeros(1, requires_grad=True)], 1e-3, 0.5, 0.999)) is not None


def unrolled_critic(critic: nn.Module, optimiser: torch.optim.Optimizer,
                    critic_loss: Callable[[FunctionalCritic], Tensor], k: int,
                    project: Callable[[Params], Params] | None = None) -> FunctionalCritic:
    """The critic after k differentiable updates of a copy of it by `optimiser`'s own rule and state.

    critic_loss(D) is the critic's loss (penalty included) for the copy D, on a batch it draws itself:
    each update gets a fresh batch. `project` is what the critic's Lipschitz method does to the
    parameters after each update (weight clipping's clamp), in differentiable form."""
    functional = _functional_step(optimiser)
    if functional is None:
        raise ValueError(f"cannot unroll {type(optimiser).__name__} with these options (see can_unroll)")
    step, kept, group = functional
    named = list(critic.named_parameters())
    params = {n: p.detach().requires_grad_(True) for n, p in named}
    states = []
    for _, p in named:
        s = optimiser.state.get(p, {})
        states.append({key: s[key].detach() if key in s else torch.zeros_like(p) for key in kept})
    t0 = int(optimiser.state.get(named[0][1], {}).get("step", 0))
    buffers = {n: b.clone() for n, b in critic.named_buffers()}
    for i in range(k):
        loss = critic_loss(FunctionalCritic(critic, params, buffers))
        grads = torch.autograd.grad(loss, list(params.values()), create_graph=True, allow_unused=True)
        params = {n: step(group, p, torch.zeros_like(p) if g is None else g, s, t0 + i + 1)
                  for (n, p), g, s in zip(params.items(), grads, states)}
        if project is not None:
            params = project(params)
    return FunctionalCritic(critic, params, buffers)
