"""Divergence lab: KL, JS, TV and W1 as Q slides away from P, and the optimal discriminator.

Thin page: widgets -> playground.experiments.divergences -> playground.plots.divergences -> st.plotly_chart.
"""
from __future__ import annotations

import math

import numpy as np
import streamlit as st

from playground.experiments import divergences as an
from playground.lessons.progress import lab_record
from playground.plots import divergences as plots
from playground.ui.common import page_link, page_setup

page_setup()

FAMILIES = ("Gaussian", "Mixture of Gaussians", "Uniform", "Near point mass")
# scenario -> {side: (family, params)}
SCENARIOS = {
    "Two Gaussians (σ = 0.5)": {"p": ("Gaussian", dict(mu=0.0, sigma=0.5)),
                                "q": ("Gaussian", dict(mu=0.0, sigma=0.5))},
    "Two boxes (disjoint once |θ| ≥ 1)": {"p": ("Uniform", dict(a=-0.5, b=0.5)),
                                          "q": ("Uniform", dict(a=-0.5, b=0.5))},
    "Two near point masses (the WGAN paper's example)": {"p": ("Near point mass", dict(x0=0.0, width=0.02)),
                                                         "q": ("Near point mass", dict(x0=0.0, width=0.02))},
    "Mixture vs Gaussian": {"p": ("Mixture of Gaussians", dict(means="-1.5, 1.5", sigmas="0.4, 0.4",
                                                                weights="0.5, 0.5")),
                            "q": ("Gaussian", dict(mu=0.0, sigma=0.6))},
    "Gaussian data vs a point-mass model": {"p": ("Gaussian", dict(mu=0.0, sigma=0.5)),
                                            "q": ("Near point mass", dict(x0=0.0, width=0.02))},
}
DEFAULTS = dict(mu=0.0, sigma=0.5, a=-0.5, b=0.5, x0=0.0, width=0.02,
                means="-1.5, 1.5", sigmas="0.4, 0.4", weights="0.5, 0.5")
N_THETA = 201


def _key(side: str, name: str) -> str:
    """Widget key; restores the default first (Streamlit drops the state of widgets it did not draw)."""
    key = f"dv_{side}_{name}"
    if name in DEFAULTS:
        st.session_state.setdefault(key, DEFAULTS[name])
    return key


def _apply_scenario() -> None:
    scenario = SCENARIOS[st.session_state["dv_scenario"]]
    for side in ("p", "q"):
        family, params = scenario[side]
        st.session_state[_key(side, "family")] = family
        for name, value in {**DEFAULTS, **params}.items():
            st.session_state[_key(side, name)] = value


def _init_state() -> None:
    S = st.session_state
    if S.get("dv_scenario") not in SCENARIOS:  # first visit, or a lesson's state naming none of them
        if "dv_scenario" in S:
            st.warning(f"There is no scenario “{S['dv_scenario']}”; the first one is shown.")
        S["dv_scenario"] = next(iter(SCENARIOS))
        _apply_scenario()
    if S.pop("dv_apply_scenario", False):  # a lesson's step chose the scenario (and θ)
        _apply_scenario()
    st.session_state.setdefault("dv_range", 4.0)
    st.session_state.setdefault("dv_theta", 1.5)


def _floats(text: str, what: str) -> list[float]:
    try:
        values = [float(t) for t in text.replace(";", ",").split(",") if t.strip()]
    except ValueError:
        raise ValueError(f"The {what} must be numbers separated by commas, e.g. '-1, 1'; got '{text}'.")
    if not values:
        raise ValueError(f"Give at least one value for the {what}.")
    return values


