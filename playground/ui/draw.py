"""Draw your own data: in draw mode a click on the toy page's main chart adds a Gaussian component to
the custom mixture there (σ and weight from two small controls), a click on a centre removes it, and
Clear empties the table. The sidebar table, the config and the URL follow; the run restarts on the
new data at once, so the chart shows what was drawn.

`apply_click` and `clear_mixture` hold the logic on a plain mapping (the session state, or a dict in
a test); `on_click_callback` and `draw_controls` connect them to the page.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, MutableMapping

import numpy as np
import streamlit as st

from ..config import ConfigError, RunConfig
from ..datasets import make_dataset
from ..datasets.mixture_edit import clear, click, components
from ..datasets.toy import DEFAULT_MIXTURE
from .config_form import mixture_frame
from .live_chart import clicked

DIMS = {"custom1d": 1, "custom2d": 2}
REMOVE_SIGMAS = 3.0      # a click within 3σ of a centre removes that component,
REMOVE_FRACTION = 0.02   # or within 2 % of the view's width (a narrow component is still hit)
SIGMA, WEIGHT = 0.2, 1.0  # the controls' defaults

State = MutableMapping  # st.session_state, or a dict in a test


def drawable(prefix: str) -> int | None:
    """The dimension of the page's custom mixture dataset, or None (draw mode does not apply)."""
    return DIMS.get(st.session_state.get(f"{prefix}_dataset"))


def draw_on(prefix: str) -> bool:
    return drawable(prefix) is not None and bool(st.session_state.get(f"{prefix}_draw"))


def _set_table(S: State, prefix: str, dim: int, mixture: str) -> None:
    """Put `mixture` into the sidebar table. The table's frame is set, not dropped for config_form to
    rebuild: it would rebuild "" as the default mixture. Its editor's edits are dropped (they index
    rows of the old frame)."""
    S[f"{prefix}_mixture"] = mixture
    S[f"{prefix}_mixture_df{dim}"] = mixture_frame(*components(mixture, dim), dim)
    S.pop(f"{prefix}_mixture_editor{dim}", None)


def current_mixture(S: State, prefix: str, dim: int) -> str:
    """The mixture on the page now: the form's config ("" there is the default mixture), else what
    the table holds (config_form keeps it under <prefix>_mixture, also while the form holds an error;
    "" there is an emptied table), else the default."""
    config: RunConfig | None = S.get(f"{prefix}_config")
    if config is not None and config.dataset == S.get(f"{prefix}_dataset") and config.dataset in DIMS:
        return config.mixture or DEFAULT_MIXTURE[dim]
    mixture = S.get(f"{prefix}_mixture")
    return DEFAULT_MIXTURE[dim] if mixture is None else mixture


def removal_radius(mixture: str, dim: int, at, view_width: float) -> float:
    """How near the centre of the component nearest `at` a click must be to remove it (data units)."""
    w, m, s = components(mixture, dim)
    radius = REMOVE_FRACTION * view_width
    if len(w):
        i = int(np.linalg.norm(m - np.asarray(at, np.float64)[:dim], axis=1).argmin())
        radius = max(radius, REMOVE_SIGMAS * float(s[i]))
    return radius


def apply_click(S: State, prefix: str, at: tuple[float, ...], view_width: float,
                base: RunConfig | None = None) -> RunConfig | None:
    """Add or remove the component at `at` in the page state `S`: the table follows at once. Returns
    the new config (validated) for the run to restart on, or None: nothing to run (the last component
    removed: the form says the table is empty; no config to start from) or an error, whose sentence
    is kept under <prefix>_draw_error for `draw_controls` to show (the table is left as it was).
    `base`: the config to start from when the form holds none (the run's)."""
    dim = DIMS.get(S.get(f"{prefix}_dataset"))
    S[f"{prefix}_draw_error"] = None
    if dim is None:
        return None
    config = None
    try:
        mixture = current_mixture(S, prefix, dim)
        at = tuple(float(v) for v in at)[:dim]
        new, _ = click(mixture, dim, at, float(S.get(f"{prefix}_draw_sigma", SIGMA)),
                       float(S.get(f"{prefix}_draw_weight", WEIGHT)), removal_radius(mixture, dim, at, view_width))
        components(new, dim)  # the form's checks (a centre past ±100) before the table changes
        current = S.get(f"{prefix}_config") or base
        if new and current is not None:
            config = dataclasses.replace(current, dataset=S[f"{prefix}_dataset"], mixture=new).validate()
    except ConfigError as e:
        S[f"{prefix}_draw_error"] = str(e)
        return None
    _set_table(S, prefix, dim, new)
    return config


