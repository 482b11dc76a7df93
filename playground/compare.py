"""Comparisons: one base setup and 2–4 variants, trained in lockstep and shown side by side.

    cmp = Comparison(base={"dataset": "ring8", "seed": 0}, variants=(
        Variant("NS", {"loss": "ns"}), Variant("WGAN-GP", {"loss": "wgan", "lipschitz": "gp"})), steps=3000)
    configs = cmp.configs()          # one validated RunConfig per variant

A variant's config is built in layers, later ones winning:

    RunConfig defaults <- recommended(dataset, variant's loss, variant's method) <- base <- variant

so adding a variant starts it from the recipes of its loss and method (recipes.py), and anything the
base or the variant sets explicitly overrides them. `TrainerGroup` runs the variants' trainers in one
worker, in lockstep: every chunk advances each trainer by the same number of generator steps, so every
frame shows all runs at the same step. Each trainer owns its random stream, so a run trained in a
comparison is the run trained alone (tests/test_compare.py asserts equal histories).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping

from .config import SETTINGS, RunConfig, _short
from .errors import ConfigError
from .recipes import recommended
from .snapshot import Snapshot
from .trainer import Diverged, Trainer

MAX_VARIANTS = 4
MIN_VARIANTS = 2
# The settings a base holds (what every run shares): data, networks and batch, seed and device.
BASE_GROUPS = ("data", "network", "run")
BASE_FIELDS = tuple(n for n, s in SETTINGS.items() if s.group in BASE_GROUPS)
NAME_LIMIT = 24


@dataclass(frozen=True)
class Variant:
    """A short name ("NS", "WGAN-GP") and the fields it changes from the base (typed values)."""
    name: str
    changes: Mapping[str, Any] = field(default_factory=dict)

    def to_text(self) -> str:
        """"name=NS,loss=ns": the form of `--variant` and of the URL (the name first)."""
        items = [f"name={self.name}"] + [f"{k}={value_text(v)}" for k, v in self.changes.items()]
        return ",".join(items)


def parse_variant(text: str, index: int = 0) -> Variant:
    """"loss=wgan,lipschitz=gp[,name=WGAN-GP]" -> Variant. Values are parsed as the field's type;
    ConfigError names the problem. Without a name, one is made from the loss and method."""
    changes: dict[str, Any] = {}
    name = ""
    for item in (p.strip() for p in (text or "").split(",")):
        if not item:
            continue
        if "=" not in item:
            raise ConfigError(f"Variant {index + 1}: '{_short(item)[1:-1]}' is not field=value "
                              f"(e.g. loss=wgan,lipschitz=gp).")
        k, v = (s.strip() for s in item.split("=", 1))
        if k == "name":
            name = v
            continue
        if k not in SETTINGS:
            raise ConfigError(f"Variant {index + 1}: unknown setting '{_short(k)[1:-1]}'. "
                              f"Known settings: {', '.join(SETTINGS)}.")
        try:
            changes[k] = RunConfig.parse_value(k, v)
        except ConfigError as e:
            raise ConfigError(f"Variant {index + 1}: {e}") from None
    return Variant(name or default_name(changes), changes)


def default_name(changes: Mapping[str, Any]) -> str:
    """"ns" / "wgan-gp" / "n_critic=5": what a variant is called until the user names it."""
    head = "-".join(str(changes[k]) for k in ("loss", "lipschitz") if k in changes and changes[k] != "none")
    rest = [f"{k}={value_text(v)}" for k, v in changes.items() if k not in ("loss", "lipschitz")]
    return (" ".join([head] + rest) if head else " ".join(rest)) or "base"


@dataclass(frozen=True)
class Comparison:
    """The base's explicit fields, the variants and the step budget (where a preset's promise holds)."""
    base: Mapping[str, Any]
    variants: tuple[Variant, ...]
    steps: int = 2000

    def config_of(self, variant: Variant) -> RunConfig:
        fields_ = {**self.base, **variant.changes}
        defaults = RunConfig().to_dict()
        pick = {**defaults, **fields_}
        layered = recommended(pick["dataset"], pick["loss"], pick["lipschitz"],
                              mixture=pick["mixture"], digits=pick["digits"], arch=pick["arch"])
        return RunConfig.from_dict({**defaults, **layered, **fields_})

    def configs(self) -> list[RunConfig]:
        """One validated config per variant; ConfigError names the variant with the problem."""
        self.check_shape()
        out = []
        for i, v in enumerate(self.variants):
            try:
                out.append(self.config_of(v).validate())
            except ConfigError as e:
                raise ConfigError(f"Variant {i + 1} ({v.name}): {e}", e.field) from None
        return out

    def check_shape(self) -> None:
        n = len(self.variants)
        if not MIN_VARIANTS <= n <= MAX_VARIANTS:
            raise ConfigError(f"A comparison needs {MIN_VARIANTS} to {MAX_VARIANTS} variants (this one has {n}).")
        names = [v.name for v in self.variants]
        for v in self.variants:
            if not v.name.strip():
                raise ConfigError("Every variant needs a name (it captions its panel).")
            if len(v.name) > NAME_LIMIT:
                raise ConfigError(f"The variant name '{v.name[:NAME_LIMIT]}…' is too long (at most {NAME_LIMIT} characters).")
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ConfigError(f"Two variants are both called '{dup[0]}': give each its own name.")
        unknown = sorted(set(self.base) - set(SETTINGS))
        if unknown:
            raise ConfigError(f"Unknown setting(s) in the base: {', '.join(unknown)}.")
        if self.steps < 1:
            raise ConfigError("The step budget must be at least 1.")

    # ----- what the Runner asks of a config --------------------------------------------------------
    def validate(self) -> "Comparison":
        self.configs()
        return self

    def diff(self, other: "Comparison") -> set[str]:
        """The fields that differ in any run; "variants" when the runs themselves differ (their number or
        names). The step budget never needs a reset."""
        if not isinstance(other, Comparison) or [v.name for v in self.variants] != [v.name for v in other.variants]:
            return {"variants"}
        out: set[str] = set()
        for a, b in zip(self.configs(), other.configs()):
            out |= a.diff(b)
        return out

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.variants]

    # ----- JSON and URL -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"base": dict(self.base), "steps": self.steps,
                "variants": [{"name": v.name, "changes": dict(v.changes)} for v in self.variants]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Comparison":
        """Strict, like RunConfig.from_dict: unknown fields and wrong types raise ConfigError."""
        if not isinstance(d, Mapping) or "variants" not in d:
            raise ConfigError("A comparison needs 'variants' (a list of {name, changes}).")
        base = dict(d.get("base") or {})
        for k, v in base.items():
            base[k] = _typed(k, v, "the base")
        variants = []
        for i, v in enumerate(d["variants"]):
            if not isinstance(v, Mapping):
                raise ConfigError(f"Variant {i + 1} must be an object with a name and changes.")
            changes = {k: _typed(k, x, f"variant {i + 1}") for k, x in dict(v.get("changes") or {}).items()}
            variants.append(Variant(str(v.get("name") or default_name(changes)), changes))
        steps = d.get("steps", 2000)
        if isinstance(steps, bool) or not isinstance(steps, int):
            raise ConfigError(f"The step budget must be a whole number (got {steps!r}).")
        return cls(base, tuple(variants), steps)

    def to_query(self) -> dict[str, str]:
        """The base's fields as the toy page writes them, `steps`, and one `v1`…`v4` per variant."""
        q = {k: value_text(v) for k, v in self.base.items()}
        q["steps"] = str(self.steps)
        for i, v in enumerate(self.variants):
            q[f"v{i + 1}"] = v.to_text()
        return q

    @classmethod
    def from_query(cls, query: Mapping[str, Any], default: "Comparison") -> tuple["Comparison", list[str]]:
        """Never raises: a bad base value or variant falls back to the default's and is reported in the
        warnings list, like RunConfig.from_query."""
        def raw(key: str) -> Any:
            x = query[key]
            return x[-1] if isinstance(x, (list, tuple)) and x else x

        warnings: list[str] = []
        keys = [k for k in query if k.startswith("v") and k[1:].isdigit()]
        if not keys and not any(k in query for k in (*BASE_FIELDS, "steps")):
            return default, []
        # the link holds the whole base: what it leaves out is the default of RunConfig, and a bad
        # value falls back to the default comparison's
        base: dict[str, Any] = {}
        for k in BASE_FIELDS:
            if k not in query:
                continue
            try:
                value = RunConfig.parse_value(k, raw(k))
                trial = dataclasses.replace(default, base={**base, k: value})
                trial.config_of(trial.variants[0]).validate()
                base[k] = value
            except ConfigError as e:
                warnings.append(f"URL parameter {k}={_short(raw(k))} ignored: {e}")
                if k in default.base:
                    base[k] = default.base[k]
        steps = default.steps
        if "steps" in query:
            try:
                steps = int(str(raw("steps")))
                if steps < 1:
                    raise ValueError
            except ValueError:
                warnings.append(f"URL parameter steps={_short(raw('steps'))} is not a positive whole number; "
                                f"using {default.steps}.")
                steps = default.steps
        variants: list[Variant] = []
        for k in sorted(keys, key=lambda k: int(k[1:])):
            try:
                v = parse_variant(str(raw(k)), len(variants))
                trial = Comparison(base, (v,), steps)
                trial.config_of(v).validate()
                variants.append(v)
            except ConfigError as e:
                warnings.append(f"URL parameter {k}={_short(raw(k))} ignored: {e}")
        if len(variants) > MAX_VARIANTS:
            warnings.append(f"The link has {len(variants)} variants; the first {MAX_VARIANTS} are used.")
            variants = variants[:MAX_VARIANTS]
        if len(variants) < MIN_VARIANTS:
            if keys:
                warnings.append(f"The link has fewer than {MIN_VARIANTS} usable variants; the default "
                                f"variants are used.")
            variants = list(default.variants)
        try:
            return Comparison(base, tuple(variants), steps).validate(), warnings
        except ConfigError as e:  # e.g. two variants with the same name
            warnings.append(f"The comparison in the link cannot be used: {e} The default is shown.")
            return default, warnings


