"""playground.experiments.divergences against closed forms, and the divergence-lab plot builders."""
import math

import numpy as np
import plotly.graph_objects as go
import pytest
from scipy.stats import norm

from playground.experiments import divergences as an
from playground.plots import divergences as dplots

LN2 = math.log(2.0)


def kl_gauss(m1, s1, m2, s2):
    return math.log(s2 / s1) + (s1 ** 2 + (m1 - m2) ** 2) / (2 * s2 ** 2) - 0.5


@pytest.mark.parametrize("m1,s1,m2,s2", [(0, 1, 0, 1), (0, 1, 1, 1), (0, 0.5, 2, 1.5), (-1, 2, 1, 0.3)])
def test_kl_of_gaussians_matches_closed_form(m1, s1, m2, s2):
    p, q = an.gaussian(m1, s1), an.gaussian(m2, s2)
    assert an.kl(p, q) == pytest.approx(kl_gauss(m1, s1, m2, s2), rel=1e-5, abs=1e-8)
    assert an.kl(q, p) == pytest.approx(kl_gauss(m2, s2, m1, s1), rel=1e-5, abs=1e-8)


def test_kl_of_far_apart_gaussians_stays_finite():
    """Log densities: 50 sigma apart the densities underflow, KL = 50^2 / 2 must not."""
    p = an.gaussian(0, 1)
    assert an.kl(p, p.shifted(50)) == pytest.approx(1250.0, rel=1e-6)


@pytest.mark.parametrize("sigma,dmu", [(1.0, 0.0), (1.0, 0.7), (0.2, 3.0), (2.0, -5.0)])
def test_w1_of_equal_sigma_gaussians_is_mean_gap(sigma, dmu):
    p = an.gaussian(0.3, sigma)
    assert an.w1(p, p.shifted(dmu)) == pytest.approx(abs(dmu), abs=1e-6)


def test_w1_of_boxes_and_point_masses():
    u = an.uniform(-0.5, 0.5)
    assert an.w1(u, u.shifted(0.3)) == pytest.approx(0.3, abs=1e-9)
    assert an.w1(an.point_mass(0.0), an.point_mass(2.0)) == pytest.approx(2.0, abs=1e-9)
    # a box of width 1 against a near point mass at its centre: E|X| = 1/4
    assert an.w1(u, an.point_mass(0.0, 1e-3)) == pytest.approx(0.25, abs=1e-3)


@pytest.mark.parametrize("pair", [
    (an.uniform(0, 1), an.uniform(2, 3)),
    (an.uniform(0, 1), an.uniform(1, 2)),          # touching edges: still disjoint up to a null set
    (an.point_mass(0.0), an.point_mass(1.0)),
    (an.point_mass(0.0), an.uniform(0.5, 4)),
])
def test_disjoint_supports(pair):
    p, q = pair
    assert an.js(p, q) == pytest.approx(LN2, abs=1e-12)
    assert an.tv(p, q) == pytest.approx(1.0, abs=1e-12)
    assert an.kl(p, q) == math.inf and an.kl(q, p) == math.inf   # +inf, not NaN, no crash
    assert an.value_at_optimum(p, q) == pytest.approx(0.0, abs=1e-12)


def test_identical_distributions():
    for d in (an.gaussian(1, 2), an.uniform(-1, 3), an.point_mass(0.5),
              an.mixture([1, 3], [an.gaussian(-1, 0.3), an.gaussian(2, 0.5)])):
        assert an.kl(d, d) == pytest.approx(0, abs=1e-12)
        assert an.js(d, d) == pytest.approx(0, abs=1e-12)
        assert an.tv(d, d) == pytest.approx(0, abs=1e-12)
        assert an.w1(d, d) == pytest.approx(0, abs=1e-12)
        assert an.value_at_optimum(d, d) == pytest.approx(-math.log(4), abs=1e-12)


def test_tv_of_gaussians_closed_form():
    p = an.gaussian(0, 0.5)
    for t in (0.2, 1.0, 2.5):
        assert an.tv(p, p.shifted(t)) == pytest.approx(2 * norm.cdf(t / (2 * 0.5)) - 1, abs=1e-5)


def test_kl_uniform_vs_gaussian_one_way_infinite():
    """KL(U[a,b] || N(mu, s)) is finite (closed form); the other way is +inf (Gaussian tails)."""
    a, b, mu, s = -0.5, 1.0, 0.2, 0.7
    u, g = an.uniform(a, b), an.gaussian(mu, s)
    second = ((b - mu) ** 3 - (a - mu) ** 3) / (3 * (b - a))
    exact = -math.log(b - a) + math.log(s * math.sqrt(2 * math.pi)) + second / (2 * s ** 2)
    assert an.kl(u, g) == pytest.approx(exact, rel=1e-4)   # midpoint rule, h ~ sigma / 50
    assert an.kl(g, u) == math.inf


def test_js_of_partially_overlapping_boxes():
    """U[0,1] vs U[t, 1+t]: JS = t ln 2 for 0 <= t <= 1."""
    u = an.uniform(0, 1)
    for t in (0.1, 0.5, 0.9):
        assert an.js(u, u.shifted(t)) == pytest.approx(t * LN2, abs=1e-12)


@pytest.mark.parametrize("pair", [
    (an.gaussian(0, 1), an.gaussian(1.3, 0.6)),
    (an.mixture([0.5, 0.5], [an.gaussian(-1.5, 0.4), an.gaussian(1.5, 0.4)]), an.gaussian(0.3, 0.6)),
    (an.uniform(-0.5, 0.5), an.uniform(0.2, 1.2)),
    (an.gaussian(0, 0.5), an.point_mass(0.4)),
])
def test_value_at_optimal_discriminator_identity(pair):
    """V(G, D*) integrated directly equals -log 4 + 2 JS."""
    p, q = pair
    assert an.value_at_optimum(p, q) == pytest.approx(-math.log(4) + 2 * an.js(p, q), abs=1e-10)


