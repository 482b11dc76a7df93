"""A lesson step's "what you should see": checks on the records of the step's runs, each ticked with
the step (or slider position) at which it first came true.

A source hands a check its records: {run name: [record, ...]}, each record a dict with "step" and
numbers (a training run's history, the divergence lab's slider positions, the perfect discriminator's
generator steps). A run with one run only is named "" (a toy preset's run).

The kinds (KINDS), each a function of the records and the check's parameters:

    reach   the first record (from step `after` on) where the metric meets the condition (at_least /
            at_most / near ± tol)
    hold    the first record at which the condition has held on every record of a streak whose `along`
            key ("step" by default) spans ≥ `span`: "JS within 0.02 of ln 2 for 200 steps"
    hops    the record of the `count`-th change of the dominant mode (one mode holding ≥ 2/3 of the
            samples; promises.hops' count, record by record)
    gap     at an evaluation both runs have (from step `after` on): metric(run) − metric(other) ≥ `by`
    ratio   at a record step both runs have: the median of the metric so far, run's below `below` ×
            other's (medians over ≥ `min_records` records: a step's statistic is noisy)

Metrics are history keys (metric_specs.METRICS), the derived ones in DERIVED, or a source's own
(the lab's, the perfect discriminator's). A check's sentence is written by the lesson's author.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ..metric_specs import METRICS

Records = list[dict]

# numbers a check may read that no history stores as such
DERIVED: dict[str, Callable[[dict], float | None]] = {
    "top2": lambda r: float(sum(sorted(r["mode_shares"])[-2:])) if r.get("mode_shares") else None,
    "abs_gen_mean": lambda r: abs(float(r["gen_mean"])) if isinstance(r.get("gen_mean"), (int, float)) else None,
}
DERIVED_DOC = {"top2": "the share of the samples whose nearest mode is one of the two fullest (≥ 0.9: collapsed)",
               "abs_gen_mean": "|mean of the generated samples| (1D)"}


def value(record: dict, metric: str) -> float | None:
    """The record's number for `metric`, or None where the record does not hold it."""
    if metric in DERIVED:
        return DERIVED[metric](record)
    v = record.get(metric)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


@dataclass(frozen=True)
class Result:
    """Whether a check came true on the records so far, and at which record."""
    met: bool
    step: float | None = None    # the "step" of the record where it came true (the lab's: its θ)
    detail: str = ""             # the numbers behind it, for the handout

    def to_dict(self) -> dict:
        return {"met": self.met, "step": self.step, "detail": self.detail}


@dataclass(frozen=True)
class Check:
    """One check of a step: `text` (the author's sentence), `kind` (KINDS), `metric`, `run` (which run
    of the step; "" for a single run), and the kind's own parameters."""
    text: str
    kind: str
    metric: str = ""
    run: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    def evaluate(self, runs: Mapping[str, Records]) -> Result:
        return KINDS[self.kind].fn(self, runs)


def _condition(params: Mapping[str, Any]) -> Callable[[float], bool]:
    if "near" in params:
        near, tol = float(params["near"]), float(params["tol"])
        return lambda v: abs(v - near) <= tol
    if "at_least" in params:
        lo = float(params["at_least"])
        return lambda v: v >= lo
    hi = float(params["at_most"])
    return lambda v: v <= hi


def _series(records: Records, metric: str, along: str = "step") -> list[tuple[float, float, float]]:
    """(along, value, step) for every record holding the metric (NaN values skipped: a diverged record)."""
    out = []
    for r in records:
        v, x = value(r, metric), r.get(along)
        if v is not None and x is not None and math.isfinite(v):
            out.append((float(x), v, float(r["step"])))
    return out


def _reach(c: Check, runs: Mapping[str, Records]) -> Result:
    ok = _condition(c.params)
    after = float(c.params.get("after", -math.inf))
    for x, v, _ in _series(runs[c.run], c.metric):
        if x >= after and ok(v):
            return Result(True, x, f"{c.metric} = {v:.4g}")
    return Result(False)


def _hold(c: Check, runs: Mapping[str, Records]) -> Result:
    ok, span, along = _condition(c.params), float(c.params["span"]), c.params.get("along", "step")
    start = None
    for x, v, step in _series(runs[c.run], c.metric, along):
        if not ok(v):
            start = None
            continue
        start = (x, x) if start is None else (min(start[0], x), max(start[1], x))
        if start[1] - start[0] >= span:
            return Result(True, step, f"{c.metric} = {v:.4g}, held over {along} {start[0]:.4g}–{start[1]:.4g}")
    return Result(False)


