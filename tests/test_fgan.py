"""f-GAN losses (playground/losses.py), the one-Gaussian generator (models/gaussian.py), the generated
samples' moments in the history, and the one-Gaussian optima (one_gaussian.py), against hand
computations, closed forms and independent quadratures."""
import csv
import io
import json
import math

import numpy as np
import pytest
import torch
from scipy.special import logsumexp, ndtr, ndtri

from playground.errors import ConfigError
from playground.export import history_csv, run_json
from playground.experiments import divergences as lab
from playground import one_gaussian as og
from playground.metric_specs import METRICS
from playground.losses import FGAN_LOSSES, LOSSES, f_divergence_estimate, implied_js
from playground.models.gaussian import GaussianGenerator, build_gaussian_pair
from playground.trainer import Trainer
from tests.helpers_engine import small_config

NEW = ("kl", "reverse_kl", "pearson", "hellinger", "js", "tv")
R = [2.0, -1.0, 0.3]
F_ = [0.5, -3.0, 1.2]


def mean(xs):
    xs = list(xs)
    return sum(xs) / len(xs)


def sig(t):
    return 1 / (1 + math.exp(-t))


# (T = g_f(v), f*(T)) from the paper's formulas (Nowozin et al. 2016, Table 2), written with math.*;
# js halved (f/2, so the bound is JS, not 2·JS); pearson with the conjugate over u ≥ 0
def _paper_f_star(name, t):
    return {"kl": lambda: math.exp(t - 1), "reverse_kl": lambda: -1 - math.log(-t),
            "pearson": lambda: (t * t / 4 + t) if t >= -2 else -1.0, "hellinger": lambda: t / (1 - t),
            "js": lambda: -0.5 * math.log(2 - math.exp(2 * t)), "tv": lambda: t}[name]()


def _paper_g(name, v):
    return {"kl": v, "reverse_kl": -math.exp(-v), "pearson": v, "hellinger": 1 - math.exp(-v),
            "js": 0.5 * (math.log(2) - math.log(1 + math.exp(-v))), "tv": 0.5 * math.tanh(v)}[name]


# d/dv of g_f(v) and of f*(g_f(v)), by hand
DERIV = {"kl": (lambda v: 1.0, lambda v: math.exp(v - 1)),
         "reverse_kl": (lambda v: math.exp(-v), lambda v: 1.0),
         "pearson": (lambda v: 1.0, lambda v: max(v / 2 + 1, 0.0)),
         "hellinger": (lambda v: math.exp(-v), lambda v: math.exp(v)),
         "js": (lambda v: 0.5 * sig(-v), lambda v: 0.5 * sig(v)),
         "tv": (lambda v: 0.5 / math.cosh(v) ** 2, lambda v: 0.5 / math.cosh(v) ** 2)}


@pytest.mark.parametrize("name", NEW)
def test_fgan_loss_matches_hand_computation_values_and_gradients(name):
    loss = LOSSES[name]
    assert name in FGAN_LOSSES and not loss.log_loss and not loss.wasserstein and not loss.relativistic
    bound = mean(_paper_g(name, v) for v in R) - mean(_paper_f_star(name, _paper_g(name, v)) for v in F_)
    g_hand = -mean(_paper_f_star(name, _paper_g(name, v)) for v in F_)
    r = torch.tensor(R, dtype=torch.float64, requires_grad=True)
    f = torch.tensor(F_, dtype=torch.float64, requires_grad=True)
    d = loss.d_loss(r, f)
    assert float(d.detach()) == pytest.approx(-bound, rel=1e-12, abs=1e-12)
    assert f_divergence_estimate(name, r.detach(), f.detach()) == pytest.approx(bound, rel=1e-12, abs=1e-12)
    d.backward()
    dt, dft = DERIV[name]
    assert r.grad.tolist() == pytest.approx([-dt(v) / 3 for v in R], rel=1e-12, abs=1e-14)
    assert f.grad.tolist() == pytest.approx([dft(v) / 3 for v in F_], rel=1e-12, abs=1e-14)
    f.grad = None
    g = loss.g_loss(r.detach(), f)
    assert float(g.detach()) == pytest.approx(g_hand, rel=1e-12, abs=1e-12)
    g.backward()
    assert f.grad.tolist() == pytest.approx([-dft(v) / 3 for v in F_], rel=1e-12, abs=1e-14)


