"""Faults and bad input get a sentence, and Reset recovers: a killed worker, runs sharing the cores,
no memory for another worker, a missing device, networks too big to train, settings that do not apply,
an oversized URL value."""
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from playground.live import pool as pool_module
from playground.live import runner as runner_module
from playground.config import MEMORY_BUDGET, ConfigError, RunConfig
from playground.models.mlp import MLP, mlp_parameters, pair_memory
from playground.live.runner import Options, Runner, RunState
from tests.conftest import ONE_THREAD_ENV, ROOT
from tests.helpers_engine import seconds_until, wait_for

CFG = RunConfig(dataset="two_modes1d", batch_size=64, g_width=32, d_width=32, g_depth=2, d_depth=2)


def _torch_loaded(pid: int) -> bool:
    """PyTorch's library is mapped in the process (a forkserver child has it from its parent, pool.PRELOAD;
    a spawned one once it has imported torch). Without /proc there is no telling: True."""
    try:
        with open(f"/proc/{pid}/maps") as f:
            return "libtorch" in f.read()
    except FileNotFoundError:
        return True


def _spare_ready() -> bool:
    spare = runner_module.POOL.spare
    return spare is not None and _torch_loaded(spare[0].pid)


# ----- the worker process dies -------------------------------------------------------------------
def test_a_killed_worker_is_reported_and_reset_replaces_it():
    r = Runner(CFG, Options(threads=1, snapshot_interval=0.05))
    try:
        assert r.wait_idle(60)
        r.play()
        assert wait_for(lambda: r.status().step >= 20, timeout=30)
        r.pause()
        assert r.wait_idle(20)
        shown = r.snapshot()
        os.kill(r._proc.pid, signal.SIGKILL)
        seen = seconds_until(lambda: r.status().state == RunState.DEAD, timeout=10)
        assert seen is not None, r.status()
        print(f"killed worker reported dead after {seen:.2f} s")
        s = r.status()
        assert "ended unexpectedly" in s.message and "signal 9" in s.message and "Reset" in s.message
        assert r.snapshot() is shown and r.snapshot().history, "what was on screen stays, with its history"
        assert not r.stopped, "a dead worker is not a stopped handle: the page keeps it and its snapshot"
        r.play()  # a dead run does not pretend to train
        assert r.status().state == RunState.DEAD
        # the reset below takes the pool's spare: time it once the spare is ready (a user reads the message first)
        assert wait_for(_spare_ready, timeout=30)
        t0 = time.monotonic()
        r.reset()
        assert r.wait_idle(60)
        took = time.monotonic() - t0
        print(f"reset after a dead worker: idle again after {took:.2f} s")
        s = r.status()
        assert (s.state, s.step) == (RunState.IDLE, 0) and r.alive
        r.step(3)
        assert r.wait_idle(30) and r.status().step == 3
    finally:
        r.stop()


SERVER_KILLED = """
import os, signal
from playground.config import RunConfig
from playground.live.runner import Options, Runner
a = Runner(RunConfig(dataset="ring8", g_width=8, d_width=8), Options(threads=1))
b = Runner(RunConfig(dataset="ring8", g_width=8, d_width=8), Options(threads=1))  # forked at once, no spare
assert a.wait_idle(60) and b.wait_idle(60)
print(a._proc.pid, b._proc.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # the server goes away without stopping anything
"""


