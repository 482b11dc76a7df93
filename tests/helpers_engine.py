"""Shared helpers for the engine tests, imported explicitly (the shared fixtures are in conftest.py)."""
from __future__ import annotations

import numpy as np
import torch

from playground.recipes import recommended_config

# Small networks: the engine tests must stay fast on one shared CPU core.
SMALL = dict(g_width=32, d_width=32, g_depth=2, d_depth=2, batch_size=64, device="cpu")

# A 1D two-mode mixture away from the origin: an untrained generator (outputs near 0) starts at
# W1 ≈ 4, and collapsing onto one mode would still leave W1 ≈ 1.5, so halving W1 means real learning.
MIXTURE_1D = "0.5, 2.5, 0.5; 0.5, 5.5, 0.5"


def small_config(dataset: str = "ring8", loss: str = "ns", lipschitz: str = "none", **overrides):
    """recommended_config with small networks (overrides win)."""
    return recommended_config(dataset, loss, lipschitz, **{**SMALL, **overrides})


def param_vector(module: torch.nn.Module) -> np.ndarray:
    """All parameters of a module, flattened into one float64 numpy vector (named order)."""
    return np.concatenate([p.detach().cpu().double().numpy().ravel() for _, p in module.named_parameters()])


def history_without_time(history):
    """History records minus wall-clock fields (they legitimately differ between runs)."""
    return [{k: v for k, v in rec.items() if k != "seconds"} for rec in history]
