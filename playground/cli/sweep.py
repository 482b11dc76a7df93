"""`python -m playground sweep`: a grid of runs on Ray, datasets × loss/method pairs × seeds (× the
values of any `--set field=v1,v2`), each cell the run `train` makes for the same flags.

    python -m playground sweep --datasets ring8 grid25 --pairs ns/none wgan/gp hinge/sn --seeds 0 1 2 \
        --steps 10000 --set g_lr=1e-3,2e-4 --out sweep/

Each cell is one Ray task (one CPU, one torch thread); the driver writes its JSON, the one `train`
writes, into the folder as it finishes, so an interrupted sweep keeps its finished cells and a rerun
skips them. At the end, `summary.md` and `summary.csv`: per row (the cells that differ only by seed)
the mean ± standard deviation over seeds of the final metrics, and steps/s, with the standard error
of the mean (s/√n, as PacGAN reports its tables) in brackets.

Ray is imported only inside `ray_cluster.start_ray`: the app and the other commands never load it. By default a
local Ray is started for the sweep (every server on 127.0.0.1, no dashboard, no usage stats) and
stopped after it; `--address` connects to a running cluster instead (the package travels with the job).
"""
from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import re
import math
import statistics
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
from tqdm import tqdm

from ..compare import value_text
from ..config import ConfigError, RunConfig
from ..export import clean
from ..live.ray_cluster import cores, start_ray, unreachable  # noqa: F401 (cores: the benchmarks' default)
from ..metric_specs import spec
from ..trainer import N_EVAL, Trainer
from .train import build_config, parse_set, train_run, write_json

GRID_FIELDS = ("dataset", "loss", "lipschitz", "seed")  # the grid's own axes, not for --set
WHOLE_VALUES = {"mixture"}  # fields whose one value holds commas: --set takes it whole, not as a list


@dataclass(frozen=True)
class Cell:
    """One run of the grid: its config (built as `train` builds it) and step budget."""
    config: RunConfig
    steps: int
    values: tuple[tuple[str, Any], ...] = ()  # this cell's value of each --set list field
    eval_samples: int = N_EVAL                # samples per evaluation (--eval-samples)

    @property
    def pair(self) -> str:
        return f"{self.config.loss}/{self.config.lipschitz}"

    @property
    def row(self) -> tuple:
        """The summary row it belongs to: everything but the seed."""
        return (self.config.dataset, self.pair, self.values)

    @property
    def name(self) -> str:
        """The file stem, from the grid coordinates: ring8_wgan-gp_g_lr-0.001_seed1."""
        parts = [self.config.dataset, f"{self.config.loss}-{self.config.lipschitz}",
                 *(f"{k}-{value_text(v)}" for k, v in self.values), f"seed{self.config.seed}"]
        return "_".join(re.sub(r"[^A-Za-z0-9.+-]", "_", p) for p in parts)

    @property
    def label(self) -> str:
        extra = "".join(f" {k}={value_text(v)}" for k, v in self.values)
        return f"{self.config.dataset} {self.pair}{extra} seed {self.config.seed}"


def grid(datasets: Sequence[str], pairs: Sequence[str], seeds: Sequence[int], sets: Sequence[str] = (),
         steps: int | None = None) -> list[Cell]:
    """Every cell, each config built by the code `train --dataset D --loss L --lipschitz M --seed S --set ...`
    runs (recipes, then --set); `sets` items are "field=v1,v2,..." (a list makes one cell per value).
    Raises ConfigError with the sentence for the first bad pair, field or value."""
    split = []
    for p in pairs:
        loss, _, method = p.partition("/")
        if not loss or not method:
            raise ConfigError(f"A pair is loss/method, e.g. wgan/gp (got '{p}').")
        split.append((loss, method))
    lists = {k: [raw] if k in WHOLE_VALUES else [v.strip() for v in raw.split(",")]
             for k, raw in parse_set(sets).items()}
    for k in lists:
        if k in GRID_FIELDS:
            raise ConfigError(f"Use --datasets, --pairs and --seeds for the grid's axes, not --set {k}=.")
    varied = [k for k, vs in lists.items() if len(vs) > 1]
    cells: dict[RunConfig, Cell] = {}
    for dataset, (loss, method), seed, *chosen in itertools.product(datasets, split, seeds, *lists.values()):
        args = argparse.Namespace(config=None, preset=None, dataset=dataset, loss=loss, lipschitz=method,
                                  n_critic=None, seed=seed, steps=steps, minutes=None,
                                  set=[f"{k}={v}" for k, v in zip(lists, chosen)])
        config, n = build_config(args)
        cells.setdefault(config, Cell(config, n, tuple((k, getattr(config, k)) for k in varied)))  # once each
    names = [c.name for c in cells.values()]
    clash = next((n for n in names if names.count(n) > 1), None)
    if clash:
        raise ConfigError(f"Two cells would share the file name '{clash}.json'; give the --set values differently.")
    return list(cells.values())


