"""Convergence: why GAN training circles, and which fixes make it converge (DiracGAN, Mescheder et al. 2018).

Thin page: widgets -> playground.experiments.dirac (field, simulation, eigenvalues) -> playground.plots.dirac.
Settings live in the URL (only those off their defaults); clicking on the plane sets the start point.
"""
from __future__ import annotations

import math

import numpy as np
import streamlit as st

from playground.experiments import dirac
from playground.errors import ConfigError
from playground.export import history_csv
from playground.plots import dirac as plots
from playground.ui.common import page_setup

page_setup()

LOSS_LABELS = {"minimax": "Saturating minimax", "ns": "Non-saturating", "wgan": "Wasserstein", "hinge": "Hinge"}
REG_LABELS = {"none": "None", "clip": "Weight clipping", "gp": "Gradient penalty (two-sided)",
              "lp": "Gradient penalty (one-sided)", "r1": "R1 penalty on real data"}
WEIGHT_LABELS = {"clip": "clip value c", "gp": "penalty weight λ", "lp": "penalty weight λ", "r1": "penalty weight γ"}
REG_SHORT = {"clip": "clipping", "gp": "GP", "lp": "one-sided GP", "r1": "R1"}
WEIGHT_SYMBOL = {"clip": "c", "gp": "λ", "lp": "λ", "r1": "γ"}
WEIGHT_DEFAULTS = {"none": 0.0, "clip": 0.3, "gp": 1.0, "lp": 1.0, "r1": 0.3}
SCHEMES = ("simultaneous", "alternating")
DEFAULTS = dict(loss="minimax", reg="none", weight=0.0, lr=0.1, n_critic=1, scheme="simultaneous",
                theta0=1.0, psi0=1.0, steps=1000)
# URL key -> (setting, parser); a parser raises ValueError on a bad value
URL = {"loss": ("loss", str), "reg": ("reg", str), "w": ("weight", float), "h": ("lr", float),
       "n": ("n_critic", int), "scheme": ("scheme", str), "t0": ("theta0", float), "p0": ("psi0", float),
       "steps": ("steps", int)}
MAX_STEPS, MAX_WORK = 20_000, 100_000     # a run stays well under a second (≈ 5 µs per critic step)

PRESETS = {
    "The unregularised GAN spirals out (simultaneous steps)": (
        dict(loss="minimax", reg="none", lr=0.2, steps=1000),
        "J has eigenvalues ±i/2: the flow only rotates, and every simultaneous step multiplies the distance "
        "by |1 ± 0.1i| = 1.005, so the pair spirals away from the equilibrium. Further out it crawls wherever "
        "ψθ ≪ 0: the saturating loss's gradient σ(ψθ) vanishes there."),
    "WGAN circles forever": (
        dict(loss="wgan", reg="none", lr=0.01, steps=1300),
        "Eigenvalues ±i: the Wasserstein field is a pure rotation. With tiny steps the pair orbits the "
        "equilibrium at a near-constant distance, growing only as (1 + h²)^(k/2): it never gets closer."),
    "Weight clipping: a bounded oscillation": (
        dict(loss="wgan", reg="clip", weight=0.3, lr=0.05, steps=1500),
        "The clipped critic cannot grow past c, so the generator only creeps towards the data, overshoots, "
        "and then oscillates at a distance ≈ c from it: bounded, but never converging."),
    "R1 converges": (
        dict(loss="ns", reg="r1", weight=0.3, lr=0.1, steps=1000),
        "R1 adds −γ on J's diagonal: eigenvalues −0.15 ± 0.48i, inside the left half-plane, and 1 + hλ inside "
        "the unit circle. The spiral turns inwards and the distance falls exponentially."),
    "Alternating steps: circling, not escaping": (
        dict(loss="minimax", reg="none", lr=0.2, steps=1000, scheme="alternating"),
        "Same GAN as the first preset, but the generator answers the updated critic. One step then has "
        "determinant exactly 1: its eigenvalues sit on the unit circle, so it circles, neither in nor out."),
    "Too large a step": (
        dict(loss="wgan", reg="r1", weight=1.0, lr=1.1, steps=400),
        "R1 with γ = 1 makes the flow converge, but simultaneous steps need h < γ / f′(0)² = 1; at h = 1.1 "
        "the eigenvalues of I + hJ leave the unit circle and each step overshoots further out."),
}