def test_a_few_hand_values_on_paper():
    r, f = torch.tensor([0.0]), torch.tensor([0.0])
    # at v = 0: KL bound 0 − e^{−1}; reverse KL −1 − (−1) = 0; Hellinger 0 − 0; JS ½(log 2 − log 2) − 0
    assert f_divergence_estimate("kl", r, f) == pytest.approx(-math.exp(-1))
    for name in ("reverse_kl", "hellinger", "js", "tv", "pearson"):
        assert f_divergence_estimate(name, r, f) == pytest.approx(0.0, abs=1e-7)
    # the table's Pearson f*(t) = t²/4 + t differs from ours only below t = −2
    assert float(LOSSES["pearson"].g_loss(None, torch.tensor([-4.0]))) == 1.0
    with pytest.raises(ValueError, match="not an f-GAN loss"):
        f_divergence_estimate("ns", r, f)


def test_divergence_attribute():
    assert LOSSES["ns"].divergence == LOSSES["minimax"].divergence == "Jensen–Shannon (2·JS − log 4 at the optimal critic)"
    assert LOSSES["wgan"].divergence == "Wasserstein-1"
    assert all(LOSSES[n].divergence for n in NEW) and LOSSES["hinge"].divergence == ""
    assert LOSSES["ns"].bound is None and set(FGAN_LOSSES) == set(NEW)


def test_js_bound_is_the_implied_js_of_the_same_logits():
    g = torch.Generator().manual_seed(0)
    r, f = torch.randn(50, generator=g, dtype=torch.float64) * 3, torch.randn(50, generator=g, dtype=torch.float64) * 3
    assert f_divergence_estimate("js", r, f) == pytest.approx(implied_js(r, f), abs=1e-6)


@pytest.mark.parametrize("name", NEW)
@pytest.mark.parametrize("rv,fv", [(80.0, -80.0), (-80.0, 80.0), (80.0, 80.0), (-80.0, -80.0), (1e4, -1e4)])
def test_fgan_losses_finite_at_extreme_logits(name, rv, fv):
    loss = LOSSES[name]
    r = torch.tensor([rv, rv], requires_grad=True)  # float32, as in training
    f = torch.tensor([fv, fv], requires_grad=True)
    for fn in (loss.d_loss, loss.g_loss, loss.bound):
        r.grad = f.grad = None
        out = fn(r, f)
        out.backward()
        assert torch.isfinite(out), (name, fn.__name__, out)
        for grad in (r.grad, f.grad):
            assert grad is None or torch.isfinite(grad).all(), (name, fn.__name__, grad)


# ----- the bound at the optimal critic, and the saddle objective's gradient ---------------------------
def _quantile_sample(n=200_000):
    """Deterministic N(0, 1) 'sample': the quantiles at (i − ½)/n."""
    return torch.as_tensor(ndtri((np.arange(n) + 0.5) / n), dtype=torch.float64)


def _optimal_v(name, log_ratio):
    """The raw critic output v* with g_f(v*) = T* = f′(p/q), from log(p/q)."""
    u = torch.exp(log_ratio)
    return {"kl": 1 + log_ratio, "reverse_kl": log_ratio, "pearson": 2 * (u - 1), "hellinger": 0.5 * log_ratio,
            "js": log_ratio, "tv": 30 * torch.sign(log_ratio)}[name]


def _js_quadrature(mu_p, s_p, mu_q, s_q):
    return lab.js(lab.gaussian(mu_p, s_p), lab.gaussian(mu_q, s_q))