# ----- one cell ------------------------------------------------------------------------------------------
def run_cell(cell: Cell, eval_every: int) -> dict[str, Any]:
    """The JSON `train` writes for this cell's config, trained on one torch thread (a Ray task's body)."""
    torch.set_num_threads(1)
    out, _ = train_run(Trainer(cell.config, n_eval=cell.eval_samples), cell.steps, eval_every)
    return clean(out)


def cell_path(out_dir: str | Path, cell: Cell) -> Path:
    return Path(out_dir) / f"{cell.name}.json"


def finished(out_dir: str | Path, cell: Cell) -> dict[str, Any] | None:
    """The cell's JSON if the folder holds it complete: the same config, trained to the budget (or diverged)."""
    try:
        data = json.loads(cell_path(out_dir, cell).read_text())
        same = RunConfig.from_dict(data["config"]) == cell.config
        done = data["steps"] == cell.steps or "diverged" in data
        counted = data.get("eval_samples", N_EVAL) == cell.eval_samples  # the same evaluation protocol
        return data if same and done and counted and "final" in data else None
    except (OSError, ValueError, KeyError, TypeError):  # absent, unreadable, or not a run's JSON
        return None


# ----- the summary (pure functions) ----------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """A summary column: its heading, the number from a cell's JSON (None when it has none), its format."""
    heading: str
    read: Callable[[dict[str, Any]], Any]
    fmt: str


def _final(key: str, fmt: str) -> Column:
    """The column of a final metric, headed by metric_specs' name for the number (its axis title)."""
    return Column(spec(key).axis_title, lambda r: r["final"].get(key), fmt)


COLUMNS: dict[str, Column] = {  # CSV column stem -> the Markdown column
    "modes_covered": _final("modes_covered", "{:.1f}"),
    "high_quality_fraction": _final("high_quality_fraction", "{:.1%}"),
    "mode_reverse_kl": _final("mode_reverse_kl", "{:.3f}"),
    "w1": _final("w1", "{:.3f}"),
    "steps_per_second": Column("steps/s", lambda r: r.get("steps_per_second"), "{:.0f}"),  # a run's, not a metric
}


@dataclass(frozen=True)
class Row:
    dataset: str
    pair: str
    values: tuple[tuple[str, Any], ...]
    seeds: int        # cells in the row
    finished: int     # of them with a JSON
    diverged: int     # of those, runs that diverged (not in the statistics)
    n_modes: int | None
    stats: dict[str, tuple[float, float | None] | None]  # metric -> (mean, sample std; None for one seed)
    counts: dict[str, int] = field(default_factory=dict)  # metric -> the seeds it was read from

    def se(self, key: str) -> float | None:
        """The standard error of the mean, s/√n (PacGAN's tables report mean ± standard error)."""
        s, n = self.stats.get(key), self.counts.get(key, 0)
        return s[1] / math.sqrt(n) if s is not None and s[1] is not None and n > 1 else None


def mean_std(xs: Sequence[float]) -> tuple[float, float | None] | None:
    """Mean and sample standard deviation (n − 1); std None for one value, None for none."""
    xs = [float(x) for x in xs if x is not None]
    if not xs:
        return None
    return statistics.fmean(xs), statistics.stdev(xs) if len(xs) > 1 else None


def summarize(cells: Sequence[Cell], results: dict[str, dict[str, Any]]) -> list[Row]:
    """One row per cell group (all but the seed), in grid order; `results` maps cell names to their JSON.
    Statistics are over the seeds whose run finished without diverging."""
    groups: dict[tuple, list[Cell]] = {}
    for c in cells:
        groups.setdefault(c.row, []).append(c)
    rows = []
    for (dataset, pair, values), members in groups.items():
        runs = [results[c.name] for c in members if c.name in results]
        ok = [r for r in runs if "diverged" not in r]
        n_modes = next((int(r["final"]["n_modes"]) for r in ok if r["final"].get("n_modes") is not None), None)
        read = {k: [x for x in (m.read(r) for r in ok) if x is not None] for k, m in COLUMNS.items()}
        stats = {k: mean_std(xs) for k, xs in read.items()}
        rows.append(Row(dataset, pair, values, len(members), len(runs), len(runs) - len(ok), n_modes, stats,
                        {k: len(xs) for k, xs in read.items()}))
    return rows