# -- state ----------------------------------------------------------------------------------------

def _key(name: str) -> str:
    return f"cv_{name}"


def _set(values: dict) -> None:
    """Load settings into the widgets: the defaults, then `values`; the weight follows the regulariser."""
    merged = {**DEFAULTS, **values}
    if "weight" not in values:
        merged["weight"] = WEIGHT_DEFAULTS.get(merged["reg"], 0.0)
    for name, value in merged.items():
        st.session_state[_key(name)] = value


def _apply_preset(name: str) -> None:
    _set(PRESETS[name][0])
    st.session_state["cv_url_warnings"] = []   # the link's settings are gone: so is what was wrong with them


def _reg_changed() -> None:
    st.session_state[_key("weight")] = WEIGHT_DEFAULTS.get(st.session_state[_key("reg")], 0.0)


def _from_url() -> None:
    """On the session's first visit, load the link's settings; bad values keep the defaults and are listed."""
    if st.session_state.get("cv_url_loaded"):
        return
    values, warnings = {}, []
    query = st.query_params.to_dict()
    for key, (name, parse) in URL.items():
        if key not in query:
            continue
        try:
            values[name] = parse(query[key])
        except ValueError:
            warnings.append(f"'{key}={query[key]}' is not a valid {name}.")
    for name, choices in (("loss", dirac.LOSS_NAMES), ("reg", dirac.REG_NAMES), ("scheme", SCHEMES)):
        if name in values and values[name] not in choices:
            warnings.append(f"'{values.pop(name)}' is not a {name} here (choose from {', '.join(choices)}).")
    _set(values)
    st.session_state["cv_url_warnings"] = warnings
    st.session_state["cv_url_loaded"] = True


def _settings() -> dict:
    return {name: st.session_state[_key(name)] for name in DEFAULTS}


def _sync_url(settings: dict) -> None:
    want = {}
    for key, (name, _) in URL.items():
        value = settings[name]
        default = WEIGHT_DEFAULTS.get(settings["reg"], 0.0) if name == "weight" else DEFAULTS[name]
        if name == "weight" and settings["reg"] == "none":
            continue
        if value != default:
            want[key] = f"{value:g}" if isinstance(value, float) else str(value)
    if st.query_params.to_dict() != want:
        st.query_params.from_dict(want)


def _picked() -> None:
    """A click on the plane: start there (the point clicked, on the invisible grid or the path)."""
    event = st.session_state.get("cv_plane")
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    if points:
        st.session_state[_key("theta0")] = round(float(points[0]["x"]), 3)
        st.session_state[_key("psi0")] = round(float(points[0]["y"]), 3)


def _check(s: dict) -> None:
    """Sentences for what the engine cannot run, or should not on a talk's laptop."""
    for name, label in (("theta0", "start θ"), ("psi0", "start ψ"), ("lr", "step size h"),
                        ("weight", WEIGHT_LABELS.get(s["reg"], "weight"))):
        if not math.isfinite(float(s[name])):
            raise ConfigError(f"The {label} must be a finite number.", name)
    if abs(s["theta0"]) > 100 or abs(s["psi0"]) > 100:
        raise ConfigError("Start within |θ|, |ψ| ≤ 100: the interesting part is near (0, 0).", "theta0")
    if s["steps"] > MAX_STEPS:
        raise ConfigError(f"Use at most {MAX_STEPS:,} steps.", "steps")
    if s["steps"] * s["n_critic"] > MAX_WORK:
        raise ConfigError(f"steps × n_critic must stay under {MAX_WORK:,}: fewer steps or fewer critic steps.",
                          "n_critic")
    if s["reg"] == "clip" and s["weight"] <= 0:
        raise ConfigError(f"The clip value c must be a positive number; got {s['weight']:g}.", "weight")
    dirac.validate(s["loss"], s["reg"], steps=int(s["steps"]), lr=float(s["lr"]), weight=float(s["weight"]),
                   n_critic=int(s["n_critic"]), clip=float(s["weight"]) if s["reg"] == "clip" else 0.01)


