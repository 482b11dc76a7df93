"""Runner semantics without Streamlit: play / pause / step / reset, heartbeat, bounded history,
divergence handling, and no thread left alive after stop."""
import dataclasses
import pickle
import threading
import time

import pytest

from playground.config import RunConfig
from playground.live.runner import Options, Runner, RunState
from playground.live.worker import Published, Reset, StateChanged
from tests import promise_pool
from tests.helpers_engine import wait_for, worker_turns

CFG = RunConfig(dataset="two_modes1d", batch_size=64, g_width=32, d_width=32, g_depth=2, d_depth=2)
THREAD = Options(mode="thread", threads=1)  # in-process worker, one torch thread


def opts(**changes) -> Options:
    return dataclasses.replace(THREAD, **changes)


@pytest.fixture
def runner():
    r = Runner(CFG, opts(snapshot_interval=0.05, eval_interval=0.2))
    assert r.wait_idle(20)
    yield r
    r.stop()
    assert not r.alive


def test_starts_idle_with_a_step_zero_snapshot(runner):
    s = runner.status()
    assert s.state == "idle" and s.step == 0
    snap = runner.snapshot()
    assert snap.step == 0 and snap.kind == "1d"
    assert any("w1" in h for h in snap.history), "the step-0 evaluation is in the history"


def test_step_runs_exactly_n_steps_and_publishes(runner):
    runner.step(3)
    assert runner.wait_idle(20)
    assert runner.status().step == 3 and runner.snapshot().step == 3
    runner.step(1)
    runner.step(1)
    assert runner.wait_idle(20)
    assert runner.status().step == 5 and runner.status().state == "paused"


def test_play_pause_idempotent(runner):
    runner.play()
    runner.play()  # harmless
    assert wait_for(lambda: runner.status().step > 20, timeout=20)
    assert runner.status().state == "running"
    runner.pause()
    runner.pause()
    assert runner.wait_idle(10)
    s1 = runner.status()
    assert s1.state == "paused"
    worker_turns(runner)
    assert runner.status().step == s1.step, "nothing trains while paused"
    assert wait_for(lambda: runner.snapshot().step == s1.step, timeout=20), "the snapshot shows where the pause landed"


def test_reset_starts_over_with_the_new_config(runner):
    runner.step(4)
    runner.wait_idle(20)
    new = CFG.replace(seed=3)
    runner.reset(new)
    assert runner.wait_idle(20)
    s = runner.status()
    assert s.step == 0 and s.state == "idle" and s.config.seed == 3
    assert runner.snapshot().step == 0


def test_same_run_as_the_trainer_alone(runner):
    """Training through the runner (chunks, evaluations, snapshots) gives the trainer's exact run."""
    from playground.trainer import Trainer
    runner.step(7)
    runner.wait_idle(20)
    t = Trainer(CFG)
    t.run(7)
    t.evaluate()
    mine = [h for h in runner.snapshot().history if h["step"] == 7]
    assert mine and mine[-1]["g_loss"] == t.history[-1]["g_loss"] and mine[-1]["w1"] == t.history[-1]["w1"]


def test_live_config_change_applies_and_structural_change_is_refused(runner):
    assert runner.update_config(CFG.replace(g_lr=1e-3, n_critic=2))
    runner.step(1)
    runner.wait_idle(20)
    assert runner.snapshot().config["g_lr"] == pytest.approx(1e-3)
    assert runner.snapshot().config["n_critic"] == 2
    assert not runner.update_config(CFG.replace(loss="wgan"))
    assert runner.needs_reset(CFG.replace(dataset="ring8"))


def test_heartbeat_pauses_an_unwatched_run():
    r = Runner(CFG, opts(heartbeat_timeout=0.5, snapshot_interval=0.05))
    try:
        r.wait_idle(20)
        r.heartbeat()
        r.play()
        assert wait_for(lambda: r.status().state == "paused", timeout=10)
        assert "nobody watched" in r.status().message
    finally:
        r.stop()


def test_history_is_bounded():
    r = Runner(CFG, opts(max_history=60, snapshot_interval=0.05, eval_interval=0.1, log_every=1))
    try:
        r.wait_idle(20)
        r.play()
        assert wait_for(lambda: r.status().step > 300, timeout=120)
        r.pause()
        r.wait_idle(10)
        h = r.snapshot().history
        assert len(h) <= 60 + 30
        steps = [x["step"] for x in h]
        assert steps == sorted(steps) and steps[-1] == r.status().step, "recent records kept, in order"
        assert steps[0] <= 5, "the start of the run is still represented"
    finally:
        r.stop()


def test_divergence_stops_with_a_message_and_keeps_history():
    bad = CFG.replace(g_lr=1e12, d_lr=1e12)
    r = Runner(bad, THREAD)
    try:
        r.wait_idle(20)
        r.play()
        assert wait_for(lambda: r.status().state == "diverged", timeout=20)
        s = r.status()
        assert "Diverged" in s.message and "step" in s.message
        snap = r.snapshot()
        assert snap.diverged is not None and snap.diverged["step"] >= 1
        assert len(snap.history) >= 1
        r.play()  # harmless: stays diverged until reset
        worker_turns(r)
        assert r.status().state == "diverged"
        r.reset(CFG)
        assert r.wait_idle(20) and r.status().state == "idle"
    finally:
        r.stop()


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_nothing_left_alive_after_stop(mode):
    import multiprocessing
    before = {t.ident for t in threading.enumerate()}
    r = Runner(CFG, opts(mode=mode))
    assert r.wait_idle(60)
    r.play()
    assert wait_for(lambda: r.status().step > 5, timeout=30)
    r.stop()
    assert not r.alive

    def leftover():
        return [t.name for t in threading.enumerate() if t.ident not in before and t.name.startswith("gan-runner")]
    assert wait_for(lambda: leftover() == [], timeout=5), leftover()  # the receiver ends within its 0.2 s poll
    from playground.live.runner import POOL
    spare = POOL.spare[0] if POOL.spare is not None else None
    # the pool's warm spare waits for the next runner (and the suite's promise runs train in the
    # background: tests/promise_pool.py); nothing else is left
    others = {spare, *promise_pool.processes()}
    assert [c for c in multiprocessing.active_children() if c not in others] == []


