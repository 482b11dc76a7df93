"""Headless use: `python -m playground train|compare|sweep|list|perfect-discriminator|train-classifier`.

    python -m playground train --dataset ring8 --loss wgan --lipschitz gp --n-critic 5 \
        --steps 3000 --seed 0 --eval-every 250 --out run.json
    python -m playground train --preset wgan-gp --minutes 2 --out run.json
    python -m playground train --config run.json --set g_lr=1e-3      # a run seen in the browser
    python -m playground compare --dataset ring8 --steps 3000 --variant loss=ns \
        --variant loss=wgan,lipschitz=gp --out cmp.json
    python -m playground sweep --datasets ring8 grid25 --pairs ns/none wgan/gp --seeds 0 1 2 \
        --steps 10000 --out sweep/                                     # on Ray (playground/cli/sweep.py)
    python -m playground list

Exit codes: 0 done, 2 bad flag or invalid config (one sentence, no traceback), 3 the run diverged
(its JSON is still written, with "diverged": {"what", "step"}); `sweep` also 1 (a cell failed) and
130 (interrupted; the finished cells stay).
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Any, Callable, Sequence

import torch
from tqdm import tqdm

from ..compare import Comparison, parse_variant
from ..compare_presets import COMPARISONS
from ..config import SETTINGS, ConfigError, RunConfig
from ..datasets import DATASETS, make_dataset
from ..device import describe
from ..evaluation import train_classifier
from ..lipschitz import LIPSCHITZ
from ..losses import LOSSES
from ..presets import PRESETS
from ..trainer import MIN_EVAL, N_EVAL, Trainer, device_label
from . import add_data, perfect_discriminator, sweep
from .parser import Parser
from .train import build_config, parse_set, run_record, train_run, train_together, write_json


HEADLINE = ("w1", "js", "modes_covered", "fid")  # the run's metrics a progress line shows, where it has them


class StepBar:
    """`train`'s and `compare`'s progress: on a terminal a tqdm bar over generator steps (steps/s, ETA,
    the last evaluation's headline metrics and the --minutes budget used as postfix); otherwise one plain
    line per evaluation; nothing when quiet. tqdm counts steps, so its rate stays steps/s and its ETA
    comes from the step rate; a wall-clock budget is shown beside it as "budget 0.4/2 min"."""

    def __init__(self, total: int | None, minutes: float | None = None, quiet: bool = False, stream=None):
        stream = stream or sys.stderr  # looked up now: sys.stderr may have been replaced since import
        self.total, self.minutes, self.quiet, self.stream = total, minutes, quiet, stream
        self.t0 = time.perf_counter()
        self.shown: dict[str, str] = {}  # the last evaluation's headline metrics, formatted
        tty = not quiet and hasattr(stream, "isatty") and stream.isatty()
        # the wrapper exists for the other case: off a terminal tqdm draws carriage-return frames (or nothing)
        self.bar = tqdm(total=total, unit=" steps", file=stream, dynamic_ncols=True) if tty else None

    def __call__(self, step: int, metrics: dict[str, Any] | None = None) -> None:
        """train_together's progress callback: `metrics` is the first live run's evaluation, or None."""
        if self.quiet:
            return
        elapsed = time.perf_counter() - self.t0
        if metrics is not None:
            self.shown = {k: f"{metrics[k]:.3g}" for k in HEADLINE if metrics.get(k) is not None}
        budget = {"budget": f"{elapsed / 60:.1f}/{self.minutes:g} min"} if self.minutes else {}
        if self.bar is not None:
            self.bar.set_postfix({**self.shown, **budget}, refresh=False)
            self.bar.update(step - self.bar.n)
        elif metrics is not None:
            of = f"/{self.total}" if self.total else ""
            clock = f"  {budget['budget']}" if budget else ""
            extra = "".join(f"  {k} {v}" for k, v in self.shown.items())
            self.stream.write(f"step {step}{of}{clock}  {step / max(elapsed, 1e-9):.1f} steps/s{extra}\n")
            self.stream.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _budget_error(args: argparse.Namespace) -> str | None:
    if args.steps is not None and args.steps < 1:
        return "--steps must be at least 1."
    if args.minutes is not None and not (args.minutes > 0 and args.minutes == args.minutes):
        return "--minutes must be a positive number of minutes."
    if args.eval_samples is not None and args.eval_samples < MIN_EVAL:
        return f"--eval-samples must be at least {MIN_EVAL} (W1 matches {MIN_EVAL} real and {MIN_EVAL} generated samples)."
    return None


def train(args: argparse.Namespace) -> int:
    try:
        config, steps = build_config(args)
        if args.threads:
            torch.set_num_threads(args.threads)
        preset = PRESETS.get(args.preset) if args.preset else None
        n_eval = args.eval_samples or (preset.eval_samples if preset else 0) or N_EVAL
        trainer = Trainer(config, n_eval=n_eval)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(f"device: {describe(trainer)}", file=sys.stderr)
    bar = StepBar(steps, minutes=args.minutes, quiet=args.quiet)
    out, outcome = train_run(trainer, steps, args.eval_every, args.minutes, bar)
    bar.close()
    if outcome.diverged and not args.quiet:
        print(f"diverged: {outcome.diverged}", file=sys.stderr)
    write_json(out, args.out, args.quiet)
    return 3 if outcome.diverged else 0


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
    for k, raw in parse_set(args.set or []).items():
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
        trainers = [Trainer(c, n_eval=args.eval_samples or N_EVAL) for c in configs]
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    steps = None if args.minutes is not None and args.steps is None else cmp.steps
    bar = StepBar(steps, minutes=args.minutes, quiet=args.quiet)
    t0 = time.perf_counter()
    outcomes = train_together(trainers, steps, args.eval_every, args.minutes, bar)
    wall = time.perf_counter() - t0
    bar.close()
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
    print("settings (--set NAME=VALUE):")
    defaults = RunConfig()
    for name, s in SETTINGS.items():
        value = getattr(defaults, name)
        if s.choices is not None:
            allowed = f"one of {', '.join(s.choices)}"
        elif s.min is not None or s.max is not None:
            allowed = s.range_text()
        else:
            allowed = "true or false" if isinstance(value, bool) else "text"
        print(f"  {name:12s} {s.label}: {allowed}; default {value!r}")
    return 0


# Subcommands with their own parsers: main(argv) of the module, given every argument after the name.
DELEGATED: dict[str, Callable[[Sequence[str]], int]] = {"perfect-discriminator": perfect_discriminator.main,
                                                        "train-classifier": train_classifier.main,
                                                        "add-data": add_data.main}


EVAL_HELP = (f"samples per evaluation, real and generated (default {N_EVAL}, or a record preset's; PacGAN's "
             "protocol, Lin et al. 2018, counts modes on 2500)")


def _common(p: argparse.ArgumentParser, set_help: str = "any other RunConfig field") -> None:
    p.add_argument("--minutes", type=float, help="a wall-clock budget: stop after this many minutes "
                                                 "(with --steps, whichever comes first)")
    p.add_argument("--eval-every", type=int, default=250, dest="eval_every")
    p.add_argument("--eval-samples", type=int, dest="eval_samples", help=EVAL_HELP)
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
    t.add_argument("--steps", type=int, help="generator steps (default: the file's or preset's, else the "
                                                "recipe's: 2000, 3000 for the one-Gaussian generator)")
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
    s = sub.add_parser("sweep", help="a grid of datasets × loss/method pairs × seeds on Ray: one JSON per cell "
                                     "as `train` writes it, and a summary table")
    s.add_argument("--datasets", nargs="+", required=True)
    s.add_argument("--pairs", nargs="+", required=True, metavar="LOSS/METHOD", help="e.g. ns/none wgan/gp hinge/sn")
    s.add_argument("--seeds", nargs="+", type=int, default=[0])
    s.add_argument("--steps", type=int, help="generator steps per cell (default 2000)")
    s.add_argument("--set", action="append", metavar="FIELD=V1,V2,...",
                   help="any other RunConfig field for every cell; a list of values makes one cell per value")
    s.add_argument("--eval-every", type=int, default=250, dest="eval_every")
    s.add_argument("--eval-samples", type=int, default=N_EVAL, dest="eval_samples", help=EVAL_HELP)
    s.add_argument("--address", help="a running Ray cluster (default: a local Ray started for the sweep)")
    s.add_argument("--cpus", type=int, help="the local Ray's CPUs, one cell each (default: this machine's cores)")
    s.add_argument("--out", required=True, help="the folder for the cells' JSON and the summary")
    s.add_argument("--quiet", action="store_true")
    s.set_defaults(func=sweep.command, minutes=None)
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
