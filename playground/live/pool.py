"""Worker processes for live runs: forked from a forkserver that has imported torch once, one spare
kept ready, counted against the machine's memory.

Workers start from a `forkserver` (POSIX) whose process imported torch and the engine once
(`PRELOAD`): a new worker is a fork of it, ready in well under a second and sharing those pages with
its siblings, instead of a fresh interpreter importing torch for ~4.5 s of CPU. The forkserver has
run no torch operation, so no thread pool is forked. Without forkserver (Windows), workers are
spawned. This module imports neither torch nor the engine, so the app starts the forkserver (through
its first spare) before the server itself imports torch: app.py calls `POOL.warm()` first thing.

    POOL.warm()            # make a spare in the background if there is none (returns at once)
    proc, commands, out = POOL.take()   # the spare (or a new process); the next spare follows
"""
from __future__ import annotations

import multiprocessing as mp
import os
import runpy
import sys
import threading
import time
import types
import weakref

from ..errors import ConfigError

__all__ = ["MAX_WORKERS", "WORKER_MEMORY", "POOL", "CapacityError", "WorkerPool", "live_workers"]

# Each worker counts as ~400 MB, a whole toy worker process (RSS, torch and the engine imported): more
# than a forked MNIST worker's share, ~220 MB PSS (benchmarks/results/worker_memory.md). A fifth of the
# machine's memory stays for the server and the rest.
WORKER_MEMORY = 400 << 20
TOTAL_MEMORY = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") if hasattr(os, "sysconf") else 8 << 30
MAX_WORKERS = max(1, int(0.8 * TOTAL_MEMORY) // WORKER_MEMORY)
SPARE_DELAY = 6.0  # seconds between handing out the spare and making the next one


class CapacityError(ConfigError):
    """No memory left for another worker process."""


_main_lock = threading.Lock()


def _start_without_main(proc) -> None:
    """Start a worker process without making it re-run the parent's __main__. Under Streamlit,
    __main__ is the page script being executed, and the child (spawned, or forked by the forkserver:
    both prepare it from the parent's __main__) would execute that page again, where it fails: no
    session. The child needs only playground.live.worker."""
    with _main_lock:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            proc.start()
        finally:
            if main is not None:
                sys.modules["__main__"] = main


# imported once by the forkserver: the worker (torch, the engine), torch's compiler stack (built lazily
# by the first optimiser, ≈ 1.3 s) and POT's solver (the first W1, ≈ 0.2–0.7 s)
PRELOAD = ["playground.live.worker", "torch._dynamo", "ot.lp"]


def _context():
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return mp.get_context("spawn")


def _new_process() -> tuple:
    """A worker process with its two queues, waiting for its Configure command. The first call starts
    the forkserver and blocks until it has imported PRELOAD."""
    ctx = _context()
    commands, out = ctx.Queue(), ctx.Queue()
    state = {"COMMANDS": commands, "OUT": out, "ENVIRON": dict(os.environ)}
    proc = ctx.Process(target=runpy.run_module, args=("playground.live.worker_main",), name="gan-runner", daemon=True,
                       kwargs={"run_name": "__main__", "init_globals": state})
    _start_without_main(proc)
    return proc, commands, out


_HANDED: "weakref.WeakSet" = weakref.WeakSet()  # processes handed out by take() (their runners hold them)


def live_workers() -> int:
    """Worker processes alive now: the ones handed out and the spare."""
    spare = POOL.spare
    return sum(1 for p in list(_HANDED) if p.is_alive()) + (1 if spare is not None and spare[0].is_alive() else 0)


def _remote() -> bool:
    """Runs go to a Ray cluster (its nodes start the workers): no local spare. Read from the
    environment here, not through ray_worker, which imports the engine."""
    return bool(os.environ.get("GANPG_RAY_ADDRESS", "").strip())  # ray_worker.ADDRESS_VAR


class WorkerPool:
    """One spare worker process kept ready. `warm()` makes one in a background thread (the first one
    waits for the forkserver's imports); `take()` hands it out, and the next spare follows SPARE_DELAY
    later; a spare that died is replaced. Counts toward MAX_WORKERS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spare: tuple | None = None
        self._warming: threading.Thread | None = None
        self._not_before = 0.0  # after a take(), the next spare waits SPARE_DELAY (its timer makes it)

    def warm(self) -> None:
        """Make the spare if there is none, in the background (returns at once). Not from a process
        that is itself a worker child (it may be importing a page as its __main__)."""
        if mp.parent_process() is not None or _remote() or time.monotonic() < self._not_before:
            return
        with self._lock:
            if self._warming is not None or (self._spare is not None and self._spare[0].is_alive()):
                return
            if live_workers() >= MAX_WORKERS:
                return
            self._warming = threading.Thread(target=self._make_spare, name="gan-pool-warm", daemon=True)
            self._warming.start()

    def _make_spare(self) -> None:
        try:
            spare = _new_process()
        except Exception:  # take() makes its own process and reports what fails
            spare = None
        with self._lock:
            self._spare, self._warming = spare, None

    def take(self) -> tuple:
        warming = self._warming
        if warming is not None:
            warming.join()
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is None or not spare[0].is_alive():
            if live_workers() >= MAX_WORKERS:
                raise CapacityError(
                    f"This server is already running {MAX_WORKERS} training processes, as many as its "
                    f"{TOTAL_MEMORY / 2**30:.0f} GB of memory hold (about {WORKER_MEMORY >> 20} MB each). "
                    f"Try again when another session closes.")
            spare = _new_process()
        _HANDED.add(spare[0])
        self._not_before = time.monotonic() + SPARE_DELAY
        # the next spare after a pause: a spawned one (no forkserver) imports torch for ~4.5 s of CPU,
        # which competed with this run's own start and the browser drawing its first frame
        timer = threading.Timer(SPARE_DELAY + 0.05, self.warm)
        timer.daemon = True
        timer.start()
        return spare

    @property
    def spare(self):
        return self._spare


POOL = WorkerPool()
