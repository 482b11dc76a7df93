"""The captured step (issue 37; RunConfig.capture, off by default). NOT YET RUN ON A GPU: written and
tested on a CPU-only machine (its control flow, with a stand-in backend: tests/test_device.py); whether
it captures, how fast it replays and how close it stays to eager are for the GPU check
(benchmarks/device_check.py) to say.

On CUDA a toy generator step is a few hundred tiny kernels, each launched from Python: launch overhead
and host synchronisation set its speed, not arithmetic. Capture records one whole generator step —
n_critic critic updates, the generator update, the weight average and the step's statistics — once,
and replays it with one launch:

  graph    torch.cuda.CUDAGraph, whole-step capture (PyTorch's "whole network capture"). The
           optimisers are made capturable (their step counts live on the device); Adam's learning
           rates are device tensors, so a live change of a learning rate fills them and recaptures
           nothing; the weight average's decay β_t (it changes every step during its warm-up) is a
           device tensor filled before each replay; the trainer's torch.Generator is registered with
           the graph, so each replay draws from where the eager run would (philox offsets).
  compile  torch.compile(mode="reduce-overhead") of the same step function (Inductor's kernels, CUDA
           graph trees where it can; graph breaks at backward() and the optimisers are expected).

A graph holds shapes and Python values: a live change of anything else than a learning rate or the
generator shown (batch size, n_critic, betas, penalty, clip, the EMA on or off, unroll) drops the
graphs, recaptured at the next step. Two graphs per run: with and without the logging step's extra
critic pass (‖∇ₓD‖).

What runs eagerly, and the note the status line gets:
  - not on CUDA: "eager (capture needs CUDA)" (with device=cpu or mps explicitly, RunConfig.validate
    refuses capture; with auto it is this note);
  - the unrolled critic (unroll > 0): each step builds a differentiable copy of the critic and of its
    optimiser's state (unroll.py, torch.func) whose size depends on k; such steps run eagerly;
  - one-off updates and the explained step (critic_step, generator_step: n_critic = 0, explain_step:
    a Python observer between the phases);
  - the first WARMUP steps of a run (they create the optimisers' state and the cuBLAS/cuDNN handles
    outside the graph, on a side stream);
  - a step whose code synchronises with the host (a .item(), a copy from host memory such as a
    dataset sampling from CPU tensors): capture raises; the run goes on eagerly, the note says why.
    The toy mixtures keep device copies of their weights, means and σ's (datasets/toy.py) for this.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

import torch

from .explain import NO_OBSERVER

WARMUP = 3  # eager steps before the first capture
NEEDS_CUDA = "eager (capture needs CUDA)"
UNROLLED = "eager while the critic is unrolled (unroll > 0: a differentiable copy per step is not captured)"
FREE = frozenset({"g_lr", "d_lr", "g_shown"})  # live changes that keep the graphs


def why_eager(config, device: torch.device) -> str:
    """The note for a run that will not be captured at all, or "" when capture applies (or is off)."""
    if config.capture == "off":
        return ""
    if device.type != "cuda":
        return NEEDS_CUDA
    return ""


class CudaGraphs:
    """The "graph" backend: torch.cuda.CUDAGraph."""
    name = "CUDA graph"

    def warm(self, fn: Callable[[], torch.Tensor]) -> torch.Tensor:
        """An eager step on a side stream (as PyTorch's capture recipe warms up)."""
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            out = fn()
        torch.cuda.current_stream().wait_stream(s)
        return out

    def capture(self, fn: Callable[[], torch.Tensor], generator: torch.Generator) -> Callable[[], torch.Tensor]:
        graph = torch.cuda.CUDAGraph()
        graph.register_generator_state(generator)  # each replay advances the trainer's own generator
        with torch.cuda.graph(graph):
            out = fn()

        def replay() -> torch.Tensor:
            graph.replay()
            return out
        return replay


class Compiled:
    """The "compile" backend: torch.compile(mode="reduce-overhead")."""
    name = "torch.compile"

    def warm(self, fn: Callable[[], torch.Tensor]) -> torch.Tensor:
        return fn()

    def capture(self, fn: Callable[[], torch.Tensor], generator: torch.Generator) -> Callable[[], torch.Tensor]:
        return torch.compile(fn, mode="reduce-overhead", dynamic=False)


BACKENDS = {"graph": CudaGraphs, "compile": Compiled}


class _TensorEMA:
    """Stands in for trainer.ema inside the captured step: θ̄ ← θ̄ + w(θ − θ̄) with w = 1 − β_t a device
    tensor (ema.EMA.update's, which bakes β_t in as a Python float)."""

    def __init__(self, ema, weight: torch.Tensor):
        self.ema, self.weight = ema, weight

    def __getattr__(self, name: str) -> Any:  # model, beta, updates, decay: the EMA's own
        return getattr(self.ema, name)

    @torch.no_grad()
    def update(self) -> None:
        for averaged, raw in zip(*self.ema._params):
            averaged.lerp_(raw, self.weight)
        for averaged, raw in self.ema._buffers:
            averaged.copy_(raw)


class CapturedStep:
    """A trainer's steps, replayed from graphs where they can be (see the module docstring). `step` has
    Trainer._step_tensors' signature and returns the same statistics tensor (a copy of the graph's)."""

    def __init__(self, trainer: Any, backend: Any):
        self.t, self.backend = trainer, backend
        self.graphs: dict[tuple, Callable[[], torch.Tensor]] = {}
        self.warm_steps = 0
        self.captures = 0
        self.failed = ""  # the note once a capture failed: the run is eager from then on
        self.lrs: dict[int, torch.Tensor] = {}
        self.weight = torch.zeros((), device=trainer.device)  # 1 − β_t of the weight average
        self._proxy: _TensorEMA | None = None
        self._prepare_optimisers()

    @property
    def note(self) -> str:
        if self.failed:
            return self.failed
        if self.t.config.unroll:
            return UNROLLED
        return f"captured step ({self.backend.name})"

    def _prepare_optimisers(self) -> None:
        """Capturable optimisers (CUDA), Adam's learning rates as device tensors."""
        cuda = self.t.device.type == "cuda"
        for opt in (self.t.opt_g, self.t.opt_d):
            for group in opt.param_groups:
                if cuda and "capturable" in group:
                    group["capturable"] = True
                if isinstance(opt, torch.optim.Adam):
                    lr = torch.tensor(float(group["lr"]), device=self.t.device)
                    self.lrs[id(group)] = group["lr"] = lr

    def configure(self, old, new) -> None:
        """After Trainer.update_config (which wrote the learning rates as floats): the same lr tensors,
        filled; the graphs dropped when anything a graph holds changed."""
        for opt in (self.t.opt_g, self.t.opt_d):
            for group in opt.param_groups:
                lr = self.lrs.get(id(group))
                if lr is not None:
                    lr.fill_(float(group["lr"]))
                    group["lr"] = lr
        if new.diff(old) - FREE:
            self.graphs.clear()

    def step(self, measure: bool = True, n_critic: int | None = None) -> torch.Tensor:
        t = self.t
        n_critic = t.config.n_critic if n_critic is None else n_critic
        eager = bool(self.failed) or n_critic != t.config.n_critic or t.config.unroll or t._observer is not NO_OBSERVER
        if eager:
            return t._step_tensors(measure, n_critic)
        if self.warm_steps < WARMUP:
            self.warm_steps += 1
            with self._tensor_ema():
                return self.backend.warm(lambda: t._step_tensors(measure, n_critic))
        key = (measure,)
        if key not in self.graphs:
            try:
                with self._tensor_ema(count=False):
                    self.graphs[key] = self.backend.capture(lambda: t._step_tensors(measure, n_critic), t.gen)
                self.captures += 1
            except Exception as e:  # a host synchronisation or an op capture refuses: eager from here on
                self.failed = f"eager (capture failed: {type(e).__name__}: {str(e)[:160]})"
                self.graphs.clear()
                if t.device.type == "cuda":
                    torch.cuda.synchronize(t.device)
                return t._step_tensors(measure, n_critic)
        with self._tensor_ema():
            return self.graphs[key]().clone()

    @contextmanager
    def _tensor_ema(self, count: bool = True) -> Iterator[None]:
        """trainer.ema as a _TensorEMA with this step's 1 − β_t filled in; the EMA's count advances
        (not for a capture: it records the step without running it)."""
        ema = self.t.ema
        if ema is None:
            yield
            return
        self.weight.fill_(1.0 - ema.decay())
        if self._proxy is None or self._proxy.ema is not ema:  # one object: torch.compile guards on it
            self._proxy = _TensorEMA(ema, self.weight)
        self.t.ema = self._proxy
        try:
            yield
        finally:
            self.t.ema = ema
        if count:
            ema.updates += 1


def attach(trainer: Any, backends: dict | None = None) -> tuple[CapturedStep | None, str]:
    """(the trainer's CapturedStep or None, the note for the status line). Called by Trainer.__init__
    after the optimisers and the weight average exist, before any step."""
    note = why_eager(trainer.config, trainer.device)
    if trainer.config.capture == "off" or note:
        return None, note
    captured = CapturedStep(trainer, (backends or BACKENDS)[trainer.config.capture]())
    return captured, captured.note


__all__ = ["attach", "why_eager", "CapturedStep", "CudaGraphs", "Compiled", "BACKENDS", "WARMUP", "NEEDS_CUDA"]
