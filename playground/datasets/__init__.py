"""Dataset registry: name -> factory(config) -> Dataset."""
from __future__ import annotations

from functools import lru_cache
from typing import Callable

from .base import Dataset, Modes
from .toy import TOY
from .mnist import make_mnist

DATASETS: dict[str, Callable] = {**TOY, "mnist": make_mnist}


def make_dataset(config) -> Dataset:
    """Build (and cache) the dataset a config names; raises ConfigError for bad parameters."""
    return _make(config.dataset, config.mixture, config.digits)


@lru_cache(maxsize=32)
def _make(name: str, mixture: str, digits: str) -> Dataset:
    from ..config import ConfigError, RunConfig
    if name not in DATASETS:
        raise ConfigError(f"Unknown dataset '{name}'. Choose one of: {', '.join(DATASETS)}.")
    return DATASETS[name](RunConfig(dataset=name, mixture=mixture, digits=digits))


__all__ = ["DATASETS", "Dataset", "Modes", "make_dataset"]
