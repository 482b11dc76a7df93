"""Divergences between 1D distributions by quadrature, for the divergence lab.

Distributions are small frozen objects with ``pdf``, ``logpdf``, ``cdf`` and ``shifted(theta)``:

    gaussian(mu, sigma)            N(mu, sigma^2)
    mixture(weights, components)   sum_k w_k p_k   (weights are normalised)
    uniform(a, b)                  1/(b - a) on [a, b]
    point_mass(x0, width=0.02)     a narrow box of width w around x0 standing in for delta(x - x0)

The divergences use a midpoint rule on a grid that contains every support edge as a node and is fine
(sigma / 50) wherever a density changes, so box-shaped densities are integrated exactly:

    KL(P||Q) = int p log(p / q)                      (+inf when P puts mass where q = 0)
    JS(P, Q) = 1/2 KL(P||M) + 1/2 KL(Q||M),  M = (P + Q)/2,   0 <= JS <= ln 2
    TV(P, Q) = 1/2 int |p - q|                       0 <= TV <= 1
    W1(P, Q) = int |F_P(x) - F_Q(x)| dx              (1D; trapezoid on exact CDFs)

Everything works in log densities, so far-apart Gaussians keep a finite KL (no 0/0, no NaN) and
disjoint supports give exactly JS = ln 2, TV = 1, KL = +inf.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence, Union

import numpy as np
from scipy.special import ndtr

LN2 = math.log(2.0)
_SQRT2PI_LOG = 0.5 * math.log(2.0 * math.pi)
_GAUSS_HALF_WIDTH = 12.0  # N(0,1) mass beyond 12 sigma is ~4e-33: negligible next to float64 eps
_PER_SCALE = 50           # grid nodes per sigma (or per box width) inside a feature


def _arr(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _check_finite(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}.")
    return value


@dataclass(frozen=True)
class Gaussian:
    """N(mu, sigma^2): log p(x) = -(x - mu)^2 / (2 sigma^2) - log(sigma sqrt(2 pi))."""

    mu: float
    sigma: float

    def logpdf(self, x) -> np.ndarray:
        z = (_arr(x) - self.mu) / self.sigma
        return -0.5 * z * z - math.log(self.sigma) - _SQRT2PI_LOG

    def pdf(self, x) -> np.ndarray:
        return np.exp(self.logpdf(x))

    def cdf(self, x) -> np.ndarray:
        return ndtr((_arr(x) - self.mu) / self.sigma)

    def shifted(self, theta: float) -> "Gaussian":
        return Gaussian(self.mu + float(theta), self.sigma)

    def mean(self) -> float:
        return self.mu

    def features(self) -> list[tuple[float, float, float]]:
        """(lo, hi, resolution) intervals where the density varies."""
        h = _GAUSS_HALF_WIDTH * self.sigma
        return [(self.mu - h, self.mu + h, self.sigma / _PER_SCALE)]

    def edges(self) -> list[float]:
        return []

    def view_spans(self) -> list[tuple[float, float]]:
        return [(self.mu - 4 * self.sigma, self.mu + 4 * self.sigma)]

    @property
    def label(self) -> str:
        return f"N({self.mu:g}, {self.sigma:g}²)"


@dataclass(frozen=True)
class Uniform:
    """U[a, b]: p(x) = 1/(b - a) on [a, b], 0 elsewhere (log p = -inf outside)."""

    a: float
    b: float

    def logpdf(self, x) -> np.ndarray:
        x = _arr(x)
        inside = (x >= self.a) & (x <= self.b)
        return np.where(inside, -math.log(self.b - self.a), -np.inf)

    def pdf(self, x) -> np.ndarray:
        x = _arr(x)
        return np.where((x >= self.a) & (x <= self.b), 1.0 / (self.b - self.a), 0.0)

    def cdf(self, x) -> np.ndarray:
        return np.clip((_arr(x) - self.a) / (self.b - self.a), 0.0, 1.0)

    def shifted(self, theta: float) -> "Uniform":
        return Uniform(self.a + float(theta), self.b + float(theta))

    def mean(self) -> float:
        return 0.5 * (self.a + self.b)

    def features(self) -> list[tuple[float, float, float]]:
        return [(self.a, self.b, (self.b - self.a) / _PER_SCALE)]

    def edges(self) -> list[float]:
        return [self.a, self.b]

    def view_spans(self) -> list[tuple[float, float]]:
        return [(self.a, self.b)]

    @property
    def label(self) -> str:
        return f"U[{self.a:g}, {self.b:g}]"


@dataclass(frozen=True)
class PointMass(Uniform):
    """A near point mass at x0: U[x0 - w/2, x0 + w/2]. As w -> 0 it tends to delta(x - x0); KL, JS
    and TV against anything it does not overlap are already exact (inf, ln 2, 1), and W1 differs from
    the true Dirac's by at most w/2."""

    x0: float = 0.0
    width: float = 0.02

    def shifted(self, theta: float) -> "PointMass":
        return point_mass(self.x0 + float(theta), self.width)

    @property
    def label(self) -> str:
        return f"δ({self.x0:g}) (box of width {self.width:g})"