def _alive(pid: int) -> bool:
    """A process that exists and is not a zombie (an orphan's exit may be reaped late in a container)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
def test_workers_end_when_the_server_is_killed():
    """Workers are children of the forkserver, not of the server: each still notices the server's death
    (through its parent sentinel) and exits, rather than holding its memory forever."""
    server = subprocess.Popen([sys.executable, "-c", SERVER_KILLED], cwd=ROOT, env=ONE_THREAD_ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    pids = [int(p) for p in server.stdout.readline().split()]  # (the workers hold the pipe open)
    assert server.wait(60) == -signal.SIGKILL and len(pids) == 2
    try:
        assert wait_for(lambda: not any(_alive(p) for p in pids), timeout=10), \
            f"workers {pids} outlived the server"
    finally:
        for p in filter(_alive, pids):
            os.kill(p, signal.SIGKILL)


# ----- sharing: every run trains, and says how many share the machine -------------------------------
def test_three_runners_all_advance_and_count_each_other():
    runners = [Runner(CFG, Options(mode="thread", threads=1, snapshot_interval=0.05)) for _ in range(3)]
    try:
        for r in runners:
            assert r.wait_idle(30)
        assert runner_module.sharing() == 0
        for r in runners:
            r.play()
        assert wait_for(lambda: all(r.status().step > 0 for r in runners), timeout=30), \
            [r.status() for r in runners]
        assert wait_for(lambda: runners[0].status().sharing == 3, timeout=10)
        before = [r.status().step for r in runners]
        assert wait_for(lambda: all(r.status().step > b for r, b in zip(runners, before)), timeout=10), \
            "every run keeps advancing"
        runners[2].pause()
        assert wait_for(lambda: runners[0].status().sharing == 2, timeout=10)
    finally:
        for r in runners:
            r.stop()
    assert runner_module.sharing() == 0


def test_no_memory_for_another_worker_is_a_sentence(monkeypatch):
    monkeypatch.setattr(pool_module, "MAX_WORKERS", 0)
    monkeypatch.setattr(pool_module.POOL, "_spare", None)
    with pytest.raises(runner_module.CapacityError) as info:
        Runner(CFG, Options(threads=1))
    msg = str(info.value)
    assert "training processes" in msg and "GB of memory" in msg and "MB each" in msg
    assert isinstance(info.value, ConfigError)


def test_the_pool_keeps_a_warm_spare():
    runner_module.POOL.warm()  # spawns one, or its timer does within SPARE_DELAY of an earlier take()
    assert wait_for(lambda: runner_module.POOL.spare is not None, timeout=10)
    spare = runner_module.POOL.spare
    assert spare[0].is_alive()
    r = Runner(CFG, Options(threads=1))
    try:
        assert r._proc is spare[0], "the runner took the warm spare"
        assert r.wait_idle(60)
        assert wait_for(lambda: runner_module.POOL.spare is not None, timeout=10), "and a new spare is on its way"
    finally:
        r.stop()


# ----- the device ------------------------------------------------------------------------------------
@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_a_missing_cuda_device_is_a_config_error():
    with pytest.raises(ConfigError) as info:
        RunConfig(device="cuda").validate()
    assert info.value.field == "device" and "not available" in str(info.value) and "'cpu'" in str(info.value)
    cfg, warnings = RunConfig.from_query({"device": "cuda"})
    assert cfg.device == "auto" and len(warnings) == 1 and "not available" in warnings[0]


def test_an_unavailable_device_never_starts_a_worker():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ConfigError):
        Runner(RunConfig(device="cuda"), Options(mode="thread"))


# ----- size budget --------------------------------------------------------------------------------
def test_parameter_count_matches_the_built_network():
    for n_in, n_out, w, d in ((2, 1, 128, 3), (100, 2, 17, 1), (1, 1, 5, 4)):
        built = sum(p.numel() for p in MLP(n_in, n_out, w, d).parameters())
        assert mlp_parameters(n_in, n_out, w, d) == built


def test_networks_beyond_the_memory_budget_are_refused_with_the_budget():
    huge = RunConfig(g_width=4096, d_width=4096, g_depth=16, d_depth=16)
    with pytest.raises(ConfigError) as info:
        huge.validate()
    msg = str(info.value)
    assert "1 GB" in msg and "parameters" in msg and "smaller width" in msg
    assert pair_memory(huge, 2)[2] > MEMORY_BUDGET
    RunConfig().validate()
    RunConfig(g_width=1024, d_width=1024, g_depth=4, d_depth=4).validate()  # big, but it fits


# ----- settings that do not apply, oversized values ---------------------------------------------------
def test_dataset_parameters_that_do_not_apply_are_refused():
    with pytest.raises(ConfigError, match="digit subset does not apply"):
        RunConfig(dataset="ring8", digits="3").validate()
    with pytest.raises(ConfigError, match="custom mixture does not apply"):
        RunConfig(dataset="mnist", mixture="1, 0, 1").validate()
    RunConfig(dataset="mnist", digits="3").validate()


def test_an_oversized_url_value_is_not_echoed_whole():
    _, warnings = RunConfig.from_query({"loss": "x" * 10_000, "g_lr": "y" * 10_000})
    assert len(warnings) == 2 and all(len(w) < 400 for w in warnings)
    assert "10,002 characters" in warnings[0]


# ----- downloads: what is on screen at the click ---------------------------------------------------
def test_history_downloads_are_built_at_the_click():
    from playground.ui.live import history_files

    r = Runner(CFG, Options(mode="thread", threads=1))
    try:
        assert r.wait_idle(20)
        csv, json_ = history_files(r)  # made when the page was drawn, at step 0
        r.step(20)
        assert r.wait_idle(20)
        last = csv().strip().splitlines()[-1]
        assert last.split(",")[0] == "20", last  # the step column of the last row: now, not step 0
        assert '"step": 20' in json_()
    finally:
        r.stop()
