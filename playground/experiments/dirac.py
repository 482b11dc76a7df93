"""DiracGAN: the smallest GAN that shows why training circles, and which fixes make it converge
(Mescheder, Geiger & Nowozin 2018, "Which Training Methods for GANs do actually Converge?", §2–3).

The data is a point mass at 0, the generator a point mass at θ, the critic linear, D_ψ(x) = ψ·x. The
critic's raw scores are r = D(real) = ψ·0 = 0 and f = D(fake) = ψθ, fed to the losses of `losses.py`:
L_D(r, f) (the critic's, minimised) and L_G(r, f) (the generator's, minimised). Since r does not depend
on ψ, with d_f = ∂L_D/∂f and g_f = ∂L_G/∂f, the chain rule gives the whole game as a field on (θ, ψ):

    v(θ, ψ) = (−∂L_G/∂θ, −∂L_D/∂ψ) = (−ψ·g_f(ψθ), −θ·d_f(ψθ) − R′(ψ)),

R(ψ) being the regulariser's penalty on the critic. The unique equilibrium is (θ, ψ) = (0, 0) (the
generator on the data, a critic that cannot tell them apart). With f′(0) := d_f(0) = −g_f(0), the
Jacobian there is J = [[0, f′(0)], [−f′(0), −R″(0)]]: without a penalty its eigenvalues are ±i·f′(0),
pure rotation, the flow circles forever and a simultaneous gradient step I + hJ, whose eigenvalues
1 ± i·h·f′(0) have modulus √(1 + h²f′(0)²) > 1, spirals out. R1 adds damping γ.

Losses here: minimax, ns, wgan, hinge. LSGAN is left out: its targets (r → 1) need a critic bias, so with
D = ψx every point (θ, 0) is stationary; RSGAN reduces to ns when r = 0. Everything is NumPy: thousands
of steps take milliseconds.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import expit

from ..errors import ConfigError

LOSS_NAMES = ("minimax", "ns", "wgan", "hinge")
REG_NAMES = ("none", "clip", "gp", "lp", "r1")
# f′(0) = d_f(0) = −g_f(0): σ(0) = ½ for the log-losses, 1 for the linear ones
F_PRIME0 = {"minimax": 0.5, "ns": 0.5, "wgan": 1.0, "hinge": 1.0}
ESCAPE = 1e6       # a trajectory this far from the equilibrium has left any plane worth drawing
FD_EPS = 1e-6      # central differences for the Jacobians (the fields are smooth near (0, 0))


def _check_names(loss: str, reg: str) -> None:
    if loss not in LOSS_NAMES:
        raise ConfigError(f"DiracGAN knows the losses {', '.join(LOSS_NAMES)}; got '{loss}'.", "loss")
    if reg not in REG_NAMES:
        raise ConfigError(f"DiracGAN knows the regularisers {', '.join(REG_NAMES)}; got '{reg}'.", "reg")


def d_f(loss: str, f):
    """∂L_D/∂f on the fake score f = ψθ (r = 0 everywhere, so ∂L_D/∂r never reaches ψ).

    minimax, ns: L_D = softplus(−r) + softplus(f)          → d_f = σ(f)
    wgan:        L_D = f − r                               → d_f = 1
    hinge:       L_D = max(0, 1 − r) + max(0, 1 + f)       → d_f = 1[f > −1]
    (Hinge: with r = 0 the real term is the constant 1; near the equilibrium, |ψθ| < 1, the field is
    WGAN's; once the critic scores the fake below −1 it stops learning: v_ψ = 0 there.)"""
    f = np.asarray(f, dtype=np.float64)
    if loss in ("minimax", "ns"):
        return expit(f)
    if loss == "wgan":
        return np.ones_like(f)
    return (f > -1.0).astype(np.float64)


def g_f(loss: str, f):
    """∂L_G/∂f on the fake score f = ψθ.

    minimax: L_G = −softplus(f) = log(1 − σ(f))   → g_f = −σ(f)   (starves when σ(f) → 0)
    ns:      L_G = softplus(−f) = −log σ(f)       → g_f = −σ(−f)
    wgan, hinge: L_G = −f                         → g_f = −1"""
    f = np.asarray(f, dtype=np.float64)
    if loss == "minimax":
        return -expit(f)
    if loss == "ns":
        return -expit(-f)
    return -np.ones_like(f)


def penalty_grad(reg: str, psi, weight: float):
    """R′(ψ) for the critic's penalty R, with ∇ₓD = ψ at every x (the critic is linear).

    gp: R = λ(|ψ| − 1)²        → R′ = 2λ(|ψ| − 1)·sign ψ   (Gulrajani et al. 2017; the interpolates do
        not matter: ∇ₓD is ψ everywhere). It jumps at ψ = 0 (|ψ| has no derivative there) and pushes
        |ψ| towards 1, so (0, 0) is not a smooth equilibrium; sign 0 = 0, as in autograd.
    lp: R = λ·max(0, |ψ| − 1)²  → R′ = 2λ·max(0, |ψ| − 1)·sign ψ   (Petzka et al. 2018): 0 near (0, 0)
    r1: R = (γ/2)ψ²            → R′ = γψ   (Mescheder et al. 2018, eq. 9, on the real point)
    none, clip: 0 (clipping is a projection after each step, not a penalty)."""
    psi = np.asarray(psi, dtype=np.float64)
    if reg == "gp":
        return 2.0 * weight * (np.abs(psi) - 1.0) * np.sign(psi)
    if reg == "lp":
        return 2.0 * weight * np.maximum(0.0, np.abs(psi) - 1.0) * np.sign(psi)
    if reg == "r1":
        return weight * psi
    return np.zeros_like(psi)


def vector_field(loss: str, reg: str, theta, psi, weight: float = 0.0, clip: float = 0.01):
    """The gradient-descent direction v = (−∂L_G/∂θ, −∂L_D/∂ψ) on arrays of θ and ψ.

    L_G(θ) = L_G(0, ψθ) → ∂L_G/∂θ = ψ·g_f(ψθ);  L_D(ψ) = L_D(0, ψθ) + R(ψ) → ∂L_D/∂ψ = θ·d_f(ψθ) + R′(ψ).
    Per loss (see d_f, g_f): minimax v = (ψσ(ψθ), −θσ(ψθ)); ns v = (ψσ(−ψθ), −θσ(ψθ));
    wgan v = (ψ, −θ); hinge v = (ψ, −θ·1[ψθ > −1]); then v_ψ −= R′(ψ).
    reg = "clip": the projected field of ψ ∈ [−c, c]: v_ψ = 0 where |ψ| ≥ c and v_ψ points outwards
    (ψ is clamped after each critic step: the critic cannot leave the band)."""
    _check_names(loss, reg)
    theta, psi = np.broadcast_arrays(np.asarray(theta, np.float64), np.asarray(psi, np.float64))
    f = psi * theta
    dtheta = -psi * g_f(loss, f)
    dpsi = -theta * d_f(loss, f) - penalty_grad(reg, psi, weight)
    if reg == "clip":
        dpsi = np.where(((psi >= clip) & (dpsi > 0)) | ((psi <= -clip) & (dpsi < 0)), 0.0, dpsi)
    return dtheta, dpsi


def _critic_step(loss, reg, theta, psi, lr, weight, clip):
    psi = psi + lr * vector_field(loss, reg, theta, psi, weight, clip)[1]
    return np.clip(psi, -clip, clip) if reg == "clip" else psi


def _step(loss, reg, theta, psi, lr, weight, n_critic, alternating, clip):
    """One generator iteration. Simultaneous: the generator's step is taken at the old (θ, ψ) while the
    critic makes its n_critic steps against the old θ. Alternating: the critic's n_critic steps first,
    then the generator's step against the new critic."""
    if not alternating:
        dtheta = vector_field(loss, reg, theta, psi, weight, clip)[0]
    for _ in range(n_critic):
        psi = _critic_step(loss, reg, theta, psi, lr, weight, clip)
    if alternating:
        dtheta = vector_field(loss, reg, theta, psi, weight, clip)[0]
    return theta + lr * dtheta, psi


def validate(loss: str, reg: str = "none", *, steps: int = 1000, lr: float = 0.1, weight: float = 0.0,
             n_critic: int = 1, clip: float = 0.01) -> None:
    """Raise ConfigError (a sentence for the user) for a setting the simulation cannot run."""
    _check_names(loss, reg)
    if not (isinstance(steps, (int, np.integer)) and steps >= 1):
        raise ConfigError(f"The number of steps must be a whole number of at least 1; got {steps}.", "steps")
    if not (math.isfinite(lr) and lr > 0):
        raise ConfigError(f"The step size h must be a positive number; got {lr:g}.", "lr")
    if not (isinstance(n_critic, (int, np.integer)) and n_critic >= 1):
        raise ConfigError(f"n_critic must be a whole number of at least 1; got {n_critic}.", "n_critic")
    if reg in ("gp", "lp", "r1") and not (math.isfinite(weight) and weight >= 0):
        raise ConfigError(f"The penalty weight must be 0 or more; got {weight:g}.", "weight")
    if reg == "clip" and not (math.isfinite(clip) and clip > 0):
        raise ConfigError(f"The clip value c must be a positive number; got {clip:g}.", "clip")


def simulate(loss: str, reg: str = "none", theta0: float = 1.0, psi0: float = 1.0, steps: int = 1000,
             lr: float = 0.1, weight: float = 0.0, n_critic: int = 1, alternating: bool = False,
             clip: float = 0.01) -> dict[str, np.ndarray]:
    """Gradient descent on the DiracGAN from (θ0, ψ0): {"theta", "psi"}, each of length steps + 1
    (the start included). Simultaneous by default; alternating (critic first, n_critic times, then the
    generator) when asked. With reg = "clip" the start ψ0 is clamped too (a clipped critic never has
    weights outside [−c, c]). A run that leaves |(θ, ψ)| < 1e6 stops there: the rest is NaN."""
    validate(loss, reg, steps=steps, lr=lr, weight=weight, n_critic=n_critic, clip=clip)
    theta = np.full(steps + 1, np.nan)
    psi = np.full(steps + 1, np.nan)
    t, p = float(theta0), float(np.clip(psi0, -clip, clip) if reg == "clip" else psi0)
    theta[0], psi[0] = t, p
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps + 1):
            t, p = _step(loss, reg, t, p, lr, weight, n_critic, alternating, clip)
            t, p = float(t), float(p)
            if not (math.isfinite(t) and math.isfinite(p)) or math.hypot(t, p) > ESCAPE:
                break
            theta[k], psi[k] = t, p
    return {"theta": theta, "psi": psi}


