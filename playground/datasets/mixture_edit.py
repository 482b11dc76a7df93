"""Editing a custom mixture by clicks ("draw your own data"): pure functions on mixture strings.

A mixture string is "w, mean, σ; ..." in 1D and "w, mx, my, σ; ..." in 2D (see toy.parse_mixture).
A click near a component's centre removes it; anywhere else it adds one there.
"""
from __future__ import annotations

import numpy as np

from .toy import parse_mixture, _mixture_error

MAX_COMPONENTS = 50  # as parse_mixture allows


def _fmt(x: float) -> str:
    return f"{round(float(x), 2):g}"


def format_mixture(weights, means, sigmas) -> str:
    """The string parse_mixture reads back (numbers rounded to 2 decimals); "" for no components."""
    if len(weights) == 0:
        return ""
    means = np.asarray(means, np.float64).reshape(len(weights), -1)
    return "; ".join(", ".join(_fmt(v) for v in (w, *m, s)) for w, m, s in zip(weights, means, sigmas))


def components(mixture: str, dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(weights, means (K, dim), σ); an empty string has none (it is not the default mixture here)."""
    if not mixture.strip():
        return np.zeros(0), np.zeros((0, dim)), np.zeros(0)
    return parse_mixture(mixture, dim)


def click(mixture: str, dim: int, at, sigma: float, weight: float, radius: float) -> tuple[str, str]:
    """(the new mixture, "added" or "removed"): remove the component whose centre is nearest `at` when
    it lies within `radius`, else add (weight, at, σ). Raises ConfigError past MAX_COMPONENTS."""
    w, m, s = components(mixture, dim)
    at = np.asarray(at, np.float64).reshape(-1)[:dim]
    if len(w):
        d = np.linalg.norm(m - at, axis=1)
        i = int(d.argmin())
        if d[i] <= radius:
            keep = np.arange(len(w)) != i
            return format_mixture(w[keep], m[keep], s[keep]), "removed"
    if len(w) >= MAX_COMPONENTS:
        raise _mixture_error(f"The custom mixture has {MAX_COMPONENTS} components, the most it may have: "
                             f"click a centre to remove one first.")
    if not (sigma > 0 and weight > 0):
        raise _mixture_error("A drawn component needs a positive σ and weight.")
    return format_mixture(np.append(w, weight), np.vstack([m, at[None]]), np.append(s, sigma)), "added"


__all__ = ["click", "components", "format_mixture", "MAX_COMPONENTS"]
