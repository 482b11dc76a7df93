"""The sidebar configuration form: widgets -> RunConfig, with each ConfigError shown next to its control.

Widget values live in st.session_state under "<prefix>_<field>"; `load_into_widgets` writes a whole
config there (first visit from a URL, a preset, "recommended settings"), so the widgets never get a
`value=` argument and a preset never fights the user's edits.
"""
from __future__ import annotations

from typing import Any, Callable

import pandas as pd
import streamlit as st

from ..config import ACTIVATIONS, NOISES, OPTIMIZERS, ConfigError, RunConfig
from ..datasets import DATASETS, make_dataset
from ..datasets.toy import DEFAULT_MIXTURE, parse_mixture
from ..lipschitz import LIPSCHITZ
from ..losses import LOSSES
from ..recipes import recommended

# Which sidebar group shows an error about which field.
GROUP_OF = {
    "dataset": "data", "mixture": "data", "digits": "data", "arch": "network",
    "loss": "objective", "lipschitz": "objective", "clip": "objective", "penalty": "objective", "n_critic": "objective",
    "g_optim": "optim", "g_lr": "optim", "g_beta1": "optim", "g_beta2": "optim",
    "d_optim": "optim", "d_lr": "optim", "d_beta1": "optim", "d_beta2": "optim", "g_ema": "optim",
    "batch_size": "network", "noise": "network", "noise_dim": "network", "g_width": "network", "g_depth": "network",
    "d_width": "network", "d_depth": "network", "activation": "network", "seed": "run", "device": "run",
}

ARCH_LABELS = {"mlp": "MLP (fully connected)", "dcgan": "DCGAN (convolutional)"}


def _k(prefix: str, name: str) -> str:
    return f"{prefix}_{name}"


def _w(prefix: str, name: str) -> dict[str, Any]:
    """A form widget's key; its value survives a visit to another page (and being hidden)."""
    return {"key": _k(prefix, name), "persist_state": "session"}


def load_into_widgets(prefix: str, config: RunConfig) -> None:
    """Put every field of `config` into the widgets' session state (before they are drawn)."""
    for name, value in config.to_dict().items():
        st.session_state[_k(prefix, name)] = _fmt_lr(value) if name.endswith("_lr") else value
    for dim in (1, 2):
        st.session_state.pop(_k(prefix, f"mixture_df{dim}"), None)
        st.session_state.pop(_k(prefix, f"mixture_editor{dim}"), None)


def _fmt_lr(x: float) -> str:
    return f"{x:g}"


def _mixture_table(prefix: str, dim: int, mixture: str) -> str:
    """An editable table of components; returns the mixture string for RunConfig."""
    key = _k(prefix, f"mixture_df{dim}")
    if key not in st.session_state:
        try:
            w, m, s = parse_mixture(mixture or DEFAULT_MIXTURE[dim], dim)
        except ConfigError:
            w, m, s = parse_mixture(DEFAULT_MIXTURE[dim], dim)
        cols = {"weight": w}
        cols.update({"mean": m[:, 0]} if dim == 1 else {"mean x": m[:, 0], "mean y": m[:, 1]})
        cols["σ"] = s
        st.session_state[key] = pd.DataFrame(cols)
    df = st.data_editor(st.session_state[key], num_rows="dynamic", key=_k(prefix, f"mixture_editor{dim}"),
                        width="stretch", hide_index=True)
    rows = []
    for _, row in df.iterrows():
        vals = ["" if pd.isna(v) else f"{float(v):g}" for v in row.tolist()]
        rows.append(", ".join(vals))
    return "; ".join(rows)


def _recommend(prefix: str, keep_arch: bool) -> None:
    """The recommended settings for the chosen dataset, loss and method, into the widgets."""
    S = st.session_state
    base = {n: S.get(_k(prefix, n)) or "" for n in ("mixture", "digits")}
    rec = recommended(S.get(_k(prefix, "dataset")), S.get(_k(prefix, "loss")), S.get(_k(prefix, "lipschitz")), **base)
    if keep_arch:
        rec.pop("arch", None)  # the architecture is the user's choice, not a tuning
    for name, value in rec.items():
        S[_k(prefix, name)] = _fmt_lr(value) if name.endswith("_lr") else value


