"""Multilayer perceptrons for the toy datasets, and the latent noise."""
from __future__ import annotations

import torch
from torch import nn

from .toy_critic import ToyCritic

# name -> the layer's factory (RunConfig.activation's choices)
ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "tanh": nn.Tanh,
    "elu": nn.ELU,
}


class MLP(nn.Module):
    """x -> [Linear -> act] × depth -> Linear(out). `depth` counts hidden layers."""

    def __init__(self, n_in: int, n_out: int, width: int, depth: int, activation: str = "relu"):
        super().__init__()
        layers: list[nn.Module] = []
        d = n_in
        for _ in range(depth):
            layers += [nn.Linear(d, width), ACTIVATIONS[activation]()]
            d = width
        layers.append(nn.Linear(d, n_out))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1))


def mlp_parameters(n_in: int, n_out: int, width: int, depth: int) -> int:
    """Weights and biases of MLP(n_in, n_out, width, depth)."""
    return (n_in + 1) * width + (depth - 1) * (width + 1) * width + (width + 1) * n_out


def pair_memory(config, n_data: int) -> tuple[int, int, int]:
    """(generator parameters, critic parameters, estimated bytes to train both): 16 bytes a parameter
    (weight, gradient, two Adam moments) and 12 bytes a hidden unit per sample (activations kept for
    the backward pass; the critic sees a real and a fake batch, of B/m packs). Each unrolled critic step
    (unroll.py) keeps its graph: 100 bytes a critic parameter and 16 a hidden unit per sample (measured
    with Adam, R1 and none: 70-106 and 7-14 bytes)."""
    m = config.pack
    g = mlp_parameters(config.noise_dim, n_data, config.g_width, config.g_depth)
    d = mlp_parameters(n_data * m, 1, config.d_width, config.d_depth) + config.mbstd * config.d_width
    units = config.g_width * config.g_depth + 2 * config.d_width * config.d_depth // m
    unrolled = config.unroll * (100 * d + 16 * config.batch_size * units)
    return g, d, 16 * (g + d) + 12 * config.batch_size * units + unrolled


def build_mlp_pair(config, dataset) -> tuple[nn.Module, nn.Module]:
    """Generator R^noise_dim -> R^d and critic R^d -> R (raw score) for a toy dataset; with packing or the
    minibatch standard deviation the critic is a ToyCritic (models/toy_critic.py) scoring packs."""
    d = dataset.shape[0]
    g = MLP(config.noise_dim, d, config.g_width, config.g_depth, config.activation)
    if config.pack > 1 or config.mbstd:
        c = ToyCritic(d, config.d_width, config.d_depth, ACTIVATIONS[config.activation], config.pack, config.mbstd)
    else:
        c = MLP(d, 1, config.d_width, config.d_depth, config.activation)
    return g, c


# name -> z sampler(n, dim, generator, device) (RunConfig.noise's choices)
NOISES = {
    "gaussian": lambda n, dim, g, dev: torch.randn(n, dim, generator=g, device=dev),
    "uniform": lambda n, dim, g, dev: torch.rand(n, dim, generator=g, device=dev) * 2 - 1,
}


def sample_noise(kind: str, n: int, dim: int, generator: torch.Generator, device="cpu") -> torch.Tensor:
    """z ~ N(0, I) ("gaussian") or U(−1, 1)^dim ("uniform"), drawn from `generator` only."""
    return NOISES[kind](n, dim, generator, device)
