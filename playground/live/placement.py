"""Which cores the server and its training workers run on (Linux CPU affinity).

While the runs training leave cores to spare, the server's threads keep to the first core(s) and the
training workers to the others. The server wakes up many times a second for a live page (script
reruns, websocket frames, the snapshot queues); on a worker's core each wake-up pre-empts the worker
(which runs at a lower priority, WORKER_NICE), and the worker also trained less per CPU second.
Kept apart, a live page with its viewer's browser on another machine trains at nearly the headless
speed (`benchmarks/live_overhead.py --browser-cpus 0`; benchmarks/results/live_overhead.md). A browser
on the same cores is not ours to place: its renderer still lands on the worker's core. Once the runs training would fill the cores left to them, every process may use every
core again and the kernel shares them.

    plan(cpus, n)      the rule: a Placement(server, workers) for n runs training on the cores `cpus`
    place(pids)        applies it to this process and the given running workers (every thread of each)

Nothing happens where the OS has no CPU affinity (macOS, Windows) or the server may use only one core.
"""
from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass
from typing import Iterable

__all__ = ["CPUS", "SERVER_CORES_PER_RUN", "Placement", "plan", "place"]

# The server takes 0.13–0.21 cores per live toy or MNIST page (live_overhead.py's "server" figure,
# benchmarks/results/live_overhead.md): a quarter of a core each keeps it from queueing behind itself.
SERVER_CORES_PER_RUN = 0.25
CPUS: frozenset[int] = frozenset(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else frozenset()


@dataclass(frozen=True)
class Placement:
    server: frozenset[int]
    workers: frozenset[int]

    @property
    def apart(self) -> bool:
        return not (self.server & self.workers)


def plan(cpus: Iterable[int], n_training: int) -> Placement:
    """n runs training on `cpus`: the server on the first ⌈n·SERVER_CORES_PER_RUN⌉ cores (at least one),
    the workers on the rest, if at least n cores remain for them (one per run); else all on all."""
    cpus = frozenset(cpus)
    front = max(1, math.ceil(n_training * SERVER_CORES_PER_RUN - 1e-9))
    if n_training < 1 or len(cpus) - front < n_training:
        return Placement(cpus, cpus)
    order = sorted(cpus)
    return Placement(frozenset(order[:front]), frozenset(order[front:]))


_lock = threading.Lock()


def _set(pid: int, cpus: frozenset[int]) -> None:
    """Every thread of process `pid` onto `cpus` (affinity is per thread; a thread made later inherits
    its creator's). A process or thread that has just ended is skipped."""
    try:
        tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        tids = [pid]
    for tid in tids:
        try:
            os.sched_setaffinity(tid, cpus)
        except OSError:
            pass


def place(workers: Iterable[int], anywhere: bool = False) -> Placement | None:
    """Apply plan(CPUS, len(workers)) to this process (the server) and the worker processes `workers`
    (those training now). `anywhere`: a run trains inside this process (a thread runner), so the server
    keeps every core. Returns what was applied (None: no CPU affinity here)."""
    if not hasattr(os, "sched_setaffinity") or len(CPUS) < 2:
        return None
    workers = list(workers)
    p = Placement(CPUS, CPUS) if anywhere else plan(CPUS, len(workers))
    with _lock:
        _set(os.getpid(), p.server)
        for pid in workers:
            _set(pid, p.workers)
    return p
