"""The MNIST architectures: the seed articles' two and a DCGAN sized for a CPU. Images are (1, 28, 28)
in [−1, 1]; the critic returns a raw score (B, 1): no sigmoid, every loss in losses.py works on it.

mlp (fully connected GAN):
    G: z (noise_dim) → 256 → 512 → 784, LeakyReLU(0.2) between, tanh out, reshaped to 1×28×28
    D: 784 → 256 → 128 → 1, LeakyReLU(0.2) between

dcgan (DCGAN-style, as in the WGAN article):
    G: z → linear 128·7·7 → LeakyReLU → 128×7×7
         → convT 4×4 stride 2 (128) → BN → LeakyReLU → 128×14×14
         → convT 4×4 stride 2 (128) → BN → LeakyReLU → 128×28×28
         → conv 7×7 (1) → tanh
    D: conv 4×4 stride 2 (64) → norm → LeakyReLU → 64×14×14
       → conv 4×4 stride 2 (64) → norm → LeakyReLU → 64×7×7 → flatten → linear 1
    Weights start from N(0, 0.02²), as in DCGAN. Multiply-adds per sample: G 70 M, D 3.4 M.

dcgan_small (the same shape, sized to learn on 2 CPU threads):
    G: z → linear 64·7·7 → LeakyReLU → 64×7×7
         → convT 4×4 stride 2 (32) → BN → LeakyReLU → 32×14×14
         → convT 4×4 stride 2 (16) → BN → LeakyReLU → 16×28×28
         → conv 3×3 (1) → tanh → 1×28×28
    D: conv 4×4 stride 2 (32) → norm → LeakyReLU → 32×14×14
       → conv 4×4 stride 2 (64) → norm → LeakyReLU → 64×7×7 → flatten → linear 1
    Multiply-adds per sample: G 3.6 M, D 1.7 M. The seed's generator spends 64 M of its 70 M in its
    two 128-channel transposed convolutions (the second one writes 128 channels at 28×28); here the
    28×28 grid has 16 channels. The generator is ~19× cheaper, the critic ~2×. The 3×3 convolution at
    the end is there because a last transposed convolution writing the image directly (2.0 M
    multiply-adds) was a little faster per step but stalled near Fréchet 100 on all ten digits. Both
    networks run in channels-last (NHWC), 1.3–1.4× the steps/s; an earlier channels-last try, with the
    biases `build_dcgan_small_pair` leaves out, had trained worse (benchmarks/results/mnist_quality.md).

The critic's "norm" (both DCGANs) is batch norm, except with a per-sample Lipschitz penalty (gp, lp,
r1): those penalise ‖∇ₓD(xᵢ)‖ for each sample, but with batch norm D(xᵢ) depends on the whole batch,
so the gradient mixes samples and the penalty no longer constrains what it means to. There the critic
uses layer norm (GroupNorm with one group: each sample normalised over its own C×H×W) instead.
`critic_norm(config)` says which, for the UI.
"""
from __future__ import annotations

import torch
from torch import nn

from ..lipschitz import LIPSCHITZ

LEAK = 0.2


class _Reshape(nn.Module):
    def __init__(self, *shape: int):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.reshape(x.shape[0], *self.shape)


class ChunkedSequential(nn.Sequential):
    """nn.Sequential that, in eval mode without autograd, runs big batches in chunks of `chunk`:
    the same result (batch norm uses its running statistics in eval mode) with bounded memory
    (2000 DCGAN samples at once would hold ~0.8 GB per 128×28×28 activation)."""

    chunk = 256

    def forward(self, x):
        if self.training or torch.is_grad_enabled() or x.shape[0] <= self.chunk:
            return super().forward(x)
        return torch.cat([super(ChunkedSequential, self).forward(c) for c in x.split(self.chunk)])


CONV_ARCHS = ("dcgan", "dcgan_small")


def critic_norm(config) -> str:
    """"none" for the MLP critic; for a DCGAN critic "layer" when the Lipschitz method penalises
    per-sample input gradients (gp / lp / r1), else "batch"."""
    if config.arch not in CONV_ARCHS:
        return "none"
    lip = LIPSCHITZ.get(config.lipschitz)
    return "layer" if lip is not None and lip.penalises_input_gradients else "batch"