def _no_jacobian(reg: str) -> None:
    if reg == "gp":
        raise ConfigError("The two-sided gradient penalty has no Jacobian at (0, 0): its pull of |ψ| towards 1 "
                          "jumps from +2λ to −2λ as ψ crosses 0, so (0, 0) is not a smooth equilibrium.", "reg")


def jacobian(loss: str, reg: str = "none", weight: float = 0.0, clip: float = 0.01) -> np.ndarray:
    """∂v/∂(θ, ψ) at (0, 0), by central differences of `vector_field` (rows: v_θ, v_ψ)."""
    _check_names(loss, reg)
    _no_jacobian(reg)
    e = min(FD_EPS, clip / 4) if reg == "clip" else FD_EPS
    jac = np.empty((2, 2))
    for j, (dt, dp) in enumerate(((e, 0.0), (0.0, e))):
        plus = vector_field(loss, reg, dt, dp, weight, clip)
        minus = vector_field(loss, reg, -dt, -dp, weight, clip)
        jac[:, j] = [(plus[i] - minus[i]) / (2 * e) for i in range(2)]
    return jac


def jacobian_eigenvalues(loss: str, reg: str = "none", weight: float = 0.0) -> np.ndarray:
    """The 2 eigenvalues of the field's Jacobian at (0, 0) (complex; negative real parts: locally
    convergent under gradient flow). Closed forms in `closed_form_eigenvalues`."""
    return np.sort_complex(np.linalg.eigvals(jacobian(loss, reg, weight)).astype(np.complex128))