def _fields(rows: Sequence[Row]) -> list[str]:
    return list(dict.fromkeys(k for r in rows for k, _ in r.values))


def _seeds_text(r: Row) -> str:
    text = str(r.seeds) if r.finished == r.seeds else f"{r.finished} of {r.seeds}"
    return text + (f" ({r.diverged} diverged)" if r.diverged else "")


def _cell_text(r: Row, key: str) -> str:
    s, fmt = r.stats[key], COLUMNS[key].fmt
    if s is None:
        return "–"
    se = r.se(key)
    text = fmt.format(s[0]) + (f" ± {fmt.format(s[1])}" if s[1] is not None else "") + \
        (f" (se {fmt.format(se)})" if se is not None else "")
    return text + (f" / {r.n_modes:.0f}" if key == "modes_covered" and r.n_modes else "")


def to_markdown(rows: Sequence[Row]) -> str:
    """The table: per row the mean ± standard deviation over seeds and, in brackets, the standard error
    of the mean s/√n (the mean alone for one seed)."""
    fields = _fields(rows)
    head = ["dataset", "loss / lipschitz", *fields, "seeds", *(c.heading for c in COLUMNS.values())]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        given = dict(r.values)
        cols = [r.dataset, r.pair, *(value_text(given[f]) if f in given else "" for f in fields), _seeds_text(r),
                *(_cell_text(r, k) for k in COLUMNS)]
        lines.append("| " + " | ".join(cols) + " |")
    return "\n".join(lines) + "\n"


def to_csv(rows: Sequence[Row]) -> str:
    """The same rows as numbers: <metric>_mean, <metric>_std and <metric>_se (empty for one seed) per metric."""
    fields = _fields(rows)
    head = ["dataset", "loss", "lipschitz", *fields, "seeds", "finished", "diverged", "n_modes",
            *(f"{k}_{s}" for k in COLUMNS for s in ("mean", "std", "se"))]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(head)
    for r in rows:
        given = dict(r.values)
        stats = [x for k in COLUMNS for x in (*(r.stats[k] or (None, None)), r.se(k))]
        w.writerow([r.dataset, *r.pair.split("/"), *(given.get(f, "") for f in fields), r.seeds, r.finished,
                    r.diverged, r.n_modes, *("" if x is None else repr(x) for x in stats)])
    return buf.getvalue()


def write_summary(out_dir: str | Path, cells: Sequence[Cell]) -> list[Row]:
    """summary.md and summary.csv in the folder, from the cells' JSON found there."""
    results = {c.name: r for c in cells if (r := finished(out_dir, c)) is not None}
    rows = summarize(cells, results)
    for name, text in (("summary.md", to_markdown(rows)), ("summary.csv", to_csv(rows))):
        (Path(out_dir) / name).write_text(text)
    return rows


def run_cells(cells: Sequence[Cell], out_dir: str | Path, eval_every: int, address: str | None = None,
              num_cpus: int | None = None, done: Callable[[Cell, dict | None, str | None], None] | None = None) -> None:
    """Run the cells as Ray tasks; write each one's JSON as it finishes and call done(cell, json, error).
    On Ctrl-C the tasks still running are cancelled and the finished cells stay."""
    ray, started = start_ray(address, num_cpus)
    try:
        task = ray.remote(num_cpus=1)(run_cell)
        pending = {task.remote(c, eval_every): c for c in cells}
        try:
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                cell = pending.pop(ready[0])
                try:
                    out = ray.get(ready[0])
                except ray.exceptions.RayError as e:
                    if done:
                        done(cell, None, str(e).strip().splitlines()[-1])
                    continue
                write_json(out, str(cell_path(out_dir, cell)), quiet=True)
                if done:
                    done(cell, out, None)
        except KeyboardInterrupt:
            for ref in pending:
                ray.cancel(ref, force=True)
            raise
    finally:
        if started:
            ray.shutdown()