@dataclass(frozen=True)
class Mixture:
    """sum_k w_k p_k with sum_k w_k = 1; log p = logsumexp_k (log w_k + log p_k)."""

    weights: tuple[float, ...]
    components: tuple["Distribution", ...]

    def logpdf(self, x) -> np.ndarray:
        x = _arr(x)
        terms = [math.log(w) + c.logpdf(x) for w, c in zip(self.weights, self.components) if w > 0]
        stacked = np.stack(terms)
        top = np.max(stacked, axis=0)
        safe_top = np.where(np.isfinite(top), top, 0.0)
        with np.errstate(divide="ignore"):
            out = safe_top + np.log(np.sum(np.exp(stacked - safe_top), axis=0))
        return np.where(np.isneginf(top), -np.inf, out)

    def pdf(self, x) -> np.ndarray:
        return sum(w * c.pdf(x) for w, c in zip(self.weights, self.components))

    def cdf(self, x) -> np.ndarray:
        return sum(w * c.cdf(x) for w, c in zip(self.weights, self.components))

    def shifted(self, theta: float) -> "Mixture":
        return Mixture(self.weights, tuple(c.shifted(theta) for c in self.components))

    def mean(self) -> float:
        return float(sum(w * c.mean() for w, c in zip(self.weights, self.components)))

    def features(self) -> list[tuple[float, float, float]]:
        return [f for c in self.components for f in c.features()]

    def edges(self) -> list[float]:
        return [e for c in self.components for e in c.edges()]

    def view_spans(self) -> list[tuple[float, float]]:
        return [s for c in self.components for s in c.view_spans()]

    @property
    def label(self) -> str:
        return " + ".join(f"{w:.2g}·{c.label}" for w, c in zip(self.weights, self.components))


Distribution = Union[Gaussian, Uniform, PointMass, Mixture]


# ----------------------------------------------------------------------------------------------
# Constructors (validate, then build)


def gaussian(mu: float, sigma: float) -> Gaussian:
    """N(mu, sigma^2); sigma > 0."""
    mu = _check_finite("The mean μ", mu)
    sigma = _check_finite("The standard deviation σ", sigma)
    if sigma <= 0:
        raise ValueError(f"The standard deviation σ must be positive, got {sigma:g}.")
    return Gaussian(mu, sigma)


def uniform(a: float, b: float) -> Uniform:
    """U[a, b]; a < b."""
    a = _check_finite("The left end a", a)
    b = _check_finite("The right end b", b)
    if not b > a:
        raise ValueError(f"A uniform distribution needs a < b, got a = {a:g}, b = {b:g}.")
    return Uniform(a, b)


def point_mass(x0: float, width: float = 0.02) -> PointMass:
    """A near point mass at x0: a box of the given (small, positive) width centred on x0."""
    x0 = _check_finite("The location x0", x0)
    width = _check_finite("The width of the point mass", width)
    if width <= 0:
        raise ValueError(f"The width of the near point mass must be positive, got {width:g}.")
    return PointMass(x0 - width / 2, x0 + width / 2, x0, width)


