"""The compare page's editors: the base setup (sidebar) and 2–4 variant cards -> a Comparison.

Widget values live in st.session_state under "cmp_*" keys; `load_comparison` writes a whole
comparison there (a preset, the URL), so widgets never get a `value=` argument.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from ..compare import BASE_FIELDS, MAX_VARIANTS, MIN_VARIANTS, Comparison, Variant, parse_variant, value_text
from ..config import SETTINGS, ConfigError, RunConfig
from ..datasets import make_dataset
from ..datasets.toy import TOY, TOY_ARCHS
from ..lipschitz import LIPSCHITZ
from ..losses import LOSSES
from .config_form import ARCH_LABELS

P = "cmp"
# the base fields the sidebar edits (a custom mixture and digit subsets belong to the other pages)
# (the captured step is a GPU matter the toy page does not offer either: capture.py)
BASE_WIDGETS = [n for n in BASE_FIELDS if n not in ("mixture", "digits", "capture")]
_CARD = ("name", "loss", "lipschitz", "more")


def _key(*parts: Any) -> str:
    return "_".join([P, *map(str, parts)])


def load_comparison(cmp: Comparison) -> None:
    """Put a whole comparison into the widgets (before they are drawn)."""
    S = st.session_state
    full = {**RunConfig().to_dict(), **cmp.base}
    for name in BASE_WIDGETS:
        S[_key("base", name)] = full[name]
    S[_key("steps")] = cmp.steps
    S[_key("n")] = len(cmp.variants)
    for i, v in enumerate(cmp.variants):
        changes = dict(v.changes)
        S[_key("v", i, "name")] = v.name
        S[_key("v", i, "loss")] = changes.pop("loss", full["loss"])
        S[_key("v", i, "lipschitz")] = changes.pop("lipschitz", full["lipschitz"])
        S[_key("v", i, "more")] = ", ".join(f"{k}={value_text(x)}" for k, x in changes.items())
    for i in range(len(cmp.variants), MAX_VARIANTS):
        for part in _CARD:
            S.pop(_key("v", i, part), None)


def _field(container, name: str) -> Any:
    """One base field's widget, its label, help and bounds from the Setting."""
    s = SETTINGS[name]
    kw = dict(key=_key("base", name), help=s.help or None)
    if name == "dataset":
        labels = {n: make_dataset(RunConfig(dataset=n)).label for n in s.choices if n in _toy()}
        return container.selectbox(s.title, list(labels), format_func=lambda n: labels.get(n, n), **kw)
    if name == "arch":  # the toy architectures (the generator: a network, or one Gaussian)
        return container.selectbox(s.title, list(TOY_ARCHS), format_func=lambda n: ARCH_LABELS.get(n, n), **kw)
    if s.choices is not None:
        return container.selectbox(s.title, list(s.choices), **kw)
    if isinstance(getattr(RunConfig(), name), bool):
        return container.toggle(s.title, **kw)
    value = container.number_input(s.title, **s.widget_bounds(), **kw)
    return int(value) if isinstance(s.min, int) else value


def _toy() -> list[str]:
    return [n for n in TOY if not n.startswith("custom")]


def base_sidebar() -> dict[str, Any]:
    """The base setup every run shares: data, networks and batch, seed, device; and the step budget."""
    sb = st.sidebar
    sb.header("Base setup")
    sb.caption("What every run shares. Each variant (on the page) changes what it lists.")
    base: dict[str, Any] = {}
    with sb.expander("Data, networks and run", expanded=True):
        for name in BASE_WIDGETS:
            base[name] = _field(st, name)
        st.number_input("Step budget", min_value=1, max_value=1_000_000, step=500, key=_key("steps"),
                        help="Play pauses here (a preset's promise is checked at this step); Play again continues.")
    return base


def _add() -> None:
    S = st.session_state
    n = S.get(_key("n"), MIN_VARIANTS)
    if n < MAX_VARIANTS:
        S[_key("v", n, "name")] = f"run {n + 1}"
        S[_key("v", n, "loss")], S[_key("v", n, "lipschitz")] = "wgan", "gp"
        S[_key("v", n, "more")] = ""
        S[_key("n")] = n + 1


def _remove(i: int) -> None:
    S = st.session_state
    n = S.get(_key("n"), MIN_VARIANTS)
    for j in range(i, n - 1):  # shift the later cards left
        for part in _CARD:
            S[_key("v", j, part)] = S.get(_key("v", j + 1, part))
    for part in _CARD:
        S.pop(_key("v", n - 1, part), None)
    S[_key("n")] = n - 1


def variant_cards(colors: tuple[str, ...]) -> tuple[list[Variant | None], list[str | None]]:
    """One card per variant (name, loss, method, further changes); returns the variants and, per card,
    the sentence of its error (None when it parses)."""
    S = st.session_state
    n = S.setdefault(_key("n"), MIN_VARIANTS)
    variants: list[Variant | None] = []
    errors: list[str | None] = []
    cols = st.columns(MAX_VARIANTS)
    for i in range(n):
        with cols[i].container(border=True):
            st.markdown(f"<span style='color:{colors[i]};font-size:1.4em'>●</span> **Run {i + 1}**",
                        unsafe_allow_html=True)
            name = st.text_input("Name", key=_key("v", i, "name"), max_chars=24)
            loss = st.selectbox(SETTINGS["loss"].title, list(LOSSES), key=_key("v", i, "loss"),
                                format_func=lambda k: LOSSES[k].label)
            lip = st.selectbox(SETTINGS["lipschitz"].title, list(LIPSCHITZ), key=_key("v", i, "lipschitz"),
                               format_func=lambda k: LIPSCHITZ[k].label)
            more = st.text_input("Other changes", key=_key("v", i, "more"), placeholder="n_critic=5, g_lr=1e-3",
                                 help="Any setting as field=value, comma separated (names as in the config "
                                      "download). Everything else comes from the recipes of this loss and method.")
            st.button("Remove", key=_key("v", i, "remove"), on_click=_remove, args=(i,), icon=":material/delete:",
                      disabled=n <= MIN_VARIANTS, width="stretch")
            try:
                v = parse_variant(f"loss={loss},lipschitz={lip}" + (f",{more}" if more.strip() else ""), i)
                variants.append(Variant(name.strip(), v.changes))
                errors.append(None)
            except ConfigError as e:
                variants.append(None)
                errors.append(str(e))
                st.error(str(e))
    if n < MAX_VARIANTS:
        with cols[n]:
            st.button("Add a run", key=_key("add"), on_click=_add, icon=":material/add:", width="stretch",
                      help="A new run starts from the recipes of its loss and method.")
    return variants, errors


def comparison_from_widgets(base: dict[str, Any], variants: list[Variant | None]) -> tuple[Comparison | None, ConfigError | None]:
    """The comparison the widgets describe, validated; or the error to show."""
    if any(v is None for v in variants):
        return None, ConfigError("A run's settings cannot be read (see its card).")
    defaults = RunConfig().to_dict()
    explicit = {k: v for k, v in base.items() if v != defaults[k] or k in ("dataset", "seed")}
    cmp = Comparison(explicit, tuple(variants), int(st.session_state.get(_key("steps"), 2000)))
    try:
        return cmp.validate(), None
    except ConfigError as e:
        return None, e


__all__ = ["load_comparison", "base_sidebar", "variant_cards", "comparison_from_widgets", "P"]