def _engine_args(s: dict) -> dict:
    clip = float(s["weight"]) if s["reg"] == "clip" else 0.01
    return dict(loss=s["loss"], reg=s["reg"], weight=float(s["weight"]), clip=clip)


# -- formulas for the captions ----------------------------------------------------------------------

def _c(z: complex) -> str:
    z = complex(z)
    re, im = z.real + 0.0, z.imag + 0.0
    if abs(im) < 5e-13:
        return f"{re:.4f}"
    if abs(re) < 5e-13:
        return f"{im:+.4f}i"
    return f"{re:.4f} {'+' if im >= 0 else '−'} {abs(im):.4f}i"


def _pair(vals) -> str:
    return ", ".join(_c(v) for v in vals)


def _flow_formula(s: dict) -> str:
    fp = dirac.F_PRIME0[s["loss"]]
    fp_txt = r"\sigma(0) = \tfrac12" if fp == 0.5 else "1"
    if s["reg"] == "r1":
        return (rf"$\lambda = \dfrac{{-\gamma \pm \sqrt{{\gamma^2 - 4 f'(0)^2}}}}{{2}}$ with $f'(0) = {fp_txt}$, "
                rf"$\gamma = {s['weight']:g}$")
    why = {"none": "", "clip": r" (the clip is inactive inside $|\psi| < c$)",
           "lp": r" (the one-sided penalty is 0 for $|\psi| < 1$)"}[s["reg"]]
    return rf"$\lambda = \pm i\,f'(0)$ with $f'(0) = {fp_txt}$" + why


def _step_formula(s: dict) -> str:
    n, alt = int(s["n_critic"]), s["scheme"] == "alternating"
    if not alt and n == 1:
        return r"$\mu = 1 + h\lambda$"
    q = r"q = 1 - h\gamma" if s["reg"] == "r1" else "q = 1"
    if alt:
        return (rf"$\mu^2 - \mathrm{{tr}}\,\mu + \det = 0$, $\det = q^n$, "
                rf"$\mathrm{{tr}} = 1 + q^n - h^2 f'(0)^2 S$ (${q}$, $S = 1 + q + \dots + q^{{n-1}}$, $n = {n}$)")
    return (rf"$\mu^2 - \mathrm{{tr}}\,\mu + \det = 0$, $\mathrm{{tr}} = 1 + q^n$, "
            rf"$\det = q^n + h^2 f'(0)^2 S$ (${q}$, $S = 1 + q + \dots + q^{{n-1}}$, $n = {n}$)")


# -- page -----------------------------------------------------------------------------------------

_from_url()
st.title("Convergence")
st.markdown(
    "Why does GAN training circle instead of settling, and which fixes make it converge? Mescheder, Geiger & "
    "Nowozin (2018) boil it down to two numbers. The data is a point mass at **0**, the generator a point mass "
    "at **θ**, the critic is linear, $D_\\psi(x) = \\psi x$. Every loss and regulariser becomes a vector field "
    "on the (θ, ψ) plane. The equilibrium (0, 0) is the generator on the data and a critic that cannot tell "
    "the two apart."
)
for w in st.session_state.get("cv_url_warnings") or []:
    st.warning(f"From the link: {w}", icon=":material/link:")

st.markdown("**Presets**: one click each, each with its lesson.")
cols = st.columns(3)
for i, name in enumerate(PRESETS):
    cols[i % 3].button(name, key=f"cv_preset_{i}", on_click=_apply_preset, args=(name,), width="stretch")

