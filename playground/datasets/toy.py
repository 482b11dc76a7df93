"""1D and 2D toy distributions: Gaussian mixtures (analytic density and modes) and sampled shapes.

Registry `TOY` maps a name to a factory `() -> Dataset`; the user-defined mixtures take
`mixture="w, mean, σ; ..."` (1D) or `"w, mx, my, σ; ..."` (2D, isotropic components).
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
from scipy.special import logsumexp
from scipy.stats import norm

from .. import metrics as M
from ..errors import ConfigError
from ..models.gaussian import build_gaussian_pair
from ..models.mlp import build_mlp_pair
from .base import Dataset, Modes


def _mixture_error(msg: str) -> ConfigError:
    """A ConfigError pointing at the custom mixture table."""
    return ConfigError(msg, "mixture")


# "gaussian": a generator that can only make one Gaussian (models/gaussian.py), any toy data
TOY_ARCHS: dict[str, Callable] = {"mlp": build_mlp_pair, "gaussian": build_gaussian_pair}


class GaussianMixture(Dataset):
    """p(x) = Σ_k w_k N(x; μ_k, σ_k² I), in 1 or 2 dimensions."""

    def __init__(self, name: str, weights, means, sigmas, label: str = "", description: str = ""):
        w = np.asarray(weights, dtype=np.float64)
        self.weights = w / w.sum()
        self.means = np.atleast_2d(np.asarray(means, dtype=np.float64))
        if self.means.shape[0] != len(w):
            self.means = self.means.T
        self.sigmas = np.asarray(sigmas, dtype=np.float64).reshape(-1)
        d = self.means.shape[1]
        self.name, self.kind, self.shape = name, f"{d}d", (d,)
        self.label, self.description = label or name, description
        pad = 4.0 * self.sigmas.max() + 0.5
        self.bounds = np.stack([self.means.min(0) - pad, self.means.max(0) + pad], axis=1)
        self.modes = Modes(self.means.copy(), self.sigmas.copy())
        self.archs = TOY_ARCHS
        self._w = torch.tensor(self.weights, dtype=torch.float32)
        self._on: dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}

    def _tensors(self, dev: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Weights, means and σ's on `dev`, made once per device: a step copies nothing from the host
        (a CUDA graph cannot hold such a copy; capture.py)."""
        key = str(dev)
        if key not in self._on:
            self._on[key] = (self._w.to(dev), torch.as_tensor(self.means, dtype=torch.float32, device=dev),
                             torch.as_tensor(self.sigmas, dtype=torch.float32, device=dev))
        return self._on[key]

    def sample(self, n, generator, device="cpu"):
        dev = generator.device
        w, means, sigmas = self._tensors(dev)
        comp = torch.multinomial(w, n, replacement=True, generator=generator)
        eps = torch.randn(n, self.shape[0], generator=generator, device=dev)
        return (means[comp] + sigmas[comp, None] * eps).to(device)

    def log_prob(self, x):
        x = np.asarray(x, dtype=np.float64).reshape(-1, self.shape[0])
        d = self.shape[0]
        sq = ((x[:, None, :] - self.means[None]) ** 2).sum(-1)  # (n, K)
        logn = -0.5 * sq / self.sigmas**2 - d * np.log(self.sigmas) - 0.5 * d * math.log(2 * math.pi)
        return logsumexp(logn + np.log(self.weights), axis=1)

    def cdf(self, x):
        """1D only: F(x) = Σ w_k Φ((x − μ_k)/σ_k)."""
        x = np.asarray(x, dtype=np.float64)
        return (self.weights * norm.cdf((x[..., None] - self.means[:, 0]) / self.sigmas)).sum(-1)

    def metrics(self, fake, real):
        if self.kind == "1d":
            out = M.divergences_1d(self, fake)
        else:
            out = M.divergences_2d(real, fake, bounds=self.bounds)  # includes w1
        cov = M.mode_coverage(fake, self.modes.centers, self.modes.sigma)
        cov["mode_reverse_kl"] = cov.pop("reverse_kl")
        return {**out, **cov}


class SampledShape(Dataset):
    """A 2D shape known only through its sampler (no analytic density, no discrete modes)."""

    def __init__(self, name, sampler, bounds, label="", description=""):
        self.name, self.kind, self.shape = name, "2d", (2,)
        self.label, self.description = label or name, description
        self._sampler = sampler
        self.bounds = np.asarray(bounds, dtype=np.float64)
        self.archs = TOY_ARCHS

    def sample(self, n, generator, device="cpu"):
        return self._sampler(n, generator).to(device)

    def metrics(self, fake, real):
        return M.divergences_2d(real, fake, bounds=self.bounds)


def _moons(n, g):
    """Two interleaved half circles (as scikit-learn's make_moons), noise σ = 0.05, centred."""
    upper = torch.rand(n, generator=g, device=g.device) < 0.5
    t = torch.rand(n, generator=g, device=g.device) * math.pi
    x = torch.where(upper, torch.cos(t), 1 - torch.cos(t))
    y = torch.where(upper, torch.sin(t), 0.5 - torch.sin(t))
    pts = torch.stack([x - 0.5, y - 0.25], 1) * 2.0
    return pts + 0.1 * torch.randn(n, 2, generator=g, device=g.device)