def closed_form_eigenvalues(loss: str, reg: str = "none", weight: float = 0.0) -> np.ndarray:
    """J = [[0, f′], [−f′, −R″(0)]] → λ² + R″λ + f′² = 0 (Mescheder et al. 2018, Lemmas 2.2, 3.3):
    none, clip (c > 0: inactive at the equilibrium), lp (0 for |ψ| < 1): λ = ±i·f′(0);
    r1: λ = (−γ ± √(γ² − 4f′(0)²)) / 2."""
    _check_names(loss, reg)
    _no_jacobian(reg)
    fp = F_PRIME0[loss]
    damp = weight if reg == "r1" else 0.0
    root = np.sqrt(complex(damp * damp - 4 * fp * fp))
    return np.sort_complex(np.array([(-damp - root) / 2, (-damp + root) / 2], dtype=np.complex128))


def step_jacobian(loss: str, reg: str = "none", lr: float = 0.1, weight: float = 0.0, n_critic: int = 1,
                  alternating: bool = False, clip: float = 0.01) -> np.ndarray:
    """The Jacobian at (0, 0) of one iteration of the discrete scheme (n_critic critic steps and one
    generator step), by central differences of the very step `simulate` takes. Simultaneous with
    n_critic = 1 it is I + hJ."""
    validate(loss, reg, lr=lr, weight=weight, n_critic=n_critic, clip=clip)
    _no_jacobian(reg)
    e = min(FD_EPS, clip / 4) if reg == "clip" else FD_EPS
    jac = np.empty((2, 2))
    for j, (dt, dp) in enumerate(((e, 0.0), (0.0, e))):
        plus = _step(loss, reg, dt, dp, lr, weight, n_critic, alternating, clip)
        minus = _step(loss, reg, -dt, -dp, lr, weight, n_critic, alternating, clip)
        jac[:, j] = [(float(plus[i]) - float(minus[i])) / (2 * e) for i in range(2)]
    return jac


