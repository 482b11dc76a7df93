"""The presets' promise runs, trained in the background while the rest of the suite runs.

The promises of tests/test_presets.py and tests/test_compare.py need many minutes of one core's
training (each run at its full step budget; each prints its seconds and CPU seconds, shown with -s). Trained when their first test asked, they ran two at a time
while every other test waited. Now conftest.py collects the jobs of the modules whose selected tests
are marked `promise_runs` once collection ends, submits them here (the costliest first) and moves those
tests to the end of the session; the rest of the suite, mostly one busy core, runs meanwhile.

The two training processes run at nice 10: the foreground tests and their own workers (nice 2) keep
the CPU they need (several measure seconds: a dead worker seen within 2 s, three runners advancing),
and the training fills what is left. A test waits only for the runs it reads; a run is trained in
its own spawned process (one torch thread), so a result never depends on the test order.

Most jobs are promise runs, given as `Spec`s (playground/promises.py): `start` plans them, so a config
several promises read at one evaluation cadence is trained once, to the largest budget, and `run(spec)`
hands each promise its prefix. Any other job is (key, function, argument, cost): `function(argument)`
runs in a worker process, `cost` orders the queue (longest first, so the two processes finish together).
"""
from __future__ import annotations

import os
import threading
import time
from multiprocessing import get_context
from multiprocessing.pool import AsyncResult, Pool
from typing import Any, Callable, Hashable


from playground.cli.train import train_promise
from playground.promises import Run, Spec, plan

WORKERS = 2
NICE = 10

Job = tuple[Hashable, Callable[[Any], Any], Any, float]

_pool: Pool | None = None
_futures: dict[Hashable, AsyncResult] = {}
_trained: dict[Spec, Spec] = {}  # each promise run's spec -> the spec trained for it (plan)
_reported: set[Spec] = set()


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


def _covers(trained: Spec, spec: Spec) -> bool:
    """Whether a run of `trained` serves `spec` (its prefix, and raw metrics at the spec's last step)."""
    return (trained.key() == spec.key() and trained.steps >= spec.steps
            and (not spec.raw or (trained.raw and trained.steps == spec.steps)))


def start(items: list[Spec | Job]) -> None:
    """Queue what is not queued yet, the costliest first: the promise runs (Specs) as planned, each
    served by a run already queued where one covers it, and the other jobs as given."""
    global _pool
    if _pool is None:
        _pool = get_context("spawn").Pool(WORKERS, initializer=_background)
    jobs = [i for i in items if not isinstance(i, Spec)]
    queued, new = list(dict.fromkeys(_trained.values())), []
    for s in (i for i in items if isinstance(i, Spec) and i not in _trained):
        t = next((t for t in queued if _covers(t, s)), None)
        if t is None:
            new.append(s)
        else:
            _trained[s] = t
    planned = plan(new)
    _trained.update(planned)
    jobs += [(("promise", t), train_promise, t, training_cost(t.config.to_dict(), t.steps))
             for t in dict.fromkeys(planned.values())]
    for key, fn, arg, _ in sorted(jobs, key=lambda j: -j[3]):
        if key not in _futures:
            _futures[key] = _pool.apply_async(fn, (arg,))


def run(spec: Spec, items: Callable[[], list[Spec | Job]]) -> Run:
    """The promise run of `spec` (the prefix of the run trained for it), waiting for it; queues
    `items()` first if nothing queued it. Prints, once per trained run, its seconds and whom it serves."""
    if spec not in _trained:
        start(items())
    trained = _trained[spec]
    out, seconds, cpu = result(("promise", trained), items)
    if trained not in _reported:
        _reported.add(trained)
        m = out.history[-1]
        print(f"\n{trained.label}: {trained.steps} steps in {seconds:.1f} s ({cpu:.1f} s CPU); "
              f"modes {m.get('modes_covered')}, "
              f"HQ {m.get('high_quality_fraction', float('nan')):.3f}, W1 {m.get('w1', float('nan')):.3f}")
    return out.upto(spec.steps)


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
    _trained.clear()
    _reported.clear()


def training_cost(config: dict, steps: int) -> float:
    """A job's cost for the queue order: critic and generator updates times the batch; an unrolled step
    adds about two updates' cost per unrolled critic update (measured: k = 5 takes 6× a plain step)."""
    return steps * (config["n_critic"] + 1 + 2 * config.get("unroll", 0)) * config["batch_size"]
