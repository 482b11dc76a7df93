"""GAN objectives (playground/losses.py) against hand computations, saturation, stability, and the
implied-JS identity V(G, D*) = −log 4 + 2·JS(p, q)."""
import math

import pytest
import torch

from playground.losses import LOSSES, implied_js, wasserstein_estimate

R = [2.0, -1.0]
F_ = [0.5, -3.0]


def sig(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


def mean(xs):
    xs = list(xs)
    return sum(xs) / len(xs)


def relu(t: float) -> float:
    return t if t > 0 else 0.0


def _expected():
    """(L_D, L_G) for r = R, f = F_, written from the papers' formulas with math.log / exp."""
    r, f = R, F_
    mr, mf = mean(r), mean(f)
    bce_d = mean(-math.log(sig(x)) for x in r) + mean(-math.log(1 - sig(x)) for x in f)
    return {
        # Goodfellow et al.: D maximises E log D(x) + E log(1 − D(G(z))); G minimises E log(1 − D(G(z)))
        "minimax": (bce_d, mean(math.log(1 - sig(x)) for x in f)),
        # non-saturating: G minimises −E log D(G(z))
        "ns": (bce_d, mean(-math.log(sig(x)) for x in f)),
        "wgan": (mf - mr, -mf),
        "hinge": (mean(max(0.0, 1 - x) for x in r) + mean(max(0.0, 1 + x) for x in f), -mf),
        "lsgan": (0.5 * mean((x - 1) ** 2 for x in r) + 0.5 * mean(x ** 2 for x in f),
                  0.5 * mean((x - 1) ** 2 for x in f)),
        "rsgan": (mean(-math.log(sig(a - b)) for a, b in zip(r, f)),
                  mean(-math.log(sig(b - a)) for a, b in zip(r, f))),
        "ragan": (mean(-math.log(sig(x - mf)) for x in r) + mean(-math.log(1 - sig(x - mr)) for x in f),
                  mean(-math.log(sig(x - mr)) for x in f) + mean(-math.log(1 - sig(x - mf)) for x in r)),
        "ralsgan": (mean((x - mf - 1) ** 2 for x in r) + mean((x - mr + 1) ** 2 for x in f),
                    mean((x - mr - 1) ** 2 for x in f) + mean((x - mf + 1) ** 2 for x in r)),
        "rahinge": (mean(relu(1 - (x - mf)) for x in r) + mean(relu(1 + (x - mr)) for x in f),
                    mean(relu(1 - (x - mr)) for x in f) + mean(relu(1 + (x - mf)) for x in r)),
        # f-GAN (Nowozin et al. 2016): L_D = −(E_P g_f(r) − E_Q f*(g_f(f))), L_G = −E_Q f*(g_f(f))
        **{name: (mean(fstar(g(x)) for x in f) - mean(g(x) for x in r), -mean(fstar(g(x)) for x in f))
           for name, (g, fstar) in FGAN.items()},
    }


# (g_f, f*) as in the paper's tables, except js (f halved: f* and g_f of ½f) and pearson (f* over u ≥ 0)
FGAN = {
    "kl": (lambda v: v, lambda t: math.exp(t - 1)),
    "reverse_kl": (lambda v: -math.exp(-v), lambda t: -1 - math.log(-t)),
    "pearson": (lambda v: v, lambda t: max(t / 2 + 1, 0.0) ** 2 - 1),
    "hellinger": (lambda v: 1 - math.exp(-v), lambda t: t / (1 - t)),
    "js": (lambda v: 0.5 * (math.log(2) + math.log(sig(v))), lambda t: -0.5 * math.log(2 - math.exp(2 * t))),
    "tv": (lambda v: 0.5 * math.tanh(v), lambda t: t),
}


EXPECTED = _expected()


def test_every_registered_loss_has_a_hand_computation():
    assert set(LOSSES) == set(EXPECTED)


def test_a_few_hand_values_are_what_we_think():
    # guard the hand formulas themselves with numbers worked out on paper
    assert EXPECTED["hinge"] == pytest.approx((1.75, 1.25))
    assert EXPECTED["lsgan"] == pytest.approx((3.5625, 4.0625))
    assert EXPECTED["wgan"] == pytest.approx((-1.75, 1.25))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_loss_matches_hand_computation(name):
    loss = LOSSES[name]
    r = torch.tensor(R, dtype=torch.float64)
    f = torch.tensor(F_, dtype=torch.float64)
    d_exp, g_exp = EXPECTED[name]
    assert float(loss.d_loss(r, f)) == pytest.approx(d_exp, rel=1e-12, abs=1e-12)
    assert float(loss.g_loss(r, f)) == pytest.approx(g_exp, rel=1e-12, abs=1e-12)


def _g_grad(name, f_value, batch=4):
    f = torch.full((batch,), f_value, dtype=torch.float64, requires_grad=True)
    r = torch.full((batch,), 5.0, dtype=torch.float64)
    LOSSES[name].g_loss(r, f).backward()
    return f.grad


def test_minimax_saturates_where_ns_does_not():
    batch = 4
    # a confident discriminator: fakes at logit −12 (D(G(z)) ≈ 6e-6)
    g_mm = _g_grad("minimax", -12.0, batch)
    g_ns = _g_grad("ns", -12.0, batch)
    assert g_mm.abs().max() < 1e-5                      # −σ(f)/B: the generator starves
    assert g_ns == pytest.approx(torch.full((batch,), -1.0 / batch, dtype=torch.float64), abs=1e-5)
    # with an undecided discriminator (f = 0) both give −½ / B: the difference is saturation only
    assert _g_grad("minimax", 0.0, batch) == pytest.approx(_g_grad("ns", 0.0, batch), abs=1e-12)
    assert _g_grad("minimax", 0.0, batch)[0] == pytest.approx(-0.5 / batch)


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("rv,fv", [(100.0, -100.0), (-100.0, 100.0), (100.0, 100.0), (-100.0, -100.0)])
def test_losses_are_finite_at_extreme_logits(name, rv, fv):
    loss = LOSSES[name]
    r = torch.tensor([rv, rv], requires_grad=True)  # float32, as in training
    f = torch.tensor([fv, fv], requires_grad=True)
    for fn in (loss.d_loss, loss.g_loss):
        r.grad = f.grad = None
        out = fn(r, f)
        out.backward()
        assert torch.isfinite(out), (name, fn.__name__, out)
        for g in (r.grad, f.grad):
            assert g is None or torch.isfinite(g).all(), (name, fn.__name__, g)


def test_log_losses_keep_their_value_at_extreme_logits():
    # a completely fooled discriminator pays −log σ(−100) − log(1 − σ(100)) = 200 (naive logs give inf)
    r, f = torch.tensor([-100.0]), torch.tensor([100.0])
    assert float(LOSSES["ns"].d_loss(r, f)) == pytest.approx(200.0, rel=1e-6)
    assert float(LOSSES["ns"].g_loss(r, torch.tensor([-100.0]))) == pytest.approx(100.0, rel=1e-6)
    assert float(LOSSES["minimax"].g_loss(r, torch.tensor([100.0]))) == pytest.approx(-100.0, rel=1e-6)


def test_implied_js_extremes():
    big = torch.full((64,), 40.0)
    assert implied_js(big, -big) == pytest.approx(math.log(2), abs=1e-6)   # perfect separation
    zero = torch.zeros(64)
    assert implied_js(zero, zero) == pytest.approx(0.0, abs=1e-6)          # D = ½ everywhere
    assert implied_js(-big, big) < -10                                    # a wrong D is no estimate


def test_optimal_discriminator_identity_on_a_discrete_example():
    """With D* = p / (p + q), E_p log D* + E_q log(1 − D*) = −log 4 + 2·JS(p, q) (Goodfellow Thm 1)."""
    p = [0.5, 0.25, 0.125, 0.125]
    q = [0.125, 0.125, 0.25, 0.5]
    js_hand = sum(0.5 * a * math.log(2 * a / (a + b)) + 0.5 * b * math.log(2 * b / (a + b)) for a, b in zip(p, q))
    logits = [math.log(a / b) for a, b in zip(p, q)]         # logit of D* = log p − log q
    v = sum(a * math.log(sig(l)) for a, l in zip(p, logits)) + sum(b * math.log(1 - sig(l)) for b, l in zip(q, logits))
    assert v == pytest.approx(-math.log(4) + 2 * js_hand, abs=1e-12)
    # the same through implied_js: samples whose empirical laws are exactly p and q (counts ×8)
    r = torch.tensor(sum(([l] * int(8 * a) for a, l in zip(p, logits)), []), dtype=torch.float64)
    f = torch.tensor(sum(([l] * int(8 * b) for b, l in zip(q, logits)), []), dtype=torch.float64)
    assert len(r) == len(f) == 8
    assert implied_js(r, f) == pytest.approx(js_hand, abs=1e-7)  # log 4 is taken in float32
    assert 0.05 < js_hand < math.log(2) - 0.05  # a non-trivial case


def test_wasserstein_estimate_is_mean_gap():
    assert wasserstein_estimate(torch.tensor(R), torch.tensor(F_)) == pytest.approx(0.5 - (-1.25))
