"""Comparisons for talks: a fixed base, variants, seed and step budget, each with a promise its check
judges from the runs' histories (`ComparisonPreset.failures`; the counts are in promises.py);
tests/test_compare.py trains every run headless (seed fixed, one torch thread) and asks it.

    python -m playground compare --preset collapse-vs-gp --eval-every 100 --out cmp.json

Every variant starts from the recipes of its loss and method (recipes.py); the changes listed are
all that differ. Each names its Lipschitz method, "none" included: a preset's run must not move with
RunConfig's default. What each measured at its budget and later (seed 0, one thread), with the date and the
command: benchmarks/results/presets.md. The budgets stop at 2000 steps so a talk waits less, except the
collapse fixes' 5,000 (the fixes need it; benchmarks/results/collapse_fixes.md) and the one-Gaussian
fits' 3,000 (forward KL needs it; benchmarks/results/fgan_recipes.md, seeds 0-4).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from . import one_gaussian
from .compare import Comparison, Variant
from .promises import EVAL_EVERY, Spec, evaluation_at, final_failures, median_g_grad, need

# check(finals, histories) -> failures (no failure: kept); both {variant name: ...}: the evaluation at the
# budget, and the history up to it
Check = Callable[[dict[str, dict], dict[str, list]], list[str]]


@dataclass(frozen=True)
class ComparisonPreset:
    name: str
    title: str
    explanation: str   # one line, shown on screen
    comparison: Comparison
    promise: str       # what the check judges, in words
    check: Check = field(repr=False, compare=False)
    short: str = ""    # the button's label where a row of presets must fit one line (default: the title)

    @property
    def label(self) -> str:
        return self.short or self.title

    def specs(self) -> dict[str, Spec]:
        """{variant name: its run} (each evaluated every EVAL_EVERY steps)."""
        return {v.name: Spec(c, self.comparison.steps, EVAL_EVERY, label=f"{self.name}/{v.name}")
                for v, c in zip(self.comparison.variants, self.comparison.configs())}

    def failures(self, histories: dict[str, list]) -> list[str]:
        """Why the promise is broken by these runs ({variant name: history}): [] when it is kept. Records
        after the budget are ignored (a longer run of the same config serves)."""
        names, steps = self.comparison.names, self.comparison.steps
        if set(histories) != set(names):
            raise ValueError(f"{self.name}: give the histories of {names}, not {sorted(histories)}")
        cut = {k: [h for h in histories[k] if h["step"] <= steps] for k in names}
        fails = [f for k in names for f in final_failures(cut[k], steps, k)]
        return fails or self.check({k: evaluation_at(cut[k], steps) for k in names}, cut)

    def kept(self, histories: dict[str, list]) -> bool:
        return not self.failures(histories)


# ----- the checks (the words are each preset's `promise`) --------------------------------------------
def _collapse_vs_gp(f: dict[str, dict], h: dict[str, list]) -> list[str]:
    ns, gp = f["NS GAN"], f["WGAN-GP"]
    return (need(ns["modes_covered"] <= 2, f"NS GAN covers {ns['modes_covered']:g} modes (> 2)")
            + need(ns["high_quality_fraction"] >= 0.9, f"NS GAN high quality {ns['high_quality_fraction']:.3f} < 0.9")
            + need(gp["modes_covered"] == 8, f"WGAN-GP covers {gp['modes_covered']:g} of 8 modes"))


def _clip_vs_gp(f: dict[str, dict], h: dict[str, list]) -> list[str]:
    clip, gp = f["WGAN clip"], f["WGAN-GP"]
    return (need(gp["high_quality_fraction"] > clip["high_quality_fraction"] + 0.2,
                 f"high quality: WGAN-GP {gp['high_quality_fraction']:.3f}, clip {clip['high_quality_fraction']:.3f} "
                 f"(not 0.2 more)")
            + need(gp["w1"] < clip["w1"] - 0.1, f"W1: WGAN-GP {gp['w1']:.3f}, clip {clip['w1']:.3f} (not 0.1 smaller)"))


def _saturating_vs_ns(f: dict[str, dict], h: dict[str, list]) -> list[str]:
    a, b = median_g_grad(h["minimax"]), median_g_grad(h["non-saturating"])
    return need(a < 0.01 * b, f"median generator gradient norm: minimax {a:.2e}, non-saturating {b:.2e} "
                              f"(not below 1 %)")


def _lipschitz_methods(f: dict[str, dict], h: dict[str, list]) -> list[str]:
    fails = []
    for k in ("gp", "sn", "r1"):
        fails += need(f[k]["modes_covered"] == 8, f"{k} covers {f[k]['modes_covered']:g} of 8 modes")
        fails += need(f[k]["w1"] < 0.25, f"{k}: W1 {f[k]['w1']:.3f} ≥ 0.25")
    hq = {k: m["high_quality_fraction"] for k, m in f.items()}
    w1 = {k: m["w1"] for k, m in f.items()}
    fails += need(hq["clip"] == min(hq.values()), f"clip's high quality {hq['clip']:.3f} is not the lowest "
                                                  f"({min(hq, key=hq.get)}: {min(hq.values()):.3f})")
    return fails + need(w1["clip"] == max(w1.values()), f"clip's W1 {w1['clip']:.3f} is not the largest "
                                                        f"({max(w1, key=w1.get)}: {max(w1.values()):.3f})")


def _critic_steps(f: dict[str, dict], h: dict[str, list]) -> list[str]:
    one, five = f["n_critic 1"], f["n_critic 5"]
    share = {k: m["wasserstein_estimate"] / m["w1"] for k, m in (("1", one), ("5", five))}
    return (need(five["w1"] < one["w1"], f"W1: n_critic 5 {five['w1']:.3f}, n_critic 1 {one['w1']:.3f} (not smaller)")
            + need(share["5"] > share["1"], f"the critic's estimate as a share of W1: n_critic 5 {share['5']:.3f}, "
                                            f"n_critic 1 {share['1']:.3f} (not larger)"))


def _collapse_fixes(f: dict[str, dict], h: dict[str, list]) -> list[str]:
    plain = f["plain"]
    fails = need(plain["modes_covered"] <= 3, f"plain covers {plain['modes_covered']:g} modes (> 3)")
    for k in ("unrolled", "packed", "WGAN-GP"):
        fails += need(f[k]["modes_covered"] == 8, f"{k} covers {f[k]['modes_covered']:g} of 8 modes")
    return fails


def _ring_kl(f: dict[str, dict], h: dict[str, list]) -> list[str]:
    fails = []
    for k in ("forward KL", "reverse KL"):
        fails += need(f[k]["modes_covered"] == 8, f"{k} covers {f[k]['modes_covered']:g} of 8 modes")
    return fails


def _one_gaussian(f: dict[str, dict], h: dict[str, list]) -> list[str]:
    """Each run's (|gen_mean|, gen_std) within 0.3 of |μ*| and 20 % of σ*, its divergence's optimum by
    quadrature (one_gaussian.py)."""
    fails = []
    for name, m in f.items():
        fit = one_gaussian.optimum(ONE_GAUSSIAN_RUNS[name])
        mu, sd = abs(m["gen_mean"]), m["gen_std"]
        fails += need(abs(mu - fit.mu) <= 0.3 and abs(sd - fit.sigma) <= 0.2 * fit.sigma,
                      f"{name} fits (|μ|, σ) = ({mu:.2f}, {sd:.2f}), not within (0.3, 20 %) of its optimum "
                      f"({fit.mu:.2f}, {fit.sigma:.2f})")
    return fails


RING = {"dataset": "ring8", "seed": 0}
# the networks of the toy page's mode-collapse preset: a small generator against a strong critic
COLLAPSE_NETS = {"noise_dim": 256, "g_depth": 2, "g_width": 8, "d_depth": 2, "d_width": 256, "batch_size": 512}

# Metz et al. 2017's networks (Unrolled GANs, Fig. 1): noise 256, a 2 × 128 generator, a 1 × 128 critic
METZ_NETS = {"noise_dim": 256, "g_depth": 2, "g_width": 128, "d_depth": 1, "d_width": 128, "batch_size": 512}
# the toy page's mode-hopping preset: a plain GAN at Adam 1e-3, raw generator
_HOPPING = {"loss": "ns", "lipschitz": "none", "g_lr": 1e-3, "d_lr": 1e-3, "g_ema": 0.0}

# "Fit one Gaussian to two" (issue 35): a generator that can only make one Gaussian (models/gaussian.py,
# started from its seed) on ½N(−3, ½²) + ½N(3, ½²), trained under each divergence at the 1D one-Gaussian
# recipe (recipes.py); the promise measured over seeds 0-4 (benchmarks/results/fgan_recipes.md)
# the critic's size is the recipe's for this generator (recipes.py DATASET_ARCH), named here because the
# compare page's base form holds every network field
ONE_GAUSSIAN = {"dataset": "two_modes1d", "arch": "gaussian", "d_width": 64, "d_depth": 2, "seed": 0}
ONE_GAUSSIAN_STEPS = 3000
# variant name -> the divergence (one_gaussian.py DIVERGENCES) whose optimum it is held to
ONE_GAUSSIAN_RUNS = {"forward KL": "kl", "reverse KL": "reverse_kl", "JS": "js", "squared Hellinger": "hellinger",
                     "Pearson χ²": "pearson", "W1 (WGAN-GP)": "w1"}


def _fgan(name: str) -> Variant:
    div = ONE_GAUSSIAN_RUNS[name]
    return Variant(name, {"loss": one_gaussian.LOSS[div], "lipschitz": "gp" if div == "w1" else "r1"})


COMPARISONS: dict[str, ComparisonPreset] = {
    p.name: p for p in [
        ComparisonPreset(
            "collapse-vs-gp", "Mode collapse vs WGAN-GP",
            "The same small generator (noise 256, 2 × 8) and strong critic (2 × 256): a plain GAN (non-saturating, "
            "critic at 3× the generator's rate, raw generator) puts almost every sample on one mode; WGAN with a "
            "gradient penalty spreads over all eight.",
            Comparison({**RING, **COLLAPSE_NETS},
                       (Variant("NS GAN", {"loss": "ns", "lipschitz": "none", "g_lr": 1e-3, "d_lr": 3e-3,
                                           "g_ema": 0.0}),
                        Variant("WGAN-GP", {"loss": "wgan", "lipschitz": "gp"})), 2000),
            "the plain GAN: at most 2 modes covered with ≥ 90 % of its samples high quality (collapsed onto a "
            "mode); WGAN-GP: 8 of 8 modes", _collapse_vs_gp, short="Collapse vs GP"),
        ComparisonPreset(
            "clip-vs-gp", "Weight clipping vs gradient penalty",
            "WGAN with weight clipping (c = 0.01, RMSProp 5e-5, the paper's) against WGAN-GP: the clipped "
            "critic learns slowly and its samples stay smeared; the penalised one is sharp.",
            Comparison(RING, (Variant("WGAN clip", {"loss": "wgan", "lipschitz": "clip"}),
                              Variant("WGAN-GP", {"loss": "wgan", "lipschitz": "gp"})), 2000),
            "WGAN-GP has ≥ 20 points more high-quality samples and a W1 smaller by ≥ 0.1 than weight clipping",
            _clip_vs_gp, short="Clip vs GP"),
        ComparisonPreset(
            "saturating-vs-ns", "Saturating vs non-saturating loss",
            "The original minimax loss against the non-saturating one, both against a strong discriminator "
            "(5 critic steps at 1e-3): the saturating generator's gradient all but vanishes.",
            Comparison(RING, (Variant("minimax", {"loss": "minimax", "lipschitz": "none", "d_lr": 1e-3,
                                                  "n_critic": 5}),
                              Variant("non-saturating", {"loss": "ns", "lipschitz": "none", "d_lr": 1e-3,
                                                         "n_critic": 5})), 300),
            "the minimax generator's median gradient norm is below 1 % of the non-saturating one's", _saturating_vs_ns, short="Sat. vs NS"),
        ComparisonPreset(
            "lipschitz-methods", "Every Lipschitz method",
            "WGAN's loss with four ways to keep the critic 1-Lipschitz: weight clipping, gradient penalty, "
            "spectral normalisation and R1, each at its recipe.",
            Comparison(RING, (Variant("clip", {"loss": "wgan", "lipschitz": "clip"}),
                              Variant("gp", {"loss": "wgan", "lipschitz": "gp"}),
                              Variant("sn", {"loss": "wgan", "lipschitz": "sn"}),
                              Variant("r1", {"loss": "wgan", "lipschitz": "r1"})), 2000),
            "gp, sn and r1 cover 8 of 8 modes with W1 < 0.25; weight clipping has the fewest "
            "high-quality samples and the largest W1", _lipschitz_methods, short="All Lipschitz"),
        ComparisonPreset(
            "critic-steps", "One vs five critic steps",
            "WGAN-GP with one critic update per generator step against five (the paper's). Both find the "
            "modes at this learning rate, but with one the critic lags: its Wasserstein estimate is a "
            "smaller share of the true W1, and the samples sit less tightly.",
            Comparison(RING, (Variant("n_critic 1", {"loss": "wgan", "lipschitz": "gp", "n_critic": 1}),
                              Variant("n_critic 5", {"loss": "wgan", "lipschitz": "gp", "n_critic": 5})), 2000),
            "five critic steps reach a smaller W1, and their critic's estimate is a larger share of it", _critic_steps, short="n_critic 1 vs 5"),
        ComparisonPreset(
            "collapse-fixes", "Mode collapse and its fixes",
            "Metz et al.'s networks, where a plain GAN (non-saturating, Adam 1e-3, raw generator) hops round "
            "the ring, against three fixes: the generator trained against a critic unrolled 5 steps ahead "
            "(Metz et al. 2017), a critic that scores pairs of samples (PacGAN, Lin et al. 2018), and "
            "WGAN-GP. The fixes spread the samples; none is sharp yet at step 5,000. Unrolling costs 6 critic "
            "passes per step and WGAN-GP 5 critic updates: the four train in lockstep at the slowest's pace.",
            Comparison({**RING, **METZ_NETS},
                       (Variant("plain", _HOPPING),
                        Variant("unrolled", {**_HOPPING, "unroll": 5}),
                        Variant("packed", {**_HOPPING, "pack": 2}),
                        Variant("WGAN-GP", {"loss": "wgan", "lipschitz": "gp", "g_ema": 0.0})), 5000),
            "the plain GAN covers at most 3 modes; the unrolled, packed and WGAN-GP runs cover 8 of 8 (seeds 0–4 "
            "all keep it at step 5,000)",
            _collapse_fixes, short="Collapse fixes"),
        ComparisonPreset(
            "one-gaussian", "Fit one Gaussian to two: covering vs seeking",
            "A generator that can only make one Gaussian, on two separated modes, trained under four "
            "divergences: forward KL spreads it over both (μ ≈ 0, σ ≈ 3), reverse KL, Jensen–Shannon and "
            "squared Hellinger put it on one mode (μ ≈ ±3, σ ≈ 0.5). The dotted curve is each divergence's "
            "optimum, by quadrature.",
            Comparison(ONE_GAUSSIAN, tuple(_fgan(k) for k in ("forward KL", "reverse KL", "JS", "squared Hellinger")),
                       ONE_GAUSSIAN_STEPS),
            f"each run's (|μ|, σ) at step {ONE_GAUSSIAN_STEPS:,} is within 0.3 of |μ*| and 20 % of σ* of its "
            f"divergence's optimum (forward KL (0, 3.04); the others (3, 0.5)); measured on seeds 0-4",
            _one_gaussian, short="Cover vs seek"),
        ComparisonPreset(
            "ring-kl", "Forward vs reverse KL on the ring",
            "The toy networks (3 × 128) on the ring of 8 under forward and reverse KL (f-GAN saddle objectives, "
            "their recipe: R1 γ = 1), and forward KL again with the sharper critic of R1 γ = 0.1. The textbook "
            "says reverse KL seeks one mode; a generator that can draw all eight need not choose, and here both "
            "cover them all. Forward KL's generator loss −E_Q[exp(T − 1)] saturates where the critic rejects its "
            "samples: against the sharper critic it never reaches a mode on this seed.",
            Comparison(RING, (Variant("forward KL, γ 0.1", {"loss": "kl", "lipschitz": "r1", "penalty": 0.1}),
                              Variant("forward KL", {"loss": "kl", "lipschitz": "r1"}),
                              Variant("reverse KL", {"loss": "reverse_kl", "lipschitz": "r1"})), 2000),
            "forward and reverse KL cover 8 of 8 modes (seeds 0–4 all do at step 2,000); forward KL with γ = 0.1 "
            "is not promised (seeds 0–4: 0, 8, 8, 4 and 0 modes)", _ring_kl, short="Ring: KL"),
        ComparisonPreset(
            "one-gaussian-more", "Fit one Gaussian to two: χ² and W1",
            "The same one-Gaussian generator under Pearson χ² and W1 (WGAN-GP), both covering, beside forward "
            "and reverse KL: χ² and W1 spread it over both modes too, each to its own width.",
            Comparison(ONE_GAUSSIAN, tuple(_fgan(k) for k in ("Pearson χ²", "W1 (WGAN-GP)", "forward KL",
                                                               "reverse KL")), ONE_GAUSSIAN_STEPS),
            f"each run's (|μ|, σ) at step {ONE_GAUSSIAN_STEPS:,} is within 0.3 of |μ*| and 20 % of σ* of its "
            f"divergence's optimum (Pearson χ² (0, 3.06), W1 (0, 2.85), forward KL (0, 3.04), reverse KL "
            f"(3, 0.5)); measured on seeds 0-4", _one_gaussian, short="χ², W1"),
    ]
}
