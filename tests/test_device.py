"""Issue 37 on a machine without a GPU: `auto`'s rule from faked timings (device.py), the captured
step's switch, its refusals and its eager fallbacks (capture.py, driven by a stand-in backend here;
the CUDA graph itself is for the GPU check, benchmarks/device_check.py)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import playground.trainer as trainer_mod
from playground.capture import NEEDS_CUDA, UNROLLED, WARMUP, CapturedStep, why_eager
from playground.cli.main import main as cli_main
from playground.config import ConfigError, RunConfig
from playground.device import choose_device, describe, shape_key
from playground.trainer import Trainer, device_label, resolve_device, time_steps
from tests.helpers_engine import history_without_time, param_vector, small_config

TINY = dict(g_width=16, d_width=16, g_depth=2, d_depth=2, batch_size=32)


class Timer:
    """A fake timing table: steps/s per device name, with the calls it got."""

    def __init__(self, rates):
        self.rates, self.calls = rates, []

    def __call__(self, config, name):
        self.calls.append((config.batch_size, name))
        r = self.rates[name]
        if isinstance(r, Exception):
            raise r
        return r


def no_timing(config, name):
    raise AssertionError(f"timed {name} though nothing should be timed")


AUTO = RunConfig(device="auto")


# ----- the rule ---------------------------------------------------------------------------------------
def test_cpu_faster_picks_the_cpu_and_names_both_figures():
    timer = Timer({"cuda": 107.0, "cpu": 150.0})
    c = choose_device(AUTO, timer, devices=("cuda", "cpu"), cache={})
    assert c.device == torch.device("cpu")
    assert c.reason == "faster than CUDA for this network (150 vs 107 steps/s)"
    assert c.text == "CPU: faster than CUDA for this network (150 vs 107 steps/s)"
    assert c.rates == {"cuda": 107.0, "cpu": 150.0}


def test_cuda_faster_picks_cuda():
    c = choose_device(AUTO, Timer({"cuda": 1234.0, "cpu": 132.0}), devices=("cuda", "cpu"), cache={})
    assert c.device == torch.device("cuda")
    assert c.reason == "faster than the CPU for this network (1,234 vs 132 steps/s)"
    slow = choose_device(AUTO, Timer({"cuda": 13.6, "cpu": 0.7}), devices=("cuda", "cpu"), cache={})
    assert slow.device.type == "cuda" and "(14 vs 0.7 steps/s)" in slow.reason


def test_a_device_whose_timing_fails_is_left_out_and_said():
    c = choose_device(AUTO, Timer({"cuda": RuntimeError("CUDA out of memory"), "cpu": 50.0}),
                      devices=("cuda", "cpu"), cache={})
    assert c.device.type == "cpu" and c.reason == "CUDA failed its timing (RuntimeError: CUDA out of memory)"


def test_timings_are_cached_per_config_shape():
    cache, timer = {}, Timer({"cuda": 90.0, "cpu": 100.0})
    choose_device(AUTO, timer, devices=("cuda", "cpu"), cache=cache)
    assert timer.calls == [(256, "cuda"), (256, "cpu")]
    # seed, learning rates, betas, clip, penalty's value: the same shape, no new timing
    same = AUTO.replace(seed=5, g_lr=1e-3, d_beta2=0.9, clip=0.02, penalty=3.0, g_shown="raw")
    assert shape_key(same) == shape_key(AUTO)
    assert choose_device(same, timer, devices=("cuda", "cpu"), cache=cache).device.type == "cpu"
    assert len(timer.calls) == 2
    # what a step costs: a new timing each
    for change in (dict(batch_size=512), dict(n_critic=5), dict(lipschitz="gp"), dict(g_width=256),
                   dict(unroll=2), dict(penalty=0.0), dict(g_ema=0.99), dict(capture="graph")):
        assert shape_key(AUTO.replace(**change)) != shape_key(AUTO), change
    choose_device(AUTO.replace(batch_size=512), timer, devices=("cuda", "cpu"), cache=cache)
    assert timer.calls[2:] == [(512, "cuda"), (512, "cpu")]


def test_an_explicit_device_is_obeyed_without_timing():
    for name in ("cpu", "cuda", "mps"):
        c = choose_device(AUTO.replace(device=name), no_timing, devices=("cuda", "cpu"), cache={})
        assert c.device == torch.device(name) and c.reason == "chosen in the settings"


def test_a_cpu_only_machine_times_nothing():
    assert not torch.cuda.is_available()  # this file runs on the CPU machines; on a GPU, see device_check
    c = choose_device(AUTO, no_timing, cache={})
    assert c.device.type == "cpu" and c.reason == "no GPU" and c.text == "CPU: no GPU"
    assert choose_device(AUTO, no_timing, devices=("cpu",), cache={}).reason == "no GPU"


def test_the_trainer_times_nothing_on_a_cpu_machine(monkeypatch):
    monkeypatch.setattr(trainer_mod, "time_steps", no_timing)
    t = Trainer(small_config(device="auto", **TINY), n_eval=512)
    assert t.device.type == "cpu" and t.device_choice.reason == "no GPU"
    assert describe(t) == "CPU: no GPU"
    explicit = Trainer(small_config(device="cpu", **TINY), n_eval=512)
    assert describe(explicit) == "CPU: chosen in the settings"


def test_old_import_names_still_work():
    assert resolve_device("cpu") == torch.device("cpu") and device_label(torch.device("cpu")) == "CPU"
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")


# ----- the timing leaves the run alone -----------------------------------------------------------------
def test_auto_on_the_cpu_is_the_same_run_as_cpu():
    runs = []
    for device in ("cpu", "auto"):
        t = Trainer(small_config(device=device, **TINY), n_eval=512)
        t.run(25)
        t.evaluate()
        runs.append(t)
    a, b = runs
    np.testing.assert_equal(history_without_time(a.history), history_without_time(b.history))  # NaN = NaN
    assert np.array_equal(param_vector(a.G), param_vector(b.G)) and np.array_equal(param_vector(a.D), param_vector(b.D))


def test_a_real_timing_changes_nothing_global_and_nothing_in_the_run():
    """The real timer, on the CPU twice under two names (as CPU and CUDA would be): the global RNG and
    determinism flags are as before, and a run built afterwards is the run built without it."""
    cfg = small_config(device="auto", **TINY)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    c = choose_device(cfg, lambda config, name: time_steps(config, "cpu", steps=4, budget=0.2),
                      devices=("mps", "cpu"), cache={})
    assert c.device.type in ("mps", "cpu") and set(c.rates) == {"mps", "cpu"}
    assert all(r > 0 for r in c.rates.values())
    assert torch.equal(torch.get_rng_state(), before)
    assert not torch.are_deterministic_algorithms_enabled()
    t1 = Trainer(cfg.replace(device="cpu"), n_eval=512)
    t1.run(5)
    torch.manual_seed(123)
    t2 = Trainer(cfg.replace(device="cpu"), n_eval=512)
    t2.run(5)
    assert np.array_equal(param_vector(t1.G), param_vector(t2.G))


# ----- the captured step's switch --------------------------------------------------------------------
def test_capture_is_refused_on_an_explicit_cpu():
    with pytest.raises(ConfigError) as info:
        RunConfig(capture="graph", device="cpu").validate()
    assert info.value.field == "capture"
    assert str(info.value).startswith("A captured step needs a CUDA GPU")
    RunConfig(capture="graph", device="auto").validate()  # auto: eager on a CPU machine, and said
    RunConfig(capture="compile").validate()
    with pytest.raises(ConfigError):
        RunConfig(capture="yes").validate()
    assert RunConfig.from_query({"capture": "graph"})[0].capture == "graph"


def test_capture_with_auto_on_the_cpu_is_eager_and_bit_identical():
    runs = []
    for capture in ("off", "graph", "compile"):
        t = Trainer(small_config(device="auto", capture=capture, **TINY), n_eval=512)
        t.run(12)
        runs.append(t)
        assert t.captured is None
        assert t.capture_note == ("" if capture == "off" else NEEDS_CUDA)
    assert describe(runs[1]) == "CPU: no GPU; eager (capture needs CUDA)"
    for t in runs[1:]:
        np.testing.assert_equal(history_without_time(t.history), history_without_time(runs[0].history))
        assert np.array_equal(param_vector(t.G), param_vector(runs[0].G))
    assert why_eager(RunConfig(capture="graph"), torch.device("cpu")) == NEEDS_CUDA
    assert why_eager(RunConfig(capture="graph"), torch.device("cuda")) == ""
    assert why_eager(RunConfig(), torch.device("cpu")) == ""


class Stand:
    """A stand-in backend: 'captures' by keeping the step function and 'replays' it by calling it, so
    the control flow around the graphs runs on the CPU."""
    name = "stand-in"

    def __init__(self, fail: bool = False):
        self.fail, self.captures, self.replays = fail, 0, 0

    def warm(self, fn):
        return fn()

    def capture(self, fn, generator):
        if self.fail:
            raise RuntimeError("operation not permitted when stream is capturing")
        self.captures += 1

        def replay():
            self.replays += 1
            return fn()
        return replay


def _captured(**kw):
    t = Trainer(small_config(device="cpu", **{**TINY, **kw}), n_eval=512)
    backend = Stand()
    t.captured = CapturedStep(t, backend)
    return t, backend


def test_the_captured_path_warms_up_captures_twice_and_stays_close_to_eager():
    eager = Trainer(small_config(device="cpu", g_ema=0.99, **TINY), n_eval=512)
    eager.run(15)
    t, b = _captured(g_ema=0.99)
    t.run(15)
    assert b.captures == 2 and b.replays == 15 - WARMUP  # with and without the logging step's ‖∇ₓD‖
    assert t.captured.note == "captured step (stand-in)"
    assert t.ema.updates == eager.ema.updates == 15
    for net in ("G", "D"):
        np.testing.assert_allclose(param_vector(getattr(t, net)), param_vector(getattr(eager, net)), atol=1e-6)
    np.testing.assert_allclose(param_vector(t.ema.model), param_vector(eager.ema.model), atol=1e-6)
    assert [r["step"] for r in t.history] == [r["step"] for r in eager.history]


def test_a_learning_rate_change_fills_its_tensor_and_a_batch_change_recaptures():
    t, b = _captured()
    t.run(WARMUP + 2)
    lr = t.opt_g.param_groups[0]["lr"]
    assert isinstance(lr, torch.Tensor)
    t.update_config(t.config.replace(g_lr=1e-3))
    assert t.opt_g.param_groups[0]["lr"] is lr and float(lr) == pytest.approx(1e-3)
    t.run(2)
    assert b.captures == 1  # measured steps are every 10th: one graph so far, kept through the lr change
    t.update_config(t.config.replace(batch_size=64))
    assert t.captured.graphs == {}
    t.run(2)
    assert b.captures == 2


def test_one_off_updates_unrolled_steps_and_a_failed_capture_run_eagerly():
    t, b = _captured(unroll=1)
    t.run(WARMUP + 3)
    assert b.captures == 0 and t.captured.note == UNROLLED
    t.update_config(t.config.replace(unroll=0))
    t.critic_step()
    t.generator_step()
    t.explain_step()
    assert b.captures == 0 and t.captured.warm_steps == 0  # one-off steps are neither warm-up nor captured
    t.run(WARMUP + 1)
    assert b.captures == 1
    f = Trainer(small_config(device="cpu", **TINY), n_eval=512)
    f.captured = CapturedStep(f, Stand(fail=True))
    f.run(WARMUP + 3)
    assert f.step_count == WARMUP + 3 and f.captured.graphs == {}
    assert f.captured.note == "eager (capture failed: RuntimeError: operation not permitted when stream is capturing)"


def test_the_cli_says_the_device_and_why(tmp_path, capsys):
    out = tmp_path / "run.json"
    assert cli_main(["train", "--dataset", "ring8", "--steps", "2", "--eval-every", "1000", "--out", str(out),
                     "--set", "g_width=16", "--set", "d_width=16", "--set", "capture=graph"]) == 0
    assert "device: CPU: no GPU; eager (capture needs CUDA)" in capsys.readouterr().err
