"""Settings that work, layered: RunConfig defaults <- BASE <- dataset <- loss <- the dataset's settings for
that loss <- Lipschitz method <- the dataset's settings for that method <- user.

Each registry entry carries its own `defaults` dict (datasets may have none); this module only
combines them, so the CLI and the pages start every combination from settings that are known to work.
"""
from __future__ import annotations

from typing import Any

from .config import ConfigError, RunConfig
from .datasets import DATASETS, make_dataset
from .lipschitz import LIPSCHITZ
from .losses import LOSSES


# For every combination: measure the generator through a moving average of its weights (β = 0.99,
# about the last 100 steps). On ring8 / grid25 at 3000 steps this raised the high-quality fraction from
# 51 % to 90 % (ns/r1, ring8), 56 % to 81 % (wgan/gp, ring8) and 43 % to 55 % (ns/r1, grid25) without
# changing training; β = 0.999 averaged across the generator's rotation and missed the modes entirely.
BASE: dict[str, Any] = {"g_ema": 0.99}


def recommended(dataset: str, loss: str, lipschitz: str, **base: Any) -> dict[str, Any]:
    """Field overrides for this combination (unknown names are left for validate() to report)."""
    out: dict[str, Any] = dict(BASE)
    ds = None
    if dataset in DATASETS:
        probe = RunConfig(dataset=dataset, mixture=base.get("mixture", ""), digits=base.get("digits", ""))
        try:
            ds = make_dataset(probe)
        except ConfigError:  # a bad mixture / digit string is reported later by validate()
            pass
    per_method = getattr(ds, "method_defaults", None) or {}
    out.update(getattr(ds, "defaults", None) or {})
    if loss in LOSSES:
        out.update(LOSSES[loss].defaults)
        out.update(per_method.get(loss, {}))
    if lipschitz in LIPSCHITZ:
        out.update(LIPSCHITZ[lipschitz].defaults)
        out.update(per_method.get(lipschitz, {}))
    return out


def recommended_config(dataset: str = "ring8", loss: str = "ns", lipschitz: str = "none", **overrides: Any) -> RunConfig:
    """A RunConfig with the recommended settings for the combination, then `overrides` on top."""
    fields = {"dataset": dataset, "loss": loss, "lipschitz": lipschitz}
    fields.update(recommended(dataset, loss, lipschitz, **overrides))
    fields.update(overrides)
    return RunConfig.from_dict(fields)
