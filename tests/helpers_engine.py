"""Shared helpers for the engine tests, imported explicitly (the shared fixtures are in conftest.py)."""
from __future__ import annotations

import time

import numpy as np
import torch

from playground.recipes import recommended_config

# Small networks: the engine tests must stay fast on one shared CPU core.
SMALL = dict(g_width=32, d_width=32, g_depth=2, d_depth=2, batch_size=64, device="cpu")

# A 1D two-mode mixture away from the origin: an untrained generator (outputs near 0) starts at
# W1 ≈ 4, and collapsing onto one mode would still leave W1 ≈ 1.5, so halving W1 means real learning.
MIXTURE_1D = "0.5, 2.5, 0.5; 0.5, 5.5, 0.5"


def small_config(dataset: str = "ring8", loss: str = "ns", lipschitz: str = "none", **overrides):
    """recommended_config with small networks (overrides win)."""
    return recommended_config(dataset, loss, lipschitz, **{**SMALL, **overrides})


def param_vector(module: torch.nn.Module) -> np.ndarray:
    """All parameters of a module, flattened into one float64 numpy vector (named order)."""
    return np.concatenate([p.detach().cpu().double().numpy().ravel() for _, p in module.named_parameters()])


def history_without_time(history):
    """History records minus wall-clock fields (they legitimately differ between runs)."""
    return [{k: v for k, v in rec.items() if k != "seconds"} for rec in history]


def seconds_until(cond, timeout: float = 30.0, every: float = 0.02) -> float | None:
    """Seconds until cond() held (polled every `every` s), or None if it did not within `timeout`."""
    t0 = time.monotonic()
    while True:
        if cond():
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            return None
        time.sleep(every)


def wait_for(cond, timeout: float = 30.0) -> bool:
    """Whether cond() came to hold within `timeout` seconds (polled)."""
    return seconds_until(cond, timeout) is not None


def worker_turns(runner, turns: int = 2, timeout: float = 20.0) -> None:
    """Take a live run's worker round its loop `turns` times: a no-op command (Pause, on a run that is
    not running), each acknowledged before the next. A worker that trains between commands trains a
    chunk between two turns and reports it before the second acknowledgement, so afterwards the status
    shows any step it took: what "wait a while and see that nothing moved" stands for, without a clock."""
    for _ in range(turns):
        runner.pause()
        assert runner.wait_processed(timeout), f"the worker did not take in a command within {timeout} s"
