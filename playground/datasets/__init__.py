"""Dataset registry: name -> factory -> Dataset.

A factory takes, as keywords, only the dataset parameters it uses (`mixture`, `digits`); the rest of
a RunConfig is none of its business. Besides its fixed entries the registry knows names that carry
their own reference: "upload:<sha256>" is uploaded image data found by its content hash in the upload
cache (datasets/upload.py), so any process, the training worker included, builds it from the name.
"""
from __future__ import annotations

import inspect
from functools import lru_cache
from typing import Callable

from ..errors import ConfigError
from .base import Dataset, Modes
from . import upload
from .mnist import idx_factory, make_mnist
from .toy import TOY


class Registry(dict):
    """name -> factory. Iterating lists the fixed entries (and registered IDX folders); `in`, [] and
    get() also resolve "upload:..." names (upload.upload_factory), whose data need not be here yet:
    building such a dataset says so in a sentence when they are missing."""

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or upload.is_reference(name)

    def __missing__(self, name: str) -> Callable[..., Dataset]:
        if upload.is_reference(name):
            return upload.upload_factory(name)
        raise KeyError(name)

    def get(self, name, default=None):
        return self[name] if name in self else default


DATASETS: dict[str, Callable[..., Dataset]] = Registry({**TOY, "mnist": make_mnist})


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


def add_upload(up: "upload.Upload", label_names: str = "digits") -> str:
    """Store a validated upload (upload.read_upload) in the cache and return its dataset name
    "upload:<sha256>"; a dataset of that name built earlier in this process is rebuilt (its class names
    may have changed)."""
    name = upload.save_upload(up, label_names)
    _make.cache_clear()
    return name


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


__all__ = ["DATASETS", "Dataset", "Modes", "add_upload", "dataset_parameters", "make_dataset", "register_idx_dataset",
           "upload"]
