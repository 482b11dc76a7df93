"""The toy critic's two fixes for mode collapse, and how the views score single points with it.

Packing (PacGAN; Lin et al. 2018, "PacGAN: The power of two samples in generative adversarial
networks"): the critic scores m samples at once, D(x₁, …, x_m) on their concatenation, real with real
and fake with fake, so its input layer takes m·d numbers. A batch of B samples is cut into B/m packs of
consecutive samples (B must be a multiple of m): the generator and the critic see the same B samples per
step as without packing, so a step costs about the same and m = 1 is the plain critic, drawing nothing
more. A collapsed generator's packs hold m near-copies, which real packs never do.

Minibatch standard deviation (Karras et al. 2018, "Progressive Growing of GANs", §3): the critic
appends one number to the input of its last hidden layer, the same for every row of the batch:

    s = (1/F) Σⱼ √(Varᵢ hᵢⱼ + 10⁻⁸)      (hᵢⱼ: feature j of row i entering that layer, biased variance)

A batch of near-identical fakes has s ≈ 0, which the critic learns to tell from the data's spread.
Real and fake batches are scored separately, each with its own s.

Scoring single points (the landscape, `point_scores`): a packed critic scores the pack (x, x, …, x),
the critic's verdict on a generator collapsed onto x; with the minibatch statistic, s is that of a
context batch (the views pass the fakes they show, packed as in training), so the landscape is the
critic as it judges a point among the current generator's samples.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn


def minibatch_std(h: Tensor) -> Tensor:
    """s = mean over features of √(biased variance over the batch + 10⁻⁸) (Karras et al. 2018, §3)."""
    return (h.var(dim=0, unbiased=False) + 1e-8).sqrt().mean()


class ToyCritic(nn.Module):
    """Packs of m samples (m·d inputs) -> [Linear -> act] × depth -> Linear(1), the minibatch standard
    deviation (mbstd) appended to the last hidden layer's input. Returns one score per pack, (B/m, 1).
    `activation` makes a layer (a value of models/mlp.py's ACTIVATIONS)."""

    def __init__(self, n_in: int, width: int, depth: int, activation: Callable[[], nn.Module] = nn.ReLU,
                 pack: int = 1, mbstd: bool = False):
        super().__init__()
        self.pack, self.mbstd = int(pack), bool(mbstd)
        body: list[nn.Module] = []
        d = n_in * self.pack
        for _ in range(depth - 1):
            body += [nn.Linear(d, width), activation()]
            d = width
        self.body = nn.Sequential(*body)
        self.head = nn.Sequential(nn.Linear(d + self.mbstd, width), activation(), nn.Linear(width, 1))

    def packs(self, x: Tensor) -> Tensor:
        """(B, d) samples -> (B/m, m·d) packs of consecutive samples."""
        x = x.flatten(1)
        if len(x) % self.pack:
            raise ValueError(f"a critic packing {self.pack} samples got a batch of {len(x)}")
        return x.reshape(len(x) // self.pack, -1)

    def batch_stat(self, x: Tensor) -> Tensor:
        """The minibatch statistic s the batch x gets when scored (its first multiple of m samples)."""
        return minibatch_std(self.body(self.packs(x[: len(x) // self.pack * self.pack])))

    def forward(self, x: Tensor, stat: Tensor | None = None) -> Tensor:
        """Scores of the packs of x; `stat` replaces the batch's own minibatch statistic."""
        h = self.body(self.packs(x))
        if self.mbstd:
            s = minibatch_std(h) if stat is None else torch.as_tensor(stat, dtype=h.dtype, device=h.device)
            h = torch.cat([h, s.reshape(1, 1).expand(len(h), 1)], 1)
        return self.head(h)


def point_scores(critic: nn.Module, x: Tensor, context: Tensor | None = None) -> Tensor:
    """D at each point of x on its own, (N,): a packed critic scores (x, …, x); with the minibatch
    statistic, s is that of the batch `context` (None: of the points scored). Any other critic: D(x)."""
    if not isinstance(critic, ToyCritic):
        return critic(x).view(-1)
    stat = critic.batch_stat(context) if critic.mbstd and context is not None else None
    return critic(x.repeat_interleave(critic.pack, 0), stat=stat).view(-1)


def per_sample(scores: Tensor, m: int) -> Tensor:
    """Pack scores (B/m,) -> (B,): each sample gets its pack's score."""
    return scores.repeat_interleave(m, 0) if m > 1 else scores
