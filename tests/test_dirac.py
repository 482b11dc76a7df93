"""DiracGAN (playground/experiments/dirac.py): closed forms, the fields against the registries, the schemes' behaviour,
and the plot builders of the convergence page."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from playground.experiments import dirac
from playground.errors import ConfigError
from playground.export import history_csv
from playground.lipschitz import LIPSCHITZ
from playground.losses import LOSSES
from playground.plots import dirac as plots

F_PRIME = {"minimax": 0.5, "ns": 0.5, "wgan": 1.0, "hinge": 1.0}   # σ(0) = ½; 1 for the linear losses


# -- eigenvalues against closed forms -------------------------------------------------------------

@pytest.mark.parametrize("loss", dirac.LOSS_NAMES)
@pytest.mark.parametrize("reg", ["none", "clip", "lp"])
def test_unregularised_eigenvalues_are_plus_minus_i_f_prime(loss, reg):
    """none; clip (inactive inside |ψ| < c); one-sided GP (0 for |ψ| < 1): λ = ±i·f′(0)."""
    lam = dirac.jacobian_eigenvalues(loss, reg, weight=1.0)
    fp = F_PRIME[loss]
    np.testing.assert_allclose(lam, [-1j * fp, 1j * fp], atol=1e-8)


@pytest.mark.parametrize("loss", ["ns", "minimax", "wgan", "hinge"])
@pytest.mark.parametrize("gamma", [0.1, 0.5, 1.0, 2.0, 3.0])
def test_r1_eigenvalues_closed_form(loss, gamma):
    fp = F_PRIME[loss]
    root = complex(gamma * gamma - 4 * fp * fp) ** 0.5
    want = np.sort_complex(np.array([(-gamma - root) / 2, (-gamma + root) / 2]))
    got = dirac.jacobian_eigenvalues(loss, "r1", gamma)
    np.testing.assert_allclose(got, want, atol=1e-7)
    np.testing.assert_allclose(dirac.closed_form_eigenvalues(loss, "r1", gamma), want, atol=1e-12)
    assert np.all(got.real < 0)                       # R1: locally convergent for every γ > 0


def test_gradient_penalty_has_no_jacobian_at_the_equilibrium():
    with pytest.raises(ConfigError, match="jumps"):
        dirac.jacobian_eigenvalues("wgan", "gp", 1.0)
    # why: the field's ψ-component jumps from +2λ to −2λ across ψ = 0 at θ = 0
    _, up = dirac.vector_field("wgan", "gp", 0.0, 1e-9, weight=1.0)
    _, down = dirac.vector_field("wgan", "gp", 0.0, -1e-9, weight=1.0)
    assert up == pytest.approx(2.0, abs=1e-6) and down == pytest.approx(-2.0, abs=1e-6)


@pytest.mark.parametrize("alternating", [False, True])
@pytest.mark.parametrize("n_critic", [1, 3])
@pytest.mark.parametrize("loss, reg, gamma", [("ns", "r1", 0.5), ("wgan", "none", 0.0), ("minimax", "r1", 2.0)])
def test_step_jacobian_matches_closed_form(loss, reg, gamma, n_critic, alternating):
    h = 0.2
    got = dirac.step_jacobian(loss, reg, h, gamma, n_critic, alternating)
    closed = dirac.closed_form_step(loss, reg, h, gamma, n_critic, alternating)
    np.testing.assert_allclose(got, closed["matrix"], atol=1e-8)
    np.testing.assert_allclose(dirac.step_eigenvalues(loss, reg, h, gamma, n_critic, alternating),
                               closed["eigenvalues"], atol=1e-6)
    if alternating:   # det = (1 − hγ)^n
        assert closed["det"] == pytest.approx((1 - h * gamma) ** n_critic, abs=1e-12)


def test_simultaneous_step_is_one_plus_h_lambda():
    h = 0.3
    for loss, reg, w in (("wgan", "none", 0.0), ("ns", "r1", 0.7), ("hinge", "r1", 3.0)):
        mu = dirac.step_eigenvalues(loss, reg, h, w)
        np.testing.assert_allclose(mu, 1 + h * dirac.closed_form_eigenvalues(loss, reg, w), atol=1e-8)


def test_hand_computed_matrices():
    # WGAN, alternating, h = 0.5: ψ' = ψ − hθ, θ' = θ + hψ' → [[1 − h², h], [−h, 1]]
    np.testing.assert_allclose(dirac.step_jacobian("wgan", "none", 0.5, alternating=True),
                               [[0.75, 0.5], [-0.5, 1.0]], atol=1e-9)
    # minimax field at (θ, ψ) = (2, 1): f = 2, v = (ψσ(f), −θσ(f))
    s = 1 / (1 + math.exp(-2))
    np.testing.assert_allclose(dirac.vector_field("minimax", "none", 2.0, 1.0), (s, -2 * s), rtol=1e-12)


# -- the fields are the registries' losses ----------------------------------------------------------

def _losses_fd(loss, reg, theta, psi, weight, eps=1e-6):
    """(−∂L_G/∂θ, −∂L_D/∂ψ) by central differences of losses.py (scores r = ψ·0, f = ψθ) plus the
    critic penalty of lipschitz.py on a torch critic D(x) = ψx, all in float64."""
    spec = LOSSES[loss]
    real = torch.zeros(1, 1, dtype=torch.float64)

    def critic_loss(p):
        critic = nn.Linear(1, 1, bias=False).double()
        with torch.no_grad():
            critic.weight.fill_(p)
        fake = torch.full((1, 1), theta, dtype=torch.float64)
        out = spec.d_loss(critic(real).view(-1), critic(fake).view(-1))
        method = LIPSCHITZ[reg]
        if method.penalty is not None:
            out = out + method.penalty(critic, real, fake, weight, torch.Generator().manual_seed(0))
        return float(out.detach())

    def gen_loss(t):
        r = torch.zeros(1, dtype=torch.float64)
        return float(spec.g_loss(r, torch.tensor([psi * t], dtype=torch.float64)))

    dtheta = -(gen_loss(theta + eps) - gen_loss(theta - eps)) / (2 * eps)
    dpsi = -(critic_loss(psi + eps) - critic_loss(psi - eps)) / (2 * eps)
    return dtheta, dpsi


@pytest.mark.parametrize("loss", dirac.LOSS_NAMES)
@pytest.mark.parametrize("reg, weight", [("none", 0.0), ("gp", 0.7), ("lp", 0.7), ("r1", 1.3)])
def test_field_agrees_with_finite_differences_of_losses_py(loss, reg, weight):
    rng = np.random.default_rng(0)
    points = rng.uniform(-2.5, 2.5, size=(12, 2))
    points = points[np.abs(np.abs(points[:, 1]) - 1) > 0.05]           # away from the kinks of gp / lp
    points = points[np.abs(points[:, 0] * points[:, 1] + 1) > 0.05]     # and of hinge at ψθ = −1
    points = points[np.abs(points[:, 1]) > 0.05]
    for theta, psi in points:
        want = _losses_fd(loss, reg, float(theta), float(psi), weight)
        got = dirac.vector_field(loss, reg, theta, psi, weight)
        np.testing.assert_allclose(got, want, atol=1e-6, err_msg=f"{loss}/{reg} at ({theta:.3f}, {psi:.3f})")


def test_hinge_critic_stops_once_it_scores_the_fake_below_minus_one():
    # θ = 2, ψ = −1: f = −2 < −1, hinge's max(0, 1 + f) is flat; the generator still follows ψ
    dtheta, dpsi = dirac.vector_field("hinge", "none", 2.0, -1.0)
    assert dpsi == 0.0 and dtheta == -1.0
    assert _losses_fd("hinge", "none", 2.0, -1.0, 0.0) == pytest.approx((-1.0, 0.0), abs=1e-8)


def test_vector_field_broadcasts_over_grids():
    t, p = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 4))
    dt, dp = dirac.vector_field("wgan", "r1", t, p, weight=0.5)
    assert dt.shape == dp.shape == (4, 5)
    np.testing.assert_allclose(dt, p)                  # WGAN: v = (ψ, −θ − γψ)
    np.testing.assert_allclose(dp, -t - 0.5 * p)


# -- the schemes ------------------------------------------------------------------------------------

def test_simultaneous_wgan_grows_exactly_as_sqrt_one_plus_h_squared():
    h, steps = 0.1, 500
    run = dirac.simulate("wgan", theta0=1.0, psi0=1.0, steps=steps, lr=h)
    assert len(run["theta"]) == len(run["psi"]) == steps + 1
    assert run["theta"][0] == 1.0 and run["psi"][0] == 1.0
    d = dirac.distance(run)
    np.testing.assert_allclose(d, math.sqrt(2) * (1 + h * h) ** (np.arange(steps + 1) / 2), rtol=1e-10)


def test_simultaneous_minimax_moves_away_without_regularisation():
    d = dirac.distance(dirac.simulate("minimax", theta0=0.5, psi0=0.5, steps=2000, lr=0.1))
    assert d[-1] > 2 * d[0]
    assert np.all(np.isfinite(d))


@pytest.mark.parametrize("loss", ["ns", "minimax", "wgan", "hinge"])
def test_r1_converges(loss):
    d = dirac.distance(dirac.simulate(loss, "r1", theta0=1.0, psi0=1.0, steps=2000, lr=0.1, weight=0.5))
    assert d[-1] < 1e-4 * d[0]


def test_alternating_wgan_circles_neither_in_nor_out():
    d = dirac.distance(dirac.simulate("wgan", theta0=1.0, psi0=0.0, steps=5000, lr=0.1, alternating=True))
    # det = 1: an invariant ellipse; the distance oscillates within a band around the start, forever
    assert 0.9 < d.min() / d[0] and d.max() / d[0] < 1.1
    assert d[-1000:].min() > 0.9   # not converging either


def test_alternating_matches_hand_computed_first_step():
    # critic first: ψ1 = ψ0 − hθ0·σ(ψ0θ0); then θ1 = θ0 + hψ1·σ(ψ1θ0) (minimax)
    h, t0, p0 = 0.3, 0.8, -0.4
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    p1 = p0 - h * t0 * sig(p0 * t0)
    t1 = t0 + h * p1 * sig(p1 * t0)
    run = dirac.simulate("minimax", theta0=t0, psi0=p0, steps=1, lr=h, alternating=True)
    assert (run["theta"][1], run["psi"][1]) == pytest.approx((t1, p1), rel=1e-12)
    # simultaneous: the generator uses the old ψ
    run = dirac.simulate("minimax", theta0=t0, psi0=p0, steps=1, lr=h)
    assert run["theta"][1] == pytest.approx(t0 + h * p0 * sig(p0 * t0), rel=1e-12)


def test_n_critic_takes_that_many_critic_steps():
    # WGAN, θ fixed during the critic's steps: ψ_n = ψ0 − n·h·θ0
    run = dirac.simulate("wgan", theta0=1.0, psi0=0.0, steps=1, lr=0.1, n_critic=4)
    assert run["psi"][1] == pytest.approx(-0.4) and run["theta"][1] == pytest.approx(1.0)


def test_clipped_critic_stays_within_c_and_oscillates():
    c = 0.3
    run = dirac.simulate("wgan", "clip", theta0=1.0, psi0=1.0, steps=3000, lr=0.05, clip=c)
    assert np.all(np.abs(run["psi"]) <= c + 1e-15)
    assert run["psi"][0] == c                                  # the start is clipped too
    assert np.abs(run["psi"]).max() == pytest.approx(c)        # and the critic does hit the bound
    d = dirac.distance(run)[1500:]
    assert d.min() > 0.5 * c and d.max() < 2 * c               # bounded, but never converging


def test_too_large_a_step_escapes_and_pads_with_nan():
    run = dirac.simulate("wgan", "r1", steps=400, lr=1.1, weight=1.0)
    d = dirac.distance(run)
    assert len(d) == 401 and np.isnan(d[-1])
    last = int(np.flatnonzero(np.isfinite(d))[-1])
    assert d[last] > 1e5 and np.all(np.isnan(d[last + 1:]))
    # the same R1 converges below h = γ / f′(0)² = 1
    assert dirac.distance(dirac.simulate("wgan", "r1", steps=400, lr=0.9, weight=1.0))[-1] < 1e-6


@pytest.mark.parametrize("kwargs, match", [
    (dict(lr=-0.1), "step size h must be a positive"),
    (dict(lr=0.0), "step size h must be a positive"),
    (dict(steps=0), "at least 1"),
    (dict(n_critic=0), "n_critic"),
    (dict(reg="clip", clip=0.0), "clip value c"),
    (dict(reg="r1", weight=-1.0), "penalty weight"),
    (dict(reg="sn"), "regularisers"),
])
def test_bad_settings_raise_a_sentence(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        dirac.simulate(kwargs.pop("loss", "wgan"), **kwargs)


def test_lsgan_is_not_offered():
    with pytest.raises(ConfigError, match="losses"):
        dirac.vector_field("lsgan", "none", 0.0, 0.0)


def test_trajectory_csv_has_every_iteration_until_an_escape():
    run = dirac.simulate("wgan", "r1", steps=400, lr=1.1, weight=1.0)
    rows = dirac.trajectory_rows(run)
    n = int(np.isfinite(dirac.distance(run)).sum())
    assert len(rows) == n and rows[0] == {"iteration": 0, "theta": 1.0, "psi": 1.0, "distance": math.sqrt(2)}
    lines = history_csv(rows, config={"loss": "wgan"}).splitlines()
    assert lines[0].startswith("# config:") and lines[1] == "iteration,theta,psi,distance"
    assert len(lines) == n + 2 and lines[2] == f"0,1.0,1.0,{math.sqrt(2)}"


# -- plot builders ------------------------------------------------------------------------------------

def _plane(run, reg="none", clip=None, extent=1.5):
    g = np.linspace(-extent, extent, 9)
    gt, gp = np.meshgrid(g, g)
    dt, dp = dirac.vector_field("wgan", reg, gt, gp, 0.0, clip or 0.01)
    return plots.plane_figure(gt, gp, dt, dp, run["theta"], run["psi"], extent=extent, title="t", reg=reg, clip=clip)


def test_arrows_point_along_the_field():
    xs, ys = plots.arrow_segments(np.array([0.5]), np.array([0.0]), np.array([0.0]), np.array([-2.0]), 1.0)
    # shaft from (0.5, 0) straight down (WGAN at θ = 0.5, ψ = 0: v = (0, −θ)), full length 0.8·spacing
    assert (xs[0], ys[0]) == (0.5, 0.0) and xs[1] == pytest.approx(0.5) and ys[1] == pytest.approx(-0.8)
    # head strokes end above the tip, on either side
    assert ys[3] > ys[1] and ys[5] > ys[1] and xs[3] != xs[5]
    assert plots.arrow_segments(np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1), 1.0)[0].size == 0


def test_plane_figure_replays_the_trajectory():
    run = dirac.simulate("wgan", steps=300, lr=0.02)
    fig = _plane(run)
    names = [t.name for t in fig.data]
    assert plots.PICK in names and "path" in names and "equilibrium" in names
    pick = fig.data[names.index(plots.PICK)]
    assert len(pick.x) == 25 * 25 and pick.marker.color == "rgba(0, 0, 0, 0)"
    assert 2 <= len(fig.frames) <= plots.N_FRAMES
    first, last = fig.frames[0].data[0], fig.frames[-1].data[0]
    assert len(first.x) < len(last.x) == len(fig.data[names.index("path")].x) == 301
    np.testing.assert_allclose(last.x, run["theta"], rtol=1e-6)
    assert fig.layout.updatemenus[0].buttons[0].label == "▶ Replay"
    assert fig.layout.yaxis.scaleanchor == "x"


def test_plane_figure_draws_the_clip_band_and_stops_at_an_escape():
    run = dirac.simulate("wgan", "clip", steps=100, lr=0.05, clip=0.3)
    fig = _plane(run, reg="clip", clip=0.3)
    ys = sorted((s.y0, s.y1) for s in fig.layout.shapes)
    assert ys[0][1] == pytest.approx(-0.3) and ys[1][0] == pytest.approx(0.3)
    escaped = dirac.simulate("wgan", "r1", steps=400, lr=1.1, weight=1.0)
    fig = _plane(escaped, extent=3.0)
    n_finite = int(np.isfinite(dirac.distance(escaped)).sum())
    path = fig.data[[t.name for t in fig.data].index("path")]
    assert len(path.x) == n_finite and np.all(np.isfinite(path.x))


def test_distance_figure_is_log_and_marks_an_escape():
    fig = plots.distance_figure(dirac.distance(dirac.simulate("ns", "r1", steps=500, weight=0.5)), rho=0.98)
    assert fig.layout.yaxis.type == "log"
    assert [t.name for t in fig.data][1].startswith("linear theory")
    d = dirac.distance(dirac.simulate("wgan", "r1", steps=400, lr=1.1, weight=1.0))
    fig = plots.distance_figure(d)
    assert any("escaped" in a.text for a in fig.layout.annotations)
    assert "Nothing to draw" in plots.distance_figure(np.full(3, np.nan)).layout.annotations[0].text


def test_eigen_figure_shows_the_unit_circle_and_both_spectra():
    flow = dirac.jacobian_eigenvalues("ns", "r1", 0.3)
    step = dirac.step_eigenvalues("ns", "r1", 0.1, 0.3)
    fig = plots.eigen_figure(flow, step, flow_closed=dirac.closed_form_eigenvalues("ns", "r1", 0.3))
    circle = fig.data[0]
    np.testing.assert_allclose(np.hypot(circle.x, circle.y), 1.0, atol=1e-6)
    by_name = {t.name: t for t in fig.data}
    np.testing.assert_allclose(by_name["λ of J (flow)"].x, flow.real, atol=1e-6)
    np.testing.assert_allclose(np.hypot(by_name["μ of one step"].x, by_name["μ of one step"].y), np.abs(step),
                               atol=1e-6)
    assert "closed form" in by_name
