"""How far the generated samples are from the data. Natural logs throughout (nats; JS ≤ ln 2).

Estimators (shown on the charts):
- 1D: W1 = ∫|F_p − F_q̂| dx with the analytic data CDF and the empirical CDF of the fakes (exact
  for the sample); KL / reverse KL / JS between the analytic density p and a Gaussian KDE q̂ of the
  fakes (bandwidth min(Scott, σ_min·n^(−1/5)), see kde_1d) on a 2000-point grid.
- 2D: W1 by an exact optimal assignment between n = 512 real and 512 fake points (noise floor
  ≈ 0.2 on ring8: compare with two real samples); JS from 2D histograms, KL with an additive
  smoothing of 1e-4 per bin (an empty bin would make KL infinite).
- Modes (VEEGAN / PacGAN protocol): a sample is high quality when within 3σ of its nearest mode; a
  mode is covered when at least one high-quality sample falls to it. Per mode, its share of all
  samples (by nearest mode, whatever the distance) and the median distance to the nearest mode show
  which modes a collapsed generator sits on, and how close (Metz et al. 2017, Fig. 1).
- Moments (sample_moments): the generated samples' mean and per-axis standard deviation, the two
  numbers a one-Gaussian generator (models/gaussian.py) is judged by.
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist
from scipy.stats import gaussian_kde, wasserstein_distance

LN2 = float(np.log(2.0))


def w1_1d(a, b) -> float:
    """Exact 1D Wasserstein-1 between two samples (area between the empirical CDFs)."""
    return float(wasserstein_distance(np.ravel(a), np.ravel(b)))


def w1_2d(a, b, n: int = 512, seed: int = 0) -> float:
    """W1 between two point clouds: exact optimal matching of n points from each (Euclidean cost).
    Subsampling adds a positive bias (≈ 0.2 for n = 512 on ring8); use the same n to compare runs."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    rng = np.random.default_rng(seed)
    m = min(n, len(a), len(b))
    a = a[rng.choice(len(a), m, replace=False)] if len(a) > m else a
    b = b[rng.choice(len(b), m, replace=False)] if len(b) > m else b
    return matching_cost(cdist(a, b))