# P = N(0, 1), Q = N(½, 1): log p/q = ⅛ − x/2; KL both ways = Δ²/2, χ² = e^{Δ²} − 1, H² = 2 − 2e^{−Δ²/8},
# TV = 2Φ(Δ/2) − 1 with Δ = ½
TRUTH = {"kl": 0.125, "reverse_kl": 0.125, "pearson": math.exp(0.25) - 1, "hellinger": 2 - 2 * math.exp(-1 / 32),
         "tv": 2 * float(ndtr(0.25)) - 1}


@pytest.mark.parametrize("name", NEW)
def test_bound_at_the_optimal_critic_is_the_divergence(name):
    z = _quantile_sample()
    xp, xq = z, z + 0.5
    r, f = _optimal_v(name, 0.125 - xp / 2), _optimal_v(name, 0.125 - xq / 2)
    truth = TRUTH[name] if name in TRUTH else _js_quadrature(0, 1, 0.5, 1)
    assert f_divergence_estimate(name, r, f) == pytest.approx(truth, rel=1e-3)
    # a worse critic gives a lower bound (the estimate is a lower bound)
    assert f_divergence_estimate(name, 0.7 * r, 0.7 * f) < truth


def test_the_papers_js_f_gives_twice_js():
    """With the paper's f(u) = u log u − (u + 1) log((1 + u)/2), ∫ q f(p/q) = 2·JS: why `js` halves it."""
    p, q = lab.gaussian(0, 1), lab.gaussian(1.5, 0.7)
    x = np.linspace(-12, 14, 200_001)
    u = np.exp(p.logpdf(x) - q.logpdf(x))
    d_f = np.sum(q.pdf(x) * (u * np.log(u) - (u + 1) * np.log((1 + u) / 2))) * (x[1] - x[0])
    assert d_f == pytest.approx(2 * lab.js(p, q), rel=1e-6)


def _d_closed(name, s):
    """D(P‖Q_s) for P = N(0, 1), Q_s = N(0, s²)."""
    return {"kl": math.log(s) + 1 / (2 * s * s) - 0.5, "reverse_kl": -math.log(s) + s * s / 2 - 0.5,
            "pearson": s * s / math.sqrt(2 * s * s - 1) - 1, "hellinger": 2 - 2 * math.sqrt(2 * s / (1 + s * s)),
            "js": _js_quadrature(0, 1, 0, s)}[name]


@pytest.mark.parametrize("name", ["kl", "reverse_kl", "pearson", "hellinger", "js"])
def test_saddle_generator_gradient_at_the_optimal_critic_is_the_divergence_gradient(name):
    """Envelope theorem: with the critic held at T* for Q_{s0}, ∂L_G/∂s at s0 = ∂D_f(P‖Q_s)/∂s."""
    s0, h = 1.6, 1e-3
    z = _quantile_sample()
    s = torch.tensor(s0, dtype=torch.float64, requires_grad=True)
    x = s * z

    def log_ratio(x):  # log p(x) − log q_{s0}(x), the critic's frozen view
        return -0.5 * x * x + 0.5 * (x / s0) ** 2 + math.log(s0)

    LOSSES[name].g_loss(None, _optimal_v(name, log_ratio(x))).backward()
    want = (_d_closed(name, s0 + h) - _d_closed(name, s0 - h)) / (2 * h)
    assert float(s.grad) == pytest.approx(want, rel=2e-3, abs=1e-4)


def test_the_alternative_generator_objective_would_follow_reverse_kl():
    """The paper's §3.2 alternative L_G = −E_Q[g_f(v)] for forward KL has, at T*, the gradient of
    KL(Q‖P): why every f-GAN entry uses the saddle objective."""
    s0 = 1.6
    z = _quantile_sample()
    s = torch.tensor(s0, dtype=torch.float64, requires_grad=True)
    x = s * z
    v = 1 + (-0.5 * x * x + 0.5 * (x / s0) ** 2 + math.log(s0))
    (-v.mean()).backward()
    assert float(s.grad) == pytest.approx(-1 / s0 + s0, rel=1e-3)          # ∂KL(Q‖P)/∂s
    assert abs(float(s.grad) - (1 / s0 - 1 / s0**3)) > 0.5                  # not ∂KL(P‖Q)/∂s


