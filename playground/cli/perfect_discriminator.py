"""`python -m playground perfect-discriminator`: the perfect-discriminator experiment (experiments/), headless."""
from __future__ import annotations

import json
import sys
from typing import Sequence

from ..export import clean
from ..experiments.perfect_discriminator import OBJECTIVES, PerfectConfig, PerfectDiscriminatorExperiment
from .parser import Parser


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m playground perfect-discriminator --objective bce --seed 0`: print the run as JSON."""
    parser = Parser(
        prog="python -m playground perfect-discriminator",
        description="Train a discriminator to perfection against a point mass at 0 (phase 1), freeze it, "
                    "then train a tanh generator against it (phase 2). Prints JSON.")
    parser.add_argument("--objective", default="bce", choices=list(OBJECTIVES),
                        help="bce (log-loss, sigmoid), wgan (critic, no sigmoid), hinge, euclidean (no critic)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--d-steps", type=int, default=1000, help="phase-1 critic steps (default 1000)")
    parser.add_argument("--g-steps", type=int, default=1000, help="phase-2 generator steps (default 1000)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--log-every", type=int, default=100, help="log every k-th step (default 100)")
    parser.add_argument("--indent", type=int, default=None, help="pretty-print the JSON")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.log_every < 1:
        parser.error(f"--log-every must be at least 1, got {args.log_every}")
    try:
        config = PerfectConfig(objective=args.objective, seed=args.seed, d_steps=args.d_steps,
                               g_steps=args.g_steps, batch_size=args.batch_size).validate()
    except ValueError as e:
        parser.error(str(e))
    exp = PerfectDiscriminatorExperiment(config).run()
    print(json.dumps(clean(exp.report(args.log_every)), indent=args.indent))
    return 0