def test_optimal_discriminator_values():
    p, q = an.uniform(0, 1), an.uniform(0.5, 1.5)
    d = an.optimal_discriminator(p, q, np.array([0.25, 0.75, 1.25, 3.0]))
    assert d[:3] == pytest.approx([1.0, 0.5, 0.0])
    assert np.isnan(d[3])          # p = q = 0: undefined, not a crash


def test_mixture_and_shift():
    m = an.mixture([1, 3], [an.gaussian(-1, 0.3), an.gaussian(2, 0.5)])
    assert m.weights == pytest.approx((0.25, 0.75))
    x = np.linspace(-5, 6, 20001)
    assert np.trapezoid(m.pdf(x), x) == pytest.approx(1.0, abs=1e-6)
    assert m.cdf(np.array([10.0]))[0] == pytest.approx(1.0)
    assert np.allclose(np.exp(m.logpdf(x)), m.pdf(x), rtol=1e-10, atol=1e-300)
    s = m.shifted(1.5)
    assert np.allclose(s.pdf(x + 1.5), m.pdf(x))
    assert an.gaussian(0, 1).shifted(2) == an.gaussian(2, 1)
    assert an.point_mass(1.0).shifted(1.0).x0 == pytest.approx(2.0)


@pytest.mark.parametrize("make,msg", [
    (lambda: an.gaussian(0, 0), "positive"),
    (lambda: an.gaussian(float("nan"), 1), "finite"),
    (lambda: an.uniform(1, 1), "a < b"),
    (lambda: an.point_mass(0, -1), "positive"),
    (lambda: an.mixture([1], []), "one weight per component"),
    (lambda: an.mixture([0, 0], [an.gaussian(0, 1)] * 2), "not all be zero"),
    (lambda: an.mixture([-1, 2], [an.gaussian(0, 1)] * 2), "non-negative"),
])
def test_invalid_parameters_raise_clear_errors(make, msg):
    with pytest.raises(ValueError, match=msg):
        make()


def test_curves_show_js_plateau_and_linear_w1():
    p = an.gaussian(0, 0.3)
    thetas = np.linspace(-4, 4, 81)
    c = an.divergence_curves(p, p, thetas)
    far = np.abs(thetas) >= 3
    assert np.allclose(c["js"][far], LN2, atol=1e-6)
    assert np.allclose(c["w1"], np.abs(thetas), atol=1e-6)
    d_js, d_w1 = an.derivative(c["js"], thetas), an.derivative(c["w1"], thetas)
    assert np.all(np.abs(d_js[far]) < 1e-4)                    # no gradient on the plateau
    assert np.allclose(np.abs(d_w1[far]), 1.0, atol=1e-6)     # W1 keeps slope 1


def test_derivative_of_infinite_kl_is_nan_not_error():
    u = an.uniform(0, 1)
    thetas = np.linspace(-2, 2, 21)
    c = an.divergence_curves(u, u, thetas)
    assert np.isinf(c["kl_pq"][0]) and c["kl_pq"][10] == 0.0
    d = an.derivative(c["kl_pq"], thetas)
    assert np.isnan(d[0])


# -- plot builders ------------------------------------------------------------------------------

def _float32_or_binary(trace_y):
    return isinstance(trace_y, np.ndarray) and trace_y.dtype == np.float32


def test_densities_figure_caps_point_mass():
    p, q = an.gaussian(0, 0.5), an.point_mass(1.0)
    x = an.plot_grid(p, q)
    fig = dplots.densities_figure(x, p.pdf(x), q.pdf(x), theta=1.0, y_cap=1.0)
    assert isinstance(fig, go.Figure) and len(fig.data) == 2
    assert all(_float32_or_binary(t.y) for t in fig.data)
    assert fig.layout.yaxis.range[1] < 2
    assert any("peaks at 50" in a.text for a in fig.layout.annotations)
    assert fig.layout.xaxis.title.text == "x"


def test_divergence_curves_figure_marks_ln2_inf_and_theta():
    u = an.uniform(-0.5, 0.5)
    thetas = np.linspace(-3, 3, 61)
    c = an.divergence_curves(u, u, thetas)
    d = {k: an.derivative(v, thetas) for k, v in c.items()}
    fig = dplots.divergence_curves_figure(thetas, c, d, 1.2)
    names = [t.name for t in fig.data]
    assert "JS(P, Q)" in names and "W1(P, Q)" in names
    assert "KL(P‖Q) = +∞" in names                   # infinities drawn as markers, not NaN lines
    shapes = fig.layout.shapes
    assert any(abs((s.y0 or 0) - LN2) < 1e-9 and s.type == "line" for s in shapes)    # ln 2 line
    assert any(s.x0 == 1.2 for s in shapes)                                              # current theta
    fig.to_json()   # serialisable


def test_optimal_discriminator_figure_has_right_axis():
    p, q = an.gaussian(0, 1), an.gaussian(2, 1)
    x = an.plot_grid(p, q)
    fig = dplots.optimal_discriminator_figure(x, p.pdf(x), q.pdf(x), an.optimal_discriminator(p, q, x), theta=2)
    assert [t.name for t in fig.data][-1].startswith("D*(x)")
    assert fig.data[-1].yaxis == "y2"
    assert list(fig.layout.yaxis2.range) == [-0.03, 1.05]
