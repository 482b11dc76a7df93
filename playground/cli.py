"""Headless use: `python -m playground train|compare|list|perfect-discriminator|train-classifier`.

    python -m playground train --dataset ring8 --loss wgan --lipschitz gp --n-critic 5 \
        --steps 3000 --seed 0 --eval-every 250 --out run.json
    python -m playground train --preset wgan-gp --minutes 2 --out run.json
    python -m playground train --config run.json --set g_lr=1e-3      # a run seen in the browser
    python -m playground compare --dataset ring8 --steps 3000 --variant loss=ns \
        --variant loss=wgan,lipschitz=gp --out cmp.json
    python -m playground list

Exit codes: 0 done, 2 bad flag or invalid config (one sentence, no traceback), 3 the run diverged
(its JSON is still written, with "diverged": {"what", "step"}).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, Callable, Sequence

import torch

from . import perfect
from .cli_parser import Parser
from .compare import Comparison, parse_variant
from .compare_presets import COMPARISONS
from .config import ConfigError, RunConfig
from .datasets import DATASETS, make_dataset, upload
from .evaluation import train_classifier
from .export import clean
from .headless import Outcome, train_together
from .lipschitz import LIPSCHITZ
from .losses import LOSSES
from .presets import PRESETS
from .recipes import recommended
from .trainer import Trainer, device_label


def _parse_set(items: Sequence[str]) -> dict[str, str]:
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
    The step count is --steps, else the file's or the preset's, else 2000 (None with only --minutes)."""
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
    sets = _parse_set(args.set or [])
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
        steps = 2000
    return config, steps


class Progress:
    """A one-line progress bar with steps/s on a terminal; occasional plain lines otherwise. With a
    time budget the bar shows the share of the budget used (whichever of steps and time is nearer)."""

    def __init__(self, total: int | None, stream=None, quiet: bool = False, minutes: float | None = None):
        stream = stream or sys.stderr  # looked up now: sys.stderr may have been replaced since import
        self.total, self.minutes, self.stream, self.quiet = total, minutes, stream, quiet
        self.tty = not quiet and hasattr(stream, "isatty") and stream.isatty()
        self.t0 = time.perf_counter()

    def update(self, step: int, metrics: dict[str, Any] | None = None) -> None:
        if self.quiet:
            return
        elapsed = time.perf_counter() - self.t0
        rate = step / max(elapsed, 1e-9)
        extra = ""
        if metrics:
            extra = "  " + "  ".join(f"{k} {metrics[k]:.3g}" for k in ("w1", "js", "modes_covered", "fid")
                                     if k in metrics and metrics[k] is not None)
        fracs = [step / max(self.total, 1)] if self.total else []
        if self.minutes:
            fracs.append(elapsed / (60 * self.minutes))
        frac = min(1.0, max(fracs))
        of = f"/{self.total}" if self.total else ""
        clock = f"  {elapsed / 60:.1f}/{self.minutes:g} min" if self.minutes else ""
        if self.tty:
            bar = "█" * int(30 * frac) + "·" * (30 - int(30 * frac))
            self.stream.write(f"\r{bar} {step}{of}{clock}  {rate:6.1f} steps/s{extra}   ")
        elif metrics is not None:
            self.stream.write(f"step {step}{of}{clock}  {rate:.1f} steps/s{extra}\n")
        self.stream.flush()

    def finish(self, step: int) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _budget_error(args: argparse.Namespace) -> str | None:
    if args.steps is not None and args.steps < 1:
        return "--steps must be at least 1."
    if args.minutes is not None and not (args.minutes > 0 and args.minutes == args.minutes):
        return "--minutes must be a positive number of minutes."
    return None