c = st.columns([1.3, 1.6, 0.9, 0.9, 0.8, 1.1])
c[0].selectbox("loss", dirac.LOSS_NAMES, format_func=LOSS_LABELS.get, key=_key("loss"))
c[1].selectbox("regulariser", dirac.REG_NAMES, format_func=REG_LABELS.get, key=_key("reg"),
               on_change=_reg_changed)
reg_now = st.session_state[_key("reg")]
c[2].number_input(WEIGHT_LABELS.get(reg_now, "weight"), step=0.1, format="%.3f",
                  key=_key("weight"), disabled=reg_now == "none",
                  help="λ of the gradient penalties, γ of R1, c of weight clipping.")
c[3].number_input("step size h", step=0.05, format="%.3f", key=_key("lr"),
                  help="The learning rate of both players (plain gradient descent).")
c[4].number_input("n_critic", step=1, key=_key("n_critic"), help="Critic steps per generator step.")
c[5].radio("steps", SCHEMES, key=_key("scheme"), horizontal=False, label_visibility="collapsed",
           help="Simultaneous: both players step from the same point. Alternating: the critic's steps "
                "first, then the generator's against the new critic.")
c = st.columns([1, 1, 1, 3])
c[0].number_input("start θ", step=0.1, format="%.3f", key=_key("theta0"))
c[1].number_input("start ψ", step=0.1, format="%.3f", key=_key("psi0"))
c[2].number_input("iterations", step=100, key=_key("steps"))
c[3].caption("Or click anywhere on the plane to start there.")

s = _settings()
try:
    _check(s)
except ConfigError as e:
    st.error(str(e))
    st.stop()
_sync_url(s)

args = _engine_args(s)
alternating = s["scheme"] == "alternating"
run = dirac.simulate(theta0=float(s["theta0"]), psi0=float(s["psi0"]), steps=int(s["steps"]), lr=float(s["lr"]),
                     n_critic=int(s["n_critic"]), alternating=alternating, **args)
dist = dirac.distance(run)
finite = np.isfinite(dist)
last = int(np.flatnonzero(finite)[-1])

try:
    flow = dirac.jacobian_eigenvalues(s["loss"], s["reg"], float(s["weight"]))
    flow_closed = dirac.closed_form_eigenvalues(s["loss"], s["reg"], float(s["weight"]))
    step = dirac.step_eigenvalues(lr=float(s["lr"]), n_critic=int(s["n_critic"]), alternating=alternating, **args)
    step_closed = dirac.closed_form_step(s["loss"], s["reg"], float(s["lr"]), float(s["weight"]),
                                         int(s["n_critic"]), alternating)["eigenvalues"]
    no_jacobian = None
except ConfigError as e:
    flow = flow_closed = step = step_closed = None
    no_jacobian = str(e)

lesson = next((text for name, (values, text) in PRESETS.items()
               if {**DEFAULTS, "weight": WEIGHT_DEFAULTS.get(values["reg"], 0.0), **values} == s), None)
if lesson:
    st.info(lesson, icon=":material/school:")

# the plane: cover the path (an escape is cut at 3x the start's reach), never less than ±0.5
start_reach = max(abs(s["theta0"]), abs(s["psi0"]), 0.25)
reach = float(np.nanmax(np.abs(np.concatenate([run["theta"][finite], run["psi"][finite]]))))
extent = float(min(max(reach, start_reach) * 1.12, 3 * start_reach * 1.12))
extent = max(extent, 0.5)
g = np.linspace(-extent, extent, 21)
gt, gp = np.meshgrid(g, g)
dt, dp = dirac.vector_field(s["loss"], s["reg"], gt, gp, float(s["weight"]), args["clip"])
end_txt = (f"escaped (‖·‖ > 10⁶) at iteration {last + 1}" if last < s["steps"] else
           f"after {s['steps']:,} iterations: distance {dist[last]:.3g} (start {dist[0]:.3g})")
