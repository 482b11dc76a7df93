"""What Ray costs and gives `python -m playground sweep` on this machine: the speed-up over running the
same cells one after another, the local Ray's start-up, and the memory of a Ray worker.

    .venv/bin/python benchmarks/sweep_speedup.py                 # ring8 × ns/none, hinge/sn × seeds 0 1, 1000 steps

1. sequential: the cells one after another in this process, one torch thread (what `train` does, cell
   by cell: sweep.run_cell);
2. the sweep as a user runs it: `python -m playground sweep ... --cpus N` in a fresh interpreter, from
   start to exit (interpreter, local Ray, workers, the cells, shutdown);
3. inside one local Ray: ray.init, the first task on each worker (a worker process importing torch
   and the project), the cells on those warm workers, each worker's memory after its cells (RSS, PSS
   and peak), Ray's own processes' RSS, and ray.shutdown.
The machine is shared: the load average is printed with the figures.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground.cli import sweep  # noqa: E402


def rss_mb(pid: int | str = "self", key: str = "Rss:") -> float:
    """Resident set size of a process in MB, or with key="Pss:" its proportional share (shared pages
    such as torch's libraries counted once across the processes that map them)."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    return 0.0


def cell_in_worker(cell: sweep.Cell, eval_every: int) -> dict:
    """A cell as a Ray task, and the worker's memory after it (RSS now, and the peak)."""
    sweep.run_cell(cell, eval_every)
    return {"pid": os.getpid(), "rss": rss_mb(), "pss": rss_mb(key="Pss:"),
            "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def descendants(pid: int) -> dict[int, str]:
    """pid -> name of every process below `pid` (Ray's servers and workers, for the driver)."""
    children: dict[int, list[int]] = {}
    names = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
                argv = (d / "cmdline").read_bytes().decode(errors="replace").split("\0")
                names[int(d.name)] = next((a for a in argv if a.endswith(".py")), argv[0])  # a script by its name
                children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(d.name))
            except OSError:
                continue
    out, todo = {}, list(children.get(pid, []))
    while todo:
        p = todo.pop()
        out[p] = Path(names.get(p, "?")).name
        todo += children.get(p, [])
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=["ring8"])
    ap.add_argument("--pairs", nargs="+", default=["ns/none", "hinge/sn"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--eval-every", type=int, default=250, dest="eval_every")
    ap.add_argument("--cpus", type=int, default=sweep.cores())
    args = ap.parse_args(argv)
    cells = sweep.grid(args.datasets, args.pairs, args.seeds, steps=args.steps)
    flags = ["--datasets", *args.datasets, "--pairs", *args.pairs, "--seeds", *map(str, args.seeds),
             "--steps", str(args.steps), "--eval-every", str(args.eval_every), "--cpus", str(args.cpus), "--quiet"]
    print(f"{len(cells)} cells × {args.steps} steps ({', '.join(c.label for c in cells)}), {args.cpus} CPUs; "
          f"load average before: {os.getloadavg()[0]:.1f}")

    t0 = time.perf_counter()
    for c in cells:
        sweep.run_cell(c, args.eval_every)
    sequential = time.perf_counter() - t0
    print(f"sequential, in this process:              {sequential:6.1f} s")

    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "playground", "sweep", *flags, "--out", out], cwd=ROOT, check=True)
        end_to_end = time.perf_counter() - t0
    print(f"sweep, `python -m playground sweep`:      {end_to_end:6.1f} s   speed-up {sequential / end_to_end:.2f}×")

    t0 = time.perf_counter()
    ray, _ = sweep.start_ray(num_cpus=args.cpus)
    init = time.perf_counter() - t0
    t0 = time.perf_counter()
    warm = ray.remote(num_cpus=1)(sweep.cores)
    ray.get([warm.remote() for _ in range(args.cpus)])
    first = time.perf_counter() - t0
    task = ray.remote(num_cpus=1)(cell_in_worker)
    t0 = time.perf_counter()
    mems = ray.get([task.remote(c, args.eval_every) for c in cells])
    warm_run = time.perf_counter() - t0
    ray_procs = {p: n for p, n in descendants(os.getpid()).items() if p not in {m["pid"] for m in mems}}
    own = sorted(((n, rss_mb(p)) for p, n in ray_procs.items() if Path(f"/proc/{p}").exists()), key=lambda x: -x[1])
    t0 = time.perf_counter()
    ray.shutdown()
    shutdown = time.perf_counter() - t0
    print(f"the cells on warm Ray workers:            {warm_run:6.1f} s   speed-up {sequential / warm_run:.2f}×")
    print(f"local Ray start-up: ray.init {init:.1f} s, first task on each of {args.cpus} workers {first:.1f} s "
          f"(a worker imports torch and the project), ray.shutdown {shutdown:.1f} s")
    by_pid = {}
    for m in mems:
        by_pid[m["pid"]] = m
    for m in by_pid.values():
        print(f"worker {m['pid']}: after its cells RSS {m['rss']:.0f} MB, PSS {m['pss']:.0f} MB; peak RSS {m['peak']:.0f} MB")
    print(f"this driver: RSS {rss_mb():.0f} MB; Ray's own processes: {sum(r for _, r in own):.0f} MB "
          f"({', '.join(f'{n} {r:.0f}' for n, r in own if r >= 5)})")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
