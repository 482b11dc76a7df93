"""GAN objectives on raw critic outputs. r = D(x_real), f = D(G(z)) are logits / scores, shape (B,).

Every entry gives the critic loss L_D(r, f) and the generator loss L_G(r, f), both minimised.
Log-loss forms use softplus: −log σ(t) = softplus(−t), −log(1 − σ(t)) = softplus(t); never the log
of a sigmoid output.

The f-GAN entries (Nowozin, Cseke & Tomioka 2016, "f-GAN: Training Generative Neural Samplers using
Variational Divergence Minimization", Tables 1, 2 and 6) train under an f-divergence
D_f(P‖Q) = ∫ q f(p/q) dx (P the data, Q the generator; natural logs, nats). The critic's raw output v
passes through the output activation g_f, T = g_f(v), and the critic maximises the variational lower
bound  E_P[T(x)] − E_Q[f*(T(x))] ≤ D_f(P‖Q)  (f* the convex conjugate), tight at T* = f′(p/q). Each
entry computes g_f(v) and f*(g_f(v)) from v directly (never a log of an exp output) and its `bound`
gives the critic's estimate of D_f. All six generators use the paper's saddle objective
L_G = −E_Q[f*(g_f(v))] (Algorithm 1): at the optimal critic its gradient is ∇_θ D_f(P‖Q_θ) itself
(the envelope theorem), so the run minimises the named divergence. The paper's §3.2 alternative,
L_G = −E_Q[g_f(v)], does not: at T* its gradient is that of E_Q[−f′(p/q)], another divergence (for
`kl` the gradient of KL(Q‖P), for `js` that of `ns`, KL(Q‖P) − 2·JS; Arjovsky & Bottou 2017, Poole et
al. 2016), which would defeat the comparison the entries exist for.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor


@dataclass(frozen=True)
class Loss:
    name: str
    label: str
    d_loss: Callable[[Tensor, Tensor], Tensor]
    g_loss: Callable[[Tensor, Tensor], Tensor]
    paper: str
    log_loss: bool = False           # D(x) = σ(logit) estimates P(real): D* and implied JS make sense
    wasserstein: bool = False         # E[D(real)] − E[D(fake)] estimates W1 (given a 1-Lipschitz critic)
    needs_lipschitz: bool = False
    relativistic: bool = False       # L_G depends on D(real) too
    divergence: str = ""              # the divergence it minimises, in a phrase
    bound: Callable[[Tensor, Tensor], Tensor] | None = None  # f-GAN: the critic's lower bound on D_f(P‖Q)


_GAN_JS = "Jensen–Shannon (2·JS − log 4 at the optimal critic)"


def _bce_d(r: Tensor, f: Tensor) -> Tensor:
    """L_D = −E log σ(r) − E log(1 − σ(f)) = E softplus(−r) + E softplus(f)."""
    return F.softplus(-r).mean() + F.softplus(f).mean()


def minimax_g(r: Tensor, f: Tensor) -> Tensor:
    """Saturating: G minimises E log(1 − σ(f)) = −E softplus(f) (Goodfellow et al. 2014, eq. 1).
    ∂/∂f = −σ(f) → 0 when D confidently rejects fakes: the generator starves."""
    return -F.softplus(f).mean()


def ns_g(r: Tensor, f: Tensor) -> Tensor:
    """Non-saturating: L_G = −E log σ(f) = E softplus(−f) (Goodfellow et al. 2014, §3).
    ∂/∂f = σ(f) − 1 → −1 when D rejects fakes: strong gradient early on."""
    return F.softplus(-f).mean()


def wgan_d(r: Tensor, f: Tensor) -> Tensor:
    """L_D = E f − E r: maximise E D(real) − E D(fake) (Arjovsky et al. 2017, WGAN)."""
    return f.mean() - r.mean()


def wgan_g(r: Tensor, f: Tensor) -> Tensor:
    """L_G = −E f (Arjovsky et al. 2017)."""
    return -f.mean()


def hinge_d(r: Tensor, f: Tensor) -> Tensor:
    """L_D = E max(0, 1 − r) + E max(0, 1 + f) (Lim & Ye 2017; Miyato et al. 2018). L_G = −E f."""
    return F.relu(1 - r).mean() + F.relu(1 + f).mean()


def lsgan_d(r: Tensor, f: Tensor) -> Tensor:
    """L_D = ½E (r − 1)² + ½E f² (Mao et al. 2017, a = 0, b = c = 1)."""
    return 0.5 * ((r - 1) ** 2).mean() + 0.5 * (f ** 2).mean()


def lsgan_g(r: Tensor, f: Tensor) -> Tensor:
    """L_G = ½E (f − 1)² (Mao et al. 2017)."""
    return 0.5 * ((f - 1) ** 2).mean()


def rsgan_d(r: Tensor, f: Tensor) -> Tensor:
    """L_D = E softplus(−(r − f)) = −E log σ(r − f), on paired samples (Jolicoeur-Martineau 2018)."""
    return F.softplus(-(r - f)).mean()


def rsgan_g(r: Tensor, f: Tensor) -> Tensor:
    """L_G = E softplus(−(f − r)) (Jolicoeur-Martineau 2018)."""
    return F.softplus(-(f - r)).mean()


def ragan_d(r: Tensor, f: Tensor) -> Tensor:
    """Relativistic average: L_D = E softplus(−(r − E f)) + E softplus(f − E r)
    = −E log σ(r − E f) − E log(1 − σ(f − E r)) (Jolicoeur-Martineau 2018, RaSGAN)."""
    return F.softplus(-(r - f.mean())).mean() + F.softplus(f - r.mean()).mean()


def ragan_g(r: Tensor, f: Tensor) -> Tensor:
    """L_G = E softplus(−(f − E r)) + E softplus(r − E f) (Jolicoeur-Martineau 2018)."""
    return F.softplus(-(f - r.mean())).mean() + F.softplus(r - f.mean()).mean()


def ralsgan_d(r: Tensor, f: Tensor) -> Tensor:
    """RaLSGAN: L_D = E (r − E f − 1)² + E (f − E r + 1)² (Jolicoeur-Martineau 2018)."""
    return ((r - f.mean() - 1) ** 2).mean() + ((f - r.mean() + 1) ** 2).mean()


def ralsgan_g(r: Tensor, f: Tensor) -> Tensor:
    """RaLSGAN: L_G = E (f − E r − 1)² + E (r − E f + 1)²."""
    return ((f - r.mean() - 1) ** 2).mean() + ((r - f.mean() + 1) ** 2).mean()


def rahinge_d(r: Tensor, f: Tensor) -> Tensor:
    """RaHingeGAN: L_D = E max(0, 1 − (r − E f)) + E max(0, 1 + (f − E r))."""
    return F.relu(1 - (r - f.mean())).mean() + F.relu(1 + (f - r.mean())).mean()


def rahinge_g(r: Tensor, f: Tensor) -> Tensor:
    """RaHingeGAN: L_G = E max(0, 1 − (f − E r)) + E max(0, 1 + (r − E f))."""
    return F.relu(1 - (f - r.mean())).mean() + F.relu(1 + (r - f.mean())).mean()


# ----- f-GAN (Nowozin, Cseke & Tomioka 2016) ----------------------------------------------------------
# Each term is computed per sample; the bound is E_P[g_f(r)] − E_Q[f*(g_f(f))], L_D = −bound and
# L_G = −E_Q[f*(g_f(f))] (the saddle objective: G minimises the critic's objective).
EXP_CAP = 30.0  # exp(v) for v ≤ 30 (≈ 1e13, ratios p/q no critic needs); beyond, its tangent line


def _exp(x: Tensor) -> Tensor:
    """exp(x), continued by its tangent at EXP_CAP beyond it: finite with a finite, non-zero gradient in
    float32 however large x gets (exp(89) is already inf)."""
    c = EXP_CAP
    return torch.where(x > c, math.exp(c) * (1 + x - c), torch.exp(x.clamp(max=c)))


def kl_t(v: Tensor) -> Tensor:
    """Forward KL(P‖Q) = ∫ p log(p/q): f(u) = u log u, f*(t) = exp(t − 1), g_f(v) = v (Nowozin et al. 2016,
    Table 2). L_D = −(E_P[r] − E_Q[exp(f − 1)]), L_G = −E_Q[exp(f − 1)] (saddle); T* = 1 + log(p/q).
    L_G saturates where the critic rejects fakes (f → −∞, p ≪ q): forward KL charges Q little for mass
    where P has none, the mode-covering behaviour being taught. exp is capped (EXP_CAP)."""
    return v


def kl_ft(v: Tensor) -> Tensor:
    """f*(g_f(v)) = exp(v − 1)."""
    return _exp(v - 1)


def reverse_kl_t(v: Tensor) -> Tensor:
    """Reverse KL(Q‖P) = ∫ q log(q/p): f(u) = −log u, f*(t) = −1 − log(−t) on t < 0, g_f(v) = −exp(−v)
    (Nowozin et al. 2016, Tables 2 and 6). L_D = E_P[exp(−r)] + E_Q[f] − 1, L_G = 1 − E_Q[f] (saddle): linear in
    the critic's score, so it never saturates (WGAN's generator loss plus 1); T* = −q/p, v* = log(p/q).
    exp is capped (EXP_CAP)."""
    return -_exp(-v)


def reverse_kl_ft(v: Tensor) -> Tensor:
    """f*(g_f(v)) = −1 − log(exp(−v)) = v − 1, from v directly."""
    return v - 1


def pearson_t(v: Tensor) -> Tensor:
    """Pearson χ²(P‖Q) = ∫ (p − q)²/q: f(u) = (u − 1)², g_f(v) = v (Nowozin et al. 2016, Tables 2 and 6). The
    table's f*(t) = t²/4 + t is the conjugate of (u − 1)² over all real u; here the conjugate over u ≥ 0
    (density ratios), f*(t) = max(t/2 + 1, 0)² − 1: the same for t ≥ −2, where the optimal critic
    T* = 2(p/q − 1) lies, and −1 below, so the bound is as tight or tighter and the generator is never
    rewarded for lower scores (with the table's f*, L_G = −E_Q[t²/4 + t] falls as t drops below −2).
    L_D = −(E_P[r] − E_Q[f*(f)]), L_G = −E_Q[f*(f)] (saddle), flat where f < −2."""
    return v


def pearson_ft(v: Tensor) -> Tensor:
    """f*(g_f(v)) = max(v/2 + 1, 0)² − 1."""
    return F.relu(v / 2 + 1) ** 2 - 1


def hellinger_t(v: Tensor) -> Tensor:
    """Squared Hellinger ∫ (√p − √q)² (in [0, 2]): f(u) = (√u − 1)², f*(t) = t/(1 − t) on t < 1,
    g_f(v) = 1 − exp(−v) (Nowozin et al. 2016, Tables 2 and 6). L_D = E_P[exp(−r)] + E_Q[exp(f)] − 2,
    L_G = 1 − E_Q[exp(f)] (saddle; saturates where f → −∞, more mildly than KL: v* = ½ log(p/q),
    T* = 1 − √(q/p)). exp is capped (EXP_CAP)."""
    return 1 - _exp(-v)


def hellinger_ft(v: Tensor) -> Tensor:
    """f*(g_f(v)) = (1 − e^{−v})/e^{−v} = exp(v) − 1."""
    return _exp(v) - 1


def js_t(v: Tensor) -> Tensor:
    """Jensen–Shannon JS = ½KL(P‖M) + ½KL(Q‖M), M = ½(P + Q), in [0, ln 2]. The paper's Table 2 has
    f(u) = u log u − (u + 1) log((1 + u)/2), f*(t) = −log(2 − exp(t)), g_f(v) = log 2 − log(1 + exp(−v)),
    but with that f, ∫ q f(p/q) = KL(P‖M) + KL(Q‖M) = 2·JS (GAN's f gives 2·JS − log 4). Here f is halved
    so the bound estimates JS itself: g_f(v) = ½(log 2 + log σ(v)), f*(t) = −½ log(2 − exp(2t)),
    f*(g_f(v)) = ½(softplus(v) − log 2). L_D = ½(E softplus(−r) + E softplus(f)) − log 2 (half the GAN
    critic loss less log 2: the bound equals implied_js), L_G = ½ log 2 − ½E softplus(f) (saddle) =
    ½·`minimax` + const, which saturates as minimax does; v* = log(p/q). `ns` is its §3.2 non-saturating
    variant, whose gradient at the optimal critic is that of KL(Q‖P) − 2·JS, not of JS."""
    return 0.5 * (math.log(2) + F.logsigmoid(v))


def js_ft(v: Tensor) -> Tensor:
    """f*(g_f(v)) = −½ log(2 − 2σ(v)) = ½(softplus(v) − log 2)."""
    return 0.5 * (F.softplus(v) - math.log(2))


def tv_t(v: Tensor) -> Tensor:
    """Total variation ½∫|p − q| (in [0, 1]): f(u) = ½|u − 1|, f*(t) = t on |t| ≤ ½, g_f(v) = ½ tanh(v)
    (Nowozin et al. 2016, Tables 2 and 6). L_D = −½(E tanh r − E tanh f), L_G = −½E tanh f (the saddle and the
    §3.2 alternative coincide, f*(t) = t). T* = ½ sign(p − q): at the optimal critic tanh is saturated
    and the generator's gradient vanishes."""
    return 0.5 * torch.tanh(v)


def tv_ft(v: Tensor) -> Tensor:
    """f*(g_f(v)) = ½ tanh(v)."""
    return 0.5 * torch.tanh(v)


def _fgan(name: str, label: str, divergence: str) -> Loss:
    """A Loss from the module's `{name}_t` (v ↦ g_f(v)) and `{name}_ft` (v ↦ f*(g_f(v)))."""
    t, ft = globals()[f"{name}_t"], globals()[f"{name}_ft"]

    def bound(r: Tensor, f: Tensor) -> Tensor:
        return t(r).mean() - ft(f).mean()

    def d_loss(r: Tensor, f: Tensor) -> Tensor:
        return ft(f).mean() - t(r).mean()

    def g_loss(r: Tensor, f: Tensor) -> Tensor:
        return -ft(f).mean()

    for fn, part in ((bound, "bound"), (d_loss, "d"), (g_loss, "g")):
        fn.__name__ = fn.__qualname__ = f"{name}_{part}"
        fn.__doc__ = t.__doc__
    return Loss(name, f"f-GAN: {label}", d_loss, g_loss, "Nowozin, Cseke & Tomioka 2016", divergence=divergence,
                bound=bound)


LOSSES: dict[str, Loss] = {
    loss.name: loss for loss in [
        Loss("minimax", "Saturating minimax", _bce_d, minimax_g, "Goodfellow et al. 2014",
             log_loss=True, divergence=_GAN_JS),
        Loss("ns", "Non-saturating", _bce_d, ns_g, "Goodfellow et al. 2014", log_loss=True, divergence=_GAN_JS),
        Loss("wgan", "Wasserstein", wgan_d, wgan_g, "Arjovsky et al. 2017", wasserstein=True,
             needs_lipschitz=True, divergence="Wasserstein-1"),
        Loss("hinge", "Hinge", hinge_d, wgan_g, "Lim & Ye 2017; Miyato et al. 2018"),
        Loss("lsgan", "Least squares", lsgan_d, lsgan_g, "Mao et al. 2017"),
        Loss("rsgan", "Relativistic (RSGAN)", rsgan_d, rsgan_g, "Jolicoeur-Martineau 2018", relativistic=True),
        Loss("ragan", "Relativistic average (RaGAN)", ragan_d, ragan_g, "Jolicoeur-Martineau 2018",
             relativistic=True),
        Loss("ralsgan", "Relativistic average LS (RaLSGAN)", ralsgan_d, ralsgan_g, "Jolicoeur-Martineau 2018",
             relativistic=True),
        Loss("rahinge", "Relativistic average hinge", rahinge_d, rahinge_g, "Jolicoeur-Martineau 2018",
             relativistic=True),
        _fgan("kl", "forward KL", "forward KL(P‖Q) (mode covering)"),
        _fgan("reverse_kl", "reverse KL", "reverse KL(Q‖P) (mode seeking)"),
        _fgan("pearson", "Pearson χ²", "Pearson χ²(P‖Q)"),
        _fgan("hellinger", "squared Hellinger", "squared Hellinger ∫(√p − √q)²"),
        _fgan("js", "Jensen–Shannon", "Jensen–Shannon JS(P, Q) (f halved: the bound is JS, not 2·JS)"),
        _fgan("tv", "total variation", "total variation ½∫|p − q|"),
    ]
}
FGAN_LOSSES = tuple(n for n, loss in LOSSES.items() if loss.bound is not None)


def f_divergence_estimate(loss_name: str, r: Tensor, f: Tensor) -> float:
    """The critic's variational lower bound on D_f(P‖Q) for an f-GAN loss, from raw critic outputs on real
    (r) and generated (f) samples: E_P[g_f(r)] − E_Q[f*(g_f(f))], in nats for the KL / JS entries. It
    equals D_f at the optimal critic T* = f′(p/q) and is below it otherwise (up to sampling error)."""
    bound = LOSSES[loss_name].bound
    if bound is None:
        raise ValueError(f"'{loss_name}' is not an f-GAN loss: choose one of {', '.join(FGAN_LOSSES)}.")
    return float(bound(r, f))


def implied_js(r: Tensor, f: Tensor) -> float:
    """JS implied by a log-loss discriminator: V = E log σ(r) + E log(1 − σ(f)) and, at D = D*,
    V = −log 4 + 2·JSD (Goodfellow et al. 2014, Thm 1), so JSD ≈ (V + log 4) / 2.
    A lower bound on the true JS when D is not optimal."""
    v = F.logsigmoid(r).mean() + F.logsigmoid(-f).mean()
    return float((v + torch.log(torch.tensor(4.0))) / 2)


def wasserstein_estimate(r: Tensor, f: Tensor) -> float:
    """E[D(real)] − E[D(fake)]: W1 (Kantorovich–Rubinstein) if D is 1-Lipschitz and optimal."""
    return float(r.mean() - f.mean())