NORM_NOTES = {
    "none": "The critic has no normalisation layers.",
    "batch": "The critic uses batch norm after each convolution.",
    "layer": ("The critic uses layer norm instead of batch norm: this Lipschitz method penalises each "
              "sample's input gradient, and batch norm would make each score depend on the whole batch."),
}


def critic_norm_note(config) -> str:
    """One sentence for the UI about the critic's normalisation."""
    return NORM_NOTES[critic_norm(config)]


def _critic_norm_layer(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels)
    return nn.Identity()


def build_mnist_mlp_pair(config, dataset) -> tuple[nn.Module, nn.Module]:
    """The fully connected pair (G 100-256-512-784 tanh, D 784-256-128-1)."""
    g = nn.Sequential(
        nn.Linear(config.noise_dim, 256), nn.LeakyReLU(LEAK),
        nn.Linear(256, 512), nn.LeakyReLU(LEAK),
        nn.Linear(512, 784), nn.Tanh(), _Reshape(1, 28, 28))
    d = nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 256), nn.LeakyReLU(LEAK),
        nn.Linear(256, 128), nn.LeakyReLU(LEAK),
        nn.Linear(128, 1))
    return g, d


def _dcgan_init(module: nn.Module) -> None:
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def build_dcgan_pair(config, dataset) -> tuple[nn.Module, nn.Module]:
    """The DCGAN-style pair; the critic's norm follows `critic_norm(config)`."""
    g = ChunkedSequential(
        nn.Linear(config.noise_dim, 128 * 7 * 7), nn.LeakyReLU(LEAK), _Reshape(128, 7, 7),
        nn.ConvTranspose2d(128, 128, 4, stride=2, padding=1), nn.BatchNorm2d(128), nn.LeakyReLU(LEAK),
        nn.ConvTranspose2d(128, 128, 4, stride=2, padding=1), nn.BatchNorm2d(128), nn.LeakyReLU(LEAK),
        nn.Conv2d(128, 1, 7, padding=3), nn.Tanh())
    d = _conv_critic(config, 64, 64)
    _dcgan_init(g)
    _dcgan_init(d)
    # NHWC layout: the transposed convolutions ran 1.5–2× faster on CPU (oneDNN) in this form
    return g.to(memory_format=torch.channels_last), d


def _conv_critic(config, c1: int, c2: int) -> nn.Module:
    """Two stride-2 convolutions (28 → 14 → 7) with the critic norm `critic_norm(config)`, then a raw score."""
    norm = critic_norm(config)
    return nn.Sequential(
        nn.Conv2d(1, c1, 4, stride=2, padding=1), _critic_norm_layer(norm, c1), nn.LeakyReLU(LEAK),
        nn.Conv2d(c1, c2, 4, stride=2, padding=1), _critic_norm_layer(norm, c2), nn.LeakyReLU(LEAK),
        nn.Flatten(), nn.Linear(c2 * 7 * 7, 1))


def build_dcgan_small_pair(config, dataset) -> tuple[nn.Module, nn.Module]:
    """The CPU-sized DCGAN pair; the critic's norm follows `critic_norm(config)`.

    The generator's transposed convolutions have no bias: batch norm cancels it, so its true gradient is
    0, and Adam (which divides by the gradient's size) turned the round-off left in it into a steady
    drift. The weight-averaged generator, whose batch-norm statistics are the raw one's, then drew far
    worse samples than the raw generator (benchmarks/results/mnist_quality.md)."""
    g = ChunkedSequential(
        nn.Linear(config.noise_dim, 64 * 7 * 7), nn.LeakyReLU(LEAK), _Reshape(64, 7, 7),
        nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(32), nn.LeakyReLU(LEAK),
        nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(16), nn.LeakyReLU(LEAK),
        nn.Conv2d(16, 1, 3, padding=1), nn.Tanh())
    d = _conv_critic(config, 32, 64)
    _dcgan_init(g)
    _dcgan_init(d)
    # NHWC (oneDNN's layout): 1.3–1.4× the steps/s (benchmarks/results/mnist_quality.md, --layouts)
    return g.to(memory_format=torch.channels_last), d.to(memory_format=torch.channels_last)
