"""The project's on-disk cache: $GAN_PLAYGROUND_CACHE, else .cache/ beside app.py (git-ignored).

What is kept there can always be rebuilt: uploaded datasets (by content hash) and results that are a
pure function of shipped files (the classifier's pass over the MNIST test digits)."""
from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "GAN_PLAYGROUND_CACHE"
PROJECT_CACHE = Path(__file__).resolve().parents[1] / ".cache"


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or PROJECT_CACHE).expanduser()


__all__ = ["CACHE_ENV", "PROJECT_CACHE", "cache_root"]
