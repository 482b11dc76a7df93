"""Settings that work, layered: RunConfig defaults <- dataset <- loss <- Lipschitz method <- user.

Each registry entry carries its own `defaults` dict (datasets may have none); this module only
combines them, so the CLI and the pages start every combination from settings that are known to work.
"""
from __future__ import annotations

from typing import Any

from .config import ConfigError, RunConfig
from .datasets import DATASETS, make_dataset
from .lipschitz import LIPSCHITZ
from .losses import LOSSES


def recommended(dataset: str, loss: str, lipschitz: str, **base: Any) -> dict[str, Any]:
    """Field overrides for this combination (unknown names are left for validate() to report)."""
    out: dict[str, Any] = {}
    if dataset in DATASETS:
        probe = RunConfig(dataset=dataset, mixture=base.get("mixture", ""), digits=base.get("digits", ""))
        try:
            out.update(getattr(make_dataset(probe), "defaults", {}) or {})
        except ConfigError:  # a bad mixture / digit string is reported later by validate()
            pass
    if loss in LOSSES:
        out.update(LOSSES[loss].defaults)
    if lipschitz in LIPSCHITZ:
        out.update(LIPSCHITZ[lipschitz].defaults)
    return out


def recommended_config(dataset: str = "ring8", loss: str = "ns", lipschitz: str = "none", **overrides: Any) -> RunConfig:
    """A RunConfig with the recommended settings for the combination, then `overrides` on top."""
    fields = {"dataset": dataset, "loss": loss, "lipschitz": lipschitz}
    fields.update(recommended(dataset, loss, lipschitz, **overrides))
    fields.update(overrides)
    return RunConfig.from_dict(fields)