# ----- the command ---------------------------------------------------------------------------------------
class CellBar:
    """Finished cells: on a terminal a tqdm bar over cells (cells/s, ETA) with each cell's line printed
    above it; otherwise the lines alone; nothing when quiet."""

    def __init__(self, total: int, skipped: int, quiet: bool = False, stream=None):
        stream = stream or sys.stderr  # looked up now: sys.stderr may have been replaced since import
        self.total, self.count, self.quiet, self.stream = total, skipped, quiet, stream
        self.t0 = time.perf_counter()
        tty = not quiet and skipped < total and hasattr(stream, "isatty") and stream.isatty()
        # the wrapper exists for the other case: off a terminal tqdm draws carriage-return frames (or nothing)
        self.bar = tqdm(total=total, initial=skipped, unit=" cells", file=stream, dynamic_ncols=True,
                        postfix="starting Ray") if tty else None

    def __call__(self, cell: Cell, out: dict | None, error: str | None) -> None:
        self.count += 1
        if self.quiet:
            return
        what = f"failed: {error}" if error else _outcome(out)
        line = f"{self.count}/{self.total}  {cell.label}: {what}  ({time.perf_counter() - self.t0:.0f} s)"
        if self.bar is None:
            self.stream.write(line + "\n")
            self.stream.flush()
        else:
            self.bar.set_postfix_str("", refresh=False)  # Ray is up
            self.bar.update(1)
            self.bar.write(line, file=self.stream)  # above the bar, which tqdm redraws below it

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _outcome(out: dict[str, Any]) -> str:
    """"8/8 modes, W1 0.041" (or FID, or where it diverged) for a progress line."""
    if "diverged" in out:
        return f"diverged at step {out['diverged']['step']}"
    f = out["final"]
    parts = [f"{f['modes_covered']:.0f}/{f['n_modes']:.0f} modes"] if f.get("n_modes") else []
    parts += [f"{name} {f[k]:.3g}" for k, name in (("w1", "W1"), ("fid", "FID")) if f.get(k) is not None]
    return ", ".join(parts)


def command(args: argparse.Namespace) -> int:
    """`sweep`: 0 done, 2 a bad flag, 3 a cell diverged, 1 a cell failed, 130 interrupted (finished cells kept)."""
    try:
        if args.cpus is not None and args.cpus < 1:
            raise ConfigError("--cpus must be at least 1.")
        cells = [replace(c, eval_samples=args.eval_samples)
                 for c in grid(args.datasets, args.pairs, args.seeds, args.set or [], args.steps)]
        why = unreachable(args.address) if args.address else None
        if why:
            raise ConfigError(f"Nothing answers at the Ray address '{args.address}' ({why}).")
        Path(args.out).mkdir(parents=True, exist_ok=True)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: Cannot create the folder '{args.out}': {e.strerror or e}.", file=sys.stderr)
        return 2
    todo = [c for c in cells if finished(args.out, c) is None]
    say = (lambda text: None) if args.quiet else (lambda text: print(text, file=sys.stderr))
    say(f"sweep: {len(cells)} cells, {len(cells) - len(todo)} already finished in {args.out} (skipped), "
        f"{len(todo)} to run")
    failed: list[str] = []
    bar = CellBar(len(cells), len(cells) - len(todo), quiet=args.quiet)

    def done(cell: Cell, out: dict | None, error: str | None) -> None:
        if error:
            failed.append(cell.label)
        bar(cell, out, error)

    code = 0
    try:
        if todo:
            run_cells(todo, args.out, args.eval_every, args.address, args.cpus, done)
    except KeyboardInterrupt:
        code = 130
    except ConnectionError as e:
        print(f"error: Cannot reach the Ray cluster at '{args.address}': {e}.", file=sys.stderr)
        return 2
    finally:
        bar.close()
    rows = write_summary(args.out, cells)
    if code == 130:
        print(f"interrupted: {sum(r.finished for r in rows)} of {len(cells)} cells finished and kept in {args.out}; "
              f"rerun the same command for the rest.", file=sys.stderr)
        return code
    say(f"wrote {Path(args.out) / 'summary.md'} and summary.csv")
    if failed:
        print(f"error: {len(failed)} cell(s) failed: {'; '.join(failed)}.", file=sys.stderr)
        return 1
    return 3 if any(r.diverged for r in rows) else 0

