"""What `train` does once its flags are read, shared by `train`, `compare` and `sweep`: the config from
the flags (`build_config`), the headless loop (`train_together`), one trainer run to the JSON `train`
writes (`train_run`), and the writer.

    config, steps = build_config(args)      # a config file, a preset or the recipes, then flags, then --set
    out, outcome = train_run(Trainer(config), steps, eval_every=250)
    write_json(out, "run.json", quiet=True)

`train_together` advances trainers together, in chunks, evaluated at the same generator steps, until a
step count or a wall-clock budget runs out. Evaluation happens at step 0, at every multiple of
`eval_every` and at the last step, whatever the number of trainers: a run trained in a comparison has
the history of the same run trained alone (the trainers own their random streams, so interleaving them
changes nothing).
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import torch

from ..config import ConfigError, RunConfig
from ..export import clean
from ..presets import PRESETS
from ..promises import Run, Spec
from ..recipes import recommended, recommended_steps
from ..trainer import N_EVAL, Diverged, Trainer, device_label

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


def train_promise(spec: Spec) -> tuple[Run, float, float]:
    """One promise run, one torch thread (the tests' pool and benchmarks/device_check.py run it in worker
    processes): this module's headless loop; with `spec.raw` the last step is evaluated once more on the
    raw generator (g_shown flipped live: training is unchanged), the history keeping the run's own view.
    Returns (run, seconds, CPU seconds: what it cost however busy the machine was)."""
    torch.set_num_threads(1)
    t0, c0 = time.perf_counter(), time.process_time()
    tr = Trainer(spec.config, n_eval=spec.eval_samples or N_EVAL)
    train_together([tr], spec.steps, spec.eval_every)
    run = Run(copy.deepcopy(tr.history))
    if spec.raw and tr.step_count == spec.steps:
        tr.update_config(spec.config.replace(g_shown="raw"))
        run = Run(run.history, {"step": tr.step_count, **tr.evaluate()})
    return run, time.perf_counter() - t0, time.process_time() - c0

def parse_set(items: Sequence[str]) -> dict[str, str]:
    out = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"--set expects field=value, got '{item}'.")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def load_config_file(path: str, run: str | None = None) -> tuple[dict[str, Any], int | None]:
    """The config fields in a file, and the steps it records if any: a config download, a run's JSON
    ({"config", "steps"}) or a comparison's ({"runs": [{"name", "config"}]}; `run` picks one by name)."""
    try:
        with open(path) as f:
            data = json.load(f)
    except OSError as e:
        raise ConfigError(f"Cannot read the config file '{path}': {e.strerror or e}.") from None
    except json.JSONDecodeError as e:
        raise ConfigError(f"The config file '{path}' is not valid JSON (line {e.lineno}: {e.msg}).") from None
    if not isinstance(data, dict):
        raise ConfigError(f"The config file '{path}' holds no config object.")
    if isinstance(data.get("runs"), list):
        runs = {r.get("name"): r for r in data["runs"] if isinstance(r, dict)}
        if run is None and len(runs) != 1:
            raise ConfigError(f"'{path}' is a comparison of {len(runs)} runs: pick one with --run "
                              f"({', '.join(map(str, runs))}).")
        if run is not None and run not in runs:
            raise ConfigError(f"'{path}' has no run named '{run}' (it has: {', '.join(map(str, runs))}).")
        data = runs[run] if run is not None else next(iter(runs.values()))
    steps = data.get("steps") if isinstance(data.get("steps"), int) else None
    if isinstance(data.get("config"), dict):
        data = data["config"]
    if "dataset" not in data:
        raise ConfigError(f"The config file '{path}' holds no run config (no 'dataset').")
    return dict(data), steps


def build_config(args: argparse.Namespace) -> tuple[RunConfig, int | None]:
    """A config file, a preset or the recommended settings, then explicit flags, then --set; validated.
    The step count is --steps, else the file's or the preset's, else the recipe's (recipes.recommended_steps:
    2000, or 3000 for the one-Gaussian generator); None with only --minutes."""
    fields: dict[str, Any]
    steps = args.steps
    if getattr(args, "config", None):
        if args.preset:
            raise ConfigError("Give --config or --preset, not both.")
        fields, file_steps = load_config_file(args.config, getattr(args, "run", None))
        fields = RunConfig.from_dict(fields).to_dict()  # strict: unknown keys and wrong types are errors
        steps = steps or file_steps
    elif args.preset:
        if args.preset not in PRESETS:
            raise ConfigError(f"Unknown preset '{args.preset}'. Choose one of: {', '.join(PRESETS)}.")
        preset = PRESETS[args.preset]
        fields = preset.config.to_dict()
        steps = steps or preset.steps
    else:
        fields = {}
    explicit = {k: v for k, v in (("dataset", args.dataset), ("loss", args.loss), ("lipschitz", args.lipschitz),
                                   ("n_critic", args.n_critic), ("seed", args.seed)) if v is not None}
    sets = parse_set(args.set or [])
    if not args.preset and not getattr(args, "config", None):
        chosen = {**RunConfig().to_dict(), **explicit, **sets}
        fields = recommended(chosen["dataset"], chosen["loss"], chosen["lipschitz"],
                             mixture=chosen["mixture"], digits=chosen["digits"], arch=chosen["arch"])
    fields.update(explicit)
    defaults = RunConfig().to_dict()
    for k, raw in sets.items():
        if k not in defaults:
            raise ConfigError(f"Unknown setting '{k}' in --set. Known settings: {', '.join(defaults)}.")
        fields[k] = RunConfig.parse_value(k, raw)
    config = RunConfig.from_dict({**defaults, **fields}).validate()
    if steps is None and getattr(args, "minutes", None) is None:
        steps = recommended_steps(config)
    return config, steps


def train_run(trainer: Trainer, steps: int | None, eval_every: int, minutes: float | None = None,
              progress: Callable[[int, dict | None], None] | None = None) -> tuple[dict[str, Any], Outcome]:
    """Train one run (the headless loop) and return the JSON `train` writes for it, with the outcome."""
    t0 = time.perf_counter()
    (outcome,) = train_together([trainer], steps, eval_every, minutes, progress)
    wall = time.perf_counter() - t0
    out = {"config": trainer.config.to_dict(), **run_record(trainer, outcome), "wall_seconds": wall,
           "device": device_label(trainer.device), "torch_threads": torch.get_num_threads()}
    if minutes is not None:
        out["budget"] = {"steps": steps, "minutes": minutes}
    return out, outcome


def run_record(trainer: Trainer, outcome: Outcome) -> dict[str, Any]:
    """The part of a run's JSON that `train` and `compare` share."""
    evals = [h for h in trainer.history if "w1" in h or "fid" in h]
    out = {"steps": trainer.step_count, "eval_samples": trainer.n_eval, "history": trainer.history,
           "final": evals[-1] if evals else {},
           "steps_per_second": trainer.step_count / trainer.seconds if trainer.seconds else 0.0}
    if outcome.diverged:
        out["diverged"] = outcome.diverged.to_dict()
    return out


def write_json(out: dict[str, Any], path: str | None, quiet: bool) -> None:
    """Standard JSON (NaN / Inf as null) to `path`, whole or not at all (written aside, then renamed), or to stdout."""
    text = json.dumps(clean(out), indent=1)
    if path:
        part = f"{path}.part"
        with open(part, "w") as f:
            f.write(text)
        os.replace(part, path)
        if not quiet:
            print(f"wrote {path}", file=sys.stderr)
    else:
        print(text)