def test_process_mode_trains_like_thread_mode():
    """The spawned worker runs the same seeded run: same losses at the same step."""
    results = []
    for mode in ("thread", "process"):
        r = Runner(CFG, opts(mode=mode))
        try:
            assert r.wait_idle(60)
            r.step(5)
            assert r.wait_idle(60)
            results.append([(h["step"], h.get("g_loss"), h.get("w1")) for h in r.snapshot().history])
        finally:
            r.stop()
    assert results[0] == results[1]


def _evaluations_while_running(monkeypatch, share: float, seconds: float = 4.0, cost: float = 0.3):
    """(evaluations, share of the time they took) over `seconds` of Play, each evaluation slowed by `cost`."""
    from playground.trainer import Trainer
    calls, real = [], Trainer.evaluate

    def slow_evaluate(self):
        calls.append(time.monotonic())
        t0 = time.thread_time()  # busy, not asleep: the worker spaces views by the CPU time they take
        while time.thread_time() - t0 < cost:
            pass
        return real(self)

    monkeypatch.setattr(Trainer, "evaluate", slow_evaluate)
    r = Runner(CFG, opts(snapshot_interval=0.05, eval_interval=0.05, view_share=share))
    try:
        assert r.wait_idle(20)
        r.heartbeat()
        t0, n0 = time.monotonic(), len(calls)
        r.play()
        time.sleep(seconds)  # a measurement window, not a wait for something to happen
        elapsed, n = time.monotonic() - t0, len(calls) - n0
        r.pause()
        r.wait_idle(10)
    finally:
        r.stop()
    return n, n * cost / elapsed


def test_slow_evaluations_are_spaced_out(monkeypatch):
    """An evaluation that takes 0.3 s (an MNIST DCGAN's takes seconds) must not eat the run: with
    view_share 0.2 evaluations wait ≥ 9 × 0.3 s after each other; with 2.0 (no wait) they run back to back."""
    n_spaced, busy_spaced = _evaluations_while_running(monkeypatch, 0.2)
    n_full, busy_full = _evaluations_while_running(monkeypatch, 2.0)
    assert 1 <= n_spaced < n_full, (n_spaced, n_full)
    assert busy_spaced < 0.35 and 1.5 * busy_spaced <= busy_full, (busy_spaced, busy_full)


def test_a_slow_first_frame_does_not_hold_back_the_frames_after_play(monkeypatch):
    """The step-0 frame pays one-off costs (an MNIST one: 1.0 s of CPU, 0.015 s later). Spacing views by
    it would delay the first frame after Play by 9 × 1 s here; it must come at the snapshot interval."""
    from playground.trainer import Trainer
    real, calls = Trainer.snapshot, []

    def first_slow(self, *a, **kw):
        calls.append(self.step_count)
        t0 = time.thread_time()
        while len(calls) == 1 and time.thread_time() - t0 < 1.0:
            pass
        return real(self, *a, **kw)

    monkeypatch.setattr(Trainer, "snapshot", first_slow)
    r = Runner(CFG, opts(snapshot_interval=0.05, eval_interval=0.05, view_share=0.2))
    try:
        assert r.wait_idle(20) and r.snapshot().step == 0 and calls == [0]
        r.heartbeat()
        r.play()
        assert wait_for(lambda: r.snapshot().step > 0, timeout=4.0), "no frame after Play within 4 s"
    finally:
        r.stop()


def test_states_read_as_strings_and_messages_pickle(runner):
    """RunState is a StrEnum (pages compare and print it as text); every message crosses a process
    boundary, so it must survive pickling."""
    s = runner.status()
    assert s.state is RunState.IDLE and s.state == "idle" and f"{s.state}" == "idle"
    snap = runner.snapshot()
    for msg in (Reset(CFG), StateChanged(RunState.PAUSED, "why"), Published(snap, 1.0, RunState.IDLE, "", "CPU")):
        back = pickle.loads(pickle.dumps(msg))
        assert type(back) is type(msg)
    assert pickle.loads(pickle.dumps(StateChanged(RunState.PAUSED, "why"))) == StateChanged(RunState.PAUSED, "why")


def test_changes_and_needs_reset_use_the_config_diff(runner):
    assert runner.changes(CFG) == set()
    assert runner.changes(CFG.replace(g_lr=1e-3, seed=4)) == {"g_lr", "seed"}
    assert not runner.needs_reset(CFG.replace(g_lr=1e-3, g_ema=0.5))
    assert runner.needs_reset(CFG.replace(g_lr=1e-3, seed=4))


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode"):
        Runner(CFG, opts(mode="fiber"))
