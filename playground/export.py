"""Run history as CSV and JSON (config included). JSON has no NaN / Infinity: they become null."""
from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from .metric_specs import csv_columns


def clean(x: Any) -> Any:
    """Replace non-finite floats by None, recursively (numpy scalars become Python numbers)."""
    if hasattr(x, "item") and not isinstance(x, (list, dict)) and getattr(x, "ndim", 0) == 0:
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    return x


def run_json(config: dict[str, Any], history: list[dict[str, Any]], **extra: Any) -> str:
    """{"config": ..., "history": [...], **extra} as JSON text."""
    return json.dumps(clean({"config": config, "history": history, **extra}), indent=1)


def history_csv(history: list[dict[str, Any]], config: dict[str, Any] | None = None) -> str:
    """One row per history record, columns = union of keys (step first); the config as # comments.
    A list value (mode_shares) fills one column per item (metric_specs.csv_columns)."""
    history = [{c: x for k, v in rec.items() for c, x in csv_columns(k, v).items()} for rec in history]
    keys: list[str] = []
    for rec in history:
        keys += [k for k in rec if k not in keys]
    if "step" in keys:
        keys.remove("step")
        keys.insert(0, "step")
    buf = io.StringIO()
    if config:
        buf.write("# config: " + json.dumps(clean(config)) + "\n")
    w = csv.DictWriter(buf, fieldnames=keys, restval="", extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for rec in history:
        w.writerow({k: ("" if clean(v) is None else v) for k, v in rec.items()})
    return buf.getvalue()
