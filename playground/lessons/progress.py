"""What a student's runs have shown so far: each step's checks, ticked with where they came true, and
the records the checks read, from each kind of source.

A check once met stays met (the handout says when): a run restarted later does not untick it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .checks import Records, Result
from .lesson import Lesson, Step


def training_records(snapshot: Any) -> dict[str, Records]:
    """A live snapshot's histories: {"": history} for one run, {variant name: history} for a comparison
    (compare.GroupSnapshot)."""
    if snapshot is None:
        return {}
    if hasattr(snapshot, "runs"):
        return {name: list(run.history) for name, run in zip(snapshot.names, snapshot.runs)}
    return {"": list(snapshot.history)}


def lab_record(records: Records, theta: float, values: Mapping[str, float]) -> Records:
    """The divergence lab's records with the position now shown appended (once per new position); a
    record's "step" is its θ, where a check says it came true."""
    if records and records[-1]["theta"] == theta:
        return records
    return records + [{"step": float(theta), "theta": float(theta), **{k: float(v) for k, v in values.items()}}]


def perfect_records(experiments: Mapping[str, Any]) -> dict[str, Records]:
    """Each perfect-discriminator experiment's generator steps as records."""
    out = {}
    for name, e in experiments.items():
        h = e.history
        out[name] = [{"step": s, "g_grad": g, "mean_abs": m, "g_loss": loss}
                     for s, g, m, loss in zip(h.g_step, h.g_grad, h.mean_abs, h.g_loss)]
    return out


@dataclass
class Progress:
    """{step index: [Result per check]} for one lesson, met results kept."""
    lesson: Lesson
    results: dict[int, list[Result]] = field(default_factory=dict)

    def of(self, i: int) -> list[Result]:
        return self.results.get(i) or [Result(False) for _ in self.lesson.steps[i].checks]

    def update(self, i: int, runs: Mapping[str, Records]) -> list[Result]:
        """Evaluate step i's checks on `runs` (those whose run is missing stay as they were)."""
        step: Step = self.lesson.steps[i]
        old, new = self.of(i), []
        for check, before in zip(step.checks, old):
            have = all(r in runs for r in (check.run, check.params.get("other", check.run)))
            new.append(before if before.met or not have else check.evaluate(runs))
        self.results[i] = new
        return new

    def met(self, i: int) -> int:
        return sum(r.met for r in self.of(i))

    def done(self) -> Iterable[tuple[int, int, int]]:
        """(step index, checks met, checks) for every step."""
        return [(i, self.met(i), len(s.checks)) for i, s in enumerate(self.lesson.steps)]
