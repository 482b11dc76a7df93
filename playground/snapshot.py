"""Snapshot: what the plots need from a run, as plain numpy, computed by the training thread.

`VIEWS` maps a dataset kind ("1d", "2d", "image") to a function (trainer, n) -> dict of arrays.
Only the thread that trains may call `take_snapshot` (a forward pass from another thread races the
optimiser); the drawing code receives the finished Snapshot.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

from .datasets.mnist import image_view
from .genmap import generator_map
from .metrics import kde_1d
from .models.toy_critic import point_scores


@dataclass
class Snapshot:
    step: int
    kind: str
    config: dict[str, Any]
    dataset_label: str
    loss_label: str
    log_loss: bool
    history: list[dict[str, Any]]
    views: dict[str, Any] = field(default_factory=dict)
    diverged: dict[str, Any] | None = None
    device: str = "CPU"
    steps_per_second: float = 0.0
    modes: dict[str, np.ndarray] | None = None
    bounds: np.ndarray | None = None
    critic_updates: int = 0
    explain: dict[str, Any] | None = None   # an explained step's phases (Trainer.explain_step), once


def _critic(trainer, x: torch.Tensor, fakes: torch.Tensor) -> np.ndarray:
    """D at each point of x alone (models/toy_critic.py's point_scores: a packed critic scores (x, …, x),
    the minibatch statistic is that of the fakes shown)."""
    with torch.no_grad():
        return point_scores(trainer.D, x, fakes).float().cpu().numpy()


def _whole_packs(trainer, n: int) -> int:
    """n rounded down to whole packs of the critic's."""
    return n // trainer.config.pack * trainer.config.pack


def _generator_push(trainer, fake: torch.Tensor) -> np.ndarray:
    """−∇ₓ ℓ_G at fake points: the direction (and strength) the loss pushes each sample (the fakes scored
    as in training: in packs, with their batch's statistic)."""
    x = fake.detach().clone().requires_grad_(True)
    f = trainer.D(x).view(-1)
    with torch.no_grad():
        r = trainer.D(trainer.real_ref[: len(x)]).view(-1)
    loss = trainer.loss.g_loss(r, f) * len(f)  # per score: the loss is a mean over len(x)/m packs
    (g,) = torch.autograd.grad(loss, x)
    return (-g).float().cpu().numpy()


def _view_1d(trainer, n: int) -> dict[str, Any]:
    ds = trainer.dataset
    fakes = trainer.fakes(n)
    fake = fakes.view(-1).cpu().numpy()
    lo, hi = ds.bounds[0]
    lo, hi = min(lo, float(np.percentile(fake, 0.5))), max(hi, float(np.percentile(fake, 99.5)))
    x = np.linspace(lo, hi, 400)
    p = np.exp(ds.log_prob(x[:, None]))
    q = kde_1d(fake, ds)(x) if np.ptp(fake) > 1e-9 else np.zeros_like(x)
    xt = torch.as_tensor(x, dtype=torch.float32, device=trainer.device)[:, None]
    out = {"x": x.astype(np.float32), "p": p.astype(np.float32), "q": q.astype(np.float32),
           "critic": _critic(trainer, xt, fakes), "fake": fake.astype(np.float32),
           "real": trainer.real_ref[:n].view(-1).cpu().numpy()}
    if trainer.loss.log_loss:
        out["d_star"] = (p / np.maximum(p + q, 1e-300)).astype(np.float32)
    sub = trainer.fakes(_whole_packs(trainer, 200))
    out["push_x"] = sub.view(-1).cpu().numpy()
    out["push"] = _generator_push(trainer, sub).reshape(-1)
    return out


def _view_2d(trainer, n: int, res: int = 60) -> dict[str, Any]:
    ds = trainer.dataset
    b = ds.bounds
    gx, gy = np.linspace(b[0, 0], b[0, 1], res), np.linspace(b[1, 0], b[1, 1], res)
    xx, yy = np.meshgrid(gx, gy)
    pts = torch.as_tensor(np.stack([xx.ravel(), yy.ravel()], 1), dtype=torch.float32, device=trainer.device)
    fake = trainer.fakes(n)
    sub = fake[:_whole_packs(trainer, min(150, len(fake)))]
    c = trainer.config
    return {"grid_x": gx.astype(np.float32), "grid_y": gy.astype(np.float32),
            "critic": _critic(trainer, pts, fake).reshape(res, res),
            "real": trainer.real_ref[:n].cpu().numpy(), "fake": fake.cpu().numpy(),
            "push_at": sub.cpu().numpy(), "push": _generator_push(trainer, sub),
            **generator_map(trainer.G_eval, c.noise, c.noise_dim, trainer.device)}


VIEWS: dict[str, Callable[[Any, int], dict[str, Any]]] = {"1d": _view_1d, "2d": _view_2d, "image": image_view}


def _views(trainer, n: int) -> dict[str, Any]:
    with trainer.inspecting():  # eval mode, frozen parameters: looking must not change training
        return VIEWS[trainer.dataset.kind](trainer, n)


def take_snapshot(trainer, n: int = 1000) -> Snapshot:
    ds = trainer.dataset
    modes = None
    if ds.modes is not None:
        modes = {"centers": ds.modes.centers, "sigma": ds.modes.sigma}
    secs = trainer.seconds
    return Snapshot(
        step=trainer.step_count, kind=ds.kind, config=trainer.config.to_dict(), dataset_label=ds.label,
        loss_label=trainer.loss.label, log_loss=trainer.loss.log_loss,
        history=[dict(h) for h in trainer.history],
        views=_views(trainer, n),
        diverged=trainer.diverged.to_dict() if trainer.diverged else None,
        steps_per_second=trainer.step_count / secs if secs > 0 else 0.0,
        modes=modes, bounds=ds.bounds, critic_updates=trainer.critic_updates,
    )
