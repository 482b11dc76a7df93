"""What every dataset offers the trainer, the metrics and the plots."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch


@dataclass(frozen=True)
class Modes:
    """Mode centres (K, d) and their standard deviations (K,) for the VEEGAN / PacGAN protocol."""
    centers: np.ndarray
    sigma: np.ndarray


class Dataset:
    """Base class. `kind` is "1d", "2d" or "image"; `shape` is one sample's shape.

    sample(n, generator, device) -> float32 tensor (n, *shape), drawn only from `generator`, so a
    seeded run is reproducible. `bounds` is a (d, 2) array of [low, high] per axis for plots and grids.
    `archs` maps architecture names to builders `(config, dataset) -> (generator, critic)`.
    `defaults` are settings that suit the dataset; `method_defaults` maps a loss or Lipschitz-method
    name to settings that suit it on this dataset, applied over that loss's / method's own defaults
    (see playground/recipes.py).
    """

    name: str = ""
    kind: str = ""
    shape: tuple[int, ...] = ()
    label: str = ""
    description: str = ""
    bounds: np.ndarray | None = None
    modes: Modes | None = None
    archs: dict[str, Callable] = {}
    defaults: dict = {}
    method_defaults: dict[str, dict] = {}

    def sample(self, n: int, generator: torch.Generator, device: torch.device | str = "cpu") -> torch.Tensor:
        raise NotImplementedError

    def log_prob(self, x: np.ndarray) -> np.ndarray | None:
        """Analytic log density at points x (n, d), or None when the density is not known."""
        return None

    def metrics(self, fake: np.ndarray, real: np.ndarray) -> dict[str, float]:
        """Honest distances from the generated samples to the data (see playground/metrics.py)."""
        raise NotImplementedError
