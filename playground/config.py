"""RunConfig: everything that defines a run, in one frozen dataclass.

It round-trips through JSON (`to_dict` / `from_dict`) and through the URL (`to_query` / `from_query`),
the way tensorflow/playground keeps its state in the address bar. `validate()` raises `ConfigError`
with a sentence a user understands; `from_query` never raises (bad values fall back to defaults and
are reported in a warnings list).
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, fields, replace
from typing import Any, Mapping


class ConfigError(ValueError):
    """A configuration a run cannot start from; the message is meant for the user.
    `field` names the setting at fault when one does (the UI shows the message next to it)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


OPTIMIZERS = ("adam", "rmsprop", "sgd")
NOISES = ("gaussian", "uniform")
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "elu")
DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class RunConfig:
    # data
    dataset: str = "ring8"
    mixture: str = ""          # custom mixtures: "w,mean,sigma; ..." (1D) or "w,mx,my,sigma; ..." (2D)
    digits: str = ""           # MNIST digit subset, e.g. "3" or "0123456789" ("" = all)
    # objective
    loss: str = "ns"
    lipschitz: str = "none"
    clip: float = 0.01         # weight clipping bound c
    penalty: float = 10.0      # lambda for gp / lp, gamma for r1
    n_critic: int = 1
    # optimisers, one per network
    g_optim: str = "adam"
    g_lr: float = 2e-4
    g_beta1: float = 0.5
    g_beta2: float = 0.999
    d_optim: str = "adam"
    d_lr: float = 2e-4
    d_beta1: float = 0.5
    d_beta2: float = 0.999
    batch_size: int = 256
    g_ema: float = 0.0         # decay of an exponential moving average of G's weights, used to evaluate (0 = off)
    # networks
    arch: str = "mlp"
    noise: str = "gaussian"
    noise_dim: int = 2
    g_width: int = 128
    g_depth: int = 3
    d_width: int = 128
    d_depth: int = 3
    activation: str = "relu"
    # run
    seed: int = 0
    device: str = "auto"

    # ----- validation -------------------------------------------------------------------------
    def validate(self) -> "RunConfig":
        """Raise ConfigError naming the first problem; return self when the config is usable."""
        from .datasets import DATASETS, make_dataset
        from .losses import LOSSES
        from .lipschitz import LIPSCHITZ

        def need(cond: bool, msg: str, field: str | None = None) -> None:
            if not cond:
                raise ConfigError(msg, field)

        need(self.dataset in DATASETS, f"Unknown dataset '{self.dataset}'. Choose one of: {', '.join(DATASETS)}.", "dataset")
        need(self.loss in LOSSES, f"Unknown loss '{self.loss}'. Choose one of: {', '.join(LOSSES)}.", "loss")
        need(self.lipschitz in LIPSCHITZ,
             f"Unknown Lipschitz method '{self.lipschitz}'. Choose one of: {', '.join(LIPSCHITZ)}.", "lipschitz")
        for net in ("g", "d"):
            name = "generator" if net == "g" else "critic"
            opt, lr = getattr(self, f"{net}_optim"), getattr(self, f"{net}_lr")
            b1, b2 = getattr(self, f"{net}_beta1"), getattr(self, f"{net}_beta2")
            need(opt in OPTIMIZERS, f"Unknown {name} optimiser '{opt}'. Choose one of: {', '.join(OPTIMIZERS)}.", f"{net}_optim")
            need(_finite(lr) and lr > 0, f"The {name} learning rate must be a positive number (got {lr}).", f"{net}_lr")
            need(_finite(b1) and 0 <= b1 < 1 and _finite(b2) and 0 <= b2 < 1,
                 f"The {name} Adam betas must lie in [0, 1) (got {b1}, {b2}).", f"{net}_beta1")
        need(isinstance(self.n_critic, int) and self.n_critic >= 1,
             f"n_critic (critic steps per generator step) must be a whole number ≥ 1 (got {self.n_critic}).", "n_critic")
        need(self.n_critic <= 100, f"n_critic above 100 makes a run crawl (got {self.n_critic}); use at most 100.", "n_critic")
        need(_finite(self.clip) and self.clip > 0, f"The clipping value c must be positive (got {self.clip}).", "clip")
        need(_finite(self.penalty) and self.penalty >= 0,
             f"The penalty weight (λ or γ) must be zero or positive (got {self.penalty}).", "penalty")
        need(_finite(self.g_ema) and 0 <= self.g_ema < 1,
             f"The generator EMA decay must lie in [0, 1), 0 meaning off (got {self.g_ema}).", "g_ema")
        need(isinstance(self.batch_size, int) and 2 <= self.batch_size <= 8192,
             f"The batch size must be a whole number between 2 and 8192 (got {self.batch_size}).", "batch_size")
        need(self.noise in NOISES, f"Unknown noise '{self.noise}'. Choose one of: {', '.join(NOISES)}.", "noise")
        need(isinstance(self.noise_dim, int) and 1 <= self.noise_dim <= 512,
             f"The noise dimension must be a whole number between 1 and 512 (got {self.noise_dim}).", "noise_dim")
        for key, label, lo, hi in (("g_width", "generator width", 1, 4096), ("d_width", "critic width", 1, 4096),
                                   ("g_depth", "generator depth", 1, 16), ("d_depth", "critic depth", 1, 16)):
            v = getattr(self, key)
            need(isinstance(v, int) and lo <= v <= hi,
                 f"The {label} must be a whole number between {lo} and {hi} (got {v}).", key)
        need(self.activation in ACTIVATIONS,
             f"Unknown activation '{self.activation}'. Choose one of: {', '.join(ACTIVATIONS)}.", "activation")
        need(isinstance(self.seed, int) and 0 <= self.seed < 2**63, f"The seed must be a whole number ≥ 0 (got {self.seed}).", "seed")
        need(self.device in DEVICES, f"Unknown device '{self.device}'. Choose one of: {', '.join(DEVICES)}.", "device")
        dataset = make_dataset(self)  # raises ConfigError for a bad mixture table or digit subset
        need(self.arch in dataset.archs,
             f"Architecture '{self.arch}' does not fit the dataset '{self.dataset}'. "
             f"Choose one of: {', '.join(dataset.archs)}.", "arch")
        return self

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
    def to_query(self) -> dict[str, str]:
        """Only the fields that differ from the defaults, as strings (short, shareable links)."""
        default = RunConfig()
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
                warnings.append(f"URL parameter {f.name}={raw!r} is not a valid {f.type}; using {getattr(cfg, f.name)!r}.")
                continue
            candidate = replace(cfg, **{f.name: value})
            try:
                cfg = candidate.validate()
            except ConfigError as e:
                warnings.append(f"URL parameter {f.name}={raw!r} ignored: {e}")
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


def _finite(x: Any) -> bool:
    try:
        return x == x and abs(float(x)) != float("inf")
    except (TypeError, ValueError):
        return False


def _to_str(v: Any) -> str:
    return repr(v) if isinstance(v, float) else str(v)


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
    raise TypeError(kind)
