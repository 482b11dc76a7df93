"""Editing a custom mixture by clicks ("draw your own data"): pure functions on mixture strings.

A mixture string is "w, mean, σ; ..." in 1D and "w, mx, my, σ; ..." in 2D (see toy.parse_mixture).
A click near a component's centre removes it; anywhere else it adds one there.
"""
from __future__ import annotations

import math

import numpy as np

from .toy import _mixture_error, parse_mixture

MAX_COMPONENTS = 50  # as parse_mixture allows


def _fmt(x: float) -> str:
    return f"{round(float(x), 2) + 0.0:g}"  # + 0.0: -0.0 prints as "0", not "-0"


def format_component(weight: float, mean, sigma: float) -> str:
    """One component as parse_mixture reads it, numbers rounded to 2 decimals: "0.5, -2, 0, 0.3"."""
    return ", ".join(_fmt(v) for v in (weight, *np.atleast_1d(mean), sigma))


def format_mixture(weights, means, sigmas) -> str:
    """The string parse_mixture reads back (numbers rounded to 2 decimals); "" for no components."""
    means = np.asarray(means, np.float64).reshape(len(weights), -1)
    return "; ".join(format_component(w, m, s) for w, m, s in zip(weights, means, sigmas))


def rows(mixture: str) -> list[str]:
    """The component rows of a mixture string, split as parse_mixture splits them."""
    return [r.strip() for r in mixture.replace("\n", ";").split(";") if r.strip()]


def components(mixture: str, dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(weights, means (K, dim), σ); an empty string has none (it is not the default mixture here)."""
    if not rows(mixture):
        return np.zeros(0), np.zeros((0, dim)), np.zeros(0)
    return parse_mixture(mixture, dim)


def clear() -> str:
    """The mixture with no components (the form reports it as empty: it never means the default)."""
    return ""


def click(mixture: str, dim: int, at, sigma: float, weight: float, radius: float) -> tuple[str, str]:
    """(the new mixture, "added" or "removed"): remove the component whose centre is nearest `at` when
    it lies within `radius`, else add (weight, at, σ). The other rows keep their text (a σ typed as
    0.004 must not round to 0). Raises ConfigError for a bad mixture or past MAX_COMPONENTS."""
    w, m, _ = components(mixture, dim)
    at = np.asarray(at, np.float64).reshape(-1)[:dim]
    if at.size != dim or not np.all(np.isfinite(at)):
        raise _mixture_error("The clicked point is not a point of the chart; click inside the plot.")
    kept = rows(mixture)
    if len(w):
        d = np.linalg.norm(m - at, axis=1)
        i = int(d.argmin())
        if d[i] <= radius:
            return "; ".join(kept[:i] + kept[i + 1:]), "removed"
    if len(w) >= MAX_COMPONENTS:
        raise _mixture_error(f"The custom mixture has {MAX_COMPONENTS} components, the most it may have: "
                             f"click a centre to remove one first.")
    if not all(math.isfinite(v) and round(v, 2) > 0 for v in (sigma, weight)):  # as written: 2 decimals
        raise _mixture_error("A drawn component needs a σ and a weight of at least 0.01.")
    return "; ".join(kept + [format_component(weight, at, sigma)]), "added"


__all__ = ["click", "clear", "components", "format_component", "format_mixture", "rows", "MAX_COMPONENTS"]
