"""The perfect-discriminator experiment: why a generator starves against an optimal log-loss D.

Real data is a point mass at 0 in 1D. Each objective runs the same two phases, from the same seed:

    phase 1  train a critic D: R -> R (1 -> 32 -> 32 -> 1, ReLU) "to perfection": real x = 0 against a
             fixed spread of generated points x~ ~ N(0, 1), fresh each step; Adam, lr 0.05
    phase 2  freeze D; train a one-layer generator G(z) = tanh(a z + b), z ~ N(0, 1), against it

Objectives (r = D(0), f = D(x~) are raw network outputs; the log-loss one reads them as logits). The
critic losses, and L_G = -E f, are those of the loss registry (playground/losses.py):

    bce        L_D = E softplus(-r) + E softplus(f)      (= -E log s(r) - E log(1 - s(f)), s = sigmoid;
                                                          Goodfellow et al. 2014)
               L_G = E[1 - s(f)] = E s(-f)               (the seed's generator loss; sits at 1.0)
               dL_G/dx = -s(f) s(-f) D'(x) -> 0 once D is sure: the generator starves
    wgan       L_D = E f - E r,   L_G = -E f             (no sigmoid; no Lipschitz constraint, as in the seed;
                                                          Arjovsky et al. 2017)
    hinge      L_D = E max(0, 1 - r) + E max(0, 1 + f),  L_G = -E f   (Lim & Ye 2017)
    euclidean  no critic: L_G = E |G(z) - 0|             (the naive distance to the real point)

Reproducible on CPU: the networks are initialised and the data drawn from generators seeded with `seed`.
Headless: ``python -m playground perfect-discriminator --objective bce --seed 0`` prints JSON.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import Tensor, nn

from ..losses import LOSSES


@dataclass(frozen=True)
class Objective:
    name: str
    label: str
    has_critic: bool
    sigmoid: bool                                   # D(x) = s(logit) is a probability
    d_loss: Callable[[Tensor, Tensor], Tensor] | None   # the registry's L_D(r, f); None: no critic
    g_loss: Callable[[Tensor, Tensor], Tensor]      # (scores on G(z), G(z)) -> loss
    d_formula: str                                  # LaTeX
    g_formula: str                                  # LaTeX
    grad_formula: str                               # LaTeX: what the generator's gradient is
    story: str                                      # one or two sentences for the page


def _bce_g(f: Tensor, x: Tensor) -> Tensor:
    """L_G = E[1 - s(f)] = E s(-f), the seed's generator loss: 1 - D itself, not the registry's
    log(1 - D) (minimax) or -log D (ns). s(-f) rather than 1 - s(f): no cancellation near s(f) = 1."""
    return torch.sigmoid(-f).mean()


def _critic_g(f: Tensor, x: Tensor) -> Tensor:
    """L_G = -E f: the registry's generator loss of wgan and hinge (Arjovsky et al. 2017). It is not
    relativistic, so it needs no real scores r."""
    return LOSSES["wgan"].g_loss(None, f)


def _euclid_g(f: Tensor, x: Tensor) -> Tensor:
    """L_G = E |x - 0|, x = G(z): the distance to the real point, no critic."""
    return x.abs().mean()


OBJECTIVES: dict[str, Objective] = {
    "bce": Objective(
        "bce", "Log-loss (sigmoid)", True, True, LOSSES["ns"].d_loss, _bce_g,
        r"L_D = \mathbb{E}\,\mathrm{softplus}(-\ell(0)) + \mathbb{E}\,\mathrm{softplus}(\ell(\tilde x)),"
        r"\quad D = \sigma(\ell)",
        r"L_G = \mathbb{E}\,[1 - D(G(z))] = \mathbb{E}\,\sigma(-\ell(G(z)))",
        r"\partial L_G/\partial x = -\sigma(\ell)\,\sigma(-\ell)\,\ell'(x)",
        "The discriminator is sure every generated point is fake: D ≈ 0 there, the sigmoid is flat, "
        "so the generator's gradient is ≈ 0. Its loss sits at 1.0 and its output does not move toward 0.",
    ),
    "wgan": Objective(
        "wgan", "Wasserstein critic", True, False, LOSSES["wgan"].d_loss, _critic_g,
        r"L_D = \mathbb{E}\,D(\tilde x) - \mathbb{E}\,D(0) \quad (\text{no sigmoid})",
        r"L_G = -\mathbb{E}\,D(G(z))",
        r"\partial L_G/\partial x = -D'(x)",
        "No sigmoid, so nothing saturates: the critic's slope points to 0 from everywhere and the generator "
        "follows it. Without a Lipschitz constraint (as here) the scores grow without bound.",
    ),
    "hinge": Objective(
        "hinge", "Hinge", True, False, LOSSES["hinge"].d_loss, _critic_g,
        r"L_D = \mathbb{E}\max(0, 1 - D(0)) + \mathbb{E}\max(0, 1 + D(\tilde x))",
        r"L_G = -\mathbb{E}\,D(G(z))",
        r"\partial L_G/\partial x = -D'(x)",
        "The critic stops pushing once real scores ≥ 1 and fake scores ≤ −1, but its raw score keeps a "
        "slope toward 0 and the generator follows it, until it sits on the critic's flat top around 0: "
        "there its gradient is 0 because it has arrived, not because it starved.",
    ),
    "euclidean": Objective(
        "euclidean", "Naive Euclidean", False, False, None, _euclid_g,
        "",
        r"L_G = \mathbb{E}\,|G(z) - 0|",
        r"\partial L_G/\partial x = \mathrm{sign}(x)",
        "No discriminator at all: the distance to the real point is the loss. It works here because we "
        "know where the data is — a distance between distributions is what the Wasserstein critic learns.",
    ),
}


@dataclass(frozen=True)
class PerfectConfig:
    """One run of the experiment. Validate with `validate()` (raises ValueError with a sentence)."""

    objective: str = "bce"
    seed: int = 0
    d_steps: int = 1000
    g_steps: int = 1000
    batch_size: int = 64
    d_lr: float = 0.05
    g_lr: float = 0.05
    fake_std: float = 1.0      # the fixed spread of "generated" points during phase 1: N(0, fake_std^2)

    def validate(self) -> "PerfectConfig":
        if self.objective not in OBJECTIVES:
            raise ValueError(f"Unknown objective '{self.objective}'. Choose one of: {', '.join(OBJECTIVES)}.")
        for name in ("d_steps", "g_steps"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 0 or v > 100_000:
                raise ValueError(f"{name} must be a whole number between 0 and 100000, got {v}.")
        if not isinstance(self.batch_size, int) or not 1 <= self.batch_size <= 65536:
            raise ValueError(f"batch_size must be between 1 and 65536, got {self.batch_size}.")
        for name in ("d_lr", "g_lr", "fake_std"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a positive number, got {v}.")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative whole number, got {self.seed}.")
        return self


@dataclass
class History:
    """Per-step records (plain Python floats)."""

    d_step: list[int] = field(default_factory=list)
    d_loss: list[float] = field(default_factory=list)
    score_real: list[float] = field(default_factory=list)   # mean D(0): probability for bce, raw otherwise
    score_fake: list[float] = field(default_factory=list)   # mean D(x~) over the batch
    g_step: list[int] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    mean_abs: list[float] = field(default_factory=list)     # mean |G(z)| over the training batch
    g_grad: list[float] = field(default_factory=list)       # ||dL_G/d(a, b)||, the generator's gradient


def make_critic() -> nn.Module:
    """1 -> 32 -> 32 -> 1 with ReLU; returns a raw score (a logit for bce)."""
    return nn.Sequential(nn.Linear(1, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))


class Generator(nn.Module):
    """G(z) = tanh(a z + b): one unit, outputs in (-1, 1)."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(1, 1)

    def forward(self, z: Tensor) -> Tensor:
        return torch.tanh(self.lin(z))


