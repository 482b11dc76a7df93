"""An exponential moving average of a network's weights (Yazıcı et al. 2019, "The Unusual Effectiveness
of Averaging in GAN Training"), with a warm-up so the average does not sit at the initial weights:

    θ̄₀ = θ₀,   θ̄ ← β_t·θ̄ + (1 − β_t)·θ   after the t-th update (t = 0, 1, ...),
    β_t = min(β, (1 + t)/(10 + t))

(the schedule of TensorFlow's tf.train.ExponentialMovingAverage with num_updates): β_0 = 0.1,
β_90 = 0.91, and β itself once t ≥ (10β − 1)/(1 − β) (≈ 890 updates for β = 0.99, ≈ 8990 for 0.999).
Without it a β = 0.999 average still weighs the random initial weights by 0.999^t (61 % after 500
updates). Buffers (batch-norm statistics) are copied, not averaged.
"""
from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    """The averaged copy (`model`) of `source`, `updates` = t so far. `beta` may change between
    updates (a live setting); the warm-up goes on counting."""

    def __init__(self, source: nn.Module, beta: float):
        self.model = copy.deepcopy(source).requires_grad_(False)
        self.beta = beta
        self.updates = 0
        # (averaged, raw) parameter and buffer lists, built once: update() runs every step
        self._params = (list(self.model.parameters()), [p.detach() for p in source.parameters()])
        self._buffers = list(zip(self.model.buffers(), source.buffers()))

    def decay(self, t: int | None = None) -> float:
        """β_t = min(β, (1 + t)/(10 + t)) for the t-th update (default: the next one)."""
        t = self.updates if t is None else t
        return min(self.beta, (1.0 + t) / (10.0 + t))

    @torch.no_grad()
    def update(self) -> None:
        """θ̄ ← θ̄ + (1 − β_t)(θ − θ̄), then t += 1."""
        torch._foreach_lerp_(*self._params, 1.0 - self.decay())
        self.updates += 1
        for averaged, raw in self._buffers:
            averaged.copy_(raw)