def mixture(weights: Sequence[float], components: Sequence[Distribution]) -> Mixture:
    """sum_k w_k p_k. Weights must be non-negative with a positive sum; they are normalised."""
    weights = [float(w) for w in weights]
    components = list(components)
    if len(weights) == 0:
        raise ValueError("A mixture needs at least one component.")
    if len(weights) != len(components):
        raise ValueError(f"A mixture needs one weight per component: got {len(weights)} weights "
                         f"for {len(components)} components.")
    if any((not math.isfinite(w)) or w < 0 for w in weights):
        raise ValueError("Mixture weights must be finite and non-negative.")
    total = sum(weights)
    if total <= 0:
        raise ValueError("Mixture weights must not all be zero.")
    return Mixture(tuple(w / total for w in weights), tuple(components))


# ----------------------------------------------------------------------------------------------
# Quadrature grid


def grid(*dists: Distribution, base_points: int = 2001) -> np.ndarray:
    """Sorted nodes covering every distribution's support: a uniform base grid, a fine grid
    (scale / 50) on each feature, and every support edge as an exact node."""
    feats = [f for d in dists for f in d.features()]
    lo = min(f[0] for f in feats)
    hi = max(f[1] for f in feats)
    pad = 0.02 * (hi - lo) + 1e-9
    lo, hi = lo - pad, hi + pad
    parts = [np.linspace(lo, hi, base_points)]
    for a, b, h in feats:
        n = int(min(max(math.ceil((b - a) / h), 2), 20000)) + 1
        parts.append(np.linspace(a, b, n))
    parts.append(np.array([e for d in dists for e in d.edges()], dtype=np.float64))
    return np.unique(np.concatenate(parts))


def _cells(*dists: Distribution) -> tuple[np.ndarray, np.ndarray]:
    """Midpoints and widths of the grid cells."""
    nodes = grid(*dists)
    return 0.5 * (nodes[1:] + nodes[:-1]), np.diff(nodes)


def _log_masses(p: Distribution, q: Distribution) -> tuple[np.ndarray, np.ndarray]:
    """Log cell masses log P_i, log Q_i: log(width_i) + log density at the midpoint, normalised so
    each sums to 1 (the midpoint rule's tiny mass error would otherwise leak into JS ~ ln 2 * error).
    -inf marks cells outside a support."""
    x, w = _cells(p, q)
    out = []
    for d in (p, q):
        lm = np.log(w) + d.logpdf(x)
        top = np.max(lm)
        out.append(lm - (top + math.log(np.sum(np.exp(lm - top)))))
    return out[0], out[1]


def _sum_plogratio(lp: np.ndarray, lr: np.ndarray) -> float:
    """sum_i P_i (log P_i - log R_i) over cells with P_i > 0 (0 log 0 = 0)."""
    live = np.isfinite(lp)
    return float(np.sum(np.exp(lp[live]) * (lp[live] - lr[live])))


def kl(p: Distribution, q: Distribution) -> float:
    """KL(P||Q) = int p log(p/q) >= 0; +inf if p > 0 somewhere q = 0."""
    lp, lq = _log_masses(p, q)
    if np.any(np.isfinite(lp) & np.isneginf(lq)):
        return math.inf
    return max(_sum_plogratio(lp, lq), 0.0)


def js(p: Distribution, q: Distribution) -> float:
    """JS(P, Q) = 1/2 KL(P||M) + 1/2 KL(Q||M), M = (P+Q)/2; natural log, so 0 <= JS <= ln 2."""
    lp, lq = _log_masses(p, q)
    lm = np.logaddexp(lp, lq) - LN2
    val = 0.5 * _sum_plogratio(lp, lm) + 0.5 * _sum_plogratio(lq, lm)
    return float(min(max(val, 0.0), LN2))