# ----- the one-Gaussian generator -----------------------------------------------------------------
def test_gaussian_generator_1d_is_mu_plus_sigma_z():
    G = GaussianGenerator(1)
    assert sum(p.numel() for p in G.parameters()) == 2
    with torch.no_grad():
        G.mu.fill_(1.5)
        G.rho.fill_(math.log(math.expm1(0.7)))  # softplus⁻¹(0.7)
    z = torch.randn(20_000, 3, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        x = G(z)
    assert x.shape == (20_000, 1)
    assert torch.allclose(x[:, 0], 1.5 + 0.7 * z[:, 0], atol=1e-6)
    assert float(G.std.detach()) == pytest.approx(0.7, rel=1e-6)
    assert float(x.mean()) == pytest.approx(1.5, abs=0.02) and float(x.std()) == pytest.approx(0.7, rel=0.02)
    G0 = GaussianGenerator(1, mu0=2.0, sigma0=0.5)
    assert float(G0.mu.detach()) == 2.0 and float(G0.std.detach()) == pytest.approx(0.5, rel=1e-6)
    assert float(GaussianGenerator(1).std.detach()) == pytest.approx(1.0, rel=1e-7)  # the default start: N(0, 1)


def test_gaussian_generator_2d_full_covariance_and_uniform_noise():
    G = GaussianGenerator(2, noise="uniform")
    assert sum(p.numel() for p in G.parameters()) == 5
    with torch.no_grad():
        G.mu.copy_(torch.tensor([1.0, -2.0]))
        G.rho.copy_(torch.tensor([0.3, -0.5]))
        G.off.fill_(0.8)
    L = G.scale_tril()
    assert L[0, 1] == 0 and (torch.diagonal(L) > 0).all()
    u = torch.rand(100_000, 2, generator=torch.Generator().manual_seed(1)) * 2 - 1
    x = G(u).double()
    cov = torch.cov(x.T)
    assert torch.allclose(x.mean(0), torch.tensor([1.0, -2.0], dtype=torch.float64), atol=0.02)
    assert torch.allclose(cov, G.covariance().detach().double(), atol=0.03)
    assert torch.allclose(G.std.double(), torch.sqrt(torch.diagonal(cov)), rtol=0.02)
    # uniform noise is mapped to N(0, 1) first: the standardised output has Gaussian tails, not a box
    w = torch.linalg.solve_triangular(G.scale_tril().detach().double(), (x - G.mu.detach().double()).T, upper=False)
    assert float((w.abs() > 2).double().mean()) == pytest.approx(2 * float(ndtr(-2)), abs=0.005)


def test_gaussian_arch_needs_enough_noise_dimensions():
    with pytest.raises(ConfigError, match="noise dimensions") as e:
        Trainer(small_config("ring8", arch="gaussian", noise_dim=1))
    assert e.value.field == "noise_dim"
    G, D = build_gaussian_pair(small_config("gauss1d", arch="gaussian", noise_dim=1),
                               Trainer(small_config("gauss1d", arch="gaussian")).dataset)
    assert isinstance(G, GaussianGenerator) and D(torch.zeros(4, 1)).shape == (4, 1)


# ----- gen_mean / gen_std in the history, JSON and CSV --------------------------------------------
@pytest.mark.parametrize("dataset,arch,loss", [("two_modes1d", "gaussian", "kl"), ("ring8", "gaussian", "reverse_kl"),
                                               ("ring8", "mlp", "ns")])
def test_moments_reach_history_json_and_csv(dataset, arch, loss):
    t = Trainer(small_config(dataset, loss=loss, arch=arch), log_every=5)
    t.run(10)
    m = t.evaluate()
    fake = t.fakes().double()
    rec = t.history[-1]
    if dataset == "two_modes1d":
        assert isinstance(rec["gen_mean"], float) and isinstance(rec["gen_std"], float)
        assert rec["gen_mean"] == pytest.approx(float(fake.mean()), abs=1e-9)
        assert rec["gen_std"] == pytest.approx(float(fake.std(unbiased=False)), abs=1e-9)
    else:
        assert len(rec["gen_mean"]) == len(rec["gen_std"]) == 2
        assert rec["gen_std"] == pytest.approx(fake.std(0, unbiased=False).tolist(), abs=1e-9)
    if arch == "gaussian":  # the samples' moments are the parameters' (2,000 samples: within 4 s.e.)
        G = t.G_eval
        assert np.ravel(rec["gen_mean"]) == pytest.approx(G.mean.detach().numpy(), abs=4 * float(G.std.max()) / 44)
        assert np.ravel(rec["gen_std"]) == pytest.approx(G.std.detach().numpy(), rel=0.1)
    assert ("f_divergence_estimate" in m) == (loss in FGAN_LOSSES)
    assert {k for r in t.history for k in r} <= set(METRICS)  # every history key is described
    hist = json.loads(run_json(t.config.to_dict(), t.history))["history"]
    assert hist[-1]["gen_mean"] == rec["gen_mean"]
    rows = list(csv.DictReader(io.StringIO("\n".join(ln for ln in history_csv(t.history).splitlines()
                                                      if not ln.startswith("#")))))
    cols = ["gen_mean", "gen_std"] if dataset == "two_modes1d" else ["gen_mean_0", "gen_mean_1", "gen_std_0", "gen_std_1"]
    assert all(rows[-1][c] != "" for c in cols)


def test_gaussian_generator_trains_under_every_fgan_loss():
    for loss in NEW:
        t = Trainer(small_config("two_modes1d", loss=loss, arch="gaussian", batch_size=32), log_every=5)
        t.run(5)
        assert t.diverged is None and np.isfinite(t.evaluate()["f_divergence_estimate"]), loss


# ----- the data and the one-Gaussian optima ---------------------------------------------------------
def test_two_modes1d_is_the_lessons_mixture():
    ds = Trainer(small_config("two_modes1d")).dataset
    assert ds.weights.tolist() == list(og.P_WEIGHTS) and ds.means[:, 0].tolist() == list(og.P_MEANS)
    assert ds.sigmas.tolist() == [og.P_SIGMA] * 2 and ds.modes.sigma.tolist() == [0.5, 0.5]
    x = ds.sample(100_000, torch.Generator().manual_seed(3)).double().numpy().ravel()
    assert x.mean() == pytest.approx(0.0, abs=0.03) and x.var() == pytest.approx(9.25, rel=0.01)
    assert (x > 0).mean() == pytest.approx(0.5, abs=0.01) and (np.abs(x) - 3).std() == pytest.approx(0.5, rel=0.02)
    xs = np.linspace(-8, 8, 9)
    assert ds.log_prob(xs[:, None]) == pytest.approx(og.log_p(xs), abs=1e-12)


def test_forward_kl_optimum_is_moment_matching():
    fit = og.optimum("kl")
    assert fit.mu == pytest.approx(0.0, abs=1e-4) and fit.sigma ** 2 == pytest.approx(og.P_VAR, rel=1e-5)
    assert og.P_VAR == 9.25 and not fit.mirrored


def test_divergences_match_the_labs_quadrature_and_are_symmetric():
    P = lab.mixture([0.5, 0.5], [lab.gaussian(-3, 0.5), lab.gaussian(3, 0.5)])
    for mu, s in [(0.0, 3.0), (1.0, 1.0), (3.0, 0.5), (-1.0, 5.0)]:
        Q = lab.gaussian(mu, s)
        assert og.divergence("kl", mu, s) == pytest.approx(lab.kl(P, Q), rel=1e-5)
        assert og.divergence("reverse_kl", mu, s) == pytest.approx(lab.kl(Q, P), rel=1e-5)
        assert og.divergence("js", mu, s) == pytest.approx(lab.js(P, Q), rel=1e-5)
        assert og.divergence("w1", mu, s) == pytest.approx(lab.w1(P, Q), abs=1e-4)
        for name in og.DIVERGENCES:
            assert og.divergence(name, -mu, s) == pytest.approx(og.divergence(name, mu, s), rel=1e-9, abs=1e-12)
    assert og.divergence("pearson", 0.0, 0.3) == math.inf  # q's tails thinner than p²'s


def _brute_force(name, mus, sigmas):
    """D on a (μ, σ) grid by an independent vectorised quadrature (trapezoid on another grid; W1 by
    ∫|F_P − F_Q| dx), for the grid search."""
    x = np.linspace(-30, 30, 6001)
    lp = logsumexp(np.stack([np.log(0.5) - 0.5 * ((x - m) / 0.5) ** 2 - np.log(0.5 * math.sqrt(2 * math.pi))
                             for m in (-3, 3)]), axis=0)
    s = sigmas[:, None]
    out = np.empty((len(mus), len(sigmas)))
    for i, mu in enumerate(mus):
        lq = -0.5 * ((x - mu) / s) ** 2 - np.log(s * math.sqrt(2 * math.pi))
        with np.errstate(over="ignore"):
            integrand = {
                "kl": lambda: np.exp(lp) * (lp - lq),
                "reverse_kl": lambda: np.exp(lq) * (lq - lp),
                "js": lambda: 0.5 * np.exp(lp) * (lp - np.logaddexp(lp, lq) + math.log(2))
                + 0.5 * np.exp(lq) * (lq - np.logaddexp(lp, lq) + math.log(2)),
                "hellinger": lambda: (np.exp(lp / 2) - np.exp(lq / 2)) ** 2,
                "pearson": lambda: np.exp(2 * lp - lq) - np.exp(lp),
                "w1": lambda: np.abs(og.cdf_p(x) - ndtr((x - mu) / s)),
            }[name]()
        out[i] = np.trapezoid(integrand, x, axis=1)
    return out


@pytest.mark.parametrize("name", og.DIVERGENCES)
def test_optimum_beats_a_brute_force_grid_search(name):
    fit = og.optimum(name)
    mus = np.linspace(0, 4, 41)
    sigmas = np.exp(np.linspace(math.log(0.4), math.log(4.0), 47))  # 5 % steps
    d = _brute_force(name, mus, sigmas)
    i, j = np.unravel_index(np.nanargmin(d), d.shape)
    assert fit.mu == pytest.approx(mus[i], abs=0.1 + 1e-9) and fit.sigma == pytest.approx(sigmas[j], rel=0.06)
    assert fit.value <= d[i, j] + 1e-6  # no grid point does better
    assert og.divergence(name, fit.mu, fit.sigma) == pytest.approx(fit.value)


def test_the_optima_cover_or_seek():
    fits = og.optima()
    assert list(fits) == list(og.DIVERGENCES)
    for name in ("reverse_kl", "js", "hellinger"):  # mode seeking: one mode, exactly (the other is e^-72 away)
        assert fits[name].mu == pytest.approx(3.0, abs=1e-3) and fits[name].sigma == pytest.approx(0.5, rel=1e-3)
        assert fits[name].mirrored
    assert fits["reverse_kl"].value == pytest.approx(math.log(2), abs=1e-6)     # KL(Q‖P) = log 2 on one mode
    assert fits["hellinger"].value == pytest.approx(2 - math.sqrt(2), abs=1e-6)  # 2 − 2·√½
    for name in ("kl", "pearson", "w1"):  # covering: centred between the modes, wide
        assert fits[name].mu == pytest.approx(0.0, abs=1e-3) and 2.5 < fits[name].sigma < 3.5
    assert og.optimum("kl") is og.optimum("kl")  # cached
    # the centred wide fit: a trap (a local minimum) for the mode seekers, the optimum for the others
    for name in og.DIVERGENCES:
        fit, local = og.centred_optimum(name)
        assert local and fit.value >= fits[name].value - 1e-9
        assert (fit.value > fits[name].value + 0.05) == (name in ("reverse_kl", "js", "hellinger"))
    with pytest.raises(KeyError):
        og.optimum("tv")