def matching_cost(cost: np.ndarray) -> float:
    """Mean cost of the optimal one-to-one matching of two equal-size point sets (cost: m × m), which is
    the exact W1 of their empirical distributions: with uniform weights 1/m an optimal transport plan
    is a permutation (Birkhoff). Solved as the transport problem by POT's network simplex (at m = 512
    about 4× faster than the assignment solver, the same value); by scipy's linear_sum_assignment when
    the simplex reports that it stopped short of the optimum."""
    from ot.lp import emd2  # here: its import takes ~0.7 s, which a page that never computes W1 skips

    m = len(cost)
    w = np.full(m, 1.0 / m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a stop short of the optimum shows in log["warning"]
        value, log = emd2(w, w, cost, log=True, numItermax=MAX_SIMPLEX_ITERATIONS)
    if log.get("warning") is None:
        return float(value)
    i, j = linear_sum_assignment(cost)
    return float(cost[i, j].mean())


MAX_SIMPLEX_ITERATIONS = 10_000_000


def kl(p, q) -> float:
    """KL(p‖q) = Σ p log(p/q) for probability vectors (0 log 0 = 0; inf if q = 0 where p > 0)."""
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    p, q = p / p.sum(), q / q.sum()
    mask = p > 0
    if np.any(q[mask] == 0):
        return float("inf")
    return float(np.sum(p[mask] * np.log(p[mask] / q[mask])))


def js(p, q) -> float:
    """JS(p, q) = ½KL(p‖m) + ½KL(q‖m), m = ½(p + q); in [0, ln 2]."""
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    p, q = p / p.sum(), q / q.sum()
    m = 0.5 * (p + q)
    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


def kde_1d(fake, dataset) -> gaussian_kde:
    """Gaussian KDE of the fakes with bandwidth h = min(Scott's h, σ_min · n^(−1/5)), σ_min the
    narrowest data component: Scott's rule alone takes the spread of all modes together and blurs
    separated modes (a perfect generator on two modes read KL ≈ 0.2 nats with it)."""
    fake = np.asarray(fake, np.float64).ravel()
    kde = gaussian_kde(fake)
    sigma_min = float(np.min(dataset.modes.sigma)) if getattr(dataset, "modes", None) is not None else np.inf
    h = min(kde.factor * fake.std(ddof=1), sigma_min * len(fake) ** (-0.2))
    kde.set_bandwidth(h / fake.std(ddof=1))
    return kde


def divergences_1d(dataset, fake, grid_size: int = 2000) -> dict[str, float]:
    """KL(p‖q̂), KL(q̂‖p), JS on a grid (p analytic, q̂ a KDE of the fakes) and W1 from the CDFs."""
    fake = np.asarray(fake, np.float64).ravel()
    lo, hi = dataset.bounds[0]
    lo, hi = min(lo, fake.min()), max(hi, fake.max())
    pad = 0.05 * (hi - lo)
    x = np.linspace(lo - pad, hi + pad, grid_size)
    dx = x[1] - x[0]
    p = np.exp(dataset.log_prob(x[:, None])) * dx
    if np.ptp(fake) > 0:
        q = kde_1d(fake, dataset)(x) * dx
    else:  # all fakes equal: a point mass, put it in its grid cell
        q = np.zeros_like(x)
        q[np.clip(np.searchsorted(x, fake[0]), 0, grid_size - 1)] = 1.0
    q = np.maximum(q, 1e-300)
    f_emp = np.searchsorted(np.sort(fake), x, side="right") / len(fake)
    w1 = float(np.sum(np.abs(dataset.cdf(x) - f_emp)) * dx)
    return {"kl": kl(p, q), "reverse_kl": kl(q, p), "js": js(p, q), "w1": w1}


def divergences_2d(real, fake, bins: int = 50, bounds=None, smoothing: float = 1e-4) -> dict[str, float]:
    """JS, KL(real‖fake) and KL(fake‖real) between 2D histograms on a bins×bins grid over `bounds`
    (default: the real data's range, padded). Points outside the grid fall into the edge cells."""
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if bounds is None:
        lo, hi = real.min(0), real.max(0)
        pad = 0.1 * (hi - lo) + 1e-6
        bounds = np.stack([lo - pad, hi + pad], 1)
    bounds = np.asarray(bounds, np.float64)
    edges = [np.linspace(bounds[k, 0], bounds[k, 1], bins + 1) for k in range(2)]

    def hist(pts):
        clipped = np.clip(pts, bounds[:, 0], bounds[:, 1])
        return np.histogram2d(clipped[:, 0], clipped[:, 1], bins=edges)[0].ravel()

    hr, hf = hist(real), hist(fake)
    pr, pf = hr / hr.sum(), hf / hf.sum()
    sr, sf = pr + smoothing, pf + smoothing
    out = {"js": js(pr, pf), "kl": kl(sr, sf), "reverse_kl": kl(sf, sr)}
    out["w1"] = w1_2d(real, fake)
    return out


def sample_moments(samples) -> dict[str, float | list[float]]:
    """gen_mean, gen_std of samples (n, d): numbers in 1D, lists of d numbers (mean vector, per-axis std,
    ddof = 0) in 2D, computed in float64."""
    x = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    mean, std = x.mean(0), x.std(0)
    if x.shape[1] == 1:
        return {"gen_mean": float(mean[0]), "gen_std": float(std[0])}
    return {"gen_mean": mean.tolist(), "gen_std": std.tolist()}


def mode_coverage(samples, centers, sigma) -> dict[str, float | list[float]]:
    """VEEGAN / PacGAN protocol. high_quality_fraction: share of samples within 3σ of their nearest
    mode; modes_covered: modes with ≥ 1 high-quality sample; reverse_kl: KL(q̂‖uniform) of the
    high-quality samples' mode histogram (0 when balanced, ln K when all in one mode, inf when none).

    mode_shares: per mode k, n_k / n with n_k the samples whose nearest mode is k, all samples counted
    (high quality or not), so the K shares sum to 1; median_mode_distance: the median over samples of
    minₖ ‖x − μₖ‖, in data units. A collapsed generator (Metz et al. 2017) puts almost all of its share
    on one or two modes at a small median distance; a blob between the modes has a large one.
    covered_modes: the indices of the covered modes (the trainer keeps their union as modes_visited)."""
    samples = np.asarray(samples, np.float64).reshape(len(samples), -1)
    centers = np.asarray(centers, np.float64).reshape(len(centers), -1)
    sigma = np.broadcast_to(np.asarray(sigma, np.float64), (len(centers),))
    d = cdist(samples, centers)
    nearest = d.argmin(1)
    dist = d[np.arange(len(samples)), nearest]
    hq = dist <= 3 * sigma[nearest]
    k = len(centers)
    counts = np.bincount(nearest[hq], minlength=k)
    rkl = kl(counts, np.full(k, 1.0 / k)) if counts.sum() > 0 else float("inf")
    shares = np.bincount(nearest, minlength=k) / max(len(samples), 1)
    return {"modes_covered": int((counts > 0).sum()), "n_modes": k,
            "high_quality_fraction": float(hq.mean()), "reverse_kl": rkl,
            "mode_shares": shares.tolist(), "covered_modes": tuple(int(i) for i in np.flatnonzero(counts)),
            "median_mode_distance": float(np.median(dist)) if len(dist) else float("nan")}