def value_text(v: Any) -> str:
    """A setting's value as a variant's text, a link and `--set` write it: floats by repr (the shortest
    text that reads back to the same float), the rest by str."""
    return repr(v) if isinstance(v, float) else str(v)


def _typed(name: str, value: Any, where: str) -> Any:
    if name not in SETTINGS:
        raise ConfigError(f"Unknown setting '{name}' in {where}.")
    return RunConfig.parse_value(name, value)


# ----- the live group: a trainer-shaped object the Worker drives --------------------------------------
@dataclass
class GroupSnapshot:
    """The runs of a comparison at one step. `history`: every run's records with a "run" column."""
    step: int
    names: list[str]
    runs: list[Snapshot]
    history: list[dict[str, Any]]
    comparison: dict[str, Any]
    diverged: dict[str, Any] | None = None
    device: str = "CPU"
    steps_per_second: list[float] = field(default_factory=list)

    @property
    def config(self) -> dict[str, Any]:
        return self.comparison


def combined_history(names: list[str], histories: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """All runs' records in one list, each with its run's name first (the CSV's `run` column)."""
    return [{"run": n, **rec} for n, h in zip(names, histories) for rec in h]


class TrainerGroup:
    """The variants' trainers, advanced in lockstep. It has the Trainer methods the Worker uses
    (run, evaluate, snapshot, update_config, step_count, seconds, diverged); `trainers` are the runs and
    `budget` the step where the worker pauses once (the comparison's promise step)."""

    def __init__(self, comparison: Comparison, log_every: int = 10):
        self.comparison = comparison
        self.names = comparison.names
        self.trainers = [Trainer(c, log_every=log_every) for c in comparison.configs()]
        self.config = comparison
        self.device = self.trainers[0].device
        self.diverged: Diverged | None = None

    @property
    def budget(self) -> int:
        return self.comparison.steps

    @property
    def step_count(self) -> int:
        return min(t.step_count for t in self.trainers)

    @property
    def seconds(self) -> float:
        return sum(t.seconds for t in self.trainers)

    @property
    def history(self) -> list[dict[str, Any]]:
        return combined_history(self.names, [t.history for t in self.trainers])

    def run(self, n: int) -> None:
        """n generator steps for every run. One that diverges stops the group (the others finish the
        chunk, so all stay at the same step), and the Diverged names it."""
        failed: list[tuple[str, Diverged]] = []
        for name, t in zip(self.names, self.trainers):
            if t.diverged is not None:
                continue
            try:
                t.run(n)
            except Diverged as e:
                failed.append((name, e))
        if failed:
            name, e = failed[0]
            self.diverged = Diverged(f"{name}: {e.what}", e.step)
            raise self.diverged

    def evaluate(self) -> list[dict[str, float]]:
        return [t.evaluate() for t in self.trainers if t.diverged is None]

    def update_config(self, new: Comparison) -> None:
        """Live fields only (learning rates, n_critic, penalty…) in any run; ConfigError otherwise."""
        if new.diff(self.comparison) - {f for f in SETTINGS if SETTINGS[f].live}:
            raise ConfigError("This change to the comparison needs a reset.")
        for t, c in zip(self.trainers, new.configs()):
            t.update_config(c)
        self.comparison = self.config = new

    def snapshot(self, n: int = 1000) -> GroupSnapshot:
        runs = [t.snapshot(n) for t in self.trainers]
        return GroupSnapshot(step=self.step_count, names=list(self.names), runs=runs, history=self.history,
                             comparison=self.comparison.to_dict(),
                             diverged=self.diverged.to_dict() if self.diverged else None,
                             steps_per_second=[s.steps_per_second for s in runs])


__all__ = ["Variant", "Comparison", "parse_variant", "default_name", "TrainerGroup", "GroupSnapshot",
           "combined_history", "MAX_VARIANTS", "MIN_VARIANTS", "BASE_FIELDS"]
