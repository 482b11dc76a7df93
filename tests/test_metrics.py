"""Metrics (playground/metrics.py) against closed forms: W1, JS, KL, mode coverage."""
import math

import numpy as np
import pytest
import torch
from scipy.spatial.distance import jensenshannon
from scipy.stats import norm

from playground import metrics as M
from playground.config import RunConfig
from playground.datasets import make_dataset

LN2 = math.log(2)


def gauss_kl(m1, s1, m2, s2):
    """KL(N(m1, s1²) ‖ N(m2, s2²)), closed form."""
    return math.log(s2 / s1) + (s1 ** 2 + (m1 - m2) ** 2) / (2 * s2 ** 2) - 0.5


def _dataset(name, **kw):
    return make_dataset(RunConfig(dataset=name, **kw))


def _samples(name, n, seed=0):
    return _dataset(name).sample(n, torch.Generator().manual_seed(seed)).numpy()


# ----- W1 ---------------------------------------------------------------------------------------
def test_w1_1d_of_shifted_gaussians():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 20000), rng.normal(3, 1, 20000)
    assert M.w1_1d(a, b) == pytest.approx(3.0, abs=0.05)
    assert M.w1_1d(a, rng.normal(0, 1, 20000)) < 0.05


def test_w1_2d_is_exact_for_a_translated_cloud():
    # no subsampling (n < 512): for a pure translation the identity matching is optimal, W1 = ‖s‖
    rng = np.random.default_rng(1)
    a = rng.normal(0, 1, (300, 2))
    assert M.w1_2d(a, a + [3.0, 4.0]) == pytest.approx(5.0, abs=1e-9)


@pytest.mark.parametrize("case", ["spread", "collapsed", "duplicates"])
def test_matching_cost_is_the_optimal_assignment(case, monkeypatch):
    """The network simplex gives the assignment solver's optimum, on spread clouds and on the
    degenerate ones a collapsed generator makes; so does its fallback when the simplex stops short."""
    from scipy.optimize import linear_sum_assignment
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(3)
    a = rng.normal(size=(300, 2))
    b = {"spread": rng.normal(size=(300, 2)) * 0.5 + 1.0, "collapsed": np.zeros((300, 2)) + 2.0,
         "duplicates": np.repeat(rng.normal(size=(6, 2)), 50, axis=0)}[case]
    cost = cdist(a, b)
    i, j = linear_sum_assignment(cost)
    best = cost[i, j].mean()
    assert M.matching_cost(cost) == pytest.approx(best, rel=1e-12)
    calls = []
    monkeypatch.setattr(M, "linear_sum_assignment", lambda c: calls.append(1) or linear_sum_assignment(c))
    assert M.matching_cost(cost) == pytest.approx(best, rel=1e-12) and not calls
    monkeypatch.setattr(M, "MAX_SIMPLEX_ITERATIONS", 1)  # the simplex stops at once: the fallback answers
    assert M.matching_cost(cost) == pytest.approx(best, rel=1e-12) and calls == [1]
    assert M.matching_cost(cost) <= cost.trace() / len(cost)  # at most the identity matching


def test_w1_2d_of_independent_shifted_clouds_within_the_noise_floor():
    rng = np.random.default_rng(2)
    a, a2, b = (rng.normal(0, 1, (2000, 2)) for _ in range(3))
    floor = M.w1_2d(a, a2)                    # two samples of the same law: subsampling bias
    assert 0.05 < floor < 0.4
    w = M.w1_2d(a, b + [3.0, 4.0])
    assert 5.0 - 0.1 <= w <= 5.0 + floor + 0.1