def train(args: argparse.Namespace) -> int:
    try:
        config, steps = build_config(args)
        if args.threads:
            torch.set_num_threads(args.threads)
        trainer = Trainer(config)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    progress = Progress(steps, minutes=args.minutes, quiet=args.quiet)
    t0 = time.perf_counter()
    (outcome,) = train_together([trainer], steps, args.eval_every, args.minutes, progress.update)
    wall = time.perf_counter() - t0
    progress.finish(trainer.step_count)
    if outcome.diverged and not args.quiet:
        print(f"diverged: {outcome.diverged}", file=sys.stderr)
    out = {"config": config.to_dict(), **run_record(trainer, outcome), "wall_seconds": wall,
           "device": device_label(trainer.device), "torch_threads": torch.get_num_threads()}
    if args.minutes is not None:
        out["budget"] = {"steps": steps, "minutes": args.minutes}
    write_json(out, args.out, args.quiet)
    return 3 if outcome.diverged else 0


def run_record(trainer: Trainer, outcome: Outcome) -> dict[str, Any]:
    """The part of a run's JSON that `train` and `compare` share."""
    evals = [h for h in trainer.history if "w1" in h or "fid" in h]
    out = {"steps": trainer.step_count, "history": trainer.history, "final": evals[-1] if evals else {},
           "steps_per_second": trainer.step_count / trainer.seconds if trainer.seconds else 0.0}
    if outcome.diverged:
        out["diverged"] = outcome.diverged.to_dict()
    return out


def write_json(out: dict[str, Any], path: str | None, quiet: bool) -> None:
    text = json.dumps(clean(out), indent=1)
    if path:
        with open(path, "w") as f:
            f.write(text)
        if not quiet:
            print(f"wrote {path}", file=sys.stderr)
    else:
        print(text)


def build_comparison(args: argparse.Namespace) -> Comparison:
    """A comparison preset, or --dataset/--seed/--set for the base and one --variant per run."""
    if args.preset:
        if args.preset not in COMPARISONS:
            raise ConfigError(f"Unknown comparison preset '{args.preset}'. Choose one of: {', '.join(COMPARISONS)}.")
        cmp = COMPARISONS[args.preset].comparison
        base, variants, steps = dict(cmp.base), list(cmp.variants), cmp.steps
    else:
        base, variants, steps = {}, [], 2000
    for k, v in (("dataset", args.dataset), ("seed", args.seed)):
        if v is not None:
            base[k] = v
    for k, raw in _parse_set(args.set or []).items():
        if k not in RunConfig().to_dict():
            raise ConfigError(f"Unknown setting '{k}' in --set. Known settings: {', '.join(RunConfig().to_dict())}.")
        base[k] = RunConfig.parse_value(k, raw)
    if args.variant:
        variants = [parse_variant(text, i) for i, text in enumerate(args.variant)]
    cmp = Comparison(base, tuple(variants), args.steps or steps)
    cmp.configs()  # raises the sentence for a bad variant
    return cmp


def compare(args: argparse.Namespace) -> int:
    try:
        cmp = build_comparison(args)
        if args.threads:
            torch.set_num_threads(args.threads)
        configs = cmp.configs()
        trainers = [Trainer(c) for c in configs]
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    steps = None if args.minutes is not None and args.steps is None else cmp.steps
    progress = Progress(steps, minutes=args.minutes, quiet=args.quiet)
    t0 = time.perf_counter()
    outcomes = train_together(trainers, steps, args.eval_every, args.minutes, progress.update)
    wall = time.perf_counter() - t0
    progress.finish(max(t.step_count for t in trainers))
    runs = [{"name": v.name, "config": c.to_dict(), **run_record(t, o)}
            for v, c, t, o in zip(cmp.variants, configs, trainers, outcomes)]
    for r in runs:
        if "diverged" in r and not args.quiet:
            print(f"{r['name']} diverged: {r['diverged']['what']} at step {r['diverged']['step']}", file=sys.stderr)
    total = sum(t.step_count for t in trainers)
    out = {"base": dict(cmp.base), "comparison": cmp.to_dict(), "runs": runs,
           "steps_per_second": total / wall if wall > 0 else 0.0, "wall_seconds": wall,
           "device": device_label(trainers[0].device), "torch_threads": torch.get_num_threads()}
    write_json(out, args.out, args.quiet)
    return 3 if any("diverged" in r for r in runs) else 0


