"""RunConfig: everything that defines a run, in one frozen dataclass.

It round-trips through JSON (`to_dict` / `from_dict`) and through the URL (`to_query` / `from_query`),
the way tensorflow/playground keeps its state in the address bar. `validate()` raises `ConfigError`
with a sentence a user understands; `from_query` never raises (bad values fall back to defaults and
are reported in a warnings list).
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping

import torch

from .datasets import DATASETS, dataset_parameters, make_dataset
from .errors import ConfigError
from .lipschitz import LIPSCHITZ
from .losses import LOSSES
from .models.mlp import ACTIVATIONS, NOISES, pair_memory
from .optim import OPTIMIZERS
from .unroll import can_unroll


DEVICES = ("auto", "cpu", "cuda", "mps")
CAPTURES = ("off", "graph", "compile")  # how a CUDA step runs: eagerly, as a CUDA graph, compiled
# What one run may take to train (a toy MLP pair): measured, a worker process is ~380 MB with the
# default networks; this keeps a run well inside a laptop's memory and a page responsive.
MEMORY_BUDGET = 1 << 30
GROUPS = {"data": "Data", "objective": "Objective", "optim": "Optimisers", "network": "Networks and batch",
          "run": "Run"}


@dataclass(frozen=True)
class Setting:
    """Everything about one RunConfig field, declared once next to it.

    label: a noun phrase ("generator learning rate"): the widget's label (capitalised) and the subject
    of validation messages; short: the widget label where its group already names the network;
    group: the sidebar group (a key of GROUPS); live: applies to a running run without a reset;
    min / max: bounds (inclusive unless open_min / open_max); choices: the allowed values (a tuple,
    or a registry dict, whose keys may grow at run time); step / format: the number widget's."""

    label: str
    group: str
    live: bool = False
    min: float | None = None
    max: float | None = None
    open_min: bool = False
    open_max: bool = False
    choices: Any = None
    help: str = ""
    short: str = ""
    step: float | None = None
    format: str | None = None
    name: str = ""

    @property
    def title(self) -> str:
        text = self.short or self.label
        return text[:1].upper() + text[1:] if text[:1].isascii() else text  # "β₁" stays β, not "Β₁"

    def problem(self, value: Any) -> str | None:
        """The sentence saying why `value` is not allowed, or None."""
        if self.choices is not None:
            if value in self.choices:
                return None
            text = str(value) if len(str(value)) <= 40 else f"{str(value)[:40]}…"
            return f"Unknown {self.label} '{text}'. Choose one of: {', '.join(self.choices)}."
        if self.min is None and self.max is None:
            return None
        whole = isinstance(self.min if self.min is not None else self.max, int)
        ok = _finite(value) and not (whole and (isinstance(value, bool) or not isinstance(value, int)))
        if ok and self.min is not None:
            ok = value > self.min if self.open_min else value >= self.min
        if ok and self.max is not None:
            ok = value < self.max if self.open_max else value <= self.max
        return None if ok else f"The {self.label} must be {self.range_text()} (got {value})."

    def range_text(self) -> str:
        """"a positive number", "a whole number ≥ 1 and ≤ 100", "a number ≥ 0 and < 1", ..."""
        kind = "whole number" if isinstance(self.min if self.min is not None else self.max, int) else "number"
        if self.min == 0 and self.open_min and self.max is None:
            return f"a positive {kind}"
        parts = []
        if self.min is not None:
            parts.append(f"{'>' if self.open_min else '≥'} {_num(self.min)}")
        if self.max is not None:
            parts.append(f"{'<' if self.open_max else '≤'} {_num(self.max)}")
        return f"a {kind} {' and '.join(parts)}"

    def widget_bounds(self) -> dict[str, Any]:
        """min_value / max_value for st.number_input (an open bound moves in by one widget step)."""
        out: dict[str, Any] = {}
        nudge = 10.0 ** -int(self.format.rstrip("f").split(".")[-1]) if self.format else self.step
        for key, bound, is_open, sign in (("min_value", self.min, self.open_min, 1),
                                           ("max_value", self.max, self.open_max, -1)):
            if bound is not None and not (is_open and nudge is None):
                out[key] = bound + sign * nudge if is_open else bound
        if self.step is not None:
            out["step"] = self.step
        if self.format is not None:
            out["format"] = self.format
        return out


