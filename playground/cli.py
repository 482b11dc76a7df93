"""Headless use: `python -m playground train|list|perfect-discriminator|train-classifier`.

    python -m playground train --dataset ring8 --loss wgan --lipschitz gp --n-critic 5 \
        --steps 3000 --seed 0 --eval-every 250 --out run.json
    python -m playground train --preset wgan-gp --out run.json
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
from .config import ConfigError, RunConfig
from .datasets import DATASETS, make_dataset
from .evaluation import train_classifier
from .export import clean
from .lipschitz import LIPSCHITZ
from .losses import LOSSES
from .presets import PRESETS
from .recipes import recommended
from .trainer import Diverged, Trainer, device_label


def _parse_set(items: Sequence[str]) -> dict[str, str]:
    out = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"--set expects field=value, got '{item}'.")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def build_config(args: argparse.Namespace) -> tuple[RunConfig, int]:
    """Preset or recommended settings, then explicit flags, then --set; validated."""
    fields: dict[str, Any]
    steps = args.steps
    if args.preset:
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
    if not args.preset:
        chosen = {**RunConfig().to_dict(), **explicit, **sets}
        fields = recommended(chosen["dataset"], chosen["loss"], chosen["lipschitz"],
                             mixture=chosen["mixture"], digits=chosen["digits"])
    fields.update(explicit)
    defaults = RunConfig().to_dict()
    for k, raw in sets.items():
        if k not in defaults:
            raise ConfigError(f"Unknown setting '{k}' in --set. Known settings: {', '.join(defaults)}.")
        fields[k] = RunConfig.parse_value(k, raw)
    config = RunConfig.from_dict({**defaults, **fields}).validate()
    return config, steps or 2000


class Progress:
    """A one-line progress bar with steps/s on a terminal; occasional plain lines otherwise."""

    def __init__(self, total: int, stream=None, quiet: bool = False):
        stream = stream or sys.stderr  # looked up now: sys.stderr may have been replaced since import
        self.total, self.stream, self.quiet = total, stream, quiet
        self.tty = not quiet and hasattr(stream, "isatty") and stream.isatty()
        self.t0 = time.perf_counter()

    def update(self, step: int, metrics: dict[str, Any] | None = None) -> None:
        if self.quiet:
            return
        rate = step / max(time.perf_counter() - self.t0, 1e-9)
        extra = ""
        if metrics:
            extra = "  " + "  ".join(f"{k} {metrics[k]:.3g}" for k in ("w1", "js", "modes_covered", "fid")
                                     if k in metrics and metrics[k] is not None)
        frac = step / max(self.total, 1)
        if self.tty:
            bar = "█" * int(30 * frac) + "·" * (30 - int(30 * frac))
            self.stream.write(f"\r{bar} {step}/{self.total}  {rate:6.1f} steps/s{extra}   ")
            if step >= self.total:
                self.stream.write("\n")
        elif metrics is not None:
            self.stream.write(f"step {step}/{self.total}  {rate:.1f} steps/s{extra}\n")
        self.stream.flush()


def train(args: argparse.Namespace) -> int:
    try:
        config, steps = build_config(args)
        if args.threads:
            torch.set_num_threads(args.threads)
        trainer = Trainer(config)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    eval_every = max(1, args.eval_every)
    progress = Progress(steps, quiet=args.quiet)
    t0 = time.perf_counter()
    diverged = None
    trainer.evaluate()
    try:
        while trainer.step_count < steps:
            chunk = min(eval_every - trainer.step_count % eval_every, steps - trainer.step_count, 25)
            trainer.run(chunk)
            m = trainer.evaluate() if trainer.step_count % eval_every == 0 or trainer.step_count == steps else None
            progress.update(trainer.step_count, m)
    except Diverged as e:
        diverged = e.to_dict()
        if not args.quiet:
            print(f"\ndiverged: {e}", file=sys.stderr)
    wall = time.perf_counter() - t0
    evals = [h for h in trainer.history if "w1" in h or "fid" in h]
    out = {
        "config": config.to_dict(),
        "steps": trainer.step_count,
        "history": trainer.history,
        "final": evals[-1] if evals else {},
        "steps_per_second": trainer.step_count / trainer.seconds if trainer.seconds else 0.0,
        "wall_seconds": wall,
        "device": device_label(trainer.device),
        "torch_threads": torch.get_num_threads(),
    }
    if diverged:
        out["diverged"] = diverged
    text = json.dumps(clean(out), indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
        if not args.quiet:
            print(f"wrote {args.out}", file=sys.stderr)
    else:
        print(text)
    return 3 if diverged else 0


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
    return 0


# Subcommands with their own parsers: main(argv) of the module, given every argument after the name.
DELEGATED: dict[str, Callable[[Sequence[str]], int]] = {"perfect-discriminator": perfect.main,
                                                        "train-classifier": train_classifier.main}


def make_parser() -> argparse.ArgumentParser:
    p = Parser(prog="python -m playground", description="GAN Playground, headless.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    t = sub.add_parser("train", help="train one run and write its JSON")
    t.add_argument("--preset", help="a named preset (see `list`)")
    t.add_argument("--dataset")
    t.add_argument("--loss")
    t.add_argument("--lipschitz")
    t.add_argument("--n-critic", type=int, dest="n_critic")
    t.add_argument("--seed", type=int)
    t.add_argument("--steps", type=int, help="generator steps (default 2000, or the preset's)")
    t.add_argument("--eval-every", type=int, default=250, dest="eval_every")
    t.add_argument("--set", action="append", metavar="FIELD=VALUE", help="any other RunConfig field")
    t.add_argument("--threads", type=int, default=1,
                   help="torch threads (default 1: the live page trains on one thread, and the same "
                        "thread count keeps runs bit-identical)")
    t.add_argument("--out", help="write the JSON here (default: stdout)")
    t.add_argument("--quiet", action="store_true")
    t.set_defaults(func=train)
    sub.add_parser("list", help="list datasets, losses, Lipschitz methods and presets").set_defaults(func=list_registries)
    for name, text in (("perfect-discriminator", "the perfect-discriminator experiment (see its --help)"),
                       ("train-classifier", "train the MNIST evaluation classifier (see its --help)")):
        d = sub.add_parser(name, help=text, add_help=False)
        d.add_argument("rest", nargs=argparse.REMAINDER)
        d.set_defaults(func=lambda args, run=DELEGATED[name]: run(args.rest))
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in DELEGATED:  # their own parsers take every argument after the name
        return DELEGATED[argv[0]](argv[1:])
    args = make_parser().parse_args(argv)
    if getattr(args, "steps", None) is not None and args.steps < 1:
        print("error: --steps must be at least 1.", file=sys.stderr)
        return 2
    return args.func(args)