def config_sidebar(prefix: str, dataset_names: list[str], *, show_arch: bool = False,
                   extra_data: Callable[[], dict[str, Any]] | None = None) -> tuple[RunConfig | None, ConfigError | None]:
    """Draw the grouped form in the sidebar; return (config, None) or (None, the error shown)."""
    S = st.session_state
    sb = st.sidebar
    slots: dict[str, Any] = {}
    v: dict[str, Any] = {}
    parse_errors: dict[str, str] = {}

    def lr_input(container, label: str, name: str) -> None:
        raw = container.text_input(label, **_w(prefix, name), help="e.g. 2e-4")
        try:
            v[name] = RunConfig.parse_value(name, raw)
        except ConfigError:
            parse_errors[name] = f"'{raw}' is not a number; write a learning rate like 2e-4."
            v[name] = float("nan")

    with sb.expander("Data", expanded=True):
        labels = {n: make_dataset(RunConfig(dataset=n)).label if n != "mnist" else "MNIST" for n in dataset_names}
        v["dataset"] = st.selectbox("Dataset", dataset_names, **_w(prefix, "dataset"),
                                    format_func=lambda n: labels.get(n, n))
        if v["dataset"] in ("custom1d", "custom2d"):
            dim = 1 if v["dataset"] == "custom1d" else 2
            st.caption("One row per Gaussian component (weights are normalised).")
            v["mixture"] = _mixture_table(prefix, dim, S.get(_k(prefix, "mixture"), ""))
        if extra_data:
            v.update(extra_data())
        slots["data"] = st.empty()

    with sb.expander("Objective", expanded=True):
        v["loss"] = st.selectbox("Loss", list(LOSSES), **_w(prefix, "loss"), format_func=lambda n: LOSSES[n].label,
                                 help="The formulas and papers are in the Losses section of the README.")
        v["lipschitz"] = st.selectbox("Lipschitz method", list(LIPSCHITZ), **_w(prefix, "lipschitz"),
                                      format_func=lambda n: LIPSCHITZ[n].label)
        lip = LIPSCHITZ[v["lipschitz"]]
        if lip.param == "clip":
            v["clip"] = st.number_input("Clip value c", **_w(prefix, "clip"), min_value=0.0, step=0.005,
                                        format="%.4f", help="Every critic weight is clamped to [−c, c].")
        elif lip.param == "penalty":
            v["penalty"] = st.number_input(lip.param_label.capitalize(), **_w(prefix, "penalty"),
                                           min_value=0.0, step=1.0, format="%.2f")
        v["n_critic"] = int(st.number_input("Critic steps per generator step (n_critic)", **_w(prefix, "n_critic"),
                                            min_value=1, max_value=100, step=1))
        if LOSSES[v["loss"]].needs_lipschitz and v["lipschitz"] == "none":
            st.caption("⚠️ A Wasserstein critic without a Lipschitz constraint is unbounded: expect it to blow up.")
        slots["objective"] = st.empty()
        # a callback: it runs before the widgets exist, so it may set their values (assigning to an
        # instantiated widget's key in the script raises StreamlitWidgetAlreadyInstantiatedError)
        st.button("Use recommended settings", key=_k(prefix, "recommend"), on_click=_recommend,
                  args=(prefix, show_arch),
                  help="Optimisers, learning rates and n_critic known to work for this loss and method.")

    with sb.expander("Optimisers", expanded=False):
        cg, cd = st.columns(2)
        for col, net, title in ((cg, "g", "Generator"), (cd, "d", "Critic")):
            col.markdown(f"**{title}**")
            v[f"{net}_optim"] = col.selectbox("Optimiser", list(OPTIMIZERS), **_w(prefix, f"{net}_optim"))
            lr_input(col, "Learning rate", f"{net}_lr")
            if parse_errors.get(f"{net}_lr"):
                col.error(parse_errors[f"{net}_lr"])
            if v[f"{net}_optim"] == "adam":
                v[f"{net}_beta1"] = col.number_input("β₁", **_w(prefix, f"{net}_beta1"), min_value=0.0,
                                                     max_value=0.999, step=0.05, format="%.3f")
                v[f"{net}_beta2"] = col.number_input("β₂", **_w(prefix, f"{net}_beta2"), min_value=0.0,
                                                     max_value=0.9999, step=0.001, format="%.4f")
        v["g_ema"] = st.number_input(
            "Generator EMA β (0 = off)", **_w(prefix, "g_ema"), min_value=0.0, max_value=0.9999, step=0.005,
            format="%.4f",
            help="Show and measure a moving average of the generator's weights, θ̄ ← β·θ̄ + (1 − β)·θ, "
                 "instead of the raw generator (Yazıcı et al. 2019). Training itself is unchanged; the average "
                 "smooths out the generator's oscillation, so samples sit tighter on the modes. 0.99 works well.")
        slots["optim"] = st.empty()

    with sb.expander("Networks and batch", expanded=show_arch):
        fixed_nets = False  # image datasets: each architecture has fixed layer sizes (no width / depth)
        if show_arch:
            ds = make_dataset(RunConfig(dataset=v["dataset"], digits=v.get("digits", "")))
            archs = list(ds.archs)
            fixed_nets = ds.kind == "image"
            if S.get(_k(prefix, "arch")) not in archs:
                S[_k(prefix, "arch")] = archs[0]
            v["arch"] = st.selectbox("Architecture", archs, **_w(prefix, "arch"),
                                     format_func=lambda a: ARCH_LABELS.get(a, a))
        v["batch_size"] = int(st.number_input("Batch size", **_w(prefix, "batch_size"), min_value=2,
                                              max_value=8192, step=32))
        c1, c2 = st.columns(2)
        v["noise"] = c1.selectbox("Noise", list(NOISES), **_w(prefix, "noise"))
        v["noise_dim"] = int(c2.number_input("Noise dim", **_w(prefix, "noise_dim"), min_value=1, max_value=512))
        if not show_arch or (v.get("arch") == "mlp" and not fixed_nets):
            c1, c2 = st.columns(2)
            v["g_width"] = int(c1.number_input("G width", **_w(prefix, "g_width"), min_value=1, max_value=4096, step=16))
            v["g_depth"] = int(c2.number_input("G depth", **_w(prefix, "g_depth"), min_value=1, max_value=16))
            v["d_width"] = int(c1.number_input("D width", **_w(prefix, "d_width"), min_value=1, max_value=4096, step=16))
            v["d_depth"] = int(c2.number_input("D depth", **_w(prefix, "d_depth"), min_value=1, max_value=16))
            v["activation"] = st.selectbox("Activation", list(ACTIVATIONS), **_w(prefix, "activation"))
        slots["network"] = st.empty()

    with sb.expander("Run", expanded=False):
        v["seed"] = int(st.number_input("Seed", **_w(prefix, "seed"), min_value=0, step=1,
                                        help="Same settings + same seed = the same run, step for step."))
        slots["run"] = st.empty()

    if parse_errors:
        return None, ConfigError(next(iter(parse_errors.values())), next(iter(parse_errors)))
    fields = {f: S.get(_k(prefix, f)) for f in RunConfig().to_dict() if _k(prefix, f) in S}
    fields.update(v)
    fields = {k: x for k, x in fields.items() if k in RunConfig().to_dict()}
    for name in fields:
        if name.endswith("_lr") and isinstance(fields[name], str):
            fields[name] = RunConfig.parse_value(name, fields[name])
    try:
        config = RunConfig.from_dict(fields).validate()
    except ConfigError as e:
        slots.get(GROUP_OF.get(e.field or "", "run"), slots["run"]).error(str(e))
        return None, e
    return config, None