def _spiral(n, g):
    """Two arms of an Archimedean spiral, r ∝ angle, noise σ = 0.05."""
    t = torch.sqrt(torch.rand(n, generator=g, device=g.device)) * 3 * math.pi
    arm = (torch.rand(n, generator=g, device=g.device) < 0.5).float() * math.pi
    r = t / (3 * math.pi) * 3.5
    pts = torch.stack([r * torch.cos(t + arm), r * torch.sin(t + arm)], 1)
    return pts + 0.05 * torch.randn(n, 2, generator=g, device=g.device)


def _swissroll(n, g):
    """The 2D Swiss roll t(cos t, sin t), t ∈ [1.5π, 4.5π], scaled to radius ≈ 3.5, noise σ = 0.05."""
    t = 1.5 * math.pi * (1 + 2 * torch.rand(n, generator=g, device=g.device))
    pts = torch.stack([t * torch.cos(t), t * torch.sin(t)], 1) / (4.5 * math.pi) * 3.5
    return pts + 0.05 * torch.randn(n, 2, generator=g, device=g.device)


def parse_mixture(text: str, dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse "w, mean, σ; ..." (1D) or "w, mx, my, σ; ..." (2D) into weights, means, sigmas."""
    rows = [r.strip() for r in text.replace("\n", ";").split(";") if r.strip()]
    width = dim + 2
    if not rows:
        raise _mixture_error("The custom mixture is empty: give at least one component.")
    if len(rows) > 50:
        raise _mixture_error("The custom mixture has more than 50 components.")
    vals = []
    for i, r in enumerate(rows, 1):
        parts = [p for p in r.replace(",", " ").split() if p]
        try:
            nums = [float(p) for p in parts]
        except ValueError:
            raise _mixture_error(f"Custom mixture component {i} ('{r}') is not a list of numbers.") from None
        if len(nums) != width:
            fmt = "weight, mean, σ" if dim == 1 else "weight, mean x, mean y, σ"
            raise _mixture_error(f"Custom mixture component {i} ('{r}') needs {width} numbers: {fmt}.")
        if not all(np.isfinite(nums)):
            raise _mixture_error(f"Custom mixture component {i} has a value that is not finite.")
        if nums[0] <= 0:
            raise _mixture_error(f"Custom mixture component {i} needs a positive weight (got {nums[0]}).")
        if nums[-1] <= 0:
            raise _mixture_error(f"Custom mixture component {i} needs a positive σ (got {nums[-1]}).")
        if max(abs(v) for v in nums[1:-1]) > 100 or nums[-1] > 50:
            raise _mixture_error(f"Custom mixture component {i} lies too far out (keep means within ±100, σ ≤ 50).")
        vals.append(nums)
    a = np.asarray(vals)
    return a[:, 0], a[:, 1:-1], a[:, -1]


DEFAULT_MIXTURE = {1: "0.5, -2, 0.5; 0.5, 2, 0.5", 2: "0.5, -2, 0, 0.3; 0.3, 2, 1, 0.3; 0.2, 1, -2, 0.5"}


def _custom(dim: int) -> Callable:
    def make(mixture: str = ""):
        w, m, s = parse_mixture(mixture or DEFAULT_MIXTURE[dim], dim)
        return GaussianMixture(f"custom{dim}d", w, m, s, label=f"Custom {dim}D mixture",
                               description="Your own Gaussian mixture.")
    return make


def _ring8():
    angles = np.linspace(0, 2 * np.pi, 9)[:8]
    means = 2.0 * np.stack([np.cos(angles), np.sin(angles)], 1)
    return GaussianMixture("ring8", np.ones(8), means, np.full(8, 0.02), "Ring of 8 Gaussians",
                           "8 modes on a circle of radius 2, σ = 0.02: the classic mode-collapse test.")


def _grid25():
    g = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
    means = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    return GaussianMixture("grid25", np.ones(25), means, np.full(25, 0.05), "Grid of 25 Gaussians",
                           "25 modes on a 5×5 grid with spacing 2, σ = 0.05.")


def _mix1d(name, w, m, s, label, description):
    return lambda: GaussianMixture(name, w, np.asarray(m, float)[:, None], s, label, description)


TOY: dict[str, Callable] = {
    "gauss1d": _mix1d("gauss1d", [1], [0.0], [1.0], "1D: single Gaussian", "N(0, 1)."),
    "two_modes1d": _mix1d("two_modes1d", [0.5, 0.5], [-3.0, 3.0], [0.5, 0.5], "1D: two separated modes",
                          "½N(−3, 0.5²) + ½N(3, 0.5²): little mass between the modes."),
    "three_modes1d": _mix1d("three_modes1d", [0.5, 0.3, 0.2], [-4.0, 0.0, 3.0], [0.6, 0.3, 0.8],
                            "1D: three unequal modes", "Weights 0.5 / 0.3 / 0.2, unequal widths."),
    "point_mass1d": _mix1d("point_mass1d", [1], [0.0], [0.02], "1D: point mass at 0",
                           "N(0, 0.02²), a near point mass: the perfect-discriminator experiment."),
    "custom1d": _custom(1),
    "ring8": _ring8,
    "grid25": _grid25,
    "spiral": lambda: SampledShape("spiral", _spiral, [[-4, 4], [-4, 4]], "Two-arm spiral",
                                     "Two interleaved spiral arms (no discrete modes)."),
    "moons": lambda: SampledShape("moons", _moons, [[-3.5, 3.5], [-2.5, 2.5]], "Two moons",
                                    "Two interleaved half circles."),
    "swissroll": lambda: SampledShape("swissroll", _swissroll, [[-4, 4], [-4, 4]], "Swiss roll",
                                        "A 2D Swiss roll: a thin curved manifold."),
    "custom2d": _custom(2),
}
