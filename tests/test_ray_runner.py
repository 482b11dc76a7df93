"""Live runs on Ray (playground/live/ray_worker.py), on a local Ray with 2 CPUs (conftest's ray_local): the
runner's controls work the same, the history is the local process's, a lost actor is reported and
Reset recovers, the page names where the run trains. And without GANPG_RAY_ADDRESS, Ray is never loaded."""
from __future__ import annotations

import os
import signal

import pytest

from playground.config import RunConfig
from playground.live import ray_worker
from playground.live.runner import Options, Runner, RunState
from tests.helpers_engine import history_without_time, wait_for, worker_turns
from tests.helpers_pages import TOY, load_page, runner_of, status_text

SMALL = dict(dataset="ring8", g_width=32, d_width=32, batch_size=64, seed=5)
ONE_THREAD = dict(threads=1, snapshot_interval=0.05)


def _wait(predicate, timeout: float) -> float:
    """Seconds until predicate() held (fails after `timeout`)."""
    took = wait_for(predicate, timeout)
    assert took is not None, f"not within {timeout} s"
    return took


def _steps(runner: Runner, n: int) -> list:
    runner.step(n)
    assert runner.wait_idle(60)
    return runner.snapshot().history


@pytest.fixture
def ray_runner(ray_local):
    runners = []

    def make(config: RunConfig, **opts) -> Runner:
        r = Runner(config, Options(mode="ray", **{**ONE_THREAD, **opts}))
        runners.append(r)
        assert r.wait_idle(90), r.status()
        return r

    yield make
    for r in runners:
        r.stop()


def test_a_live_run_on_ray_plays_pauses_resets_and_matches_the_local_process(ray_runner):
    config = RunConfig(**SMALL)
    r = ray_runner(config)
    s = r.status()
    assert s.state == RunState.IDLE and s.step == 0 and s.where.startswith("Ray node 127.0.0.1")
    assert r.snapshot() is not None and r.snapshot().step == 0

    on_ray = _steps(r, 40)
    local = Runner(config, Options(mode="process", **ONE_THREAD))
    try:
        assert local.wait_idle(90)
        assert history_without_time(_steps(local, 40)) == history_without_time(on_ray)  # same config and seed, same run
    finally:
        local.stop()

    r.play()
    _wait(lambda: r.status().step > 60, 30)  # it trains by itself, and the handle hears of it
    r.pause()
    assert r.wait_idle(30)
    paused = r.status()
    assert paused.state == RunState.PAUSED and r.snapshot().step == paused.step > 60
    worker_turns(r)
    assert r.status().step == paused.step  # paused means paused
    assert r.replay.steps()[-1] == paused.step  # the frames were recorded as they came

    r.reset()
    assert r.wait_idle(30)
    assert r.status().state == RunState.IDLE and r.snapshot().step == 0
    assert history_without_time(_steps(r, 40)) == history_without_time(on_ray)  # a reset starts the same run again

    proc = r._proc
    r.stop()
    assert r.status().state == RunState.STOPPED and not proc.is_alive()


def test_a_killed_actor_is_reported_and_reset_starts_a_new_one(ray_runner):
    r = ray_runner(RunConfig(**SMALL))
    r.play()
    _wait(lambda: r.status().step > 20, 30)
    shown = r.snapshot().step
    old = r._proc
    os.kill(old.node["pid"], signal.SIGKILL)  # as if its node went away
    took = _wait(lambda: r.status().state == RunState.DEAD, 10)
    s = r.status()
    assert "ended unexpectedly" in s.message and "Ray actor was lost" in s.message, s.message
    assert took < 5.0, took
    assert r.snapshot().step >= shown  # what it had shown stays, for the page and the downloads

    r.reset()
    assert r.wait_idle(90)
    s = r.status()
    assert s.state == RunState.IDLE and s.step == 0 and r._proc is not old and r._proc.is_alive()
    assert _steps(r, 5)[-1]["step"] == 5


