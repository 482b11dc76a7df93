"""The sidebar configuration form: widgets -> RunConfig, with each ConfigError shown next to its control.

Widget values live in st.session_state under "<prefix>_<field>"; `load_into_widgets` writes a whole
config there (first visit from a URL, a preset, "recommended settings"), so the widgets never get a
`value=` argument and a preset never fights the user's edits.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd
import streamlit as st

from ..config import GROUPS, SETTINGS, ConfigError, RunConfig
from ..datasets import dataset_parameters, make_dataset
from ..datasets.toy import DEFAULT_MIXTURE, parse_mixture
from ..lipschitz import LIPSCHITZ
from ..losses import LOSSES
from ..recipes import recommended

DEVICE_LABELS = {"auto": "auto (the faster here, timed per network)", "cpu": "CPU", "cuda": "CUDA (NVIDIA GPU)",
                 "mps": "MPS (Apple GPU)"}
ARCH_LABELS = {"mlp": "MLP (fully connected)", "dcgan_small": "DCGAN, CPU-sized",
               "dcgan": "DCGAN, the seed's network (fast on a GPU)",
               "gaussian": "One Gaussian (μ + σ·z; MLP critic)"}


def loss_help() -> str:
    """The loss selectbox's help: the setting's help, then the divergence each loss minimises."""
    lines = [f"- **{loss.label}**: {loss.divergence}" for loss in LOSSES.values() if loss.divergence]
    return f"{SETTINGS['loss'].help}\n\nThe divergence each loss minimises:\n\n" + "\n".join(lines)


EMPTY_MIXTURE = ("The custom mixture is empty: add a row to the table, or switch on Draw above the chart and "
                 "click where a component should go.")


def _k(prefix: str, name: str) -> str:
    return f"{prefix}_{name}"


def _w(prefix: str, name: str) -> dict[str, Any]:
    """A form widget's key; its value survives a visit to another page (and being hidden)."""
    return {"key": _k(prefix, name), "persist_state": "session"}


def _number(container, prefix: str, name: str, label: str | None = None, **kw: Any) -> Any:
    """st.number_input for a RunConfig field: label, help and bounds from its Setting."""
    s = SETTINGS[name]
    value = container.number_input(label or s.title, **_w(prefix, name), **s.widget_bounds(),
                                   help=s.help or None, **kw)
    return int(value) if isinstance(s.min, int) else value


def _switch(container, prefix: str, name: str) -> bool:
    """st.toggle for a yes / no RunConfig field."""
    s = SETTINGS[name]
    return container.toggle(s.title, **_w(prefix, name), help=s.help or None)


def _choice(container, prefix: str, name: str, **kw: Any) -> Any:
    """st.selectbox for a RunConfig field with choices."""
    s = SETTINGS[name]
    return container.selectbox(s.title, list(s.choices), **_w(prefix, name), help=s.help or None, **kw)


def load_into_widgets(prefix: str, config: RunConfig) -> None:
    """Put every field of `config` into the widgets' session state (before they are drawn)."""
    for name, value in config.to_dict().items():
        st.session_state[_k(prefix, name)] = _fmt_lr(value) if name.endswith("_lr") else value
    for dim in (1, 2):
        st.session_state.pop(_k(prefix, f"mixture_df{dim}"), None)
        st.session_state.pop(_k(prefix, f"mixture_editor{dim}"), None)


def _lr(container, prefix: str, name: str) -> tuple[float, str]:
    """A learning rate's text box: (its value, "") or (NaN, the sentence saying what is wrong)."""
    raw = container.text_input(SETTINGS[name].title, **_w(prefix, name), help=SETTINGS[name].help or None)
    try:
        return RunConfig.parse_value(name, raw), ""
    except ConfigError:
        return float("nan"), f"'{raw}' is not a number; write a learning rate like 2e-4."


def _fmt_lr(x: float) -> str:
    return f"{x:g}"


def mixture_frame(w, m, s, dim: int) -> pd.DataFrame:
    """The mixture table's rows: weight, mean (1D) or mean x, mean y (2D), σ."""
    m = np.asarray(m, np.float64).reshape(len(w), dim)
    cols = {"weight": np.asarray(w, np.float64)}
    cols.update({"mean": m[:, 0]} if dim == 1 else {"mean x": m[:, 0], "mean y": m[:, 1]})
    cols["σ"] = np.asarray(s, np.float64)
    return pd.DataFrame(cols)


