"""Named, reproducible runs for talks. Each is a fixed config, seed and step budget, and promises a
behaviour that its check judges from the run's history (`Preset.failures`; the counts are in
promises.py); tests/test_presets.py trains every preset headless (seed fixed, one torch thread) and
asks it.

    python -m playground train --preset mode-collapse --eval-every 100 --out run.json

What each run measured (seed 0, one thread), with the date and the command: benchmarks/results/presets.md.
With the recommended settings wgan/gp and hinge/sn reach more high-quality samples by step 10000
(benchmarks/results/toy_table_10k.md); the presets stop earlier so a talk need not wait for that.

The promise "a generator that sits on its mode *and* hops" (issue 15) is withdrawn (issue 34), and its
strict xfail with it: no setting of 78 searched gives both (benchmarks/collapse_search.py, its table
benchmarks/results/collapse_search.md), and Metz et al.'s published networks, re-run for 25,000 steps,
hop round the ring off the modes too (issue 34's measurement). A small generator against a strong
critic collapses onto one mode and stays (mode-collapse); the Metz et al. networks hop, 0.4-0.8 away
from the modes (mode-hopping). The two together tell the story.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .config import RunConfig
from .promises import (EVAL_EVERY, Run, Spec, as_run, cadence_failures, evaluation_at, final_failures, hops,
                       median_g_grad, need, second_half, top2)
from .recipes import recommended_config

# check(preset, its run up to its budget, the reference run or None) -> failures (no failure: kept)
Check = Callable[["Preset", Run, "Run | None"], "list[str]"]


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    explanation: str   # one line, shown on screen
    config: RunConfig
    steps: int         # generator steps at which the promise holds
    promise: str       # what the check judges, in words
    check: Check = field(repr=False, compare=False)
    eval_every: int = 0  # the promise holds at every evaluation this far apart (0: at `steps` only)
    needs_raw: bool = False  # the check also reads the raw generator's metrics at `steps` (Run.raw)
    reference: Spec | None = None  # the other run the promise is judged against, if any
    short: str = ""    # the button's label where a row of presets must fit one line (default: the title)
    eval_samples: int = 0  # samples per evaluation the promise is judged on (0: the trainer's N_EVAL)
    row: bool = True   # a button in the toy page's presets row (the records train for minutes: CLI and tests)

    @property
    def label(self) -> str:
        return self.short or self.title

    @property
    def shows(self) -> str:
        """Which generator the samples and metrics come from, in words (the preset's line says it)."""
        beta = self.config.g_ema
        if beta > 0 and self.config.g_shown == "averaged":
            return f"the weight-averaged generator (β = {beta:g})"
        if beta > 0:
            return f"the raw generator (its β = {beta:g} weight average is one click away)"
        return "the raw generator (no weight average)"

    @property
    def spec(self) -> Spec:
        """The run the promise reads (evaluated every `eval_every` steps, else every EVAL_EVERY)."""
        return Spec(self.config, self.steps, self.eval_every or EVAL_EVERY, raw=self.needs_raw, label=self.name,
                    eval_samples=self.eval_samples)

    def specs(self) -> list[Spec]:
        """Every run the promise reads: its own, then the reference's."""
        return [self.spec] + ([self.reference] if self.reference else [])

    def failures(self, run: Run | list, reference: Run | list | None = None) -> list[str]:
        """Why the promise is broken by this run (a Run, or its bare history): [] when it is kept.
        Records after `steps` are ignored (a longer run of the same spec serves). `reference` is the
        run of `self.reference`, required where one is declared."""
        run = as_run(run).upto(self.steps)
        fails = final_failures(run.history, self.steps)
        if self.reference is not None:
            if reference is None:
                raise ValueError(f"{self.name}: its promise is judged against a reference run; pass reference=")
            reference = as_run(reference).upto(self.reference.steps)
            fails += final_failures(reference.history, self.reference.steps, "the reference run")
            if not fails and self.reference.raw and reference.raw is None:
                raise ValueError(f"{self.name}: the reference run needs its raw generator's metrics at step "
                                 f"{self.reference.steps} (Run.raw)")
        if not fails and self.needs_raw and run.raw is None:
            raise ValueError(f"{self.name}: the run needs its raw generator's metrics at step {self.steps} (Run.raw)")
        return fails or self.check(self, run, reference)

    def kept(self, run: Run | list, reference: Run | list | None = None) -> bool:
        return not self.failures(run, reference)


# ----- the checks (the words are each preset's `promise`) --------------------------------------------
def _final(p: Preset, run: Run) -> dict:
    return evaluation_at(run.history, p.steps)


def _collapsed_on_a_mode(p: Preset, run: Run, reference: Run | None) -> list[str]:
    """At every evaluation of the second half: top-2 share ≥ 0.9 and median distance to the nearest
    mode ≤ 0.3. (The words' "≥ 80 % high quality" too is a non-strict xfail of tests/test_presets.py:
    it holds on some CPUs, not all.)"""
    evals = second_half(run.history, p.steps)
    fails = cadence_failures(evals, p.steps, p.eval_every)
    for h in evals:
        fails += need(top2(h) >= 0.9, f"step {h['step']}: top-2 share {top2(h):.3f} < 0.9")
        fails += need(h["median_mode_distance"] <= 0.3,
                      f"step {h['step']}: median distance to the nearest mode {h['median_mode_distance']:.3f} > 0.3")
    return fails


def _hops_between_modes(p: Preset, run: Run, reference: Run | None) -> list[str]:
    """At every evaluation of the second half top-2 share ≥ 0.9, and ≥ 5 hops there."""
    evals = second_half(run.history, p.steps)
    fails = cadence_failures(evals, p.steps, p.eval_every)
    fails += [f"step {h['step']}: top-2 share {top2(h):.3f} < 0.9" for h in evals if top2(h) < 0.9]
    n = hops(evals)
    return fails + need(n >= 5, f"the dominant mode changed {n} times in the second half (< 5)")


def _average_hides(p: Preset, run: Run, reference: Run | None) -> list[str]:
    """The average: 0 modes covered, median distance ≥ 1; the raw generator: top-2 share ≥ 0.9."""
    avg, raw = _final(p, run), run.raw
    return (need(avg["modes_covered"] == 0, f"the average covers {avg['modes_covered']:g} modes (> 0)")
            + need(avg["median_mode_distance"] >= 1.0,
                   f"the average's median distance to the nearest mode {avg['median_mode_distance']:.3f} < 1")
            + need(top2(raw) >= 0.9, f"the raw generator's top-2 share {top2(raw):.3f} < 0.9"))


def _all_modes_sharp(p: Preset, run: Run, reference: Run | None) -> list[str]:
    """8 of 8 modes covered and ≥ 80 % high-quality samples."""
    m = _final(p, run)
    return (need(m["modes_covered"] == 8, f"{m['modes_covered']:g} of 8 modes covered")
            + need(m["high_quality_fraction"] >= 0.8, f"high quality {m['high_quality_fraction']:.3f} < 0.8"))


def _all_modes(p: Preset, run: Run, reference: Run | None) -> list[str]:
    m = _final(p, run)
    return need(m["modes_covered"] == 8, f"{m['modes_covered']:g} of 8 modes covered")


def _worse_than_gp(p: Preset, run: Run, reference: Run) -> list[str]:
    """Against WGAN-GP's raw generator at the same step: high quality lower by > 0.2, W1 larger by > 0.1."""
    clip, gp = _final(p, run), reference.raw
    return (need(clip["high_quality_fraction"] < gp["high_quality_fraction"] - 0.2,
                 f"high quality {clip['high_quality_fraction']:.3f}, WGAN-GP's raw generator "
                 f"{gp['high_quality_fraction']:.3f} (not 0.2 fewer)")
            + need(clip["w1"] > gp["w1"] + 0.1, f"W1 {clip['w1']:.3f}, WGAN-GP's raw generator {gp['w1']:.3f} "
                                                f"(not 0.1 larger)"))


def _gradient_vanishes(p: Preset, run: Run, reference: Run) -> list[str]:
    """Median generator gradient norm < 1 % of the non-saturating twin's."""
    a, b = median_g_grad(run.history), median_g_grad(reference.history)
    return need(a < 0.01 * b, f"median generator gradient norm {a:.2e}, the non-saturating twin's {b:.2e} "
                              f"(not below 1 %)")


# A plain GAN (non-saturating loss, no Lipschitz constraint) on ring8 for the mode-collapse presets:
# Adam 1e-3 for both networks, batch 512, no weight average (the raw generator is the lesson).
_PLAIN = dict(g_lr=1e-3, d_lr=1e-3, batch_size=512, g_ema=0.0, seed=0)
# WGAN-GP at the recommended settings (Adam 5e-4, λ = 1, EMA 0.99): a preset, and clip-vs-gp's reference
_WGAN_GP = recommended_config("ring8", "wgan", "gp", seed=0)
# the original minimax loss against a strong discriminator: 5 critic steps per generator step at 1e-3
_MINIMAX = recommended_config("ring8", "minimax", "none", seed=0, d_lr=1e-3, n_critic=5, g_shown="raw")


def _record(modes: int, hq: float, kl: float) -> Check:
    """At the budget: every mode covered, high quality ≥ `hq`, the mode histogram's KL to uniform ≤ `kl`
    (PacGAN's protocol: evaluated on 2,500 samples, the preset's eval_samples)."""
    def check(p: Preset, run: Run, reference: Run | None) -> list[str]:
        m = _final(p, run)
        return (need(m["modes_covered"] == modes, f"{m['modes_covered']:g} of {modes} modes covered")
                + need(m["high_quality_fraction"] >= hq, f"high quality {m['high_quality_fraction']:.4f} < {hq}")
                + need(m["mode_reverse_kl"] <= kl, f"mode KL {m['mode_reverse_kl']:.4f} > {kl}"))
    return check


# The records under PacGAN's protocol (issue 34): the recipe that measured best, non-saturating with R1
# (toy_table_10k.md), its weight average at β = 0.999 instead of 0.99 (97 % against 96 % high quality on
# ring8 at 10,000 steps, seed 0). The promises are what held on seeds 0-9 (benchmarks/results/records.md).
_RECORD = dict(g_ema=0.999, seed=0)
PACGAN_SAMPLES = 2500  # PacGAN's evaluation sample (Lin et al. 2018, §5)

def _record_preset(dataset: str, what: str, modes: int, steps: int, hq: float, target: float) -> Preset:
    """record-<dataset>: the records' recipe, promising every mode, ≥ `hq` high quality and mode KL ≤ 0.02
    (what held on seeds 0-9), short of the issue's `target` high quality."""
    return Preset(f"record-{dataset}", f"Record: {what}",
                  f"Our best recipe on the {what.split(' of ')[0]} under PacGAN's protocol (2,500 samples): "
                  "non-saturating loss, R1 (γ = 0.1), Adam 1e-3, the weight average at β = 0.999.",
                  recommended_config(dataset, "ns", "r1", **_RECORD), steps,
                  f"{modes} of {modes} modes covered, ≥ {hq:.0%} high quality, mode KL ≤ 0.02 (the issue's target "
                  f"of {target:.0%} is not met)".replace("%", " %"),
                  _record(modes, hq, 0.02), eval_every=2500, eval_samples=PACGAN_SAMPLES, row=False)


# Metz et al.'s networks at Adam 1e-3: a plain GAN hops (mode-hopping); unrolled 5 steps it spreads. k = 5
# is the paper's Fig. 1 setting and the best of those measured (benchmarks/results/unroll_search.md)
_HOPPING = recommended_config("ring8", "ns", "none", noise_dim=256, g_depth=2, d_depth=1, **_PLAIN)
_UNROLLED = _HOPPING.replace(unroll=5)


PRESETS: dict[str, Preset] = {
    p.name: p for p in [
        Preset("mode-collapse", "Mode collapse",
               "A plain GAN (non-saturating loss, no Lipschitz constraint) with a small generator against a "
               "strong discriminator: almost every sample lands on one mode of the eight, on the mode, and "
               "stays there (VEEGAN's table: 1 mode, 99 % high quality).",
               # noise 256 into a 2 × 8 generator; a 2 × 256 critic at 3× the generator's rate
               recommended_config("ring8", "ns", "none", noise_dim=256, g_depth=2, g_width=8, d_depth=2,
                                  d_width=256, **{**_PLAIN, "d_lr": 3e-3}), 3000,
               "at every evaluation of the second half: ≥ 90 % of the samples nearest at most two modes, "
               "median distance to the nearest mode ≤ 0.3, ≥ 80 % high quality",
               _collapsed_on_a_mode, eval_every=100),
        Preset("mode-hopping", "Mode hopping",
               "A plain GAN with the networks of Metz et al. 2017 (Unrolled GANs, Fig. 1: noise 256, a 2-layer "
               "generator, a 1-layer discriminator) at Adam 1e-3: the samples bunch together and circle the ring after the "
               "discriminator, a different mode every few hundred steps, but never settle on one.",
               _HOPPING, 3000,
               "at every evaluation of the second half: ≥ 90 % of the samples nearest at most two modes; the "
               "dominant mode (≥ 2/3 of the samples) changes ≥ 5 times",
               _hops_between_modes, eval_every=100),
        Preset("unrolled", "Unrolled GAN (Metz et al. 2017)",
               "The mode-hopping networks and rates, with the generator trained against the critic unrolled 5 "
               "updates ahead (Metz et al. 2017): it can no longer chase the critic round the ring, and the "
               "samples spread over all eight modes, still blurred at step 5,000. Each step costs 6 critic "
               "passes: about 6× slower.",
               _UNROLLED, 5000, "8 of 8 modes covered (seeds 0–4 all cover them at step 5,000)", _all_modes,
               short="Unrolled"),
        Preset("average-hides", "What the weight average hides",
               "A plain GAN at the textbook rate (Adam 2e-4), shown through the weight average (β = 0.99): "
               "the raw generator hops round the ring, and its average is a blob between the modes. "
               "Switch Show to the raw generator to see the hopping.",
               recommended_config("ring8", "ns", "none", seed=0, g_ema=0.99), 2000,
               "the average: no mode covered, median distance to the nearest mode ≥ 1; the raw generator of "
               "the same run: ≥ 90 % of its samples nearest at most two modes",
               _average_hides, needs_raw=True, short="Average hides"),
        Preset("wgan-gp", "The fix: WGAN-GP",
               "Same data, Wasserstein loss with a gradient penalty: the critic keeps a useful slope "
               "everywhere, so the generator spreads over all 8 modes.",
               _WGAN_GP, 4000, "8 of 8 modes covered, ≥ 80 % high-quality samples", _all_modes_sharp, short="WGAN-GP"),
        Preset("clip-vs-gp", "Weight clipping vs gradient penalty",
               "WGAN with weight clipping (c = 0.01, RMSProp 5e-5, as in the paper): the clipped critic "
               "learns slowly and the samples stay smeared around the ring; compare WGAN-GP at the same step.",
               recommended_config("ring8", "wgan", "clip", seed=0, g_shown="raw"), 4000,
               "fewer high-quality samples and a larger W1 than WGAN-GP at the same step",
               # both raw generators: the clipped one is shown raw, WGAN-GP's is measured raw
               _worse_than_gp, reference=Spec(_WGAN_GP, 4000, raw=True, label="clip-vs-gp's WGAN-GP"), short="Clip vs penalty"),
        Preset("vanishing-gradients", "Vanishing gradients (saturating minimax)",
               "The original minimax loss against a strong discriminator: once D confidently rejects "
               "the fakes, log(1 − D(G(z))) is flat there and the generator's gradient all but vanishes.",
               _MINIMAX, 200, "median generator gradient norm < 1 % of the non-saturating loss's on the same config",
               _gradient_vanishes,
               reference=Spec(_MINIMAX.replace(loss="ns"), 200, label="vanishing-gradients' ns twin"), short="Vanishing gradients"),
        Preset("hinge-sn", "Hinge + spectral norm",
               "The hinge loss with spectral normalisation on every critic layer (SN-GAN) and a 5× faster "
               "critic optimiser: no penalty term, and it still covers all 8 modes.",
               recommended_config("ring8", "hinge", "sn", seed=0), 2500,
               "8 of 8 modes covered", _all_modes, short="Hinge + SN"),
        _record_preset("ring8", "ring of 8", 8, 10000, 0.96, 0.98),
        _record_preset("grid25", "grid of 25", 25, 15000, 0.93, 0.96),
    ]
}
