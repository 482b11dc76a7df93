"""Dataset registry: name -> factory -> Dataset.

A factory takes, as keywords, only the dataset parameters it uses (`mixture`, `digits`); the rest of
a RunConfig is none of its business.
"""
from __future__ import annotations

import inspect
from functools import lru_cache
from typing import Callable

from ..errors import ConfigError
from .base import Dataset, Modes
from .mnist import idx_factory, make_mnist
from .toy import TOY

DATASETS: dict[str, Callable[..., Dataset]] = {**TOY, "mnist": make_mnist}


def dataset_parameters(name: str) -> tuple[str, ...]:
    """The parameters (of "mixture", "digits") dataset `name`'s factory takes; () for an unknown name."""
    factory = DATASETS.get(name)
    return tuple(inspect.signature(factory).parameters) if factory is not None else ()


def make_dataset(config) -> Dataset:
    """Build (and cache) the dataset a config names (anything with .dataset, .mixture and .digits);
    raises ConfigError for bad parameters."""
    return _make(config.dataset, config.mixture, config.digits)


@lru_cache(maxsize=32)
def _make(name: str, mixture: str, digits: str) -> Dataset:
    if name not in DATASETS:
        raise ConfigError(f"Unknown dataset '{name}'. Choose one of: {', '.join(DATASETS)}.", "dataset")
    wants = dataset_parameters(name)
    return DATASETS[name](**{k: v for k, v in (("mixture", mixture), ("digits", digits)) if k in wants})


def register_idx_dataset(name: str, path, label: str | None = None, class_names=None) -> Callable:
    """Read a folder of IDX files now (errors surface here) and add it to DATASETS under `name`
    (see datasets.mnist.idx_factory). Returns the factory. Re-registering a name replaces the data."""
    if not name or not name.replace("_", "").replace("-", "").isalnum():
        raise ConfigError(f"A dataset name must be letters, digits, '-' or '_' (got '{name}').")
    if name in DATASETS and not getattr(DATASETS[name], "idx_folder", None):
        raise ConfigError(f"'{name}' is a built-in dataset; choose another name for the folder.")
    factory = idx_factory(name, path, label, class_names)
    DATASETS[name] = factory
    _make.cache_clear()  # a dataset of the same name built earlier must not be reused
    return factory


__all__ = ["DATASETS", "Dataset", "Modes", "dataset_parameters", "make_dataset", "register_idx_dataset"]
