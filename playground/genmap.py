"""The generator's map (GAN Lab's warped grid): the image under G of a regular grid in noise space.

A grid of lines in the first two noise coordinates (the others 0), pushed through G, shows where
each region of z goes: folds, stretches, and a collapsing generator squeezing the whole plane onto
one point. With more than two noise dimensions it is a 2D slice, and the caption says so.
"""
from __future__ import annotations

import numpy as np
import torch

# The half-width of the grid per noise kind: ±2.5 holds 98.8 % of each N(0, 1) coordinate; U(−1, 1)
# has its support in [−1, 1].
NOISE_RANGE = {"gaussian": 2.5, "uniform": 1.0}


def noise_grid(noise: str, noise_dim: int, lines: int = 15, points: int = 61) -> np.ndarray:
    """Polylines of a regular grid over z₁, z₂ ∈ [−R, R] (other coordinates 0): shape
    (2·lines, points, noise_dim), `lines` rows (z₂ fixed) then `lines` columns (z₁ fixed). With one
    noise dimension, the single line z₁ ∈ [−R, R]: shape (1, points, 1)."""
    r = NOISE_RANGE[noise]
    t = np.linspace(-r, r, points)
    if noise_dim == 1:
        return t.reshape(1, points, 1).astype(np.float32)
    levels = np.linspace(-r, r, lines)
    grid = np.zeros((2 * lines, points, noise_dim), np.float32)
    grid[:lines, :, 0] = t[None, :]
    grid[:lines, :, 1] = levels[:, None]
    grid[lines:, :, 0] = levels[:, None]
    grid[lines:, :, 1] = t[None, :]
    return grid


def map_note(noise: str, noise_dim: int) -> str:
    r = NOISE_RANGE[noise]
    if noise_dim == 1:
        return f"generator's map: the line z ∈ [−{r:g}, {r:g}]"
    note = f"generator's map: a grid over z₁, z₂ ∈ [−{r:g}, {r:g}]"
    return note + (f" (a 2D slice: z₃…z{_sub(noise_dim)} = 0)" if noise_dim > 2 else "")


def _sub(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


@torch.no_grad()
def generator_map(G: torch.nn.Module, noise: str, noise_dim: int, device="cpu", lines: int = 15,
                  points: int = 61) -> dict:
    """{"map_lines": G of the grid, (n_lines, points, out_dim) float32, "map_note": caption}. The
    caller chooses the networks' mode (the trainer's inspecting(): eval, frozen)."""
    grid = noise_grid(noise, noise_dim, lines, points)
    z = torch.as_tensor(grid.reshape(-1, noise_dim), device=device)
    x = G(z).reshape(grid.shape[0], grid.shape[1], -1).float().cpu().numpy()
    return {"map_lines": x, "map_note": map_note(noise, noise_dim)}


__all__ = ["noise_grid", "generator_map", "map_note", "NOISE_RANGE"]