class _OneThread:
    """Run tiny-network steps on one intra-op thread (restored afterwards): with two threads on a
    busy 2-core machine the same 1000 steps took ~50 s instead of < 1 s. The setting is per thread."""

    def __enter__(self):
        self.saved = torch.get_num_threads()
        torch.set_num_threads(1)

    def __exit__(self, *exc):
        torch.set_num_threads(self.saved)


class PerfectDiscriminatorExperiment:
    """Steppable: `train_discriminator(n)` then `train_generator(n)`, `snapshot()` for the plots."""

    X_RANGE = (-3.0, 3.0)   # where the critic curve is drawn (phase-1 fakes are N(0, 1))

    def __init__(self, config: PerfectConfig) -> None:
        self.config = config.validate()
        self.objective = OBJECTIVES[config.objective]
        # Separate streams, so every objective gets the same generator, the same phase-1 data and the
        # same phase-2 z for a given seed (the naive distance skips phase 1 without shifting them).
        s = config.seed
        self.d_gen = torch.Generator().manual_seed(s)
        self.g_gen = torch.Generator().manual_seed(s + 1_000_003)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(s)
            self.generator = Generator()
            torch.manual_seed(s + 2_000_006)
            self.critic = make_critic() if self.objective.has_critic else None
        self.d_opt = torch.optim.Adam(self.critic.parameters(), lr=config.d_lr) if self.critic else None
        self.g_opt = torch.optim.Adam(self.generator.parameters(), lr=config.g_lr)
        eval_gen = torch.Generator().manual_seed(s + 3_000_009)
        self.z_eval = torch.randn(1024, 1, generator=eval_gen)   # fixed z: final numbers and the rug plot
        self.history = History()
        self.seconds = {"phase1": 0.0, "phase2": 0.0}
        self.diverged: str | None = None
        self._critic_frozen = False

    # -- state -----------------------------------------------------------------------------
    @property
    def d_done(self) -> int:
        return len(self.history.d_step)

    @property
    def g_done(self) -> int:
        return len(self.history.g_step)

    @property
    def phase1_complete(self) -> bool:
        return (not self.objective.has_critic) or self.d_done >= self.config.d_steps or self.diverged is not None

    @property
    def phase2_complete(self) -> bool:
        return self.g_done >= self.config.g_steps or self.diverged is not None

    def _score(self, x: Tensor) -> Tensor:
        """The critic's raw output (logit for bce), shape (B,)."""
        return self.critic(x).squeeze(-1)

    def _readable(self, s: Tensor) -> Tensor:
        """What the page shows as 'D(x)': the probability s(logit) for bce, the raw score otherwise."""
        return torch.sigmoid(s) if self.objective.sigmoid else s

    # -- phase 1 ---------------------------------------------------------------------------
    def train_discriminator(self, n: int) -> int:
        """Up to n critic steps (stops at d_steps). Returns the number of steps taken."""
        if self.phase1_complete:
            return 0
        n = min(n, self.config.d_steps - self.d_done)
        t0 = time.perf_counter()
        with _OneThread():
            taken = self._d_loop(n, torch.zeros(self.config.batch_size, 1))
        self.seconds["phase1"] += time.perf_counter() - t0
        return taken

    def _d_loop(self, n: int, real: Tensor) -> int:
        B, taken = self.config.batch_size, 0
        for _ in range(n):
            fake = self.config.fake_std * torch.randn(B, 1, generator=self.d_gen)
            r, f = self._score(real), self._score(fake)
            loss = self.objective.d_loss(r, f)
            if not torch.isfinite(loss):
                self.diverged = f"critic loss is not finite at phase-1 step {self.d_done}"
                break
            self.d_opt.zero_grad(set_to_none=True)
            loss.backward()
            self.d_opt.step()
            h = self.history
            h.d_step.append(self.d_done + 1)
            h.d_loss.append(loss.item())
            h.score_real.append(float(self._readable(r.detach()).mean()))
            h.score_fake.append(float(self._readable(f.detach()).mean()))
            taken += 1
        return taken

    # -- phase 2 ---------------------------------------------------------------------------
    def _freeze_critic(self) -> None:
        if self.critic is not None and not self._critic_frozen:
            for p in self.critic.parameters():
                p.requires_grad_(False)
            self.critic.eval()
            self._critic_frozen = True

    def _g_loss(self, x: Tensor) -> Tensor:
        f = self._score(x) if self.critic is not None else x.squeeze(-1)
        return self.objective.g_loss(f, x.squeeze(-1))

    def train_generator(self, n: int) -> int:
        """Up to n generator steps against the frozen critic. Phase 1 must be complete."""
        if not self.phase1_complete:
            raise RuntimeError("Train the discriminator first (phase 1), then the generator (phase 2).")
        if self.phase2_complete:
            return 0
        self._freeze_critic()
        n = min(n, self.config.g_steps - self.g_done)
        t0 = time.perf_counter()
        with _OneThread():
            taken = self._g_loop(n)
        self.seconds["phase2"] += time.perf_counter() - t0
        return taken

    def _g_loop(self, n: int) -> int:
        B, taken = self.config.batch_size, 0
        for _ in range(n):
            z = torch.randn(B, 1, generator=self.g_gen)
            x = self.generator(z)
            loss = self._g_loss(x)
            if not torch.isfinite(loss):
                self.diverged = f"generator loss is not finite at phase-2 step {self.g_done}"
                break
            self.g_opt.zero_grad(set_to_none=True)
            loss.backward()
            grad = math.sqrt(sum(float((p.grad ** 2).sum()) for p in self.generator.parameters()))
            self.g_opt.step()
            h = self.history
            h.g_grad.append(grad)
            h.g_step.append(self.g_done + 1)
            h.g_loss.append(loss.item())
            h.mean_abs.append(float(x.detach().abs().mean()))
            taken += 1
        return taken

    def run(self) -> "PerfectDiscriminatorExperiment":
        """Both phases to the end."""
        self.train_discriminator(self.config.d_steps)
        self.train_generator(self.config.g_steps)
        return self

    # -- read-outs -------------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """On the fixed z_eval batch: mean |G(z)|, L_G, and mean D on real / generated."""
        x = self.generator(self.z_eval)
        out = {"mean_abs_output": float(x.abs().mean()), "loss": float(self._g_loss(x))}
        if self.critic is not None:
            out["score_real"] = float(self._readable(self._score(torch.zeros(1, 1))).mean())
            out["score_generated"] = float(self._readable(self._score(x)).mean())
        return out

    @torch.no_grad()
    def snapshot(self, n_curve: int = 601, n_points: int = 200) -> dict:
        """Plain numpy for the plot builders: the critic curve on X_RANGE, generated points with
        their scores (first n_points of z_eval), and the histories."""
        # extra points near 0, where a log-loss discriminator's narrow "real" spike lives
        x = np.unique(np.concatenate([np.linspace(*self.X_RANGE, n_curve),
                                      np.linspace(-0.1, 0.1, 201)])).astype(np.float32)
        xt = torch.from_numpy(x).unsqueeze(-1)
        gx = self.generator(self.z_eval[:n_points])
        if self.critic is not None:
            curve = self._readable(self._score(xt)).numpy()
            g_scores = self._readable(self._score(gx)).numpy()
            real_score = float(self._readable(self._score(torch.zeros(1, 1)))[0])
        else:   # the naive distance has no critic: draw the score it implies, -|x|
            curve, g_scores, real_score = -np.abs(x), -gx.abs().squeeze(-1).numpy(), 0.0
        h = self.history
        return {
            "objective": self.objective.name,
            "label": self.objective.label,
            "sigmoid": self.objective.sigmoid,
            "has_critic": self.objective.has_critic,
            "x": x,
            "critic": np.asarray(curve, dtype=np.float32),
            "fake_x": gx.squeeze(-1).numpy().astype(np.float32),
            "fake_score": np.asarray(g_scores, dtype=np.float32),
            "real_score": real_score,
            "d_step": np.asarray(h.d_step, dtype=np.float32),
            "d_loss": np.asarray(h.d_loss, dtype=np.float32),
            "score_real": np.asarray(h.score_real, dtype=np.float32),
            "score_fake": np.asarray(h.score_fake, dtype=np.float32),
            "g_step": np.asarray(h.g_step, dtype=np.float32),
            "g_loss": np.asarray(h.g_loss, dtype=np.float32),
            "mean_abs": np.asarray(h.mean_abs, dtype=np.float32),
            "g_grad": np.asarray(h.g_grad, dtype=np.float64),
            "d_done": self.d_done, "g_done": self.g_done,
            "d_steps": self.config.d_steps, "g_steps": self.config.g_steps,
            "diverged": self.diverged,
        }

    def report(self, log_every: int = 100) -> dict:
        """The JSON the CLI prints: logged steps of both phases and the final numbers."""
        h = self.history

        def keep(step: int, last: int) -> bool:
            return step == 1 or step % log_every == 0 or step == last

        phase1 = None
        if self.objective.has_critic:
            phase1 = {
                "steps": self.d_done, "seconds": round(self.seconds["phase1"], 4),
                "score": "probability D = sigmoid(logit)" if self.objective.sigmoid else "raw critic score",
                "log": [{"step": s, "d_loss": l, "score_real": r, "score_generated": f}
                        for s, l, r, f in zip(h.d_step, h.d_loss, h.score_real, h.score_fake)
                        if keep(s, self.d_done)],
            }
        return {
            "experiment": "perfect-discriminator",
            "objective": self.objective.name,
            "config": asdict(self.config),
            "generator_loss": self.objective.g_formula,
            "phase1": phase1,
            "phase2": {
                "steps": self.g_done, "seconds": round(self.seconds["phase2"], 4),
                "log": [{"step": s, "loss": l, "mean_abs_output": m, "grad_norm": g}
                        for s, l, m, g in zip(h.g_step, h.g_loss, h.mean_abs, h.g_grad)
                        if keep(s, self.g_done)],
            },
            "final": self.evaluate(),
            "final_note": "final = on a fixed batch of 1024 z (seed + 1); log = the training batch of each step",
            "diverged": self.diverged,
        }
