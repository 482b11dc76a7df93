"""Fit one Gaussian to two: which single Gaussian Q = N(μ, σ²) each divergence prefers for the data
P = two_modes1d = ½N(−3, ½²) + ½N(3, ½²) (datasets/toy.py), by quadrature. NumPy / SciPy only.

Each divergence D(P‖Q) is the one its loss trains under (losses.py; P the data, Q the generator):

    kl          KL(P‖Q) = ∫ p log(p/q)                  forward: covers both modes
    reverse_kl  KL(Q‖P) = ∫ q log(q/p)                  reverse: sits on one mode
    js          JS(P, Q) = ½KL(P‖M) + ½KL(Q‖M), M = ½(P + Q)
    hellinger   ∫ (√p − √q)²                            squared Hellinger, in [0, 2]
    pearson     χ²(P‖Q) = ∫ (p − q)²/q = ∫ p²/q − 1     +∞ once σ < 1/(2√2) (q's tails too thin)
    w1          W1(P, Q) = ∫₀¹ |F_P⁻¹(u) − F_Q⁻¹(u)| du  (WGAN's; 1D optimal transport by quantiles)

The f-divergences are integrated on a fixed grid x ∈ [−40, 40] with step 0.01 (Riemann sum in log
densities: no 0·log 0, no overflow), W1 by the midpoint rule on 40,000 quantile levels, P's quantile
function by bisection on its CDF. The optimum (μ*, σ*) minimises D over (μ, log σ) with Nelder–Mead
from several starts. P is symmetric, so an optimum at μ* ≠ 0 has a mirror at −μ*: `optimum` reports
|μ*| and says whether the pair exists. Forward KL's optimum is moment matching, μ* = 0, σ*² = 9 + ¼
= 9.25, a closed form the tests hold the quadrature to. Results are cached (lru_cache).

Where gradient descent goes is another matter: for reverse KL, JS and squared Hellinger the centred
wide fit (μ = 0, σ ≈ 2.5-3; `centred_optimum`) is a local minimum too, so a Gaussian generator started
at N(0, 1) can settle there instead of on a mode; started off-centre and narrow it seeks a mode.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.optimize import minimize, minimize_scalar
from scipy.special import logsumexp, ndtr, ndtri

# P = two_modes1d (datasets/toy.py; a test checks they agree)
P_WEIGHTS = (0.5, 0.5)
P_MEANS = (-3.0, 3.0)
P_SIGMA = 0.5
P_VAR = float(sum(w * (m * m + P_SIGMA**2) for w, m in zip(P_WEIGHTS, P_MEANS)))  # 9.25 (mean 0)

DIVERGENCES = ("kl", "reverse_kl", "js", "hellinger", "pearson", "w1")
LABELS = {"kl": "forward KL(P‖Q)", "reverse_kl": "reverse KL(Q‖P)", "js": "Jensen–Shannon",
          "hellinger": "squared Hellinger", "pearson": "Pearson χ²(P‖Q)", "w1": "Wasserstein-1"}
LOSS = {"kl": "kl", "reverse_kl": "reverse_kl", "js": "js", "hellinger": "hellinger", "pearson": "pearson",
        "w1": "wgan"}  # the loss (losses.LOSSES) that trains under each

X = np.linspace(-40.0, 40.0, 8001)  # the quadrature grid (step 0.01: a Riemann sum of these smooth
# integrands is exact to float precision while σ ≥ 0.05 spans 5 steps)
DX = float(X[1] - X[0])
N_LEVELS = 40000  # quantile levels for W1
LN2 = math.log(2.0)
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
SIGMA_RANGE = (0.05, 20.0)  # σ searched within (outside it D is +∞ for the search)
STARTS = ((0.0, 3.0), (1.5, 1.0), (3.0, 0.5), (3.0, 2.0))  # (μ, σ) the searches start from


def _log_normal(x: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    z = (x - mu) / sigma
    return -0.5 * z * z - math.log(sigma) - _LOG_SQRT_2PI


def log_p(x) -> np.ndarray:
    """log p(x) of the two-mode mixture."""
    x = np.asarray(x, dtype=np.float64)
    terms = np.stack([math.log(w) + _log_normal(x, m, P_SIGMA) for w, m in zip(P_WEIGHTS, P_MEANS)])
    return logsumexp(terms, axis=0)


def cdf_p(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return sum(w * ndtr((x - m) / P_SIGMA) for w, m in zip(P_WEIGHTS, P_MEANS))


@lru_cache(maxsize=1)
def _levels() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(u, F_P⁻¹(u), Φ⁻¹(u)) at the midpoints u of N_LEVELS equal cells of (0, 1); F_P⁻¹ by 100 steps
    of bisection on [−30, 30] (to float64 resolution)."""
    u = (np.arange(N_LEVELS) + 0.5) / N_LEVELS
    lo, hi = np.full_like(u, -30.0), np.full_like(u, 30.0)
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        below = cdf_p(mid) < u
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return u, 0.5 * (lo + hi), ndtri(u)


_LP = log_p(X)


