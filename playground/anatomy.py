"""The anatomy of one generator step (GAN Lab's slow motion), as numbered phases with captions.

`Trainer.explain_step()` runs an ordinary step and records it (its "trace", playground/explain.py);
`phases(trace)` cuts that record into what the page walks through with Back / Next:

    1. batches    a real batch x ~ p and a fake batch G(z) are drawn
    2. scores     the critic scores them, D(x) and D(G(z))
    3. critic k   critic update k of n_critic: L_D's gradient step (each update draws its own batches)
    4. gradient   −∂ℓ_G/∂x at each fake of the generator's own batch: where the loss pushes it
    5. update     the generator's update θ ← θ − η∇θ L_G moves each fake from G_θ(z) to G_θ'(z)

Everything shown comes from the step that trained: the same batches, the same gradients.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Phase:
    key: str                     # "batches", "scores", "critic", "gradient", "update"
    title: str
    caption: str
    critic: int | None = None    # which critic update (0-based) the phase shows


def _mean(a: Any) -> float:
    a = np.asarray(a, np.float64)
    return float(a.mean()) if a.size else float("nan")


def phases(trace: dict[str, Any], log_loss: bool = False) -> list[Phase]:
    """The phases of an explained step: 2 + n_critic + 2 of them."""
    critic = trace["critic"]
    gen = trace["generator"]
    n, k = len(critic), trace["n_show"]
    first = critic[0]
    shown = min(k, len(first["real"]))
    B = gen["batch_size"]
    part = f"the first {shown} of each batch of {B} are shown" if shown < B else f"batches of {B}"
    score = "the logit D(x) (σ(D) is its P(real))" if log_loss else "the critic's score D(x)"
    out = [
        Phase("batches", "1 · Draw the batches",
              f"Step {trace['step']:,} begins: a real batch x ~ p and a fake batch G(z), z ~ noise, are drawn "
              f"({part})."),
        Phase("scores", "2 · The critic scores them",
              f"Marker colour = {score}: mean {_mean(first['real_score']):.3g} on the real batch, "
              f"{_mean(first['fake_score']):.3g} on the fakes.", critic=0),
    ]
    for i, c in enumerate(critic):
        fresh = "" if i == 0 else " on its own fresh batches"
        out.append(Phase(
            "critic", f"3 · Critic update {i + 1} of {n}",
            f"One gradient step on L_D = {c['d_loss']:.4g}{fresh}: the landscape after it (dotted: before). "
            f"On this batch the mean real score went {_mean(c['real_score']):.3g} → {_mean(c['real_score_after']):.3g}, "
            f"the fakes' {_mean(c['fake_score']):.3g} → {_mean(c['fake_score_after']):.3g}.", critic=i))
    out.append(Phase(
        "gradient", "4 · The generator's gradient",
        f"At each fake of the generator's own batch, −∂ℓ_G/∂x: the direction the loss pushes it "
        f"(L_G = {gen['g_loss']:.4g}; arrows on the live arrows' scale)."))
    moved = np.linalg.norm(np.asarray(gen["after"]) - np.asarray(gen["before"]), axis=-1)
    m = magnification(trace.get("view_width", 1.0), moved)
    shown = f", drawn ×{m:g} to be seen" if m > 1 else ""
    out.append(Phase(
        "update", "5 · The generator's update",
        f"One optimiser step on the generator's weights moves every fake at once, G(z) before → after "
        f"(mean move {_mean(moved):.3g}{shown}). The step is done; the run continues from here."))
    return out


def magnification(width: float, moved: Any, fraction: float = 0.06) -> float:
    """How much the update's segments are lengthened so the longest spans `fraction` of the view
    width: 1 when they already do, else a round number (1, 2, 5 × 10ᵏ) not above what is needed."""
    moved = np.asarray(moved, np.float64)
    moved = moved[np.isfinite(moved)]
    top = float(moved.max()) if moved.size else 0.0
    if top <= 0 or top >= fraction * width:
        return 1.0
    need = fraction * width / top
    k = 10 ** np.floor(np.log10(need))
    return float(max(m for m in (k, 2 * k, 5 * k) if m <= need))


__all__ = ["Phase", "phases", "magnification"]
