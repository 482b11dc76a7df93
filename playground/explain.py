"""Watching one generator step phase by phase (`Trainer.explain_step`), for the step anatomy.

The trainer's step calls its observer at named phases; the plain `StepObserver` does nothing (a
normal step), `StepRecorder` records what the step used into `record`, which playground/anatomy.py
reads:

    critic[k]        update k: its real / fake batches and their scores before and after the update
                     (first n_show of each), d_loss, landscape_after (D over the grid)
    landscape_before D over the grid before the first critic update
    generator        z, G(z) before and after the update, push = −∂ℓ_G/∂x (×B/m: the loss is a mean),
                     g_loss, batch_size, grid_axes
    n_show, step, critic_updates_before, kind, view_width

Recording only inspects (eval mode, frozen parameters, no randomness drawn), so the trainer ends
exactly where an unobserved step would leave it. Every score is per sample: with a packed critic each
sample shows its pack's score, and the landscape is models/toy_critic.py's point_scores.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .models.toy_critic import per_sample, point_scores

EXPLAIN_RES = 40  # the landscape grid (res × res in 2D), one per critic update


class StepObserver:
    """The phases of a step; each does nothing here."""

    def before_critic(self) -> None:
        """Before each critic update."""

    def after_critic_update(self, real, fake, r, f, d_loss) -> None:
        """After a critic update on (real, fake), whose scores before it were (r, f)."""

    def after_generator_update(self, z, fake, g_loss) -> None:
        """After the generator update; fake = G(z) before it, with fake.grad = ∂L_G/∂x."""


NO_OBSERVER = StepObserver()


class StepRecorder(StepObserver):
    """Records one step of `trainer` (see the module docstring for the record)."""

    def __init__(self, trainer, n_show: int = 128):
        self.trainer = trainer
        self.n_show = int(n_show)
        self.record: dict[str, Any] = {"critic": [], "n_show": self.n_show, "step": trainer.step_count + 1,
                                       "critic_updates_before": trainer.critic_updates,
                                       "kind": trainer.dataset.kind}
        b = trainer.dataset.bounds
        if trainer.dataset.kind == "2d":
            gx, gy = np.linspace(b[0, 0], b[0, 1], EXPLAIN_RES), np.linspace(b[1, 0], b[1, 1], EXPLAIN_RES)
            xx, yy = np.meshgrid(gx, gy)
            pts = np.stack([xx.ravel(), yy.ravel()], 1)
            self.grid_axes = (gx, gy)
        else:
            pts = np.linspace(b[0, 0], b[0, 1], 400)[:, None]
            self.grid_axes = (pts[:, 0],)
        self.grid = torch.as_tensor(pts, dtype=torch.float32, device=trainer.device)

    def _landscape(self) -> np.ndarray:
        """D over the grid (2D: res × res; 1D: the x grid), the phases' background."""
        t = self.trainer
        with torch.no_grad(), t.inspecting():
            context = t.fakes() if t.config.mbstd else None  # the minibatch statistic of the fakes shown
            return point_scores(t.D, self.grid, context).float().cpu().numpy()

    def before_critic(self) -> None:
        if not self.record["critic"]:
            self.record["landscape_before"] = self._landscape()

    def after_critic_update(self, real, fake, r, f, d_loss) -> None:
        t, k, m = self.trainer, self.n_show, self.trainer.config.pack
        cpu = lambda x: x.detach()[:k].float().cpu().numpy()  # noqa: E731
        with torch.no_grad(), t.inspecting():  # the same points scored by the updated critic
            if m == 1 and not t.config.mbstd:
                r_after, f_after = t.D(real[:k]).view(-1), t.D(fake[:k]).view(-1)
            else:  # whole packs, and the batch's own statistic, as the update scored them
                r_after, f_after = per_sample(t.D(real).view(-1), m), per_sample(t.D(fake).view(-1), m)
        self.record["critic"].append({
            "real": cpu(real), "fake": cpu(fake), "real_score": cpu(per_sample(r, m)),
            "fake_score": cpu(per_sample(f, m)),
            "real_score_after": cpu(r_after), "fake_score_after": cpu(f_after),
            "d_loss": float(d_loss.detach()), "landscape_after": self._landscape()})

    def after_generator_update(self, z, fake, g_loss) -> None:
        t, k, B = self.trainer, self.n_show, self.trainer.config.batch_size
        scores = B // t.config.pack  # the loss is a mean over the packs
        with torch.no_grad(), t.inspecting():
            after = t.G(z[:k]).float().cpu().numpy()
        self.record["view_width"] = float(np.ptp(self.grid_axes[0]))
        self.record["generator"] = {
            "z": z[:k].float().cpu().numpy(), "before": fake.detach()[:k].float().cpu().numpy(),
            "push": (-fake.grad[:k] * scores).float().cpu().numpy(), "after": after, "g_loss": float(g_loss.detach()),
            "batch_size": B, "grid_axes": [a.astype(np.float32) for a in self.grid_axes]}