def tv(p: Distribution, q: Distribution) -> float:
    """TV(P, Q) = 1/2 int |p - q| in [0, 1]."""
    lp, lq = _log_masses(p, q)
    return float(min(0.5 * np.sum(np.abs(np.exp(lp) - np.exp(lq))), 1.0))


def w1(p: Distribution, q: Distribution) -> float:
    """W1(P, Q) = int |F_P - F_Q| dx (the 1D optimal-transport identity), trapezoid on the nodes."""
    nodes = grid(p, q)
    diff = np.abs(p.cdf(nodes) - q.cdf(nodes))
    return float(np.sum(0.5 * (diff[1:] + diff[:-1]) * np.diff(nodes)))


def optimal_discriminator(p: Distribution, q: Distribution, x) -> np.ndarray:
    """D*(x) = p(x) / (p(x) + q(x)) = exp(log p - logaddexp(log p, log q)); NaN where p = q = 0."""
    lp, lq = p.logpdf(x), q.logpdf(x)
    both_zero = np.isneginf(lp) & np.isneginf(lq)
    with np.errstate(invalid="ignore"):
        d = np.exp(lp - np.logaddexp(lp, lq))
    return np.where(both_zero, np.nan, d)


def value_at_optimum(p: Distribution, q: Distribution) -> float:
    """V(G, D*) = E_P[log D*(x)] + E_Q[log(1 - D*(x))], integrated directly with the stable forms
    log D* = log p - log(p + q) and log(1 - D*) = log q - log(p + q). Equals -log 4 + 2 JS(P, Q)."""
    lp, lq = _log_masses(p, q)
    lsum = np.logaddexp(lp, lq)
    live_p, live_q = np.isfinite(lp), np.isfinite(lq)
    e_p = np.sum(np.exp(lp[live_p]) * (lp[live_p] - lsum[live_p]))   # E_P log D*
    e_q = np.sum(np.exp(lq[live_q]) * (lq[live_q] - lsum[live_q]))   # E_Q log(1 - D*)
    return float(e_p + e_q)


def divergences(p: Distribution, q: Distribution) -> dict[str, float]:
    """All five at once: kl_pq, kl_qp, js, tv, w1."""
    return {"kl_pq": kl(p, q), "kl_qp": kl(q, p), "js": js(p, q), "tv": tv(p, q), "w1": w1(p, q)}


CURVE_NAMES = ("kl_pq", "kl_qp", "js", "tv", "w1")


def divergence_curves(p: Distribution, q: Distribution, thetas) -> dict[str, np.ndarray]:
    """Each divergence between P and Q shifted by theta, for every theta (KL may be +inf)."""
    thetas = _arr(thetas)
    out = {k: np.empty_like(thetas) for k in CURVE_NAMES}
    for i, t in enumerate(thetas):
        for k, v in divergences(p, q.shifted(float(t))).items():
            out[k][i] = v
    return out


def derivative(values, thetas) -> np.ndarray:
    """d/dtheta by central differences (one-sided at the ends); NaN where a neighbour is infinite."""
    values, thetas = _arr(values), _arr(thetas)
    finite = np.where(np.isfinite(values), values, np.nan)
    if len(thetas) < 2:
        return np.full_like(values, np.nan)
    with np.errstate(invalid="ignore"):
        return np.gradient(finite, thetas)


def plot_grid(*dists: Distribution, n: int = 1500) -> np.ndarray:
    """x values to draw densities on: n evenly spaced points over the union of the view ranges
    (+/- 4 sigma for Gaussians) plus each support edge +/- a hair, so boxes get vertical sides."""
    spans = [s for d in dists for s in d.view_spans()]
    a0, b0 = min(s[0] for s in spans), max(s[1] for s in spans)
    pad = 0.08 * (b0 - a0) + 0.05
    a0, b0 = a0 - pad, b0 + pad
    eps = 1e-6 * (b0 - a0)
    xs = [np.linspace(a0, b0, n)]
    xs += [np.array([e - eps, e, e + eps]) for d in dists for e in d.edges()]
    return np.unique(np.concatenate(xs))
