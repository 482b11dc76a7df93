"""What the presets promise, judged from their runs: the counts the checks share, and the plan that
trains each distinct promise run once.

A run's history is Trainer.history: a log record every `log_every` generator steps (the step statistics,
g_grad_norm among them) and an evaluation record at each evaluation ("w1", "mode_shares",
"high_quality_fraction", ...). A preset's check (presets.py, compare_presets.py) returns its failures,
one sentence each naming the evaluation that broke the promise; no failure means the promise is kept.
The counts:

    top2(h)             Σ of the two largest mode_shares: the share of the samples whose nearest mode is
                        one of the two fullest modes (≥ 0.9: collapsed onto at most two modes)
    hops(evals)         how often the dominant mode (one mode holding ≥ 2/3 of the samples) changes from one
                        evaluation to the next; a near 50/50 split between two modes is not a hop
    median_g_grad(h)    the median over the log records of g_grad_norm, the mean ‖∇ₓ ℓ_G‖ at the fakes
                        (what moves the generator: it vanishes when the loss saturates)

A promise run is a `Spec`: a config trained `steps` generator steps by the headless loop
(playground/cli/train.py `train_together`, what `python -m playground train` runs: evaluated at step 0,
every `eval_every` steps and at the last). Evaluation never changes training (trainer.py), and that loop's
history up to a step does not depend on how far it goes on, so a promise is judged on the prefix of a
longer run of the same spec (`Run.upto`), and `plan` trains specs of one config and cadence once, to the
largest budget.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from .config import RunConfig

EVAL_EVERY = 100  # the promise runs' cadence: divides every budget, and one cadence lets identical configs share a run
EVAL_KEYS = ("w1", "fid")  # a record holding one of these is an evaluation (run_record's rule)


@dataclass(frozen=True)
class Spec:
    """A promise run: `config` trained `steps` generator steps, evaluated every `eval_every`; with `raw`
    the raw generator is also evaluated at the last step (the run's `Run.raw`). `label` names the
    promise that reads it (for the log only)."""
    config: RunConfig
    steps: int
    eval_every: int = EVAL_EVERY
    raw: bool = False
    label: str = field(default="", compare=False)
    eval_samples: int = 0  # samples per evaluation (0: the trainer's N_EVAL)

    def key(self) -> tuple[str, int, int]:
        """What must match for two specs to share a run: the whole config (seed included), the cadence and
        the evaluation's sample count."""
        return json.dumps(self.config.to_dict(), sort_keys=True), self.eval_every, self.eval_samples


@dataclass(frozen=True)
class Run:
    """A trained promise run: its history and, where its spec asked, `raw`: the metrics of its raw
    generator at the last step (evaluated once more with g_shown = "raw": training is unchanged), with
    that "step"."""
    history: list
    raw: dict | None = None

    def upto(self, steps: int) -> Run:
        """The run as it stood at `steps`: the history's prefix, and `raw` only if measured there."""
        raw = self.raw if self.raw is not None and self.raw.get("step") == steps else None
        return Run([h for h in self.history if h["step"] <= steps], raw)


def as_run(run: Run | list) -> Run:
    """A Run, or a bare history as a Run without raw metrics."""
    return run if isinstance(run, Run) else Run(list(run))


def plan(specs: Iterable[Spec]) -> dict[Spec, Spec]:
    """{spec: the spec trained for it}. Specs of one key share a run trained to their largest budget
    (the shorter read its prefix) with the raw generator evaluated if one of the longest asks; a spec
    that wants raw metrics before that budget keeps a run of its own."""
    groups: dict[tuple[str, int, int], list[Spec]] = {}
    for s in specs:
        groups.setdefault(s.key(), []).append(s)
    out: dict[Spec, Spec] = {}
    for group in groups.values():
        longest = max(s.steps for s in group)
        shared = [s for s in group if s.steps == longest or not s.raw]
        trained = Spec(shared[0].config, longest, shared[0].eval_every,
                       raw=any(s.raw for s in shared), label=" + ".join(dict.fromkeys(s.label for s in shared)),
                       eval_samples=shared[0].eval_samples)
        out.update({s: trained for s in shared})
        for s in group:
            if s not in out:
                out[s] = s
    return out


# ----- the counts ------------------------------------------------------------------------------
def evaluations(history: list[dict]) -> list[dict]:
    return [h for h in history if any(k in h for k in EVAL_KEYS)]


def evaluation_at(history: list[dict], step: int) -> dict | None:
    """The evaluation record of generator step `step`, or None."""
    return next((h for h in evaluations(history) if h["step"] == step), None)


def final_failures(history: list[dict], steps: int, who: str = "") -> list[str]:
    """[] when the history has its evaluation at `steps`, else the sentence that says it has not."""
    if evaluation_at(history, steps) is not None:
        return []
    last = history[-1]["step"] if history else 0
    return [f"{who + ': ' if who else ''}no evaluation at step {steps} (the history ends at step {last})"]


def second_half(history: list[dict], steps: int) -> list[dict]:
    """The evaluations after half the budget, up to it."""
    return [h for h in evaluations(history) if steps / 2 < h["step"] <= steps]


def cadence_failures(evals: list[dict], steps: int, every: int) -> list[str]:
    """[] when the second half has one evaluation every `every` steps (steps // (2·every) of them)."""
    want = steps // (2 * max(every, 1))
    return need(len(evals) >= want, f"{len(evals)} evaluations after step {steps // 2}, not one every {every} "
                                    f"steps ({want})")


def top2(h: dict) -> float:
    """The share of the samples whose nearest mode is one of the two fullest modes."""
    return sum(sorted(h["mode_shares"])[-2:])


def dominant(h: dict) -> int:
    """The fullest mode."""
    return int(np.argmax(h["mode_shares"]))


def hops(evals: list[dict], majority: float = 2 / 3) -> int:
    """How often the dominant mode changes between evaluations, counting only evaluations where one
    mode holds ≥ `majority` of the samples (a near 50/50 split between two modes is not a hop)."""
    dom = [dominant(h) for h in evals if max(h["mode_shares"]) >= majority]
    return sum(a != b for a, b in zip(dom, dom[1:]))


def median_g_grad(history: list[dict]) -> float:
    """The median generator gradient norm over the log records."""
    return float(np.median([h["g_grad_norm"] for h in history if "g_grad_norm" in h]))


def need(ok: bool, failure: str) -> list[str]:
    """[] when `ok`, else [failure]: checks are sums of these."""
    return [] if ok else [failure]