def _hops(c: Check, runs: Mapping[str, Records]) -> Result:
    want, last, n = int(c.params["count"]), None, 0
    for r in runs[c.run]:
        shares = r.get("mode_shares")
        if not shares or max(shares) < 2 / 3:
            continue
        dom = int(np.argmax(shares))
        if last is not None and dom != last:
            n += 1
            if n >= want:
                return Result(True, float(r["step"]), f"{n} changes of the dominant mode")
        last = dom
    return Result(False)


def _paired(c: Check, runs: Mapping[str, Records]) -> list[tuple[float, float, float]]:
    """(step, run's value, other's value) at the steps both runs have a value."""
    mine = {x: v for x, v, _ in _series(runs[c.run], c.metric)}
    return [(x, mine[x], v) for x, v, _ in _series(runs[c.params["other"]], c.metric) if x in mine]


def _gap(c: Check, runs: Mapping[str, Records]) -> Result:
    by, after = float(c.params["by"]), float(c.params.get("after", -math.inf))
    for x, a, b in _paired(c, runs):
        if x >= after and a - b >= by:
            return Result(True, x, f"{c.metric}: {c.run} {a:.4g}, {c.params['other']} {b:.4g}")
    return Result(False)


def _ratio(c: Check, runs: Mapping[str, Records]) -> Result:
    below, need = float(c.params["below"]), int(c.params.get("min_records", 5))
    pairs = _paired(c, runs)
    for i in range(need - 1, len(pairs)):
        a = float(np.median([p[1] for p in pairs[:i + 1]]))
        b = float(np.median([p[2] for p in pairs[:i + 1]]))
        if a < below * b:
            return Result(True, pairs[i][0], f"median {c.metric}: {c.run} {a:.3g}, {c.params['other']} {b:.3g}")
    return Result(False)


@dataclass(frozen=True)
class Kind:
    fn: Callable[[Check, Mapping[str, Records]], Result]
    required: tuple[str, ...]      # parameters it must have (besides metric and run)
    optional: tuple[str, ...] = ()
    condition: bool = False        # takes at_least / at_most / near + tol
    two_runs: bool = False         # reads `other` as well as `run`
    needs_metric: bool = True


CONDITION_KEYS = ("at_least", "at_most", "near", "tol")
KINDS: dict[str, Kind] = {
    "reach": Kind(_reach, (), ("after",), condition=True),
    "hold": Kind(_hold, ("span",), ("along",), condition=True),
    "hops": Kind(_hops, ("count",), needs_metric=False),
    "gap": Kind(_gap, ("other", "by"), ("after",), two_runs=True),
    "ratio": Kind(_ratio, ("other", "below"), ("min_records",), two_runs=True),
}


def problems(check: dict, metrics: set[str], runs: list[str]) -> list[str]:
    """What is wrong with a check as written in a lesson file (a dict), against the metrics and run
    names its step's source has: [] when it is well formed."""
    kind = KINDS.get(check.get("kind", ""))
    if kind is None:
        return [f"check kind '{check.get('kind', '')}' is unknown (known: {', '.join(KINDS)})"]
    out = []
    if not str(check.get("text", "")).strip():
        out.append("a check needs a `text`: the sentence the student sees")
    known = set(("text", "kind", "metric", "run") + kind.required + kind.optional
                + (CONDITION_KEYS if kind.condition else ()))
    out += [f"'{k}' is not a parameter of a {check['kind']} check" for k in check if k not in known]
    out += [f"a {check['kind']} check needs '{k}'" for k in kind.required if k not in check]
    if kind.condition:
        given = [k for k in ("at_least", "at_most", "near") if k in check]
        if len(given) != 1:
            out.append(f"a {check['kind']} check needs exactly one of at_least, at_most, near (got {given or 'none'})")
        if ("near" in check) != ("tol" in check):
            out.append("'near' goes with 'tol'")
    if kind.needs_metric:
        metric = check.get("metric", "")
        if metric not in metrics:
            out.append(f"metric '{metric}' does not exist here (known: {', '.join(sorted(metrics))})")
    for key in ("run",) + (("other",) if kind.two_runs else ()):
        name = check.get(key, "")
        if name not in runs:
            out.append(f"{key} '{name}' is not a run of this step (its runs: "
                       f"{', '.join(repr(r) for r in runs)})")
    return out


def from_dict(check: dict) -> Check:
    """A Check from its lesson-file table (checked with `problems` first)."""
    params = {k: v for k, v in check.items() if k not in ("text", "kind", "metric", "run")}
    return Check(str(check["text"]), check["kind"], check.get("metric", ""), check.get("run", ""), params)


HISTORY_METRICS = set(METRICS) | set(DERIVED)
