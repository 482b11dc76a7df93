"""Which device a run trains on, and why (issue 37).

`device = auto` picks, per run, the device that trains *this* network faster, from a measurement, not
an assumption: the GPU check (benchmarks/results/device_check_h200.md) found every toy preset slower
on an H200 than on 2 CPU threads (0.4–0.8×: a toy step is a few hundred tiny kernels, launch-bound),
and the MNIST DCGANs 5–18× faster. The rule (`choose_device`):

  - an explicit device (cpu, cuda, mps) is obeyed without timing: "chosen in the settings";
  - with only the CPU here, the CPU, without timing anything (no cost): "no GPU";
  - otherwise every device here trains the run's config for a few steps (`timer`, by default
    trainer.time_steps: its own Trainer, so its own models, optimisers and torch.Generator, inside
    `isolated()`, which restores the global RNG states and the determinism flags afterwards), and the
    highest generator steps/s wins: "faster than CUDA for this network (150 vs 107 steps/s)".
    Timings are cached per config shape (`shape_key`: the settings that change a step's cost, not
    the seed, learning rates or other values), once per process.

The device is chosen when the run is built; a live change of a cost setting (batch size, n_critic,
unroll) does not move a running run. A `Choice` says the device and the reason; `describe(trainer)` is
the status line's text (the captured step's note included, playground/capture.py).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import torch

from .config import RunConfig, device_available

SHORT = {"cpu": "CPU", "cuda": "CUDA", "mps": "Apple MPS"}
# Settings whose value never changes what a step costs (the seed, learning rates, betas, the clipping
# value, which generator is shown, the mixture's numbers, the digit subset, the device itself).
# penalty and g_ema count only as on / off.
COST_FREE = frozenset({"seed", "device", "g_lr", "d_lr", "g_beta1", "g_beta2", "d_beta1", "d_beta2", "clip",
                       "g_shown", "mixture", "digits", "penalty", "g_ema"})

Timer = Callable[[RunConfig, str], float]  # (config, device name) -> generator steps/s


@dataclass(frozen=True)
class Choice:
    device: torch.device
    reason: str
    rates: dict[str, float] = field(default_factory=dict)  # steps/s per device name, when timed

    @property
    def text(self) -> str:
        """"CPU: faster than CUDA for this network (150 vs 107 steps/s)"."""
        return f"{device_name(self.device)}: {self.reason}"


def device_label(device: torch.device) -> str:
    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    return {"mps": "Apple MPS", "cpu": "CPU"}.get(device.type, device.type)


def device_name(device: torch.device) -> str:
    """device_label without a colon, for a sentence that has its own: "CUDA (NVIDIA H100 80GB HBM3)"."""
    if device.type == "cuda":
        return f"CUDA ({torch.cuda.get_device_name(device)})"
    return SHORT.get(device.type, device.type)


def resolve_device(name: str) -> torch.device:
    """The machine's device for `name`, without a config to time: 'auto' is this machine's accelerator
    (CUDA, then Apple MPS), else the CPU. A run's own device comes from `choose_device`."""
    if name == "auto":
        return torch.device(next(d for d in ("cuda", "mps", "cpu") if device_available(d)))
    return torch.device(name)


def local_devices() -> tuple[str, ...]:
    """The devices PyTorch can train on in this process: accelerators first, the CPU last."""
    mps = getattr(torch.backends, "mps", None)
    return tuple(d for d, ok in (("cuda", torch.cuda.is_available()),
                                 ("mps", mps is not None and mps.is_available()), ("cpu", True)) if ok)


def shape_key(config: RunConfig) -> tuple:
    """What a step's cost depends on: every setting but COST_FREE, and whether the penalty and the EMA
    are on."""
    d = config.to_dict()
    return tuple((k, v) for k, v in d.items() if k not in COST_FREE) + (
        ("penalty_on", config.penalty > 0), ("ema_on", config.g_ema > 0))


_CACHE: dict[tuple, dict[str, float | str]] = {}


def choose_device(config: RunConfig, timer: Timer, devices: tuple[str, ...] | None = None,
                  cache: dict | None = None) -> Choice:
    """The device a run trains on and why (the rule in the module docstring). `timer(config, name)`
    returns steps/s on the device `name` (tests give fake ones); `devices`: those here (default
    local_devices()); `cache`: the timings per shape_key (default: this process's)."""
    if config.device != "auto":
        return Choice(torch.device(config.device), "chosen in the settings")
    devices = local_devices() if devices is None else tuple(devices)
    if len(devices) == 1:
        return Choice(torch.device(devices[0]), "no GPU" if devices[0] == "cpu" else "the only device here")
    cache = _CACHE if cache is None else cache
    rates = cache.setdefault(shape_key(config), {})
    for name in devices:
        if name not in rates:
            with isolated():
                try:
                    rates[name] = float(timer(config, name))
                except Exception as e:  # a device that cannot run this config (memory, a missing kernel)
                    rates[name] = f"{type(e).__name__}: {e}"[:200]
    timed = {n: r for n, r in rates.items() if n in devices and isinstance(r, float)}
    failed = [f"{SHORT.get(n, n)} failed its timing ({r})" for n, r in rates.items()
              if n in devices and not isinstance(r, float)]
    if not timed:  # nothing ran: the CPU, and say why
        return Choice(torch.device("cpu"), "; ".join(failed))
    best = max(timed, key=lambda n: (timed[n], n == "cpu"))  # a tie goes to the CPU
    others = [n for n in timed if n != best]
    if not others:
        return Choice(torch.device(best), "; ".join(failed), timed)
    runner_up = max(others, key=timed.get)
    what = "the CPU" if runner_up == "cpu" else SHORT.get(runner_up, runner_up)
    reason = (f"faster than {what} for this network "
              f"({_rate(timed[best])} vs {_rate(timed[runner_up])} steps/s)")
    return Choice(torch.device(best), "; ".join([reason] + failed), timed)


def _rate(r: float) -> str:
    return f"{r:,.0f}" if r >= 10 else f"{r:.1f}"


@contextmanager
def isolated() -> Iterator[None]:
    """A timing leaves nothing behind: the CPU's and every CUDA device's RNG state, the deterministic
    algorithms flag (trainer.make_reproducible sets it for a CUDA trainer) and cuDNN's benchmark flag
    are as they were."""
    det = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled())
    bench = torch.backends.cudnn.benchmark
    cuda = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    try:
        with torch.random.fork_rng(devices=cuda):
            yield
    finally:
        torch.use_deterministic_algorithms(det[0], warn_only=det[1])
        torch.backends.cudnn.benchmark = bench


def describe(trainer: Any) -> str:
    """The status line's device text: the device, why, and how a step runs when capture was asked
    for ("CPU: no GPU; eager (capture needs CUDA)"). A comparison's runs: the first run's."""
    t = getattr(trainer, "trainers", (trainer,))[0]
    choice = getattr(t, "device_choice", None)
    text = choice.text if choice is not None else device_label(t.device)
    note = getattr(t, "capture_note", "")
    return f"{text}; {note}" if note else text


__all__ = ["Choice", "choose_device", "describe", "device_label", "device_name", "isolated", "local_devices",
           "resolve_device", "shape_key"]