def divergence(name: str, mu: float, sigma: float) -> float:
    """D(P‖N(μ, σ²)) for one of DIVERGENCES, by quadrature (nats for the KL / JS entries)."""
    if name == "w1":
        _, qp, z = _levels()
        return float(np.mean(np.abs(qp - (mu + sigma * z))))
    lp, lq = _LP, _log_normal(X, mu, sigma)
    with np.errstate(over="ignore", under="ignore"):
        if name == "kl":
            val = np.sum(np.exp(lp) * (lp - lq))
        elif name == "reverse_kl":
            val = np.sum(np.exp(lq) * (lq - lp))
        elif name == "js":
            lm = np.logaddexp(lp, lq) - LN2
            val = 0.5 * np.sum(np.exp(lp) * (lp - lm)) + 0.5 * np.sum(np.exp(lq) * (lq - lm))
        elif name == "hellinger":
            val = np.sum((np.exp(0.5 * lp) - np.exp(0.5 * lq)) ** 2)
        elif name == "pearson":
            val = np.sum(np.exp(2 * lp - lq) - np.exp(lp))  # ∫ p²/q − ∫ p
        else:
            raise KeyError(f"Unknown divergence '{name}'. Choose one of: {', '.join(DIVERGENCES)}.")
    return float(val * DX) if np.isfinite(val) else math.inf


@dataclass(frozen=True)
class Fit:
    """The best single Gaussian under one divergence. mu is |μ*|; mirrored says that −μ* is an equal
    optimum (μ* ≠ 0); value = D at the optimum."""
    divergence: str
    mu: float
    sigma: float
    value: float
    mirrored: bool

    @property
    def label(self) -> str:
        return LABELS[self.divergence]


def _objective(name: str):
    lo, hi = (math.log(s) for s in SIGMA_RANGE)

    def f(theta: np.ndarray) -> float:
        mu, log_s = float(theta[0]), float(theta[1])
        if not lo <= log_s <= hi:
            return math.inf
        v = divergence(name, mu, math.exp(log_s))
        return v if math.isfinite(v) else 1e300
    return f


@lru_cache(maxsize=None)
def optimum(name: str) -> Fit:
    """argmin over (μ, σ) of D(P‖N(μ, σ²)): Nelder–Mead over (μ, log σ) from each of STARTS, the best
    kept; |μ*| reported."""
    if name not in DIVERGENCES:
        raise KeyError(f"Unknown divergence '{name}'. Choose one of: {', '.join(DIVERGENCES)}.")
    f = _objective(name)
    best = None
    for mu0, s0 in STARTS:
        res = minimize(f, np.array([mu0, math.log(s0)]), method="Nelder-Mead",
                       options={"xatol": 1e-7, "fatol": 1e-12, "maxiter": 4000})
        if best is None or res.fun < best.fun:
            best = res
    mu, sigma = abs(float(best.x[0])), math.exp(float(best.x[1]))
    return Fit(name, mu, sigma, float(best.fun), mirrored=mu > 1e-3)


@lru_cache(maxsize=None)
def centred_optimum(name: str) -> tuple[Fit, bool]:
    """(the best Gaussian centred between the modes, μ = 0, σ by a bounded search; whether it is a local
    minimum over (μ, σ) too). For reverse KL, JS and squared Hellinger it is one: a symmetric wide fit
    (σ ≈ 2.5-3) walled off from the mode-seeking optimum, where a generator started at N(0, 1) can stay;
    for the covering divergences it is the optimum itself."""
    if name not in DIVERGENCES:
        raise KeyError(f"Unknown divergence '{name}'. Choose one of: {', '.join(DIVERGENCES)}.")
    lo, hi = (math.log(s) for s in SIGMA_RANGE)
    res = minimize_scalar(lambda ls: divergence(name, 0.0, math.exp(ls)), bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-8})
    sigma, value = math.exp(float(res.x)), float(res.fun)
    # by symmetry ∂D/∂μ = 0 and ∂²D/∂μ∂σ = 0 at μ = 0: a local minimum iff D grows along μ
    local = divergence(name, 0.05, sigma) > value
    return Fit(name, 0.0, sigma, value, mirrored=False), bool(local)


DIVERGENCE_OF_LOSS = {loss: name for name, loss in LOSS.items()}  # losses.LOSSES name -> divergence


def target(dataset: str, arch: str, loss: str) -> tuple[str, list[tuple[float, float]]] | None:
    """What the 1D view draws as the target of a one-Gaussian run on this lesson's data: (a name, the
    optimal (μ*, σ*), both mirror images where μ* ≠ 0), or None when the run is not one (another data set
    or architecture, or a loss that trains under none of DIVERGENCES)."""
    name = DIVERGENCE_OF_LOSS.get(loss)
    if dataset != "two_modes1d" or arch != "gaussian" or name is None:
        return None
    fit = optimum(name)
    mu = f"±{fit.mu:.2f}" if fit.mirrored else "0"
    fits = [(-fit.mu, fit.sigma), (fit.mu, fit.sigma)] if fit.mirrored else [(0.0, fit.sigma)]
    return f"optimum N({mu}, {fit.sigma:.2f}²)", fits  # the run's loss names the divergence


def optima() -> dict[str, Fit]:
    """optimum(name) for every divergence, in DIVERGENCES order."""
    return {name: optimum(name) for name in DIVERGENCES}


__all__ = ["DIVERGENCES", "LABELS", "LOSS", "DIVERGENCE_OF_LOSS", "target", "Fit", "divergence", "optimum", "centred_optimum", "optima", "log_p", "cdf_p", "P_VAR"]
