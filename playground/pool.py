"""Worker processes for live runs: spawned ahead of need, counted against the machine's memory.

Imports neither torch nor the engine, so the app can spawn its first spare before the server itself
imports torch (app.py does it first thing): the spare's imports (~3 s of CPU) overlap the server's
instead of following them. The child runs worker_main.py, which imports the worker.

    POOL.warm()            # spawn a spare if there is none (returns at once)
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

from .errors import ConfigError

__all__ = ["MAX_WORKERS", "WORKER_MEMORY", "POOL", "CapacityError", "WorkerPool", "live_workers"]

# Measured: a worker process training the default toy networks holds ~400 MB (RSS; torch and the
# engine imported, a toy MLP pair). Keep a fifth of the machine's memory for the server and the rest.
WORKER_MEMORY = 400 << 20
TOTAL_MEMORY = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") if hasattr(os, "sysconf") else 8 << 30
MAX_WORKERS = max(1, int(0.8 * TOTAL_MEMORY) // WORKER_MEMORY)
SPARE_DELAY = 6.0  # seconds between handing out the spare and spawning the next one


class CapacityError(ConfigError):
    """No memory left for another worker process."""


_main_lock = threading.Lock()


def _start_without_main(proc) -> None:
    """Start a spawned process without making it re-run the parent's __main__. Under Streamlit,
    __main__ is the page script being executed, and `spawn` would execute that page again in the
    child (where it fails: no session). The child needs only playground.worker."""
    with _main_lock:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            proc.start()
        finally:
            if main is not None:
                sys.modules["__main__"] = main


def _new_process() -> tuple:
    """A spawned worker process with its two queues; it imports torch and the engine while it starts,
    then waits for its Configure command."""
    ctx = mp.get_context("spawn")
    commands, out = ctx.Queue(), ctx.Queue()
    proc = ctx.Process(target=runpy.run_module, args=("playground.worker_main",), name="gan-runner", daemon=True,
                       kwargs={"run_name": "__main__",
                               "init_globals": {"COMMANDS": commands, "OUT": out, "PARENT_PID": os.getpid()}})
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
    """One spare worker process kept ready (spawned ahead of need). `take()` hands it out and spawns
    the next spare after SPARE_DELAY; a spare that died is replaced. Counts toward MAX_WORKERS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spare: tuple | None = None
        self._not_before = 0.0  # after a take(), the next spare waits SPARE_DELAY (its timer spawns it)

    def warm(self) -> None:
        """Spawn the spare now if there is none (returns at once: the child imports on its own). Not
        from a process that is itself a spawned child (it may be importing a page as its __main__)."""
        if mp.parent_process() is not None or _remote() or time.monotonic() < self._not_before:
            return
        with self._lock:
            if self._spare is None or not self._spare[0].is_alive():
                if live_workers() < MAX_WORKERS:
                    self._spare = _new_process()

    def take(self) -> tuple:
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
        # the next spare after a pause: spawning it at once (importing torch, ≈ 3 s of CPU) competed with
        # this run's own start and the browser drawing its first frame
        timer = threading.Timer(SPARE_DELAY + 0.05, self.warm)
        timer.daemon = True
        timer.start()
        return spare

    @property
    def spare(self):
        return self._spare


POOL = WorkerPool()
