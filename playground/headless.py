"""The headless training loop shared by `train` and `compare`: trainers advance together, in chunks,
evaluated at the same generator steps, until a step count or a wall-clock budget runs out.

    results = train_together([trainer], steps=3000, eval_every=250, minutes=None)

Evaluation happens at step 0, at every multiple of `eval_every` and at the last step, whatever the
number of trainers: a run trained in a comparison has the history of the same run trained alone
(the trainers own their random streams, so interleaving them changes nothing).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Sequence

from .trainer import Diverged, Trainer

CHUNK = 25  # steps between looks at the clock and the progress bar


@dataclass
class Outcome:
    """What one trainer's loop ended with: None, or the divergence that stopped it."""
    diverged: Diverged | None = None


def train_together(trainers: Sequence[Trainer], steps: int | None, eval_every: int,
                   minutes: float | None = None,
                   progress: Callable[[int, dict | None], None] | None = None) -> list[Outcome]:
    """Train every trainer to `steps` generator steps or for `minutes` of wall time, whichever comes
    first (at least one of them is given). A trainer that diverges stops; the others go on."""
    if steps is None and minutes is None:
        raise ValueError("give a step count, a time budget or both")
    eval_every = max(1, int(eval_every))
    deadline = time.perf_counter() + 60.0 * minutes if minutes is not None else None
    outcomes = [Outcome() for _ in trainers]
    live = list(range(len(trainers)))
    for t in trainers:
        t.evaluate()
    step = 0
    while live and (steps is None or step < steps):
        if deadline is not None and time.perf_counter() >= deadline:
            break
        chunk = eval_every - step % eval_every
        chunk = min(chunk, CHUNK) if steps is None else min(chunk, steps - step, CHUNK)
        for i in list(live):
            try:
                trainers[i].run(chunk)
            except Diverged as e:
                outcomes[i].diverged = e
                live.remove(i)
        step += chunk
        out_of_time = deadline is not None and time.perf_counter() >= deadline
        metrics = None
        if step % eval_every == 0 or step == steps or out_of_time:
            for i in live:
                m = trainers[i].evaluate()
                metrics = metrics if metrics is not None else m
        if progress:
            progress(step, metrics)
    return outcomes


__all__ = ["train_together", "Outcome", "CHUNK"]
