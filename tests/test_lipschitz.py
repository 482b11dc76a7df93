"""Lipschitz methods (playground/lipschitz.py): clipping, GP, LP, R1, spectral norm, input_grad."""

import functools

import pytest
import torch
from torch import nn

from playground.config import RunConfig
from playground.datasets import make_dataset
from playground.lipschitz import (LIPSCHITZ, _interpolates, apply_spectral_norm, clip_weights,
                                  gp_penalty, input_grad, lp_penalty, r1_penalty)
from playground.losses import wgan_d
from playground.recipes import METHOD
from playground.models.mlp import MLP
from playground.trainer import Trainer
from tests.helpers_engine import MIXTURE_1D, small_config


def _linear_critic(w, b=0.3):
    lin = nn.Linear(len(w), 1)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([w]))
        lin.bias.fill_(b)
    return lin


def _real_fake(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    real = make_dataset(RunConfig(dataset="ring8")).sample(n, g)
    fake = 0.5 * torch.randn(n, 2, generator=g)
    return real, fake


# ----- weight clipping --------------------------------------------------------------------------
def test_clip_weights_clamps_every_parameter():
    torch.manual_seed(0)
    critic = MLP(2, 1, 16, 2)
    with torch.no_grad():
        for p in critic.parameters():
            p.mul_(1000.0)
    assert max(p.abs().max().item() for p in critic.parameters()) > 1.0
    clip_weights(critic, 0.05)
    for p in critic.parameters():
        assert p.abs().max().item() <= 0.05 + 1e-7  # float32(0.05) is a hair above 0.05
    assert max(p.abs().max().item() for p in critic.parameters()) == pytest.approx(0.05)


def test_clip_bounds_critic_after_a_training_step_with_huge_gradients():
    # SGD with lr 1e4 moves every critic weight by far more than c; clipping must undo that
    cfg = small_config("ring8", "wgan", "clip", clip=0.01, d_optim="sgd", d_lr=1e4, n_critic=2)
    t = Trainer(cfg)
    before = [p.detach().clone() for p in t.D.parameters()]
    t.step()
    moved = max((p.detach() - b).abs().max().item() for p, b in zip(t.D.parameters(), before))
    assert moved > 0  # the step did change the critic
    biggest = max(p.detach().abs().max().item() for p in t.D.parameters())
    assert biggest <= 0.01 + 1e-7
    assert biggest == pytest.approx(0.01)  # the bound is active, not merely respected by accident
    # without clipping the same step leaves weights far outside [−c, c]
    t2 = Trainer(cfg.replace(lipschitz="none"))
    t2.step()
    assert max(p.detach().abs().max().item() for p in t2.D.parameters()) > 1.0


# ----- two-sided gradient penalty ---------------------------------------------------------------
def _train_critic(use_gp: bool, steps: int = 200):
    real, fake = _real_fake()
    torch.manual_seed(0)
    critic = MLP(2, 1, 64, 2)
    opt = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
    gen = torch.Generator().manual_seed(1)
    for _ in range(steps):
        loss = wgan_d(critic(real).view(-1), critic(fake).view(-1))
        if use_gp:
            loss = loss + gp_penalty(critic, real, fake, 10.0, gen)
        opt.zero_grad()
        loss.backward()
        opt.step()
    x_hat = _interpolates(real, fake, torch.Generator().manual_seed(5))  # fresh interpolates
    return input_grad(critic, x_hat, create_graph=False).norm(dim=1)


def test_gp_drives_interpolate_gradient_norm_to_one():
    norms_gp = _train_critic(use_gp=True)
    norms_free = _train_critic(use_gp=False)
    assert abs(norms_gp.mean().item() - 1) < 0.1
    assert (norms_gp - 1).abs().mean().item() < 0.15
    # the unpenalised Wasserstein critic's slope grows without bound
    assert norms_free.mean().item() > 3.0


def test_gp_value_by_hand_for_a_linear_critic():
    # D(x) = w·x + b has ∇D = w everywhere: penalty = λ(‖w‖ − 1)²
    real, fake = _real_fake(32)
    critic = _linear_critic([3.0, 4.0])
    gen = torch.Generator().manual_seed(0)
    assert gp_penalty(critic, real, fake, 10.0, gen).item() == pytest.approx(10.0 * (5.0 - 1) ** 2, rel=1e-5)


def _frozen_generator_critic_gap(lipschitz: str, seed: int = 0, **kw) -> float:
    """Train only the critic (g_lr ≈ 0) for 40 steps on the 1D mixture (true W1 ≈ 4); return
    E D(real) − E D(fake), which a working Wasserstein critic makes clearly positive."""
    return _critic_gap(small_config("custom1d", "wgan", lipschitz, mixture=MIXTURE_1D, seed=seed, g_lr=1e-12, **kw))


@functools.cache
def _critic_gap(config: RunConfig) -> float:
    """Cached by config: a run is deterministic, and the recipe's GP run is the λ = 1 run while the
    recipe's λ is 1."""
    t = Trainer(config)
    t.run(40)
    with torch.no_grad():
        return (t.D(t.real_ref[:1000]).mean() - t.D(t.fakes(1000)).mean()).item()


def test_one_sided_penalty_critic_learns_the_right_sign_in_1d():
    assert _frozen_generator_critic_gap("lp") > 0.5
    assert _frozen_generator_critic_gap("gp", penalty=1.0) > 0.5


def test_recommended_gp_critic_learns_the_right_sign_in_1d():
    """With λ = 10 a 1D critic whose initial slope has the wrong sign was trapped there (turning the
    slope around in 1D passes through ‖∇D‖ = 0, which costs λ, more than the Wasserstein gain), so the
    generator ran away from the data (gauss1d: W1 0.78 → 20 in 300 steps). The recipe now uses λ = 1."""
    assert _frozen_generator_critic_gap("gp") > 0.5


# ----- one-sided penalty (LP) -------------------------------------------------------------------
def test_lp_only_penalises_slopes_above_one():
    real, fake = _real_fake(32)
    gen = torch.Generator().manual_seed(0)
    gentle = _linear_critic([0.3, 0.4])      # ‖w‖ = 0.5
    assert lp_penalty(gentle, real, fake, 10.0, gen).item() == 0.0
    assert gp_penalty(gentle, real, fake, 10.0, gen).item() == pytest.approx(10.0 * 0.25, rel=1e-5)
    steep = _linear_critic([1.2, 1.6])       # ‖w‖ = 2
    assert lp_penalty(steep, real, fake, 10.0, gen).item() == pytest.approx(10.0 * 1.0, rel=1e-5)
    # a small-slope nonlinear critic: no penalty either
    torch.manual_seed(0)
    mlp = MLP(2, 1, 16, 2)
    with torch.no_grad():
        for p in mlp.parameters():
            p.mul_(0.3)
    assert input_grad(mlp, real).norm(dim=1).max().item() < 1.0
    assert lp_penalty(mlp, real, fake, 10.0, gen).item() == 0.0


# ----- R1 ---------------------------------------------------------------------------------------
def test_r1_by_hand_for_a_linear_critic():
    real, fake = _real_fake(32)
    critic = _linear_critic([3.0, -4.0])
    gamma = 2.0
    val = r1_penalty(critic, real, fake, gamma, torch.Generator().manual_seed(0)).item()
    assert val == pytest.approx(gamma / 2 * 25.0, rel=1e-5)   # (γ/2)‖w‖²


class _HalfSquare(nn.Module):
    """D(x) = ½‖x‖², so ∇D(x) = x and R1 = (γ/2) E_real ‖x‖²."""

    def forward(self, x):
        return 0.5 * (x ** 2).sum(1, keepdim=True)


def test_r1_uses_real_data_only():
    real, fake = _real_fake(64)
    gamma = 3.0
    expected = gamma / 2 * (real ** 2).sum(1).mean().item()
    gen = torch.Generator().manual_seed(0)
    got = r1_penalty(_HalfSquare(), real, fake, gamma, gen).item()
    assert got == pytest.approx(expected, rel=1e-5)
    other_fake = fake * 10 + 5
    assert r1_penalty(_HalfSquare(), real, other_fake, gamma, gen).item() == pytest.approx(got, rel=1e-6)
    # whereas the penalty would differ if it looked at the fakes
    assert (other_fake ** 2).sum(1).mean().item() > 2 * (real ** 2).sum(1).mean().item()


def test_penalties_are_differentiable_in_the_critic_parameters():
    real, fake = _real_fake(32)
    torch.manual_seed(0)
    critic = MLP(2, 1, 16, 2)
    for fn in (gp_penalty, lp_penalty, r1_penalty):
        critic.zero_grad()
        # weight 10 and a steep critic so that LP is active too
        with torch.no_grad():
            critic.net[-1].weight.mul_(50.0)
        fn(critic, real, fake, 10.0, torch.Generator().manual_seed(0)).backward()
        grads = [p.grad for p in critic.parameters() if p.grad is not None]
        assert grads and any(g.abs().sum() > 0 for g in grads), fn.__name__


# ----- spectral normalisation -------------------------------------------------------------------
def _linear_layers(module):
    return [m for m in module.modules() if isinstance(m, nn.Linear)]


def test_spectral_norm_makes_each_layer_top_singular_value_one():
    torch.manual_seed(0)
    critic = apply_spectral_norm(MLP(2, 1, 64, 3))
    layers = _linear_layers(critic)
    assert len(layers) == 4
    raw = [torch.linalg.matrix_norm(m.parametrizations.weight.original.detach(), ord=2).item() for m in layers]
    assert any(abs(s - 1) > 0.2 for s in raw)  # the unnormalised weights are not already 1-Lipschitz
    critic.train()
    x = torch.randn(128, 2)
    for _ in range(200):  # one power iteration per forward pass in train mode
        critic(x)
    for m in layers:
        sigma = torch.linalg.matrix_norm(m.weight.detach(), ord=2).item()
        assert sigma == pytest.approx(1.0, abs=1e-2)


def test_trainer_applies_spectral_norm_to_every_critic_layer():
    t = Trainer(small_config("ring8", "hinge", "sn"))
    layers = _linear_layers(t.D)
    assert layers and all(hasattr(m, "parametrizations") for m in layers)
    assert not any(hasattr(m, "parametrizations") for m in _linear_layers(t.G))
    t.run(20)
    for m in layers:
        # one power iteration per forward pass lags a critic that is still learning fast: a few % over 1
        assert torch.linalg.matrix_norm(m.weight.detach(), ord=2).item() == pytest.approx(1.0, abs=0.1)


# ----- input_grad and the registry --------------------------------------------------------------
def test_input_grad_of_a_linear_critic():
    critic = _linear_critic([0.5, -2.0])
    g = input_grad(critic, torch.randn(5, 2))
    assert g.shape == (5, 2)
    assert torch.allclose(g, torch.tensor([[0.5, -2.0]]).expand(5, 2))


def test_registry_hooks():
    assert set(LIPSCHITZ) == {"none", "clip", "gp", "lp", "r1", "sn"}
    assert LIPSCHITZ["clip"].after_step is clip_weights and LIPSCHITZ["clip"].param == "clip"
    assert LIPSCHITZ["gp"].penalty is gp_penalty and LIPSCHITZ["lp"].penalty is lp_penalty
    assert LIPSCHITZ["r1"].penalty is r1_penalty and LIPSCHITZ["sn"].prepare is apply_spectral_norm
    assert all(LIPSCHITZ[m].param == "penalty" for m in ("gp", "lp", "r1"))
    assert all(METHOD[m]["penalty"] > 0 for m in ("gp", "lp", "r1"))  # the recipes tune each weight
