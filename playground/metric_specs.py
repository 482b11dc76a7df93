"""Every number a run logs, described once: what the history key means, how it is estimated, how
the charts draw it. A leaf module (standard library only): the engine, the plots and the pages can
all import it without cycles.

A history record (Trainer.history) holds `step` and `seconds`, the step statistics of
trainer.STAT_KEYS (means over the logging window) and, on evaluation steps, the dataset's metrics
(Dataset.metrics) and the critic's own estimates. Natural logs throughout (nats; JS ≤ ln 2).

Estimators depend on the data kind ("1d", "2d", "image"): `spec(key, kind)` is the entry with that
kind's overrides applied, and its `name` the legend label with the estimator note, e.g.
"W1 (optimal matching, n=512; floor ≈ 0.2)". The charts take labels, notes, floors and log axes
from here, so a label cannot drift from its estimator.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Mapping

KINDS = ("1d", "2d", "image")
GROUPS = ("progress", "losses", "gradients", "divergences", "critic", "modes", "images")


@dataclass(frozen=True)
class Metric:
    """One history key.

    label: the quantity's short name (legend, hover); axis: the y-axis title of the chart that draws
    it ("" = label); doc: its definition or estimator formula; group: the chart family (GROUPS);
    log: drawn on a log axis; better: "lower", "higher" or "" (a diagnostic with no good direction);
    fmt: d3 number format for hover text; estimator: the short note shown after the label ("" when
    exact or obvious); floor: the estimator's value on two samples of the data itself (None: none
    known in advance), floor_note: what that floor compares; column: for a list-valued key (one number
    per mode), the CSV column prefix: item i goes to column f"{column}_{i}" (see csv_columns), while
    the history and the JSON keep the list; kinds: per data kind overrides of any of these fields."""
    key: str
    label: str
    doc: str
    group: str
    axis: str = ""
    unit: str = ""
    log: bool = False
    better: str = ""
    fmt: str = ".3g"
    estimator: str = ""
    floor: float | None = None
    floor_note: str = ""
    column: str = ""
    kinds: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def for_kind(self, kind: str | None) -> "Metric":
        """This entry with the overrides of data kind `kind` (case-insensitive; unknown or None: as is)."""
        over = self.kinds.get(str(kind).lower(), {}) if kind else {}
        return replace(self, **over) if over else self

    @property
    def note(self) -> str:
        """Estimator note with the noise floor: "optimal matching, n=512; floor ≈ 0.2"."""
        parts = [self.estimator] if self.estimator else []
        if self.floor is not None:
            parts.append(f"floor ≈ {self.floor:g}")
        return "; ".join(parts)

    @property
    def name(self) -> str:
        """Legend label: label and note, "W1 (exact, 1D CDFs)"; after a closing parenthesis a comma,
        "KL(p‖q), KDE on grid"."""
        if not self.note:
            return self.label
        return f"{self.label}, {self.note}" if self.label.endswith(")") else f"{self.label} ({self.note})"

    @property
    def axis_title(self) -> str:
        return self.axis or self.label


def _m(key: str, label: str, doc: str, group: str, **kw: Any) -> Metric:
    kinds = kw.pop("kinds", {})
    return Metric(key, label, doc, group, kinds=MappingProxyType({k: MappingProxyType(v) for k, v in kinds.items()}),
                  **kw)


_KL_1D = dict(estimator="KDE on grid")
_KL_2D = dict(estimator="2D histogram, smoothed")

_ALL = [
    # --- bookkeeping --------------------------------------------------------------------------------
    _m("step", "generator step", "generator steps done (each = n_critic critic updates + 1 generator update)",
       "progress", fmt=".0f"),
    _m("seconds", "seconds", "wall-clock training time up to this record (evaluation excluded)", "progress",
       unit="s"),
    _m("critic_updates", "critic updates", "critic updates done so far: n_critic per generator step, plus any "
       "critic update run alone (the Critic step button)", "progress", fmt=".0f"),
    _m("update", "update alone", 'on the record of one network\'s update run alone: "critic" or "generator" '
       "(the Critic step / Generator step buttons); absent on ordinary steps", "progress"),
    # --- step statistics (trainer.STAT_KEYS), means over the logging window -------------------------
    _m("d_loss", "critic loss L_D", "the critic's loss (with its penalty) at its last update of the step",
       "losses", axis="loss"),
    _m("g_loss", "generator loss L_G", "the generator's loss on its update batch", "losses", axis="loss"),
    _m("d_real", "mean D(real)", "mean raw critic output (logit for log-loss critics) on the real batch",
       "losses", axis="loss"),
    _m("d_fake", "mean D(fake)", "mean raw critic output (logit for log-loss critics) on the fake batch",
       "losses", axis="loss"),
    _m("g_grad_norm", "generator ‖∇ₓ ℓ_G‖",
       "mean per-sample ‖∇ₓ ℓ_G‖ at the fakes: what moves the generator (vanishes under saturation)",
       "gradients", axis="norm (log scale)", log=True),
    _m("critic_grad_norm", "critic ‖∇ₓ D‖",
       "mean ‖∇ₓ D‖ at 64 fakes, measured on the last step of each logging window (≈ 1 if 1-Lipschitz)",
       "gradients", axis="norm (log scale)", log=True),
    # --- distances to the data (Dataset.metrics of the toy sets; p = data, q = generated) -----------
    _m("w1", "W1", "Wasserstein-1 between the data and the generated samples", "divergences", better="lower",
       kinds={"1d": dict(estimator="exact, 1D CDFs", doc="W1 = ∫|F_p − F_q̂| dx, analytic data CDF vs the "
                         "empirical CDF of the fakes"),
              "2d": dict(estimator="optimal matching, n=512", floor=0.2, floor_note="real vs real",
                         doc="mean cost of an exact optimal matching of 512 real and 512 fake points "
                             "(floor: two real samples of ring8)")}),
    _m("js", "JS", "JS(p, q) = ½KL(p‖m) + ½KL(q‖m), m = ½(p + q); in [0, ln 2]", "divergences",
       axis="JS (nats)", unit="nats", better="lower",
       kinds={"1d": dict(estimator="KDE on grid", doc="JS between the analytic p and a Gaussian KDE q̂ of the "
                         "fakes on a 2000-point grid"),
              "2d": dict(estimator="2D histogram", doc="JS between 50×50 histograms of real and fake points")}),
    _m("kl", "KL(p‖q)", "KL(p‖q) = Σ p log(p/q)", "divergences", axis="KL (nats)", unit="nats", log=True,
       better="lower", kinds={"1d": _KL_1D, "2d": dict(_KL_2D, doc="KL between 50×50 histograms, "
                                                        "1e-4 added to every bin")}),
    _m("reverse_kl", "KL(q‖p)", "KL(q‖p) = Σ q log(q/p)", "divergences", axis="KL (nats)", unit="nats", log=True,
       better="lower", kinds={"1d": _KL_1D, "2d": _KL_2D}),
    # --- the critic's own view ----------------------------------------------------------------------
    _m("wasserstein_estimate", "critic: E[D(real)] − E[D(fake)]",
       "E[D(real)] − E[D(fake)] on 1024 + 1024 evaluation points: W1 for an optimal 1-Lipschitz critic",
       "critic", axis="distance"),
    _m("implied_js", "implied JS = (V + ln 4)/2 (discriminator)",
       "(V + ln 4)/2 with V = E log D(real) + E log(1 − D(fake)): JS when D = D*, a lower bound otherwise",
       "critic", axis="JS (nats)", unit="nats"),
    _m("f_divergence_estimate", "critic's bound on D_f(p‖q) (f-GAN)",
       "E_p[g_f(D(real))] − E_q[f*(g_f(D(fake)))] on 1024 + 1024 evaluation points, f the loss's divergence "
       "(losses.py, Nowozin et al. 2016): the divergence itself at the optimal critic T* = f′(p/q), a lower "
       "bound otherwise (up to sampling error)", "critic", axis="divergence"),
    # --- modes (toy mixtures: VEEGAN / PacGAN protocol; MNIST: the classifier's verdict) -------------
    _m("modes_covered", "modes covered",
       "modes with ≥ 1 high-quality sample (within 3σ of its nearest mode)", "modes", better="higher", fmt=".0f",
       kinds={"image": dict(label="classes covered",
                            doc="classes of the training subset with ≥ 1 % of the classified samples")}),
    _m("modes_visited", "modes visited so far",
       "modes covered at one evaluation or more up to this step (the union of the covered modes)", "modes",
       better="higher", fmt=".0f",
       kinds={"image": dict(label="classes visited so far",
                            doc="trained classes with ≥ 1 % of the classified samples at one evaluation or more")}),
    _m("n_modes", "modes", "number of modes of the mixture", "modes", fmt=".0f",
       kinds={"image": dict(label="classes", doc="number of classes trained on")}),
    _m("high_quality_fraction", "high quality (within 3σ)", "share of samples within 3σ of their nearest mode",
       "modes", axis="high-quality fraction", better="higher", fmt=".1%"),
    _m("mode_shares", "share of samples",
       "per mode k: the fraction of all samples whose nearest mode is k (high quality or not); sums to 1",
       "modes", axis="mode", fmt=".0%", column="mode_share",
       kinds={"image": dict(axis="class", doc="per class (all ten digits): the fraction of the samples the "
                                               "classifier assigns to it; sums to 1")}),
    _m("median_mode_distance", "median distance to the nearest mode",
       "median over samples of minₖ ‖x − μₖ‖ (data units; σ of a ring8 mode is 0.02, neighbours 1.53 apart)",
       "modes", axis="distance", better="lower"),
    _m("mode_reverse_kl", "mode KL(q̂‖uniform)",
       "KL of the high-quality samples' mode histogram to uniform: 0 balanced, ln K in one mode, ∞ none",
       "modes", unit="nats", better="lower"),
    # --- the generated samples' moments (toy data; metrics.sample_moments) -----------------------------
    _m("gen_mean", "generated mean", "mean of the generated evaluation samples: a number in 1D, the mean "
       "vector [x, y] in 2D", "modes", axis="mean", kinds={"2d": dict(label="generated mean (x, y)")}),
    _m("gen_std", "generated standard deviation", "standard deviation of the generated evaluation samples "
       "(ddof 0): a number in 1D, per axis [σx, σy] in 2D", "modes", axis="standard deviation",
       kinds={"2d": dict(label="generated standard deviation (x, y)")}),
    # --- MNIST (evaluation.evaluate_digits) ---------------------------------------------------------
    _m("fid", "Fréchet distance",
       "‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁^½ Σ₂ Σ₁^½)^½) between Gaussians fitted to the classifier features "
       "of the fakes and of held-out real digits", "images", axis="Fréchet distance (log)", log=True,
       better="lower", fmt=".1f", estimator="classifier features", floor_note="real train vs test"),
    _m("class_kl", "class KL(q̂_S‖π_S)",
       "KL of the generated class histogram (restricted to the subset, renormalised) to the training prior",
       "modes", unit="nats", better="lower"),
    _m("off_subset_fraction", "outside the subset", "share of samples classified outside the trained classes",
       "modes", better="lower", fmt=".0%"),
    _m("mean_confidence", "mean confidence", "(1/n) Σᵢ max_c p(c | xᵢ): blurry digits score low", "modes",
       better="higher", fmt=".0%"),
]

METRICS: Mapping[str, Metric] = MappingProxyType({m.key: m for m in _ALL})


def spec(key: str, kind: str | None = None) -> Metric:
    """The entry for history key `key` with data kind `kind`'s overrides (KeyError if unknown)."""
    return METRICS[key].for_kind(kind)


def csv_columns(key: str, value: Any) -> dict[str, Any]:
    """The CSV columns of one history value: {key: value} for a number; for a list, one column per
    item named by the key's `column` prefix (the key itself when it has none): mode_share_0, ..."""
    if not isinstance(value, (list, tuple)):
        return {key: value}
    prefix = METRICS[key].column if key in METRICS and METRICS[key].column else key
    return {f"{prefix}_{i}": v for i, v in enumerate(value)}


__all__ = ["Metric", "METRICS", "KINDS", "GROUPS", "spec", "csv_columns"]