def _distribution_inputs(side: str, title: str) -> an.Distribution:
    """Widgets for one side; returns the distribution (raises ValueError on bad input)."""
    st.markdown(f"**{title}**")
    family = st.selectbox("Family", FAMILIES, key=_key(side, "family"))
    if family == "Gaussian":
        c1, c2 = st.columns(2)
        mu = c1.number_input("mean μ", step=0.1, format="%.2f", key=_key(side, "mu"))
        sigma = c2.number_input("std σ", min_value=0.01, max_value=10.0, step=0.05, format="%.2f",
                                key=_key(side, "sigma"))
        return an.gaussian(mu, sigma)
    if family == "Uniform":
        c1, c2 = st.columns(2)
        a = c1.number_input("left end a", step=0.1, format="%.2f", key=_key(side, "a"))
        b = c2.number_input("right end b", step=0.1, format="%.2f", key=_key(side, "b"))
        return an.uniform(a, b)
    if family == "Near point mass":
        c1, c2 = st.columns(2)
        x0 = c1.number_input("location x0", step=0.1, format="%.2f", key=_key(side, "x0"))
        width = c2.number_input("box width w", min_value=0.001, max_value=1.0, step=0.005, format="%.3f",
                                key=_key(side, "width"), help="A box of width w stands in for δ(x − x0).")
        return an.point_mass(x0, width)
    means = st.text_input("means μ_k (comma separated)", key=_key(side, "means"))
    c1, c2 = st.columns(2)
    sigmas = c1.text_input("stds σ_k", key=_key(side, "sigmas"))
    weights = c2.text_input("weights w_k", key=_key(side, "weights"), help="Normalised to sum to 1.")
    m, s, w = _floats(means, "means"), _floats(sigmas, "standard deviations"), _floats(weights, "weights")
    if not len(m) == len(s) == len(w):
        raise ValueError(f"Give as many means, standard deviations and weights: got {len(m)}, {len(s)} and "
                         f"{len(w)}.")
    if len(m) > 10:
        raise ValueError("Use at most 10 mixture components.")
    return an.mixture(w, [an.gaussian(mu, sd) for mu, sd in zip(m, s)])


@st.cache_data(max_entries=64, show_spinner=False)
def _curves(p: an.Distribution, q: an.Distribution, half_range: float) -> tuple[np.ndarray, dict, dict]:
    thetas = np.linspace(-half_range, half_range, N_THETA)
    curves = an.divergence_curves(p, q, thetas)
    derivs = {k: an.derivative(v, thetas) for k, v in curves.items()}
    return thetas, curves, derivs


def _fmt(v: float) -> str:
    return "+∞" if math.isinf(v) else f"{v:.4f}"


def _y_cap(dists, x) -> float | None:
    """Keep smooth densities readable next to a near point mass (a box of height 1/w)."""
    smooth = [d for d in dists if not isinstance(d, an.PointMass)]
    if len(smooth) == len(dists) or not smooth:
        return None
    return 1.3 * float(max(np.max(d.pdf(x)) for d in smooth))


# ---------------------------------------------------------------------------------------------
_init_state()
if not st.session_state.get("_lesson_embedded"):  # inside a lesson's step the lesson has the title and text
    st.title("Divergence lab")
    st.markdown(
        "Slide the model **Q** away from the data **P** and watch what each divergence tells a generator. "
        "Once the two barely overlap, KL blows up and Jensen–Shannon flattens at ln 2, so its slope, the only "
        "signal a generator gets through an optimal discriminator, vanishes. The Wasserstein distance W1 "
        "keeps growing linearly with the gap."
    )

c_scen, c_range = st.columns([3, 1])
c_scen.selectbox("Scenario", list(SCENARIOS), key="dv_scenario", on_change=_apply_scenario,
                 help="Loads both distributions; edit them below.")
c_range.number_input("slider range ±", min_value=0.5, max_value=20.0, step=0.5, key="dv_range",
                     help="The shift θ runs over [−range, +range]; the curves cover the same interval.")

col_p, col_q = st.columns(2)
errors = []
with col_p.container(border=True):
    try:
        P = _distribution_inputs("p", "P: the data (fixed)")
    except ValueError as e:
        errors.append(f"P: {e}")
with col_q.container(border=True):
    try:
        Q0 = _distribution_inputs("q", "Q: the model, shifted by θ")
    except ValueError as e:
        errors.append(f"Q: {e}")
if errors:
    for msg in errors:
        st.error(msg)
    st.stop()

R = float(st.session_state["dv_range"])
st.session_state["dv_theta"] = float(np.clip(st.session_state["dv_theta"], -R, R))
theta = st.slider("shift θ of Q (Q_θ(x) = Q(x − θ))", min_value=-R, max_value=R, step=R / 100,
                  key="dv_theta", format="%.2f")
Q = Q0.shifted(theta)

