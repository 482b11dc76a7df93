"""The presets' promise runs, trained in the background while the rest of the suite runs.

The promises of tests/test_presets.py and tests/test_compare.py need ~9 minutes of one core's training
(each preset at its full step budget). Trained when their first test asked, they ran two at a time
while every other test waited. Now conftest.py collects the jobs of the modules whose selected tests
are marked `promise_runs` once collection ends, submits them here (the costliest first) and moves those
tests to the end of the session; the rest of the suite, mostly one busy core, runs meanwhile.

The two training processes run at nice 10: the foreground tests and their own workers (nice 2) keep
the CPU they need (several measure seconds: a dead worker seen within 2 s, three runners advancing),
and the training fills what is left. A test waits only for the runs it reads; a run is trained in
its own spawned process (one torch thread), so a result never depends on the test order.

A job is (key, function, argument, cost): `function(argument)` runs in a worker process, `cost`
orders the queue (longest first, so the two processes finish together).
"""
from __future__ import annotations

import os
import threading
import time
from multiprocessing import get_context
from multiprocessing.pool import AsyncResult, Pool
from typing import Any, Callable, Hashable

WORKERS = 2
NICE = 10

Job = tuple[Hashable, Callable[[Any], Any], Any, float]

_pool: Pool | None = None
_futures: dict[Hashable, AsyncResult] = {}


def _background() -> None:
    """Lowest priority, also against processes of other sessions. With the kernel's autogroup
    scheduling (Linux, on by default on desktops and many VMs) nice only ranks processes within one
    session; a local Ray's processes run in sessions of their own, and the two training processes took
    a full core from them (the Ray tests ran 2.7x slower). A session of their own, whose autogroup is
    at nice 19, gives that core back."""
    os.nice(NICE)
    try:
        os.setsid()
        with open("/proc/self/autogroup", "w") as f:
            f.write("19")
    except OSError:  # no autogroup here (nice alone then ranks them) or not permitted
        pass
    # out of the terminal's process group, Ctrl-C no longer reaches them: end with the test session
    parent = os.getppid()
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def start(jobs: list[Job]) -> None:
    """Queue the jobs not queued yet, the costliest first."""
    global _pool
    if _pool is None:
        _pool = get_context("spawn").Pool(WORKERS, initializer=_background)
    for key, fn, arg, _ in sorted(jobs, key=lambda j: -j[3]):
        if key not in _futures:
            _futures[key] = _pool.apply_async(fn, (arg,))


def result(key: Hashable, jobs: Callable[[], list[Job]]) -> Any:
    """The result of the job `key`, waiting for it; queues `jobs()` first if nothing queued it (a test
    run on its own, or a script such as benchmarks/device_check.py)."""
    if key not in _futures:
        start(jobs())
    return _futures[key].get()


def processes() -> list:
    """The pool's worker processes (children of the test session that are not the code under test)."""
    return list(getattr(_pool, "_pool", None) or [])


def shutdown() -> None:
    """Stop the processes at once (a run that no test read, after a failure or -x, is dropped)."""
    global _pool
    if _pool is not None:
        _pool.terminate()
        _pool.join()
        _pool = None
    _futures.clear()


def training_cost(config: dict, steps: int) -> float:
    """A job's cost for the queue order: critic and generator updates times the batch."""
    return steps * (config["n_critic"] + 1) * config["batch_size"]
