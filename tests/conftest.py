"""Shared test setup: one torch thread for every test, and a fixture that runs the package in a fresh
interpreter.

The suite shares two CPU cores between test processes; tiny networks run slower, not faster, on more
intra-op threads. Set here at import time, before pytest imports any test module, so the thread count
also holds while the modules import (and build module-level objects).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests import promise_pool
from tests.helpers_pages import apps  # noqa: F401  (the page tests' fixture, for every module)

ROOT = Path(__file__).resolve().parents[1]
# Child interpreters (CLI tests) run on one thread too, and leave no .pyc files behind.
ONE_THREAD_ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Back to one thread before each test: code under test may change it (a runner's worker, the
    CLI's --threads in process)."""
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def ray_local():
    """A local Ray with 2 CPUs (no dashboard) for one test module, shut down after it (a session-wide
    one would outlive the modules that check for leftover processes)."""
    from playground.live.ray_cluster import start_ray

    ray, started = start_ray(num_cpus=2)
    yield ray
    if started:
        ray.shutdown()


@pytest.fixture
def run_python():
    """run_python(*args, timeout=120) -> (returncode, stdout, stderr) of `python *args` in the
    repository root, one thread, no .pyc files."""
    def run(*args: str, timeout: float = 120) -> tuple[int, str, str]:
        p = subprocess.run([sys.executable, *args], cwd=ROOT, env=ONE_THREAD_ENV, text=True,
                           capture_output=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    return run


def pytest_collection_modifyitems(session, config, items):
    """The tests that read the presets' promise runs go last: their runs train in the background
    (tests/promise_pool.py) while the rest of the suite runs."""
    late = [i for i in items if i.get_closest_marker("promise_runs")]
    if late:
        items[:] = [i for i in items if not i.get_closest_marker("promise_runs")] + late


def pytest_collection_finish(session):
    """Queue the promise runs of the selected modules (their `promise_jobs()`: specs, planned together so
    a run two modules read is trained once, and other jobs) before the first test runs."""
    if session.config.option.collectonly:
        return
    modules = {i.module for i in session.items if i.get_closest_marker("promise_runs")}
    jobs = [job for m in sorted(modules, key=lambda m: m.__name__) for job in m.promise_jobs()]
    if jobs:
        promise_pool.start(jobs)


def pytest_sessionfinish(session, exitstatus):
    promise_pool.shutdown()
