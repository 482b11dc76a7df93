"""The training loop: step() = n_critic critic updates, then one generator update.

    for each generator step:
        repeat n_critic times:
            x ~ data, z ~ noise
            L_D = loss.d_loss(D(x), D(G(z))) + penalty(D, x, G(z))     (Lipschitz method)
            critic optimiser step; after_step(D)                          (e.g. weight clipping)
        z ~ noise
        D_k = D after `unroll` = k differentiable updates of a copy (D itself when k = 0; unroll.py)
        L_G = loss.g_loss(D_k(x), D_k(G(z)))
        generator optimiser step; the weight average θ̄ of G follows (g_ema > 0); the copy is dropped

With `pack` = m > 1 the critic scores packs of m consecutive samples (models/toy_critic.py): its
scores, and the losses' means, are over B/m packs.

GAN Lab's separate buttons are `critic_step()` (one critic update alone) and `generator_step()` (one
generator update alone, a generator step with no critic update); `critic_updates` counts the critic's
updates however they came. `explain_step()` is an ordinary step watched phase by phase for the step
anatomy (playground/explain.py records it, playground/anatomy.py reads the record).

The trainer owns its torch.Generator (data, noise and penalty randomness all come from it), so the
same config and seed give the same run on CPU. Evaluation draws from a separate fixed reference set,
so how often you evaluate never changes the training trajectory. With `g_ema` > 0 the trainer also keeps
a warmed-up moving average of the generator's weights after each generator step (playground/ema.py);
samples, views and metrics then come from it (or, with g_shown = "raw", from the raw generator: a live
choice), while training always uses the raw one. A non-finite loss or parameter raises
`Diverged(what, step)`; `history` keeps everything logged before it.
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .capture import attach as attach_capture
from .config import LIVE_FIELDS, ConfigError, RunConfig
from .datasets import make_dataset
from .device import choose_device, device_label, isolated, resolve_device
from .ema import EMA
from .explain import NO_OBSERVER, StepObserver, StepRecorder
from .lipschitz import LIPSCHITZ, input_grad
from .losses import LOSSES, f_divergence_estimate, implied_js, wasserstein_estimate
from .metrics import sample_moments
from .models.mlp import sample_noise
from .optim import OPTIMIZERS
from .snapshot import take_snapshot
from .unroll import unrolled_critic

STAT_KEYS = ("d_loss", "g_loss", "d_real", "d_fake", "g_grad_norm", "critic_grad_norm")


@dataclass(frozen=True)
class StepStats:
    """One generator step. d_loss: critic loss (with penalty) at its last critic update; d_real /
    d_fake: mean raw critic output; g_grad_norm: mean ‖∇ₓ ℓ_G‖ at the fakes (what moves the
    generator: it vanishes under saturation); critic_grad_norm: mean ‖∇ₓ D‖ at the fakes."""
    step: int
    d_loss: float
    g_loss: float
    d_real: float
    d_fake: float
    g_grad_norm: float
    critic_grad_norm: float
    seconds: float


class Diverged(RuntimeError):
    def __init__(self, what: str, step: int):
        super().__init__(f"{what} at step {step}")
        self.what, self.step = what, step

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.what, "step": self.step}


def make_reproducible(device: torch.device) -> None:
    """Same config and seed, same run on CUDA too: cuDNN's convolution backward and cuBLAS reduce in an
    order that varies between runs unless deterministic algorithms are asked for (measured in
    benchmarks/results/device_check_h200.md). cuBLAS reads CUBLAS_WORKSPACE_CONFIG when its handle is
    created, so it is set before the first call."""
    if device.type == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cudnn.benchmark = False
        torch.use_deterministic_algorithms(True, warn_only=True)


N_EVAL = 2000  # samples per evaluation (and the fixed noise the views draw from)
MIN_EVAL = 512  # the fewest an evaluation may take: W1 matches 512 real and 512 generated samples


class Trainer:
    def __init__(self, config: RunConfig, log_every: int = 10, n_eval: int = N_EVAL):
        self.config = config.validate()
        # the device, and why (device.py: auto times the devices here, unless only the CPU is)
        self.device_choice = choose_device(config, time_steps)
        self.device = self.device_choice.device
        make_reproducible(self.device)
        self.dataset = make_dataset(config)
        self.loss = LOSSES[config.loss]
        self.lip = LIPSCHITZ[config.lipschitz]
        self.log_every = max(1, int(log_every))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            G, D = self.dataset.archs[config.arch](config, self.dataset)
            if self.lip.prepare:
                D = self.lip.prepare(D)
        self.G, self.D = G.to(self.device), D.to(self.device)
        self.gen = torch.Generator(self.device).manual_seed(config.seed)
        # fixed evaluation set, from its own stream: evaluating never perturbs training
        eval_gen = torch.Generator(self.device).manual_seed(config.seed + 7919)
        self.n_eval = int(n_eval)
        self.real_ref = self.dataset.sample(n_eval, eval_gen, self.device)
        self.fixed_noise = sample_noise(config.noise, n_eval, config.noise_dim, eval_gen, self.device)
        self.opt_g = OPTIMIZERS[config.g_optim](self.G.parameters(), config.g_lr, config.g_beta1, config.g_beta2)
        self.opt_d = OPTIMIZERS[config.d_optim](self.D.parameters(), config.d_lr, config.d_beta1, config.d_beta2)
        self.ema: EMA | None = None  # the generator's weight average, while g_ema > 0
        self._sync_ema()
        # the captured step (capture.py): None when off or eager; the note says how steps run
        self.captured, self.capture_note = attach_capture(self)
        self._visited: set[int] = set()  # modes covered at some evaluation so far (modes_visited)
        self.step_count = 0
        self.critic_updates = 0
        self._observer: StepObserver = NO_OBSERVER  # a StepRecorder while explain_step runs
        self.history: list[dict[str, Any]] = []
        self.diverged: Diverged | None = None
        self.seconds = 0.0
        self._window: list[torch.Tensor] = []
        self._last: StepStats | None = None

    # ----- live changes -----------------------------------------------------------------------
    def update_config(self, new: RunConfig) -> None:
        """Apply learning rates, betas, n_critic, penalty, clip or batch size at the next step.
        Raises ConfigError if anything else changed (that needs a reset) or the config is invalid."""
        structural = new.diff(self.config) - LIVE_FIELDS
        if structural:
            raise ConfigError(f"Changing {', '.join(sorted(structural))} needs a reset.")
        new.validate()
        for opt, net in ((self.opt_g, "g"), (self.opt_d, "d")):
            for group in opt.param_groups:
                group["lr"] = getattr(new, f"{net}_lr")
                if "betas" in group:
                    group["betas"] = (getattr(new, f"{net}_beta1"), getattr(new, f"{net}_beta2"))
        old, self.config = self.config, new
        self._sync_ema()
        if self.captured is not None:
            self.captured.configure(old, new)

    def _sync_ema(self) -> None:
        """Start the average (from G now, warming up afresh) when g_ema turns on, follow a changed β,
        drop it when g_ema is 0."""
        if self.config.g_ema == 0:
            self.ema = None
        elif self.ema is None:
            self.ema = EMA(self.G, self.config.g_ema)
        else:
            self.ema.beta = self.config.g_ema

    @property
    def G_ema(self) -> torch.nn.Module | None:
        """The averaged generator, or None without g_ema."""
        return self.ema.model if self.ema is not None else None

    @property
    def G_eval(self) -> torch.nn.Module:
        """The generator that samples, views and metrics use: the averaged one when g_ema > 0 and
        g_shown is "averaged", else the raw one. The average is kept up to date either way, so the
        choice can flip live and never touches training."""
        return self.ema.model if self.ema is not None and self.config.g_shown == "averaged" else self.G

    # ----- training ---------------------------------------------------------------------------
    def _noise(self, n: int) -> torch.Tensor:
        c = self.config
        return sample_noise(c.noise, n, c.noise_dim, self.gen, self.device)

    def _lip_weight(self) -> float:
        """The Lipschitz method's own setting (λ, γ, c), 0 for a method without one."""
        return getattr(self.config, self.lip.param) if self.lip.param else 0.0

    def _critic_loss(self, critic, real: torch.Tensor, fake: torch.Tensor):
        """(L_D + penalty, D(real), D(fake)) of `critic` (the module, or unroll.py's copy) on one batch."""
        lip, weight = self.lip, self._lip_weight()
        r, f = critic(real).view(-1), critic(fake).view(-1)
        d_loss = self.loss.d_loss(r, f)
        if lip.penalty is not None and weight > 0:
            d_loss = d_loss + lip.penalty(critic, real, fake, weight, self.gen)
        return d_loss, r, f

    def _unrolled(self):
        """The critic after `unroll` differentiable updates of a copy, each on a fresh batch whose fakes
        keep their graph to G (Metz et al. 2017; playground/unroll.py). The real critic is untouched."""
        B, weight = self.config.batch_size, self._lip_weight()

        def critic_loss(critic):
            real = self.dataset.sample(B, self.gen, self.device)
            return self._critic_loss(critic, real, self.G(self._noise(B)))[0]

        project = (lambda params: self.lip.project(params, weight)) if self.lip.project is not None else None
        return unrolled_critic(self.D, self.opt_d, critic_loss, self.config.unroll, project)

    def _critic_update(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """One critic update on a fresh real and fake batch; (L_D, D(real), D(fake), real, fake), the
        scores as the update saw them (before it)."""
        lip = self.lip
        B = self.config.batch_size
        weight = self._lip_weight()
        real = self.dataset.sample(B, self.gen, self.device)
        with torch.no_grad():
            fake = self.G(self._noise(B))
        d_loss, r, f = self._critic_loss(self.D, real, fake)
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()
        if lip.after_step is not None:
            lip.after_step(self.D, weight)
        return d_loss, r, f, real, fake

    def _step_tensors(self, measure: bool = True, n_critic: int | None = None) -> torch.Tensor:
        """One generator step (n_critic critic updates, default the config's, then one generator update)
        as a tensor of STAT_KEYS. ‖∇ₓD‖ (an extra critic pass) is measured only when `measure` (the last
        step of each logging window); NaN otherwise. With n_critic = 0 (a generator step alone) the
        critic's entries are NaN. `self._observer` is called at each phase (explain_step records them)."""
        loss, watch = self.loss, self._observer
        B, m = self.config.batch_size, self.config.pack
        n_critic = self.config.n_critic if n_critic is None else n_critic
        nan = torch.full((), float("nan"), device=self.device)  # no host copy: capturable
        d_loss = d_real = d_fake = nan
        real = None
        self.D.requires_grad_(True)
        for _ in range(n_critic):
            watch.before_critic()
            d_loss, r, f, real, fake = self._critic_update()
            watch.after_critic_update(real, fake, r, f, d_loss)
        if n_critic:
            d_real, d_fake = r.detach().mean(), f.detach().mean()

        self.D.requires_grad_(False)
        z = self._noise(B)
        fake = self.G(z)
        fake.retain_grad()
        critic = self._unrolled() if self.config.unroll else self.D
        f = critic(fake).view(-1)
        if loss.relativistic:
            with torch.no_grad():  # L_G compares with real scores: the last critic batch, or a fresh one
                if real is None:
                    real = self.dataset.sample(B, self.gen, self.device)
                r = critic(real).view(-1)
        else:
            r = f  # unused by a non-relativistic L_G
        g_loss = loss.g_loss(r.detach(), f)
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        if self.ema is not None:
            self.ema.update()
        watch.after_generator_update(z, fake, g_loss)
        # ‖∇ₓ ℓ_G‖ per sample (the loss is a mean over the B/m packs)
        g_grad = fake.grad.flatten(1).norm(dim=1).mean() * (B // m)
        if measure:
            with self.inspecting():
                c_grad = input_grad(self.D, fake.detach()[:64 // m * m], create_graph=False).norm(dim=1).mean()
        else:
            c_grad = nan
        self.D.requires_grad_(True)
        return torch.stack([d_loss.detach(), g_loss.detach(), d_real, d_fake, g_grad, c_grad]).float()

    # ----- one update at a time (GAN Lab's separate buttons, and the explained step) ------------------
    def critic_step(self) -> float:
        """One critic update alone; the generator stays. Returns L_D. The history gets a record at the
        current generator step marked "update": "critic"."""
        if self.diverged is not None:
            raise self.diverged
        t0 = time.perf_counter()
        self.D.requires_grad_(True)
        d_loss, r, f, _, _ = self._critic_update()
        vals = torch.stack([d_loss.detach(), r.detach().mean(), f.detach().mean()]).cpu().numpy().astype(float)
        self.seconds += time.perf_counter() - t0
        if not np.isfinite(vals[0]):
            self._fail(f"critic loss became {_nonfinite(vals[0])} (critic update {self.critic_updates + 1:,})",
                       self.step_count)
        self.critic_updates += 1
        bad = self._nonfinite_parameter()
        if bad:
            self._fail(bad, self.step_count)
        self._flush()
        self.history.append({"step": self.step_count, "seconds": self.seconds, "critic_updates": self.critic_updates,
                             "update": "critic", "d_loss": float(vals[0]), "d_real": float(vals[1]),
                             "d_fake": float(vals[2])})
        return float(vals[0])

    def generator_step(self) -> StepStats:
        """One generator update alone (no critic update first): a generator step like any other, its
        history record marked "update": "generator"."""
        self._flush()
        s = self.run(1, n_critic=0)[0]
        self._flush(update="generator")
        return s

    def explain_step(self, n_show: int = 128) -> dict[str, Any]:
        """One ordinary generator step, recorded phase by phase for the step anatomy (playground/explain.py
        says what the record holds; the first n_show of each batch are kept). Only inspection is added,
        so the trainer ends exactly where step() would leave it."""
        self._observer = recorder = StepRecorder(self, n_show)
        try:
            self.run(1)
            return recorder.record
        finally:
            self._observer = NO_OBSERVER

    @contextmanager
    def inspecting(self):
        """Both networks in eval mode with frozen parameters, restored afterwards. Looking at the
        models (metrics, snapshots, gradient norms) must not change training: in train mode a
        spectral-norm critic advances its power iteration on every forward pass."""
        modes = (self.G.training, self.D.training)
        grads = [p.requires_grad for p in self.D.parameters()]
        self.G.eval()
        self.D.eval()
        if self.ema is not None:
            self.ema.model.eval()
        self.D.requires_grad_(False)
        try:
            yield
        finally:
            self.G.train(modes[0])
            self.D.train(modes[1])
            for p, g in zip(self.D.parameters(), grads):
                p.requires_grad_(g)

    def run(self, n_steps: int, n_critic: int | None = None) -> list[StepStats]:
        """Run n generator steps (n_critic critic updates each, default the config's), syncing with the
        device once; raise Diverged on NaN/Inf."""
        if self.diverged is not None:
            raise self.diverged
        n_critic = self.config.n_critic if n_critic is None else n_critic
        t0 = time.perf_counter()
        k0 = self.step_count
        step = self._step_tensors if self.captured is None else self.captured.step
        rows = [step(measure=(k0 + i + 1) % self.log_every == 0 or n_steps == 1, n_critic=n_critic)
                for i in range(n_steps)]
        stats = torch.stack(rows).cpu().numpy().astype(np.float64)
        dt = (time.perf_counter() - t0) / max(1, n_steps)
        # the losses (‖∇D‖ may be NaN: not measured; L_D is when no critic update ran)
        checked = stats[:, :2] if n_critic else stats[:, 1:2]
        bad_rows = np.flatnonzero(~np.isfinite(checked).all(1))
        n_ok = int(bad_rows[0]) if len(bad_rows) else n_steps
        out = []
        for i in range(n_ok):
            self.step_count += 1
            self.critic_updates += n_critic
            self.seconds += dt
            s = StepStats(self.step_count, *stats[i].tolist(), seconds=dt)
            out.append(s)
            self._log(s)
        if len(bad_rows):
            row = stats[n_ok]
            what = "critic loss" if n_critic and not np.isfinite(row[0]) else "generator loss"
            self._fail(f"{what} became {_nonfinite(row[0] if what == 'critic loss' else row[1])}",
                       self.step_count + 1)
        bad = self._nonfinite_parameter()
        if bad:
            self._fail(bad, self.step_count)
        return out

    def step(self) -> StepStats:
        """One generator step (n_critic critic updates + 1 generator update)."""
        return self.run(1)[0]

    def _fail(self, what: str, step: int) -> None:
        self._flush()
        self.diverged = Diverged(what, step)
        raise self.diverged

    def _nonfinite_parameter(self) -> str | None:
        for net, module in (("critic", self.D), ("generator", self.G)):
            for name, p in module.named_parameters():
                if not torch.isfinite(p).all():
                    return f"{net} parameter '{name}' became {_nonfinite(p.detach().sum().item())}"
        return None

    # ----- logging and evaluation -------------------------------------------------------------
    def _log(self, s: StepStats) -> None:
        self._last = s
        self._window.append(s)
        if s.step % self.log_every == 0:
            self._flush()

    def _flush(self, update: str | None = None) -> None:
        if not self._window:
            return
        rec: dict[str, Any] = {"step": self._window[-1].step, "seconds": self.seconds,
                               "critic_updates": self.critic_updates}
        if update:
            rec["update"] = update
        for k in STAT_KEYS:
            vals = np.array([getattr(s, k) for s in self._window])
            vals = vals[~np.isnan(vals)]
            rec[k] = float(vals.mean()) if len(vals) else float("nan")
        self.history.append(rec)
        self._window = []

    @torch.no_grad()
    def fakes(self, n: int | None = None) -> torch.Tensor:
        """G applied to the fixed noise (the same z every time, so samples evolve smoothly): the
        generator shown (G_eval)."""
        with self.inspecting():
            return self.G_eval(self.fixed_noise[:n])

    def evaluate(self) -> dict[str, float | list[float]]:
        """Distances to the data (dataset.metrics) and the critic's own estimates, merged into the
        history record of the current step (numbers, and lists of numbers such as mode_shares)."""
        self._flush()
        fake = self.fakes()
        n = 1024 // self.config.pack * self.config.pack  # whole packs
        with torch.no_grad(), self.inspecting():
            r, f = self.D(self.real_ref[:n]).view(-1), self.D(fake[:n]).view(-1)
        m = self.dataset.metrics(fake.cpu().numpy(), self.real_ref.cpu().numpy())
        # modes_visited: the union over evaluations of the covered modes (a hopping generator covers one
        # mode at a time but visits many); kept here so thinning the history never loses a visit
        self._visited.update(m.pop("covered_modes", ()))
        if "modes_covered" in m:
            m["modes_visited"] = len(self._visited)
        m["wasserstein_estimate"] = wasserstein_estimate(r, f)
        if self.loss.log_loss:
            m["implied_js"] = implied_js(r, f)
        if self.loss.bound is not None:  # f-GAN: the critic's lower bound on D_f(P‖Q)
            m["f_divergence_estimate"] = f_divergence_estimate(self.loss.name, r, f)
        if self.dataset.kind in ("1d", "2d"):
            m.update(sample_moments(fake.cpu().numpy()))
        m = {k: [float(x) for x in v] if isinstance(v, (list, tuple)) else float(v) for k, v in m.items()}
        if not self.history or self.history[-1]["step"] != self.step_count:
            self.history.append({"step": self.step_count, "seconds": self.seconds})
        self.history[-1].update(m)
        return m

    @property
    def last(self) -> StepStats | None:
        return self._last

    def snapshot(self, n: int = 1000):
        """Plain numpy views for the plots (see playground/snapshot.py)."""
        return take_snapshot(self, n)


def time_steps(config: RunConfig, device: str, steps: int = 20, budget: float = 1.0) -> float:
    """Generator steps/s of `config` on `device` (device.choose_device's timer): a Trainer of its own
    (its own models, optimisers and generator: the run it times is untouched), a few warm-up steps, then
    up to `steps` steps or about `budget` seconds. Trainer.run syncs with the device once per call."""
    with isolated():
        t = Trainer(config.replace(device=device, capture=config.capture if device == "cuda" else "off"),
                    n_eval=MIN_EVAL)
        t.run(11 if config.capture != "off" else 2)  # one-off costs; with capture its warm-up and both graphs
        t0 = time.perf_counter()
        t.run(2)
        n, per = 2, (time.perf_counter() - t0) / 2
        rest = min(steps - n, int((budget - per * n) / max(per, 1e-9)))
        if rest > 0:
            t.run(rest)
            n += rest
        return n / (time.perf_counter() - t0)


def _nonfinite(x: float) -> str:
    return "NaN" if x != x else ("+Inf" if x > 0 else "−Inf")


__all__ = ["Trainer", "N_EVAL", "StepStats", "Diverged", "resolve_device", "device_label", "make_reproducible"]
