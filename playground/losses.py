"""GAN objectives on raw critic outputs. r = D(x_real), f = D(G(z)) are logits / scores, shape (B,).

Every entry gives the critic loss L_D(r, f) and the generator loss L_G(r, f), both minimised.
Log-loss forms use softplus: −log σ(t) = softplus(−t), −log(1 − σ(t)) = softplus(t); never the log
of a sigmoid output.
"""
from __future__ import annotations

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


LOSSES: dict[str, Loss] = {
    loss.name: loss for loss in [
        Loss("minimax", "Saturating minimax", _bce_d, minimax_g, "Goodfellow et al. 2014",
             log_loss=True),
        Loss("ns", "Non-saturating", _bce_d, ns_g, "Goodfellow et al. 2014", log_loss=True),
        Loss("wgan", "Wasserstein", wgan_d, wgan_g, "Arjovsky et al. 2017", wasserstein=True,
             needs_lipschitz=True),
        Loss("hinge", "Hinge", hinge_d, wgan_g, "Lim & Ye 2017; Miyato et al. 2018"),
        Loss("lsgan", "Least squares", lsgan_d, lsgan_g, "Mao et al. 2017"),
        Loss("rsgan", "Relativistic (RSGAN)", rsgan_d, rsgan_g, "Jolicoeur-Martineau 2018", relativistic=True),
        Loss("ragan", "Relativistic average (RaGAN)", ragan_d, ragan_g, "Jolicoeur-Martineau 2018",
             relativistic=True),
        Loss("ralsgan", "Relativistic average LS (RaLSGAN)", ralsgan_d, ralsgan_g, "Jolicoeur-Martineau 2018",
             relativistic=True),
        Loss("rahinge", "Relativistic average hinge", rahinge_d, rahinge_g, "Jolicoeur-Martineau 2018",
             relativistic=True),
    ]
}


def implied_js(r: Tensor, f: Tensor) -> float:
    """JS implied by a log-loss discriminator: V = E log σ(r) + E log(1 − σ(f)) and, at D = D*,
    V = −log 4 + 2·JSD (Goodfellow et al. 2014, Thm 1), so JSD ≈ (V + log 4) / 2.
    A lower bound on the true JS when D is not optimal."""
    v = F.logsigmoid(r).mean() + F.logsigmoid(-f).mean()
    return float((v + torch.log(torch.tensor(4.0))) / 2)


def wasserstein_estimate(r: Tensor, f: Tensor) -> float:
    """E[D(real)] − E[D(fake)]: W1 (Kantorovich–Rubinstein) if D is 1-Lipschitz and optimal."""
    return float(r.mean() - f.mean())