# ----- JS / KL on probability vectors -----------------------------------------------------------
def test_js_of_disjoint_supports_is_ln2():
    assert M.js([1, 1, 0, 0], [0, 0, 2, 3]) == pytest.approx(LN2, abs=1e-12)
    assert M.js([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == pytest.approx(0.0, abs=1e-12)


def test_js_is_the_square_of_scipys_jensenshannon():
    p, q = np.array([0.1, 0.4, 0.5]), np.array([0.3, 0.3, 0.4])
    ours = M.js(p, q)
    d = jensenshannon(p, q)          # natural log by default; a distance, i.e. √JS
    assert ours == pytest.approx(d ** 2, rel=1e-10)
    assert abs(ours - d) > 0.1      # it really is the square, not the distance
    assert M.js([1, 0], [0, 1]) == pytest.approx(jensenshannon([1, 0], [0, 1]) ** 2)


def test_kl_on_discretised_gaussians_matches_closed_form():
    x = np.linspace(-15, 15, 20001)
    p = norm.pdf(x, 0.0, 1.0)
    q = norm.pdf(x, 1.0, 1.5)
    assert M.kl(p, q) == pytest.approx(gauss_kl(0, 1, 1, 1.5), abs=1e-4)
    assert M.kl(q, p) == pytest.approx(gauss_kl(1, 1.5, 0, 1), abs=1e-4)
    assert M.kl(p, p) == pytest.approx(0.0, abs=1e-12)


def test_kl_conventions():
    assert M.kl([0.5, 0.5, 0.0], [0.25, 0.25, 0.5]) == pytest.approx(math.log(2))  # 0 log 0 = 0
    assert M.kl([0.5, 0.5], [1.0, 0.0]) == float("inf")


# ----- 2D histograms ----------------------------------------------------------------------------
def test_divergences_2d_of_far_apart_clouds():
    rng = np.random.default_rng(3)
    a = rng.normal(0, 0.5, (3000, 2))
    b = rng.normal(10, 0.5, (3000, 2))
    out = M.divergences_2d(a, b, bounds=[[-5, 15], [-5, 15]])
    assert out["js"] == pytest.approx(LN2, abs=1e-9)
    assert out["kl"] > 3 and out["reverse_kl"] > 3  # large but finite thanks to the smoothing
    assert math.isfinite(out["kl"]) and math.isfinite(out["reverse_kl"])
    # default bounds (the real data's range): the fakes pile up in an edge cell, still disjoint
    assert M.divergences_2d(a, b)["js"] == pytest.approx(LN2, abs=1e-9)
    # same law: small
    same = M.divergences_2d(a, rng.normal(0, 0.5, (3000, 2)), bounds=[[-5, 15], [-5, 15]])
    assert same["js"] < 0.05


# ----- 1D: analytic density vs KDE of the fakes -------------------------------------------------
def test_divergences_1d_kl_of_two_gaussians():
    ds = _dataset("gauss1d")                    # p = N(0, 1)
    fake = np.random.default_rng(4).normal(1.0, 1.5, 20000)   # q = N(1, 1.5²)
    out = M.divergences_1d(ds, fake)
    # KDE (Scott's bandwidth) inflates q's variance slightly: allow a few hundredths
    assert out["kl"] == pytest.approx(gauss_kl(0, 1, 1, 1.5), abs=0.04)
    assert out["reverse_kl"] == pytest.approx(gauss_kl(1, 1.5, 0, 1), abs=0.05)
    # W1 = ∫|Φ(x) − Φ((x − 1)/1.5)| dx by quadrature
    x = np.linspace(-20, 20, 200001)
    w1_true = np.trapezoid(np.abs(norm.cdf(x) - norm.cdf(x, 1.0, 1.5)), x)
    assert out["w1"] == pytest.approx(w1_true, abs=0.03)
    assert 0 < out["js"] < LN2


@pytest.mark.parametrize("name", ["gauss1d", "point_mass1d"])
def test_divergences_1d_of_the_data_itself_is_small(name):
    ds = _dataset(name)
    fake = _samples(name, 2000, seed=1).ravel()   # the trainer evaluates 2000 fakes
    out = M.divergences_1d(ds, fake)
    assert out["kl"] < 0.01 and out["reverse_kl"] < 0.01 and out["js"] < 0.005
    assert out["w1"] < 0.05 * float(ds.sigmas.max()) + 0.01


def test_divergences_1d_separates_good_from_bad_on_a_two_mode_mixture():
    ds = _dataset("two_modes1d")
    fake = _samples("two_modes1d", 2000, seed=1).ravel()
    good = M.divergences_1d(ds, fake)
    bad = M.divergences_1d(ds, fake[fake > 0])   # all fakes in one mode
    assert good["w1"] < 0.1 and bad["w1"] > 2.5
    # JS between ½δ_A + ½δ_B and δ_A (m = ¾δ_A + ¼δ_B): ½(½ln(2/3) + ½ln 2) + ½ln(4/3)
    js_one_mode = 0.5 * (0.5 * math.log(2 / 3) + 0.5 * math.log(2)) + 0.5 * math.log(4 / 3)
    assert bad["js"] == pytest.approx(js_one_mode, abs=0.03)
    assert good["js"] < js_one_mode / 3
    assert good["kl"] < bad["kl"] / 2


@pytest.mark.parametrize("name", ["two_modes1d", "three_modes1d"])
def test_divergences_1d_of_the_data_itself_is_small_on_a_multimodal_mixture(name):
    """With Scott's bandwidth alone (from the spread of all modes) a perfect generator on two_modes1d
    read KL ≈ 0.20, reverse KL ≈ 0.39, JS ≈ 0.057 nats; kde_1d caps the bandwidth by the data's σ."""
    ds = _dataset(name)
    out = M.divergences_1d(ds, _samples(name, 2000, seed=1).ravel())
    assert out["kl"] < 0.05 and out["reverse_kl"] < 0.05 and out["js"] < 0.01


def test_divergences_1d_survives_a_point_mass():
    ds = _dataset("gauss1d")
    out = M.divergences_1d(ds, np.full(500, 0.25))
    assert all(math.isfinite(out[k]) for k in ("reverse_kl", "js", "w1"))
    assert out["js"] > 0.5
    # W1 from N(0,1) to δ(0.25) = E|X − 0.25|
    e_abs = 2 * norm.pdf(0.25) + 0.25 * (2 * norm.cdf(0.25) - 1)
    assert out["w1"] == pytest.approx(e_abs, abs=0.01)


# ----- mode coverage ----------------------------------------------------------------------------
@pytest.mark.parametrize("name,k", [("ring8", 8), ("grid25", 25)])
def test_mode_coverage_of_perfect_samples(name, k):
    ds = _dataset(name)
    s = _samples(name, 10000)
    out = M.mode_coverage(s, ds.modes.centers, ds.modes.sigma)
    assert out["n_modes"] == k
    assert out["modes_covered"] == k
    # within 3σ of a 2D isotropic Gaussian: P(χ²₂ ≤ 9) = 1 − e^{−4.5} ≈ 0.989
    assert out["high_quality_fraction"] == pytest.approx(1 - math.exp(-4.5), abs=0.01)
    assert out["reverse_kl"] == pytest.approx(0.0, abs=0.01)


@pytest.mark.parametrize("name,k", [("ring8", 8), ("grid25", 25)])
def test_mode_coverage_of_a_collapsed_generator(name, k):
    ds = _dataset(name)
    c, sigma = ds.modes.centers, ds.modes.sigma
    rng = np.random.default_rng(5)
    s = c[3] + sigma[3] * rng.normal(size=(2000, 2))
    out = M.mode_coverage(s, c, sigma)
    assert out["modes_covered"] == 1
    assert out["reverse_kl"] == pytest.approx(math.log(k), abs=1e-9)
    assert out["high_quality_fraction"] > 0.95


def test_mode_coverage_counts_only_high_quality_samples():
    ds = _dataset("ring8")
    c, sigma = ds.modes.centers, ds.modes.sigma
    # one sample exactly on each mode plus many junk points at the origin (2 away from every mode)
    s = np.concatenate([c, np.zeros((992, 2))])
    out = M.mode_coverage(s, c, sigma)
    assert out["modes_covered"] == 8
    assert out["high_quality_fraction"] == pytest.approx(8 / 1000)
    assert M.mode_coverage(np.zeros((10, 2)), c, sigma)["reverse_kl"] == float("inf")


def test_ring8_has_eight_distinct_angles():
    c = _dataset("ring8").modes.centers
    angles = np.sort(np.mod(np.arctan2(c[:, 1], c[:, 0]), 2 * np.pi))
    assert len(np.unique(np.round(angles, 6))) == 8
    assert np.allclose(np.diff(angles), 2 * np.pi / 8)


def test_gaussian_mixture_metrics_keys():
    ds = _dataset("ring8")
    s = _samples("ring8", 600)
    m = ds.metrics(s, _samples("ring8", 600, seed=1))
    assert {"js", "kl", "reverse_kl", "w1", "modes_covered", "high_quality_fraction", "mode_reverse_kl"} <= set(m)
    assert m["modes_covered"] == 8 and m["w1"] < 0.3


# ----- the registry of logged metrics (playground/metric_specs.py) ------------------------------
def _history_keys(dataset, **kw):
    from playground.trainer import Trainer
    from tests.helpers_engine import small_config
    t = Trainer(small_config(dataset, **kw), log_every=2)
    t.run(4)
    t.evaluate()
    return {k for rec in t.history for k in rec}


@pytest.mark.parametrize("dataset,loss", [("ring8", "ns"), ("gauss1d", "wgan"), ("spiral", "ns")])
def test_every_history_key_has_a_registry_entry(dataset, loss):
    from playground.metric_specs import GROUPS, METRICS
    from playground.trainer import STAT_KEYS
    keys = _history_keys(dataset, loss=loss)
    assert set(STAT_KEYS) <= keys and "w1" in keys
    assert keys <= set(METRICS), keys - set(METRICS)
    for m in METRICS.values():
        assert m.group in GROUPS and m.better in ("", "lower", "higher") and m.doc


def test_every_mnist_metric_has_a_registry_entry():
    from playground.metric_specs import METRICS
    ds = _dataset("mnist")
    fake = np.random.default_rng(0).uniform(-1, 1, (64, 1, 28, 28)).astype(np.float32)
    keys = set(ds.metrics(fake, fake)) - {"covered_modes"}  # not logged: the trainer keeps it as modes_visited
    assert {"fid", "modes_covered", "n_modes", "class_kl", "off_subset_fraction", "mean_confidence",
            "mode_shares"} <= keys
    assert keys <= set(METRICS), keys - set(METRICS)


def test_registry_labels_estimators_and_floors():
    from playground.metric_specs import METRICS, spec
    assert spec("w1", "2d").name == "W1 (optimal matching, n=512; floor ≈ 0.2)"
    assert spec("w1", "2d").floor == 0.2 and spec("w1", "1d").floor is None
    assert spec("w1", "1d").name == "W1 (exact, 1D CDFs)" and spec("w1").name == "W1"
    assert spec("kl", "1d").name == "KL(p‖q), KDE on grid" and spec("reverse_kl", "2D").name.startswith("KL(q‖p), 2D")
    assert spec("js", "unknown kind").name == "JS"
    assert spec("modes_covered", "image").label == "classes covered" and METRICS["modes_covered"].label == "modes covered"
    assert {k for k, m in METRICS.items() if m.log} == {"kl", "reverse_kl", "g_grad_norm", "critic_grad_norm", "fid"}


def test_w1_2d_noise_floor_on_ring8_matches_the_registry():
    """The floor drawn on the 2D divergence chart: W1 by matching 512 vs 512 points of two real
    samples of ring8 (what the trainer's 2000-point evaluation set compares)."""
    from playground.metric_specs import spec
    ds = _dataset("ring8")
    floors = [M.w1_2d(_samples("ring8", 2000, seed=2 * s), _samples("ring8", 2000, seed=2 * s + 1)) for s in range(3)]
    assert np.mean(floors) == pytest.approx(spec("w1", "2d").floor, abs=0.08)
    assert ds.kind == "2d"


def test_registry_is_a_leaf_module():
    import ast
    from pathlib import Path

    import playground.metric_specs as ms
    tree = ast.parse(Path(ms.__file__).read_text())
    mods = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    mods += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert all(m in ("__future__", "dataclasses", "types", "typing") for m in mods), mods


# ----- per-mode shares and the median distance to the nearest mode ----------------------------------
def _hand_built_ring8():
    """101 samples on ring8 with known nearest modes and distances: 45 on five of the eight modes
    (0.02 from the centre, radially outward: 20 / 10 / 8 / 5 / 2 on modes 0 / 1 / 2 / 4 / 6), 11 junk
    points 0.5 out from mode 2 and 45 junk points 1.0 out from mode 0 (radius 3; every other mode is
    farther: its neighbours are √(3² + 2² − 2·3·2·cos 45°) ≈ 2.13 away)."""
    c = _dataset("ring8").modes.centers
    u = c / np.linalg.norm(c, axis=1, keepdims=True)            # unit vectors to the modes
    on = {0: 20, 1: 10, 2: 8, 4: 5, 6: 2}
    pts = [np.repeat((c[k] + 0.02 * u[k])[None], n, 0) for k, n in on.items()]
    pts += [np.repeat((c[2] + 0.5 * u[2])[None], 11, 0), np.repeat((c[0] + 1.0 * u[0])[None], 45, 0)]
    return np.concatenate(pts), c


def test_mode_shares_and_median_distance_of_hand_built_samples():
    s, c = _hand_built_ring8()
    assert len(s) == 101
    out = M.mode_coverage(s, c, np.full(8, 0.02))
    # shares of all samples by nearest mode, junk included: mode 0 has 20 + 45, mode 2 has 8 + 11
    expected = np.array([65, 10, 19, 0, 5, 0, 2, 0]) / 101
    np.testing.assert_allclose(out["mode_shares"], expected, atol=1e-12)
    assert isinstance(out["mode_shares"], list) and len(out["mode_shares"]) == 8
    assert sum(out["mode_shares"]) == pytest.approx(1.0, abs=1e-12)
    # sorted distances: 45 × 0.02, 11 × 0.5, 45 × 1.0: the 51st of 101 is 0.5
    assert out["median_mode_distance"] == pytest.approx(0.5, abs=1e-9)
    # within 3σ = 0.06: only the 45 on-mode samples, on the five modes hit
    assert out["modes_covered"] == 5 and out["covered_modes"] == (0, 1, 2, 4, 6)
    assert out["high_quality_fraction"] == pytest.approx(45 / 101)
    # 46 more points on mode 4 (0.02 out): now 91 of 147 sit at 0.02, and the median (74th) is 0.02
    more = np.repeat((c[4] + 0.02 * c[4] / 2.0)[None], 46, 0)
    out2 = M.mode_coverage(np.concatenate([s, more]), c, np.full(8, 0.02))
    assert out2["median_mode_distance"] == pytest.approx(0.02, abs=1e-9)
    assert out2["mode_shares"][4] == pytest.approx(51 / 147)


def test_mode_shares_of_the_data_itself_are_uniform():
    ds = _dataset("ring8")
    out = M.mode_coverage(_samples("ring8", 8000), ds.modes.centers, ds.modes.sigma)
    np.testing.assert_allclose(out["mode_shares"], 1 / 8, atol=0.02)   # binomial sd ≈ 0.004
    # |x − μ| of a 2D N(μ, σ²I) is Rayleigh: median σ·√(2 ln 2) ≈ 1.177σ
    assert out["median_mode_distance"] == pytest.approx(0.02 * math.sqrt(2 * LN2), rel=0.05)


def test_mode_shares_in_the_history_json_and_csv():
    """An evaluation records the list in the history and the JSON, one CSV column per mode."""
    import csv
    import io
    import json

    from playground.export import history_csv, run_json
    from playground.trainer import Trainer
    from tests.helpers_engine import small_config
    t = Trainer(small_config("ring8"), log_every=5)
    t.run(10)
    t.evaluate()
    rec = t.history[-1]
    assert len(rec["mode_shares"]) == 8 and sum(rec["mode_shares"]) == pytest.approx(1.0, abs=1e-9)
    assert rec["median_mode_distance"] >= 0 and "covered_modes" not in rec
    assert json.loads(run_json({}, t.history))["history"][-1]["mode_shares"] == rec["mode_shares"]
    rows = list(csv.DictReader(io.StringIO(history_csv(t.history))))
    assert [float(rows[-1][f"mode_share_{i}"]) for i in range(8)] == rec["mode_shares"]
    assert "mode_shares" not in rows[-1] and float(rows[-1]["median_mode_distance"]) == rec["median_mode_distance"]
    assert rows[0]["mode_share_0"] == ""                   # a loss-only record leaves the columns empty


def test_modes_visited_is_the_union_of_the_covered_modes():
    """Evaluations of hand-placed generators: on mode 3, then on mode 5, then on both: covered 1, 1, 2,
    visited 1, 2, 2 (and never fewer than covered)."""
    from playground.trainer import Trainer
    from tests.helpers_engine import small_config
    t = Trainer(small_config("ring8"))
    c = t.dataset.modes.centers
    seen = []
    for modes in ((3,), (5,), (3, 5)):
        on = torch.tensor(np.concatenate([np.repeat(c[k][None], 10, 0) for k in modes]), dtype=torch.float32)
        t.fakes = lambda n=None, on=on: on                 # the generator's output, replaced
        m = t.evaluate()
        seen.append((m["modes_covered"], m["modes_visited"]))
    assert seen == [(1, 1), (1, 2), (2, 2)]


def test_mnist_mode_shares_are_the_class_histogram():
    from playground.evaluation import evaluate_digits
    from playground.datasets.mnist import mnist_reference
    ds = _dataset("mnist", digits="38")
    fake = np.random.default_rng(0).uniform(-1, 1, (64, 1, 28, 28)).astype(np.float32)
    m = ds.metrics(fake, fake)
    hist = evaluate_digits(fake, mnist_reference(), (3, 8))["class_hist"]
    assert len(m["mode_shares"]) == 10 and sum(m["mode_shares"]) == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_array_equal(m["mode_shares"], hist.tolist())
    assert m["covered_modes"] == tuple(c for c in (3, 8) if hist[c] >= 0.01)