def test_a_run_waits_for_a_free_cpu_and_says_so(ray_runner, ray_local):
    a, b = ray_runner(RunConfig(**SMALL)), ray_runner(RunConfig(**SMALL))  # the cluster's 2 CPUs
    _wait(lambda: ray_local.available_resources().get("CPU", 0) == 0, 10)
    c = Runner(RunConfig(**SMALL), Options(mode="ray", **ONE_THREAD))
    try:
        s = c.status()
        assert s.state == RunState.STARTING and "Waiting for the Ray cluster" in s.message, s
        a.stop()
        assert c.wait_idle(90) and c.status().state == RunState.IDLE and c.status().where.startswith("Ray node")
        # it waited for a's CPU, and holds it now: none is free
        _wait(lambda: ray_local.available_resources().get("CPU", 0) == 0, 10)
        b.play(), c.play()
        _wait(lambda: b.status().step > 10 and c.status().step > 10, 30)
        assert c.status().sharing == 2  # the runs training from this server
    finally:
        c.stop()


def test_a_cluster_with_gpus_offers_cuda_and_its_runs_ask_for_one(ray_local, monkeypatch, request):
    """This machine has no GPU: the cluster's resources are faked; what is checked is that "cuda" becomes
    a valid device (config.REMOTE_DEVICES) and that a CUDA run's actor asks for one GPU."""
    from playground import config as C

    if C.device_available("cuda") and "cuda" not in C.REMOTE_DEVICES:
        pytest.skip("this machine has CUDA itself")
    with pytest.raises(C.ConfigError, match="not available"):
        RunConfig(**SMALL, device="cuda").validate()
    monkeypatch.setattr(ray_worker, "_cluster", None)
    monkeypatch.setattr(ray_local, "cluster_resources", lambda: {"CPU": 64.0, "GPU": 4.0})
    saved = set(C.REMOTE_DEVICES)
    request.addfinalizer(lambda: (C.REMOTE_DEVICES.clear(), C.REMOTE_DEVICES.update(saved)))
    assert ray_worker.describe() == "Ray cluster None · 64 CPUs · 4 GPUs"  # no address: a Ray already running
    RunConfig(**SMALL, device="cuda").validate()  # no ConfigError now
    asked = []
    monkeypatch.setattr(ray_worker, "_actor_classes", {})
    monkeypatch.setattr(ray_local, "remote", lambda **opts: asked.append(opts) or (lambda cls: _NoActor()))
    ray_worker.new_worker(RunConfig(**SMALL, device="cuda"), Options())
    ray_worker.new_worker(RunConfig(**SMALL), Options())
    assert [(o["num_cpus"], o["num_gpus"]) for o in asked] == [(1, 1), (1, 0)]


class _NoActor:
    """Stands in for an actor class whose actor is never started (no GPU here to place it on)."""

    def remote(self):
        return None


def test_the_address_variable_sends_the_toy_pages_run_to_ray_and_the_page_says_where(ray_local, monkeypatch, apps):
    """The page's runner is a plain one (mode "process", threads unset): the variable sends it to Ray, on
    one thread (the actor holds one CPU)."""
    monkeypatch.setenv(ray_worker.ADDRESS_VAR, "local")  # Ray runs in this process already: it is reused
    at = load_page(TOY, apps, {"dataset": "ring8", "g_width": "32", "d_width": "32"})
    r = runner_of(at, "toy")
    assert r.opts.mode == "ray" and r.opts.threads == 1
    assert r.status().where.startswith("Ray node")
    assert "on Ray node 127.0.0.1" in status_text(at), status_text(at)
    assert any("Ray cluster local · 2 CPUs" in c.value for c in at.sidebar.caption)
    assert ray_worker.cluster()["cpus"] == 2


def test_a_cluster_that_does_not_answer_is_a_sentence(monkeypatch, apps):
    monkeypatch.setenv(ray_worker.ADDRESS_VAR, "127.0.0.1:9")  # nothing listens on the discard port
    at = load_page(TOY, apps)
    text = " ".join(e.value for e in at.error)
    assert "Ray cluster at `127.0.0.1:9`" in text and "cannot be reached" in text, text
    assert not status_text(at)  # no run was started


RAY_FREE_RUNNER = """
import sys
from playground.config import RunConfig
from playground.live.runner import Options, Runner
r = Runner(RunConfig(dataset="ring8", g_width=8, d_width=8, batch_size=16), Options(threads=1))
assert r.wait_idle(90)
r.step(3); r.wait_idle(30)
print(r.opts.mode, r.snapshot().step, sorted(m for m in sys.modules if m == "ray" or m.startswith("ray.")))
r.stop()
"""


def test_without_the_variable_a_live_run_never_imports_ray(run_python):
    rc, out, err = run_python("-c", RAY_FREE_RUNNER)  # the suite's environment, without the variable
    assert rc == 0, err
    assert out.split() == ["process", "3", "[]"]