def list_registries(args: argparse.Namespace) -> int:
    print("datasets:")
    for name in DATASETS:
        try:
            ds = make_dataset(RunConfig(dataset=name))
            print(f"  {name:15s} {ds.kind:5s} {ds.description}")
        except ConfigError as e:
            print(f"  {name:15s} (unavailable: {e})")
    print("losses:")
    for name, loss in LOSSES.items():
        print(f"  {name:15s} {loss.label} ({loss.paper})")
    print("lipschitz methods:")
    for name, lip in LIPSCHITZ.items():
        print(f"  {name:15s} {lip.label}" + (f" ({lip.paper})" if lip.paper else ""))
    print("presets:")
    for name, p in PRESETS.items():
        print(f"  {name:22s} {p.title}: {p.promise} at step {p.steps}")
    print("comparison presets (compare --preset NAME):")
    for name, p in COMPARISONS.items():
        print(f"  {name:22s} {p.title}: {p.promise} at step {p.comparison.steps}")
    return 0


# Subcommands with their own parsers: main(argv) of the module, given every argument after the name.
DELEGATED: dict[str, Callable[[Sequence[str]], int]] = {"perfect-discriminator": perfect.main,
                                                        "train-classifier": train_classifier.main,
                                                        "add-data": upload.main}


def _common(p: argparse.ArgumentParser, set_help: str = "any other RunConfig field") -> None:
    p.add_argument("--minutes", type=float, help="a wall-clock budget: stop after this many minutes "
                                                 "(with --steps, whichever comes first)")
    p.add_argument("--eval-every", type=int, default=250, dest="eval_every")
    p.add_argument("--set", action="append", metavar="FIELD=VALUE", help=set_help)
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads (default 1: the live page trains on one thread, and the same "
                        "thread count keeps runs bit-identical)")
    p.add_argument("--out", help="write the JSON here (default: stdout)")
    p.add_argument("--quiet", action="store_true")


def make_parser() -> argparse.ArgumentParser:
    p = Parser(prog="python -m playground", description="GAN Playground, headless.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    t = sub.add_parser("train", help="train one run and write its JSON")
    t.add_argument("--preset", help="a named preset (see `list`)")
    t.add_argument("--config", help="a config JSON: the page's config download, or a run's or comparison's "
                                    "JSON (its \"config\"); --set still applies on top")
    t.add_argument("--run", help="with --config on a comparison's JSON: the name of the run to train")
    t.add_argument("--dataset")
    t.add_argument("--loss")
    t.add_argument("--lipschitz")
    t.add_argument("--n-critic", type=int, dest="n_critic")
    t.add_argument("--seed", type=int)
    t.add_argument("--steps", type=int, help="generator steps (default 2000, or the file's or preset's)")
    _common(t)
    t.set_defaults(func=train)
    c = sub.add_parser("compare", help="train 2-4 variants of one base setup in lockstep and write their JSON")
    c.add_argument("--preset", help="a comparison preset (see `list`)")
    c.add_argument("--dataset")
    c.add_argument("--seed", type=int)
    c.add_argument("--variant", action="append", metavar="FIELD=VALUE,...",
                   help="one run: the fields it changes from the base, e.g. loss=wgan,lipschitz=gp,name=WGAN-GP "
                        "(repeat 2-4 times; replaces a preset's variants)")
    c.add_argument("--steps", type=int, help="generator steps (default 2000, or the preset's)")
    _common(c, set_help="a base field for every run")
    c.set_defaults(func=compare)
    sub.add_parser("list", help="list datasets, losses, Lipschitz methods and presets").set_defaults(func=list_registries)
    for name, text in (("perfect-discriminator", "the perfect-discriminator experiment (see its --help)"),
                       ("train-classifier", "train the MNIST evaluation classifier (see its --help)"),
                       ("add-data", "add your own 28×28 images (IDX files or a .npz) to the upload cache")):
        d = sub.add_parser(name, help=text, add_help=False)
        d.add_argument("rest", nargs=argparse.REMAINDER)
        d.set_defaults(func=lambda args, run=DELEGATED[name]: run(args.rest))
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in DELEGATED:  # their own parsers take every argument after the name
        return DELEGATED[argv[0]](argv[1:])
    args = make_parser().parse_args(argv)
    problem = _budget_error(args) if hasattr(args, "minutes") else None
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    return args.func(args)
