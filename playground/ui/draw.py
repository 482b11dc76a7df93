"""Draw your own data: in draw mode a click on the toy page's main chart adds a Gaussian component to
the custom mixture there (σ and weight from two small controls), a click on a centre removes it, and
Clear empties the table. The sidebar table, the config and the URL follow; the run restarts on the
new data at once, so the chart shows what was drawn.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np
import streamlit as st

from ..config import ConfigError, RunConfig
from ..datasets import make_dataset
from ..datasets.mixture_edit import click, components
from ..datasets.toy import DEFAULT_MIXTURE
from .config_form import mixture_frame
from .live_chart import clicked

DIMS = {"custom1d": 1, "custom2d": 2}
REMOVE_FRACTION = 0.03  # a click within 3 % of the view width of a centre (or 2σ) removes it


def drawable(prefix: str) -> int | None:
    """The dimension of the page's custom mixture dataset, or None (draw mode does not apply)."""
    return DIMS.get(st.session_state.get(f"{prefix}_dataset"))


def draw_on(prefix: str) -> bool:
    return drawable(prefix) is not None and bool(st.session_state.get(f"{prefix}_draw"))


def _set_table(S, prefix: str, dim: int, mixture: str) -> None:
    """Put `mixture` into the sidebar table (rebuilt from it on this run; the editor's edits are dropped)."""
    S[f"{prefix}_mixture"] = mixture
    S[f"{prefix}_mixture_df{dim}"] = mixture_frame(*components(mixture, dim), dim)
    S.pop(f"{prefix}_mixture_editor{dim}", None)


def current_mixture(S, prefix: str, dim: int) -> str:
    """What the table holds now: the form's config ('' there means the default mixture), or, while the
    form holds an error (an emptied table), the last mixture put into it."""
    config: RunConfig | None = S.get(f"{prefix}_config")
    if config is not None and config.dataset in DIMS:
        return config.mixture or DEFAULT_MIXTURE[dim]
    return S.get(f"{prefix}_mixture") or ""


def apply_click(S, prefix: str, at: tuple[float, float], view_width: float, base: RunConfig) -> RunConfig | None:
    """Add or remove the component at `at` in the page state `S` (the session state); the new config
    (validated), or None with the reason kept for `draw_controls` to show."""
    dim = DIMS.get(S.get(f"{prefix}_dataset"))
    S[f"{prefix}_draw_error"] = None
    if dim is None:
        return None
    mixture = current_mixture(S, prefix, dim)
    sigma, weight = S.get(f"{prefix}_draw_sigma", 0.2), S.get(f"{prefix}_draw_weight", 1.0)
    try:
        w, m, s = components(mixture, dim)
        radius = REMOVE_FRACTION * view_width
        if len(w):  # a wide component is removed by a click anywhere near its centre
            i = int(np.linalg.norm(m - np.asarray(at[:dim]), axis=1).argmin())
            radius = max(radius, 2 * float(s[i]))
        new, _ = click(mixture, dim, at[:dim], sigma, weight, radius)
        _set_table(S, prefix, dim, new)
        if not new:
            return None  # the last component removed: the form says the table is empty
        return dataclasses.replace(base, dataset=S[f"{prefix}_dataset"], mixture=new).validate()
    except ConfigError as e:
        S[f"{prefix}_draw_error"] = str(e)
        return None


def on_chart_click(prefix: str, chart_key: str, view_width: float, base: RunConfig,
                   apply: Callable[[RunConfig], None]) -> Callable[[], None]:
    """The live chart's on_click: the click into the mixture, then `apply(new config)` (the page
    restarts its run on it)."""
    def callback() -> None:
        at = clicked(chart_key)
        if at is None:
            return
        try:
            config = apply_click(st.session_state, prefix, at, view_width, base)
            if config is not None:
                apply(config)
        except Exception as e:  # a sentence on the page, never a traceback from a click
            st.session_state[f"{prefix}_draw_error"] = f"That click could not be applied: {type(e).__name__}: {e}"
    return callback


def _clear(prefix: str) -> None:
    dim = drawable(prefix)
    if dim is not None:
        _set_table(st.session_state, prefix, dim, "")
        st.session_state[f"{prefix}_draw_error"] = None


def draw_controls(prefix: str) -> bool:
    """The Draw toggle and, when on, σ, weight and Clear (only for a custom mixture). Returns draw_on."""
    if drawable(prefix) is None:
        return False
    S = st.session_state
    c1, c2, c3, c4 = st.columns([1.1, 1, 1, 0.9], vertical_alignment="bottom")
    on = c1.toggle("Draw", key=f"{prefix}_draw",
                   help="Draw the data: a click on the chart adds a Gaussian component there, a click on a "
                        "centre removes it. The run restarts on the new data.")
    if on:
        c2.number_input("σ", min_value=0.01, max_value=5.0, value=0.2, step=0.05, key=f"{prefix}_draw_sigma",
                        help="Width of the next component you click.")
        c3.number_input("weight", min_value=0.01, max_value=100.0, value=1.0, step=0.5,
                        key=f"{prefix}_draw_weight", help="Its weight (the weights are normalised).")
        c4.button("Clear", icon=":material/delete_sweep:", key=f"{prefix}_draw_clear", on_click=_clear,
                  args=(prefix,), width="stretch")
        st.caption("Click the chart to add a component; click a centre to remove it.")
        if S.get(f"{prefix}_draw_error"):
            st.error(S[f"{prefix}_draw_error"], icon=":material/error:")
    return on


def view_width(config: RunConfig | None) -> float:
    """The width of the data's view (the removal radius is a fraction of it)."""
    if config is None:
        return 8.0
    b = make_dataset(config).bounds
    return float(b[0, 1] - b[0, 0])


__all__ = ["draw_controls", "draw_on", "on_chart_click", "apply_click", "drawable", "current_mixture", "view_width"]