def _mixture_table(prefix: str, dim: int, mixture: str) -> str:
    """An editable table of components; returns the mixture string for RunConfig."""
    key = _k(prefix, f"mixture_df{dim}")
    if key not in st.session_state:
        try:
            w, m, s = parse_mixture(mixture or DEFAULT_MIXTURE[dim], dim)
        except ConfigError:
            w, m, s = parse_mixture(DEFAULT_MIXTURE[dim], dim)
        st.session_state[key] = mixture_frame(w, m, s, dim)
    df = st.data_editor(st.session_state[key], num_rows="dynamic", key=_k(prefix, f"mixture_editor{dim}"),
                        width="stretch", hide_index=True)
    rows = []
    for _, row in df.iterrows():
        vals = ["" if pd.isna(v) else f"{float(v):g}" for v in row.tolist()]
        rows.append(", ".join(vals))
    text = "; ".join(rows)
    # what the table shows, also while the form holds an error: a click on the chart (ui/draw.py) edits
    # this, not a stale string ("" here is an emptied table, not the default mixture)
    st.session_state[_k(prefix, "mixture")] = text
    return text


def _recommend(prefix: str, keep_arch: bool) -> None:
    """The recommended settings for the chosen dataset, loss and method, into the widgets."""
    S = st.session_state
    base = {n: S.get(_k(prefix, n)) or "" for n in ("mixture", "digits") + (("arch",) if keep_arch else ())}
    rec = recommended(S.get(_k(prefix, "dataset")), S.get(_k(prefix, "loss")), S.get(_k(prefix, "lipschitz")), **base)
    if keep_arch:
        rec.pop("arch", None)  # the architecture is the user's choice, not a tuning
    for name, value in rec.items():
        S[_k(prefix, name)] = _fmt_lr(value) if name.endswith("_lr") else value