def step_eigenvalues(loss: str, reg: str = "none", lr: float = 0.1, weight: float = 0.0, n_critic: int = 1,
                     alternating: bool = False, clip: float = 0.01) -> np.ndarray:
    """Eigenvalues μ of one discrete iteration at (0, 0): all |μ| < 1 means the scheme contracts."""
    m = step_jacobian(loss, reg, lr, weight, n_critic, alternating, clip)
    return np.sort_complex(np.linalg.eigvals(m).astype(np.complex128))


def closed_form_step(loss: str, reg: str = "none", lr: float = 0.1, weight: float = 0.0, n_critic: int = 1,
                     alternating: bool = False) -> dict:
    """One iteration linearised at (0, 0), in closed form. With b = f′(0), q = 1 − hγ (γ = R″(0)) and
    S = 1 + q + … + q^(n−1), n critic steps map ψ → q^n ψ − h·b·S·θ (θ fixed); then
    simultaneous: θ' = θ + h·b·ψ (old ψ)   → M = [[1, hb], [−hbS, q^n]],  tr = 1 + q^n, det = q^n + h²b²S;
    alternating: θ' = θ + h·b·ψ' (new ψ)   → M = [[1 − h²b²S, hb·q^n], [−hbS, q^n]], tr = 1 − h²b²S + q^n,
    det = q^n. μ² − tr·μ + det = 0. For n = 1 simultaneous, μ = 1 + hλ. Alternating without a penalty has
    det = 1: on the unit circle while |tr| < 2, i.e. h²f′(0)²n < 4: it circles, neither in nor out."""
    _check_names(loss, reg)
    _no_jacobian(reg)
    b, h, n = F_PRIME0[loss], lr, n_critic
    q = 1.0 - h * (weight if reg == "r1" else 0.0)
    s = float(n) if q == 1.0 else (1.0 - q ** n) / (1.0 - q)
    if alternating:
        m = np.array([[1 - h * h * b * b * s, h * b * q ** n], [-h * b * s, q ** n]])
    else:
        m = np.array([[1.0, h * b], [-h * b * s, q ** n]])
    tr, det = float(np.trace(m)), float(np.linalg.det(m))
    root = np.sqrt(complex(tr * tr - 4 * det))
    mu = np.sort_complex(np.array([(tr - root) / 2, (tr + root) / 2], dtype=np.complex128))
    return {"matrix": m, "trace": tr, "det": det, "eigenvalues": mu}


def distance(run: dict[str, np.ndarray]) -> np.ndarray:
    """‖(θ, ψ)‖ to the equilibrium at each iteration (NaN after an escape)."""
    return np.hypot(run["theta"], run["psi"])


def trajectory_rows(run: dict[str, np.ndarray]) -> list[dict[str, float]]:
    """One record per iteration up to the last finite one: iteration, theta, psi, distance (for the CSV)."""
    d = distance(run)
    finite = np.flatnonzero(np.isfinite(d))
    n = int(finite[-1]) + 1 if finite.size else 0
    return [{"iteration": k, "theta": float(run["theta"][k]), "psi": float(run["psi"][k]), "distance": float(d[k])}
            for k in range(n)]


__all__ = ["LOSS_NAMES", "REG_NAMES", "F_PRIME0", "ESCAPE", "d_f", "g_f", "penalty_grad", "vector_field",
           "validate", "simulate", "jacobian", "jacobian_eigenvalues", "closed_form_eigenvalues",
           "step_jacobian", "step_eigenvalues", "closed_form_step", "distance", "trajectory_rows"]