reg_txt = "" if s["reg"] == "none" else f" + {REG_SHORT[s['reg']]} ({WEIGHT_SYMBOL[s['reg']]} = {s['weight']:g})"
title = f"{LOSS_LABELS[s['loss']]}{reg_txt}, {s['scheme']}, h = {s['lr']:g}"

left, right = st.columns([1.25, 1])
with left:
    fig = plots.plane_figure(gt, gp, dt, dp, run["theta"], run["psi"], extent=extent, title=title,
                             subtitle=end_txt, reg=s["reg"], clip=args["clip"] if s["reg"] == "clip" else None)
    st.plotly_chart(fig, key="cv_plane", theme=None, on_select=_picked, selection_mode="points",
                    config={"displayModeBar": False})
    st.caption("Arrows: the update direction $v = (-\\partial L_G/\\partial\\theta,\\ -\\partial L_D/\\partial\\psi)$ "
               "(length ∝ √speed). ▶ Replay animates the run; the slider scrubs through it. "
               "Click anywhere on the plane to start from there.")
with right:
    rho = float(np.max(np.abs(step))) if step is not None else None
    st.plotly_chart(plots.distance_figure(dist, rho=rho), key="cv_distance", theme=None)
    if flow is not None:
        verdict = ("inside: the steps contract" if rho < 1 - 1e-8 else "on the circle: they keep their distance"
                   if rho <= 1 + 1e-8 else "outside: the steps expand")
        st.plotly_chart(plots.eigen_figure(flow, step, flow_closed=flow_closed, step_closed=step_closed,
                                           subtitle=f"largest |μ| = {rho:.6f}, {verdict}"),
                        key="cv_eigen", theme=None)
    else:
        st.warning(no_jacobian, icon=":material/info:")

if flow is not None:
    fig_flow = "converges" if np.max(flow.real) < -1e-12 else "does not converge (Re λ = 0: it circles)" \
        if np.max(flow.real) <= 1e-12 else "diverges"
    fig_step = ("contracts" if rho < 1 - 1e-8 else "keeps its distance (|μ| = 1)" if rho <= 1 + 1e-8
                else "expands: the iterates spiral out")
    st.markdown(
        f"**The flow** (h → 0): {_flow_formula(s)}. Closed form: {_pair(flow_closed)}; numerical (Jacobian "
        f"of the field by central differences): {_pair(flow)}. Gradient flow {fig_flow}.\n\n"
        f"**One step** ({s['scheme']}, n_critic = {s['n_critic']}, h = {s['lr']:g}): {_step_formula(s)}. "
        f"Closed form: {_pair(step_closed)}; numerical (Jacobian of the step `simulate` takes): {_pair(step)}. "
        f"Largest |μ| = {rho:.6f}: near the equilibrium the scheme {fig_step}."
    )
st.markdown(
    r"""With $r = D(0) = 0$ and $f = D(\theta) = \psi\theta$ in the losses of the toy playground, the chain rule
gives $v = (-\psi\,g_f(\psi\theta),\ -\theta\,d_f(\psi\theta) - R'(\psi))$, where $d_f$ and $g_f$ are the
derivatives of the critic's and the generator's loss in $f$ and $R$ the critic's penalty. At (0, 0),
$J = \begin{pmatrix}0 & f'(0)\\ -f'(0) & -R''(0)\end{pmatrix}$, $f'(0) = \sigma(0) = \tfrac12$ for the log-losses
and 1 for WGAN and hinge. Hinge is piecewise: near the equilibrium ($\psi\theta > -1$) it is WGAN's field,
and the critic stops once it scores the fake below −1. The two-sided gradient penalty pulls $|\psi|$ to 1 and
jumps at $\psi = 0$, so (0, 0) is no smooth equilibrium for it."""
)

st.download_button("Download the trajectory (CSV)", history_csv(dirac.trajectory_rows(run), config=s), file_name="diracgan.csv",
                   mime="text/csv", key="cv_csv", icon=":material/download:")