def config_sidebar(prefix: str, dataset_names: list[str], *, show_arch: bool = False, network_open: bool = False,
                   extra_data: Callable[[], dict[str, Any]] | None = None) -> tuple[RunConfig | None, ConfigError | None]:
    """Draw the grouped form in the sidebar; return (config, None) or (None, the error shown).
    `show_arch`: the architecture selector; `network_open`: the network group starts open."""
    S = st.session_state
    sb = st.sidebar
    slots: dict[str, Any] = {}
    v: dict[str, Any] = {}
    parse_errors: dict[str, str] = {}

    def lr_input(container, name: str) -> None:
        v[name], error = _lr(container, prefix, name)
        if error:
            parse_errors[name] = error

    with sb.expander(GROUPS["data"], expanded=True):
        labels = {n: make_dataset(RunConfig(dataset=n)).label if n != "mnist" else "MNIST" for n in dataset_names}
        v["dataset"] = st.selectbox("Dataset", dataset_names, **_w(prefix, "dataset"),
                                    format_func=lambda n: labels.get(n, n))
        if v["dataset"] in ("custom1d", "custom2d"):
            dim = 1 if v["dataset"] == "custom1d" else 2
            st.caption("One row per Gaussian component (weights are normalised).")
            v["mixture"] = _mixture_table(prefix, dim, S.get(_k(prefix, "mixture"), ""))
            if not v["mixture"]:  # an empty table is not the default mixture (that is the empty *string*)
                parse_errors["mixture"] = EMPTY_MIXTURE
                st.error(EMPTY_MIXTURE)
        if extra_data:
            v.update(extra_data())
        slots["data"] = st.empty()

    with sb.expander(GROUPS["objective"], expanded=True):
        v["loss"] = st.selectbox(SETTINGS["loss"].title, list(LOSSES), **_w(prefix, "loss"), help=loss_help(),
                                 format_func=lambda n: LOSSES[n].label)
        v["lipschitz"] = _choice(st, prefix, "lipschitz", format_func=lambda n: LIPSCHITZ[n].label)
        lip = LIPSCHITZ[v["lipschitz"]]
        if lip.param is not None:  # "clip" or "penalty", labelled as the method names it (λ, γ, c)
            v[lip.param] = _number(st, prefix, lip.param, label=lip.param_label.capitalize())
        v["n_critic"] = _number(st, prefix, "n_critic")
        v["unroll"] = _number(st, prefix, "unroll")
        if LOSSES[v["loss"]].needs_lipschitz and v["lipschitz"] == "none":
            st.caption("⚠️ A Wasserstein critic without a Lipschitz constraint is unbounded: expect it to blow up.")
        slots["objective"] = st.empty()
        # a callback: it runs before the widgets exist, so it may set their values (assigning to an
        # instantiated widget's key in the script raises StreamlitWidgetAlreadyInstantiatedError)
        st.button("Use recommended settings", key=_k(prefix, "recommend"), on_click=_recommend,
                  args=(prefix, show_arch),
                  help="Optimisers, learning rates and n_critic known to work for this loss and method.")

    with sb.expander(GROUPS["optim"], expanded=False):
        cg, cd = st.columns(2)
        for col, net, title in ((cg, "g", "Generator"), (cd, "d", "Critic")):
            col.markdown(f"**{title}**")
            v[f"{net}_optim"] = _choice(col, prefix, f"{net}_optim")
            lr_input(col, f"{net}_lr")
            if parse_errors.get(f"{net}_lr"):
                col.error(parse_errors[f"{net}_lr"])
            if v[f"{net}_optim"] == "adam":
                v[f"{net}_beta1"] = _number(col, prefix, f"{net}_beta1")
                v[f"{net}_beta2"] = _number(col, prefix, f"{net}_beta2")
        v["g_ema"] = _number(st, prefix, "g_ema")
        slots["optim"] = st.empty()

    with sb.expander(GROUPS["network"], expanded=network_open):
        fixed_nets = False  # image datasets: each architecture has fixed layer sizes (no width / depth)
        if show_arch:
            ds = make_dataset(RunConfig(dataset=v["dataset"], digits=v.get("digits", "")))
            archs = list(ds.archs)
            fixed_nets = ds.kind == "image"
            if S.get(_k(prefix, "arch")) not in archs:
                S[_k(prefix, "arch")] = archs[0]
            v["arch"] = st.selectbox(SETTINGS["arch"].title, archs, **_w(prefix, "arch"),
                                     format_func=lambda a: ARCH_LABELS.get(a, a))
        v["batch_size"] = _number(st, prefix, "batch_size")
        c1, c2 = st.columns(2)
        v["noise"] = _choice(c1, prefix, "noise")
        v["noise_dim"] = _number(c2, prefix, "noise_dim")
        # the one-Gaussian generator has no layers (its critic is the toy MLP critic); without the selector
        # (the toy page) the architecture comes from the URL or a preset
        arch = v.get("arch") if show_arch else S.get(_k(prefix, "arch"))
        if not show_arch or (arch in ("mlp", "gaussian") and not fixed_nets):
            c1, c2 = st.columns(2)
            for net in ("g", "d") if arch != "gaussian" else ("d",):
                v[f"{net}_width"] = _number(c1, prefix, f"{net}_width")
                v[f"{net}_depth"] = _number(c2, prefix, f"{net}_depth")
            v["activation"] = _choice(st, prefix, "activation")
        if not fixed_nets:  # packing and the minibatch statistic are built into the toy MLP critic
            v["pack"] = _number(st, prefix, "pack")
            v["mbstd"] = _switch(st, prefix, "mbstd")
        slots["network"] = st.empty()

    with sb.expander(GROUPS["run"], expanded=S.get(_k(prefix, "device"), "auto") != "auto"):
        v["seed"] = _number(st, prefix, "seed")
        v["device"] = _choice(st, prefix, "device", format_func=lambda d: DEVICE_LABELS.get(d, d))
        slots["run"] = st.empty()

    if parse_errors:
        return None, ConfigError(next(iter(parse_errors.values())), next(iter(parse_errors)))
    fields = {f: S.get(_k(prefix, f)) for f in SETTINGS if _k(prefix, f) in S}
    fields.update(v)
    fields = {k: x for k, x in fields.items() if k in SETTINGS}
    takes = dataset_parameters(fields.get("dataset", ""))
    for name in ("mixture", "digits"):  # kept in the widgets for a switch back, not part of this run
        if name not in takes:
            fields[name] = ""
    for name in fields:
        if name.endswith("_lr") and isinstance(fields[name], str):
            fields[name] = RunConfig.parse_value(name, fields[name])
    try:
        config = RunConfig.from_dict(fields).validate()
    except ConfigError as e:
        group = SETTINGS[e.field].group if e.field in SETTINGS else "run"
        slots[group].error(str(e))
        return None, e
    return config, None


def chosen_settings(prefix: str, names: tuple[str, ...], base: RunConfig) -> tuple[RunConfig | None, ConfigError | None]:
    """Only the settings `names`, each drawn as the full form draws it, in the sidebar; the others are
    `base`'s (a lesson step's preset: applied, not shown). Returns (config, None) or (None, the error)."""
    S, v = st.session_state, {}
    defaults = base.to_dict()
    for name in names:
        S.setdefault(_k(prefix, name), _fmt_lr(defaults[name]) if name.endswith("_lr") else defaults[name])
        s = SETTINGS[name]
        if name.endswith("_lr"):
            v[name], error = _lr(st.sidebar, prefix, name)
            if error:
                st.sidebar.error(error)
                return None, ConfigError(error, name)
        elif s.choices:
            v[name] = _choice(st.sidebar, prefix, name)
        elif isinstance(defaults[name], bool):
            v[name] = _switch(st.sidebar, prefix, name)
        else:
            v[name] = _number(st.sidebar, prefix, name)
    try:
        return base.replace(**v).validate(), None
    except ConfigError as e:
        st.sidebar.error(str(e))
        return None, e