def clear_mixture(S: State, prefix: str) -> None:
    """Empty the table (the form then says so: an empty mixture is never the default one)."""
    dim = DIMS.get(S.get(f"{prefix}_dataset"))
    if dim is not None:
        _set_table(S, prefix, dim, clear())
        S[f"{prefix}_draw_error"] = None


def on_click_callback(prefix: str, chart_key: str, apply: Callable[[RunConfig], None], view_width: float,
                      base: RunConfig | None = None) -> Callable[[], None]:
    """The `on_click` of the live chart `chart_key`: the click into the mixture (`apply_click`), then
    `apply(new config)` when there is one to run (the page restarts its run on it). `view_width`: the
    chart's x range, in data units."""
    def callback() -> None:
        at = clicked(chart_key)
        if at is None:
            return
        try:
            config = apply_click(st.session_state, prefix, at, view_width, base)
            if config is not None:
                apply(config)
        except Exception as e:  # a sentence on the page, never a traceback from a click
            st.session_state[f"{prefix}_draw_error"] = f"That click could not be applied: {e}"
    return callback


def draw_controls(prefix: str) -> bool:
    """The Draw toggle and, when on, σ, weight, Clear and a one-line hint, in one row (only for a custom
    mixture). Returns whether draw mode is on."""
    if drawable(prefix) is None:
        return False
    S = st.session_state
    # a fixed width: in the controls row, the group moves to a line of its own rather than being squeezed
    with st.container(width=470 if S.get(f"{prefix}_draw") else 110, key=f"{prefix}_draw_group"):
        on = _draw_row(prefix, S)
    return on


DRAW_HELP = ("Draw the data: a click on the chart adds a Gaussian component there, a click on a centre "
             "removes it. The run restarts on the new data.")


def _draw_row(prefix: str, S) -> bool:
    if not S.get(f"{prefix}_draw"):
        return st.toggle("Draw", key=f"{prefix}_draw", help=DRAW_HELP)
    c1, c2, c3, c4 = st.columns([1.1, 1, 1, 0.9], vertical_alignment="bottom")
    on = c1.toggle("Draw", key=f"{prefix}_draw", help=DRAW_HELP)
    if on:
        # persist_state: the next component keeps its σ and weight while Draw is off
        c2.number_input("σ", min_value=0.01, max_value=5.0, value=SIGMA, step=0.05, key=f"{prefix}_draw_sigma",
                        persist_state="session", help="Width of the next component you click.")
        c3.number_input("weight", min_value=0.01, max_value=100.0, value=WEIGHT, step=0.5,
                        key=f"{prefix}_draw_weight", persist_state="session",
                        help="Its weight (the weights are normalised).")
        c4.button("Clear", icon=":material/delete_sweep:", key=f"{prefix}_draw_clear", on_click=clear_mixture,
                  args=(S, prefix), width="stretch", help="Remove every component.")
        st.caption("Click the chart to add a component; click a centre to remove it.")
        if S.get(f"{prefix}_draw_error"):
            st.error(S[f"{prefix}_draw_error"], icon=":material/error:")
    return on


def view_width(config: RunConfig | None) -> float:
    """The width of the data's view (the removal radius is at least a fraction of it)."""
    if config is None:
        return 8.0
    try:
        b = make_dataset(config).bounds
    except ConfigError:
        return 8.0
    return float(b[0, 1] - b[0, 0])


__all__ = ["apply_click", "clear_mixture", "current_mixture", "draw_controls", "draw_on", "drawable",
           "on_click_callback", "removal_radius", "view_width"]