def setting(default: Any, label: str, group: str, **kw: Any) -> Any:
    """A RunConfig field with its Setting (see Setting for the keywords)."""
    return field(default=default, metadata={"setting": Setting(label, group, **kw)})


_ADAM_BETA = dict(live=True, min=0.0, max=1.0, open_max=True, format="%.4f")
_LR = dict(live=True, min=0.0, open_min=True, help="e.g. 2e-4")
_WIDTH = dict(min=1, max=4096, step=16)
_DEPTH = dict(min=1, max=16)


@dataclass(frozen=True)
class RunConfig:
    # data
    dataset: str = setting("ring8", "dataset", "data", choices=DATASETS)
    mixture: str = setting("", "custom mixture", "data",
                           help='"w, mean, σ; ..." in 1D, "w, mx, my, σ; ..." in 2D (isotropic components)')
    digits: str = setting("", "digit subset", "data", help='MNIST classes to train on, e.g. "3" ("" = all)')
    # objective
    loss: str = setting("ns", "loss", "objective", choices=LOSSES,
                        help="Each loss's formula and paper: the docstrings in playground/losses.py (papers: README, Credits).")
    # the first run a person gets: R1 on the critic makes the default non-saturating GAN learn the toy data
    # (benchmarks/results/first_run.md); the failures (no constraint) are the presets
    lipschitz: str = setting("r1", "Lipschitz method", "objective", choices=LIPSCHITZ)
    clip: float = setting(0.01, "clipping value c", "objective", live=True, min=0.0, open_min=True,
                          step=0.005, format="%.4f", help="Every critic weight is clamped to [−c, c].")
    penalty: float = setting(10.0, "penalty weight (λ or γ)", "objective", live=True, min=0.0, step=1.0,
                             format="%.2f")
    n_critic: int = setting(1, "critic steps per generator step (n_critic)", "objective", live=True,
                            min=1, max=100, step=1)
    unroll: int = setting(
        0, "unrolled critic steps k", "objective", short="unrolling steps k", live=True, min=0, max=20, step=1,
        help="0 = off. The generator's loss is taken against a copy of the critic after k more updates by the "
             "critic's own optimiser (Adam's moments included, each on a fresh batch), differentiated through "
             "them: dL_G/dθ = ∂L_G/∂θ + ∂L_G/∂φ_k · dφ_k/dθ (Metz et al. 2017, eqs. 6–7). The generator no "
             "longer gains by jumping to the mode the current critic likes best. The real critic trains as "
             "before; a generator step does about k + 1 times the work (Metz et al.'s networks, one thread: "
             "k = 5 is 6× slower, k = 10 about 10×).")
    # optimisers, one per network
    g_optim: str = setting("adam", "generator optimiser", "optim", short="optimiser", choices=OPTIMIZERS)
    g_lr: float = setting(2e-4, "generator learning rate", "optim", short="learning rate", **_LR)
    g_beta1: float = setting(0.5, "generator Adam β₁", "optim", short="β₁", step=0.05, **_ADAM_BETA)
    g_beta2: float = setting(0.999, "generator Adam β₂", "optim", short="β₂", step=0.001, **_ADAM_BETA)
    d_optim: str = setting("adam", "critic optimiser", "optim", short="optimiser", choices=OPTIMIZERS)
    d_lr: float = setting(2e-4, "critic learning rate", "optim", short="learning rate", **_LR)
    d_beta1: float = setting(0.5, "critic Adam β₁", "optim", short="β₁", step=0.05, **_ADAM_BETA)
    d_beta2: float = setting(0.999, "critic Adam β₂", "optim", short="β₂", step=0.001, **_ADAM_BETA)
    batch_size: int = setting(256, "batch size", "network", live=True, min=2, max=8192, step=32)
    g_ema: float = setting(
        0.0, "generator EMA decay β", "optim", short="generator EMA β", live=True, min=0.0, max=1.0,
        open_max=True, step=0.005, format="%.4f",
        help="0 = off. Show and measure a moving average of the generator's weights, θ̄ ← β·θ̄ + (1 − β)·θ, instead "
             "of the raw generator (Yazıcı et al. 2019). Training itself is unchanged; the average smooths "
             "out the generator's oscillation, so samples sit tighter on the modes. 0.99 works well.")
    g_shown: str = setting(
        "averaged", "generator shown", "optim", live=True, choices=("averaged", "raw"),
        help="With the EMA on, which generator the samples, arrows and metrics come from: the weight average "
             "or the raw generator being trained (its hops and oscillation stay visible). Training is the same "
             "either way; without the EMA there is only the raw one.")
    # networks
    arch: str = setting("mlp", "architecture", "network")  # checked against the dataset's archs
    noise: str = setting("gaussian", "noise", "network", choices=NOISES)
    noise_dim: int = setting(2, "noise dimension", "network", short="noise dim", min=1, max=512)
    g_width: int = setting(128, "generator width", "network", short="G width", **_WIDTH)
    g_depth: int = setting(3, "generator depth", "network", short="G depth", **_DEPTH)
    d_width: int = setting(128, "critic width", "network", short="D width", **_WIDTH)
    d_depth: int = setting(3, "critic depth", "network", short="D depth", **_DEPTH)
    activation: str = setting("relu", "activation", "network", choices=ACTIVATIONS)
    # after batch_size: a link applies its fields in this order, and a pack must divide the batch
    pack: int = setting(
        1, "pack size m", "network", short="pack m", min=1, max=4, step=1,
        help="1 = off. The critic scores m samples at once, D(x₁, …, x_m) on their concatenation (m·d "
             "inputs), real with real and fake with fake: a batch of B samples is B/m packs, B a multiple of m. "
             "A collapsed generator's packs are near-copies, which real packs never are (PacGAN, Lin et al. "
             "2018). The landscape shows D(x, …, x). Toy data only.")
    mbstd: bool = setting(
        False, "minibatch standard deviation", "network",
        help="The critic appends s = (1/F) Σⱼ √(Var_batch hⱼ + 10⁻⁸), the features' spread over the batch, "
             "to its last hidden layer's input: one number per batch, near 0 when the fakes are near-copies "
             "(Karras et al. 2018, Progressive Growing of GANs, §3). Real and fake batches each get their own; "
             "the landscape uses the s of the fakes shown. Toy data only.")
    # run
    # at most 2⁵³ − 1: the largest whole number the browser's number widget holds exactly
    seed: int = setting(0, "seed", "run", min=0, max=2**53 - 1, step=1,
                        help="Same settings + same seed = the same run, step for step.")
    device: str = setting("auto", "device", "run", choices=DEVICES,
                          help="auto: the device that trains this network faster, timed when the run starts "
                               "(a toy MLP is often faster on the CPU than on a GPU).")
    capture: str = setting(
        "off", "captured step", "run", choices=CAPTURES,
        help="CUDA only. graph: each generator step (n_critic critic updates, the generator update, the weight "
             "average) is recorded once as a CUDA graph and replayed; compile: torch.compile with "
             "mode='reduce-overhead'. Steps that cannot be captured run eagerly (playground/capture.py).")

    # ----- validation -------------------------------------------------------------------------
    def validate(self) -> "RunConfig":
        """Raise ConfigError naming the first problem; return self when the config is usable."""
        for name, s in SETTINGS.items():
            msg = s.problem(getattr(self, name))
            if msg:
                raise ConfigError(msg, name)
        if not device_available(self.device):
            raise ConfigError(f"The device '{self.device}' is not available on this machine "
                              f"(PyTorch finds no {DEVICE_NAMES[self.device]}); choose 'auto' or 'cpu'.", "device")
        if self.capture != "off" and self.device in ("cpu", "mps"):
            raise ConfigError(f"A captured step needs a CUDA GPU: it replays the step as a CUDA graph. On the "
                              f"{DEVICE_NAMES[self.device]} every step runs eagerly; set the captured step to "
                              f"off, or the device to cuda or auto.", "capture")
        takes = dataset_parameters(self.dataset)
        for name in ("mixture", "digits"):
            if getattr(self, name) and name not in takes:
                raise ConfigError(f"The {SETTINGS[name].label} does not apply to the dataset '{self.dataset}'; "
                                  f"leave it empty.", name)
        dataset = make_dataset(self)  # raises ConfigError for a bad mixture table or digit subset
        if self.arch not in dataset.archs:
            raise ConfigError(f"Architecture '{self.arch}' does not fit the dataset '{self.dataset}'. "
                              f"Choose one of: {', '.join(dataset.archs)}.", "arch")
        if self.arch == "gaussian" and self.noise_dim < dataset.shape[0]:  # G(z) = μ + L·z₁..d
            raise ConfigError(f"The Gaussian generator needs at least {dataset.shape[0]} noise dimensions for "
                              f"{dataset.shape[0]}D data (got {self.noise_dim}): it maps d noise coordinates "
                              f"to d data coordinates.", "noise_dim")
        self._validate_fixes(dataset.kind)
        if dataset.kind != "image":  # the image architectures have fixed sizes
            g, d, need = pair_memory(self, dataset.shape[0])
            if need > MEMORY_BUDGET:
                raise ConfigError(
                    f"These networks would need about {need / 2**30:.1f} GB to train (generator {g:,} parameters, "
                    f"critic {d:,}, batch {self.batch_size:,}"
                    + (f", {self.unroll} unrolled critic steps" if self.unroll else "")
                    + f"); the limit is {MEMORY_BUDGET / 2**30:.0f} GB. Use a smaller width, depth or batch size"
                    + (" or fewer unrolled steps." if self.unroll else "."), "g_width" if g >= d else "d_width")
        return self

    def _validate_fixes(self, kind: str) -> None:
        """The unrolled critic, packing and the minibatch standard deviation: what each combines with."""
        if self.unroll:
            lip = LIPSCHITZ[self.lipschitz]
            if lip.after_step is not None and lip.project is None:
                raise ConfigError(f"An unrolled critic cannot follow {lip.label.lower()}: its act after each critic "
                                  f"update has no differentiable form. Choose another Lipschitz method, or set "
                                  f"the unrolled critic steps to 0.", "unroll")
            if not can_unroll(OPTIMIZERS[self.d_optim]):
                raise ConfigError(f"An unrolled critic needs a critic optimiser whose update it can differentiate "
                                  f"(sgd, adam, rmsprop); '{self.d_optim}' is not one. Choose one of those, or set "
                                  f"the unrolled critic steps to 0.", "unroll")
        if kind == "image":
            for name, off in (("pack", 1), ("mbstd", False)):
                if getattr(self, name) != off:
                    raise ConfigError(f"The {SETTINGS[name].label} is built into the toy datasets' MLP critic; "
                                      f"on '{self.dataset}' leave it {'at 1' if name == 'pack' else 'off'}.", name)
        if self.batch_size % self.pack:
            raise ConfigError(f"The batch size ({self.batch_size}) must be a multiple of the pack size "
                              f"m = {self.pack}: the critic scores the batch as packs of m samples.", "pack")
        if self.mbstd and self.batch_size // self.pack < 2:
            raise ConfigError(f"The minibatch standard deviation needs at least 2 packs in a batch (batch size "
                              f"{self.batch_size}, pack size {self.pack}): raise the batch size.", "mbstd")

    def diff(self, other: "RunConfig") -> set[str]:
        """Names of the fields whose values differ between the two configs."""
        return {name for name in SETTINGS if getattr(self, name) != getattr(other, name)}

    # ----- JSON -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "RunConfig":
        """Strict: unknown keys or values of the wrong type raise ConfigError."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(d) - set(known))
        if unknown:
            raise ConfigError(f"Unknown setting(s): {', '.join(unknown)}.")
        kw = {}
        for k, v in d.items():
            try:
                kw[k] = _coerce(known[k], v)
            except (TypeError, ValueError):
                raise ConfigError(f"Setting '{k}' has a value of the wrong kind: {v!r}.") from None
        return cls(**kw)

    # ----- URL --------------------------------------------------------------------------------
    def to_query(self, base: "RunConfig | None" = None) -> dict[str, str]:
        """Only the fields that differ from `base` (default: the defaults), as strings: short, shareable
        links. `from_query(q, base)` with the same base gives this config back."""
        default = base or RunConfig()
        return {f.name: _to_str(getattr(self, f.name)) for f in fields(self)
                if getattr(self, f.name) != getattr(default, f.name)}

    @classmethod
    def from_query(cls, query: Mapping[str, Any], base: "RunConfig | None" = None) -> tuple["RunConfig", list[str]]:
        """Parse URL parameters; never raises. Unknown keys are ignored (they may belong to the page);
        malformed values fall back to the base/default value and are reported in the warnings list.
        A value that parses but makes the config invalid is reverted too."""
        base = base or cls()
        cfg, warnings = base, []
        for f in fields(cls):  # field order: the dataset comes before what depends on it
            if f.name not in query:
                continue
            raw = query[f.name]
            if isinstance(raw, (list, tuple)):
                raw = raw[-1] if raw else ""
            try:
                value = _coerce(f, raw)
            except (TypeError, ValueError):
                warnings.append(f"URL parameter {f.name}={_short(raw)} is not a valid {f.type}; "
                                f"using {getattr(cfg, f.name)!r}.")
                continue
            candidate = replace(cfg, **{f.name: value})
            try:
                cfg = candidate.validate()
            except ConfigError as e:
                warnings.append(f"URL parameter {f.name}={_short(raw)} ignored: {e}")
        return cfg, warnings

    @classmethod
    def parse_value(cls, name: str, raw: Any) -> Any:
        """One field's value from text (URL, --set); ConfigError when it is not of the field's type."""
        f = {f.name: f for f in fields(cls)}[name]
        try:
            return _coerce(f, raw)
        except (TypeError, ValueError):
            raise ConfigError(f"Setting '{name}' needs a value of type {f.type} (got {raw!r}).") from None

    def replace(self, **changes: Any) -> "RunConfig":
        return replace(self, **changes)


SETTINGS: dict[str, Setting] = {f.name: replace(f.metadata["setting"], name=f.name) for f in fields(RunConfig)}
LIVE_FIELDS = frozenset(name for name, s in SETTINGS.items() if s.live)


DEVICE_NAMES = {"auto": "device", "cpu": "CPU", "cuda": "CUDA device", "mps": "Apple MPS device"}
# Devices the runs' remote backend offers though this machine has none: "cuda" when the Ray cluster
# the live runs train on has GPUs (filled by ray_worker.cluster()).
REMOTE_DEVICES: set[str] = set()


def device_available(name: str) -> bool:
    """Whether PyTorch can train on `name` here, or the live runs' cluster can ("auto" always can)."""
    if name in REMOTE_DEVICES:
        return True
    if name == "cuda":
        return torch.cuda.is_available()
    if name == "mps":
        return getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    return True


