"""A generator that can only make one Gaussian (arch "gaussian", toy data): the model class of the
"fit one Gaussian to two" lesson, where the divergence alone decides the fit (playground/one_gaussian.py).

    1D:  G(z) = μ + σ·z₁,  σ = softplus(ρ) > 0: two parameters, μ and ρ.
    2D:  G(z) = μ + L·(z₁, z₂),  L lower triangular with diagonal softplus(ρ₁), softplus(ρ₂) > 0 and one
         free off-diagonal entry: any full covariance Σ = L Lᵀ (five parameters).

z is the trainer's noise (models/mlp.py `sample_noise`); only its first d coordinates are used, so the
noise dimension must be at least d. Uniform noise U(−1, 1) is mapped to N(0, 1) first (√2·erfinv(u)),
so the output is Gaussian whichever noise is chosen. The critic is the toy MLP critic (with packing / the
minibatch statistic as configured), as for arch "mlp".

The start is part of the run, drawn from its seed (`gaussian_start`): μ₀ at a distance uniform in
START_RADIUS from the origin in a uniformly random direction (1D: a random sign), L₀ = START_SIGMA·I.
Same seed, same start; different seeds start on different sides, so a mode-seeking divergence falls
toward different modes. μ₀ = 0 exactly is avoided on purpose: on symmetric data (two_modes1d) μ = 0 is
a stationary point of every divergence, and reverse KL, JS and squared Hellinger can stay there
(one_gaussian.py `centred_optimum`).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import ConfigError
from .mlp import ACTIVATIONS, MLP
from .toy_critic import ToyCritic

SOFTPLUS_INV_1 = math.log(math.e - 1)  # ρ with softplus(ρ) = 1
_U_MAX = 1 - 1e-6  # |u| below 1 for erfinv: float32 U(−1, 1) draws can be exactly −1
# Measured on two_modes1d (benchmarks/results/fgan_recipes.md): started with ‖μ₀‖ < 1 (μ₀ = −0.63: both
# did) or σ₀ ≥ 0.7, JS and squared Hellinger can settle at the centred local minimum instead of a mode;
# forward KL widens from σ₀ = 0.5 only against a slow critic (recipes.py).
START_RADIUS = (1.0, 1.5)  # ‖μ₀‖ uniform in this range (the toy data sit within a few units of 0)
START_SIGMA = 0.5  # σ₀ on every axis, L₀ = σ₀·I
_START_STREAM = 1_000_003  # offset of the start's random stream from the run's seed


def gaussian_start(seed: int, dim: int) -> tuple[list[float], float]:
    """(μ₀, σ₀) of a run with this seed in `dim` dimensions: its own random stream, so the start does
    not depend on what else is drawn while the networks are built."""
    g = torch.Generator().manual_seed(int(seed) + _START_STREAM)
    direction = torch.randn(int(dim), generator=g, dtype=torch.float64)
    direction = direction / direction.norm()
    lo, hi = START_RADIUS
    radius = lo + (hi - lo) * float(torch.rand((), generator=g, dtype=torch.float64))
    return [round(float(v), 6) for v in radius * direction], START_SIGMA


class GaussianGenerator(nn.Module):
    """x = μ + L z (1D: μ + σ z). `mean`, `scale_tril` and `std` read the parameters as a distribution."""

    def __init__(self, dim: int, noise: str = "gaussian", mu0: float | list[float] = 0.0, sigma0: float = 1.0):
        """mu0: one number for every axis, or one per axis; sigma0: L₀ = σ₀·I."""
        super().__init__()
        self.dim, self.noise = int(dim), noise
        self.mu = nn.Parameter(torch.zeros(self.dim) + torch.as_tensor(mu0, dtype=torch.float32))
        rho0 = SOFTPLUS_INV_1 if sigma0 == 1.0 else math.log(math.expm1(sigma0))  # softplus⁻¹(σ₀)
        self.rho = nn.Parameter(torch.full((self.dim,), rho0))
        # below-diagonal entries of L, row by row (none in 1D)
        self.off = nn.Parameter(torch.zeros(self.dim * (self.dim - 1) // 2)) if self.dim > 1 else None

    @property
    def mean(self) -> Tensor:
        return self.mu

    def scale_tril(self) -> Tensor:
        """L (d, d): lower triangular, diagonal softplus(ρ) > 0."""
        L = torch.diag(F.softplus(self.rho))
        if self.off is not None:
            i, j = torch.tril_indices(self.dim, self.dim, offset=-1, device=L.device)
            L = L.index_put((i, j), self.off)
        return L

    @property
    def std(self) -> Tensor:
        """Per-axis standard deviation √diag(L Lᵀ) (1D: σ)."""
        return self.scale_tril().pow(2).sum(1).sqrt()

    def covariance(self) -> Tensor:
        L = self.scale_tril()
        return L @ L.T

    def forward(self, z: Tensor) -> Tensor:
        z = z[:, :self.dim]
        if self.noise == "uniform":
            z = math.sqrt(2) * torch.erfinv(z.clamp(-_U_MAX, _U_MAX))
        return self.mu + z @ self.scale_tril().T


def build_gaussian_pair(config, dataset) -> tuple[nn.Module, nn.Module]:
    """Generator: one Gaussian in the data's dimension, started at `gaussian_start(config.seed, d)`; critic: the toy MLP critic (as build_mlp_pair's).
    Raises ConfigError when the noise has fewer coordinates than the data."""
    d = dataset.shape[0]
    if config.noise_dim < d:
        raise ConfigError(f"The Gaussian generator needs at least {d} noise dimensions for {d}D data "
                          f"(got {config.noise_dim}).", "noise_dim")
    mu0, sigma0 = gaussian_start(config.seed, d)
    g = GaussianGenerator(d, config.noise, mu0, sigma0)
    if config.pack > 1 or config.mbstd:
        c = ToyCritic(d, config.d_width, config.d_depth, ACTIVATIONS[config.activation], config.pack, config.mbstd)
    else:
        c = MLP(d, 1, config.d_width, config.d_depth, config.activation)
    return g, c


__all__ = ["GaussianGenerator", "build_gaussian_pair", "gaussian_start", "START_RADIUS", "START_SIGMA"]