now = an.divergences(P, Q)
js_now = now["js"]
# what the student has seen, position by position: a lesson's checks read it (playground/lessons)
st.session_state["dv_records"] = lab_record(st.session_state.get("dv_records", []), theta, now)
m = st.columns(5)
m[0].metric("KL(P‖Q)", _fmt(now["kl_pq"]), help="∫ p log(p/q); +∞ if P has mass where q = 0.")
m[1].metric("KL(Q‖P)", _fmt(now["kl_qp"]), help="∫ q log(q/p); +∞ if Q has mass where p = 0.")
m[2].metric("JS(P, Q)", _fmt(js_now), help="½KL(P‖M) + ½KL(Q‖M), M = (P+Q)/2, in nats; at most ln 2 ≈ 0.6931.")
m[3].metric("TV(P, Q)", _fmt(now["tv"]), help="½∫|p − q|, at most 1.")
m[4].metric("W1(P, Q)", _fmt(now["w1"]), help="∫|F_P − F_Q| dx: the earth mover's distance, in units of x.")

# densities
x = an.plot_grid(P, Q)
p_x, q_x = P.pdf(x), Q.pdf(x)
cap = _y_cap([P, Q], x)
st.plotly_chart(plots.densities_figure(x, p_x, q_x, p_label=P.label, q_label=Q.label, theta=theta, y_cap=cap),
                key="dv_densities", theme=None)
st.caption(
    "P is fixed; Q_θ is the chosen Q moved right by θ. A *near point mass* is a box of width w standing in "
    "for δ(x − x0), so KL, JS and TV are exactly those of the Dirac whenever the boxes do not overlap."
)

# curves against theta
thetas, curves, derivs = _curves(P, Q0, R)
st.plotly_chart(plots.divergence_curves_figure(thetas, curves, derivs, theta), key="dv_curves",
                theme=None)
st.markdown(
    r"""Top row: each divergence between $P$ and $Q_\theta$ as a function of $\theta$ (the dashed line is
the slider). Bottom row: its derivative $\partial/\partial\theta$, the gradient a generator that moves $Q$
would receive. Once the supports separate, $\mathrm{JS}$ saturates at $\ln 2$ and its slope
$\partial\,\mathrm{JS}/\partial\theta$ goes to 0. Total variation saturates at 1 in the same way.
KL becomes $+\infty$, drawn as triangles on the dotted line marked +∞.
Only $W_1 = \int |F_P - F_{Q_\theta}|\,dx$ keeps a slope of $\pm 1$ however far apart they are.

*Numerics:* midpoint quadrature on a grid with every support edge as a node and $\sigma/50$ spacing;
derivatives by central differences over the $\theta$ grid (201 points)."""
)

if not st.session_state.get("_lesson_embedded"):
    page_link("pages/compare.py", "compare", icon=":material/model_training:", query={"preset": "one-gaussian"},
              label="Now train under it: one Gaussian fitted to two modes under forward KL, reverse KL, JS and "
                    "Hellinger (Compare runs)")

# optimal discriminator
st.subheader("The optimal discriminator")
d_star = an.optimal_discriminator(P, Q, x)
st.plotly_chart(plots.optimal_discriminator_figure(x, p_x, q_x, d_star, theta=theta, y_cap=cap),
                key="dv_dstar", theme=None)
v_int = an.value_at_optimum(P, Q)
v_js = -math.log(4.0) + 2.0 * js_now
c1, c2, c3 = st.columns(3)
c1.metric("V(G, D*) by integration", f"{round(v_int, 6) + 0.0:.6f}",
          help="E_P[log D*(x)] + E_Q[log(1 − D*(x))], integrated on the grid.")
c2.metric("−log 4 + 2·JS(P, Q)", f"{round(v_js, 6) + 0.0:.6f}", help="The same value from the closed-form identity.")
c3.metric("difference", f"{abs(v_int - v_js):.1e}")
st.markdown(
    r"""For a fixed generator the best discriminator is $D^*(x) = \dfrac{p(x)}{p(x) + q_\theta(x)}$
(undefined where both densities vanish). Plugging it into the GAN value
$V(G, D) = \mathbb{E}_P[\log D(x)] + \mathbb{E}_{Q}[\log(1 - D(x))]$ gives
$V(G, D^*) = -\log 4 + 2\,\mathrm{JS}(P, Q_\theta)$: a generator trained against an optimal discriminator
minimises JS. When the supports are disjoint, $D^*$ is 1 on the data and 0 on the model, so
$V = 0$ for every such $\theta$ and there is no gradient to follow."""
)