def _num(x: float) -> str:
    """8192 -> "8 192", 1.0 -> "1", 0.9999 -> "0.9999"."""
    return f"{x:,}".replace(",", " ") if isinstance(x, int) else f"{x:g}"


def _short(raw: Any, limit: int = 60) -> str:
    """A URL value as the warning quotes it: cut to `limit` characters (a link may carry kilobytes)."""
    text = repr(raw)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _finite(x: Any) -> bool:
    try:
        return x == x and abs(float(x)) != float("inf")
    except (TypeError, ValueError):
        return False


def _to_str(v: Any) -> str:
    return repr(v) if isinstance(v, float) else str(v)


_BOOLS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}


def _coerce(f: dataclasses.Field, v: Any) -> Any:
    """Convert a JSON / URL value to the field's type; raise ValueError when it does not fit."""
    kind = f.type if isinstance(f.type, str) else f.type.__name__
    if kind == "int":
        if isinstance(v, bool):
            raise ValueError(v)
        if isinstance(v, float):
            if not v.is_integer():
                raise ValueError(v)
            return int(v)
        if isinstance(v, int):
            return v
        return int(str(v).strip())
    if kind == "float":
        if isinstance(v, bool):
            raise ValueError(v)
        return float(v) if isinstance(v, (int, float)) else float(str(v).strip())
    if kind == "str":
        if not isinstance(v, str):
            raise ValueError(v)
        return v.strip()
    if kind == "bool":
        if isinstance(v, bool):
            return v
        if isinstance(v, str) and v.strip().lower() in _BOOLS:
            return _BOOLS[v.strip().lower()]
        raise ValueError(v)
    raise TypeError(kind)
