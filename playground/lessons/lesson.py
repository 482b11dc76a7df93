"""A lesson: a title, a summary and steps, read from one TOML file (lessons/files/NAME.toml).

    title = "Mode collapse and its fixes"
    summary = "One paragraph for the list."

    [[steps]]
    title = "A generator that found one mode"
    text = "Markdown, with math: $\\mathrm{JS} \\le \\ln 2$."
    preset = "mode-collapse"         # what the step shows: exactly one of
                                     #   preset = a toy preset (presets.py)
                                     #   settings = a toy page link's settings ("dataset=ring8&loss=wgan&
                                     #     lipschitz=gp"), with steps = the budget its checks come true in
                                     #   comparison = a compare preset (compare_presets.py)
                                     #   page = "divergences" | "perfect-discriminator", with [steps.state]
    controls = ["g_shown"]           # the settings the student sees (RunConfig fields; the rest are the
                                     # preset's, applied but hidden); preset and settings steps only
    question = "Why does the critic not push it off?"

    [[steps.checks]]                 # what you should see: one or more (checks.py)
    text = "≥ 90 % of the samples sit on at most two modes, for 500 steps"
    kind = "hold"
    metric = "top2"
    at_least = 0.9
    span = 500

A file with a mistake is refused by `load` with a LessonError naming the file and the step.
"""
from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from ..compare_presets import COMPARISONS
from ..config import SETTINGS, RunConfig
from ..experiments.divergences import CURVE_NAMES
from ..experiments.perfect_discriminator import OBJECTIVES
from ..presets import PRESETS
from ..recipes import recommended_config
from . import checks as ck

FILES = Path(__file__).resolve().parent / "files"
FOLDER_VAR = "GANPG_LESSONS"  # a teacher's own folder of lesson files, read besides the shipped ones


class LessonError(ValueError):
    """A lesson file that cannot be used: the sentence names the file and the step."""


@dataclass(frozen=True)
class Page:
    """A page a step may show besides the training runs: the state keys it takes, the runs and the
    metrics its records hold (what its checks may read)."""
    state: tuple[str, ...]
    runs: tuple[str, ...]
    metrics: frozenset[str]
    at: str   # how a record's position reads: "θ = {:.2f}", "generator step {:,.0f}"


PAGES: dict[str, Page] = {
    # one record per position of the slider the student has shown (lessons/sources.py)
    "divergences": Page(("scenario", "theta", "range"), ("",), frozenset(CURVE_NAMES + ("theta", "step")),
                        "θ = {:.2f}"),
    # one record per generator step of each objective's experiment
    "perfect-discriminator": Page(("objectives", "seed", "d_steps", "g_steps"), tuple(OBJECTIVES),
                                  frozenset(("g_grad", "mean_abs", "g_loss", "step")), "generator step {:,.0f}"),
}
TRAINING_AT = "step {:,.0f}"


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    question: str
    checks: tuple[ck.Check, ...]
    preset: str = ""
    comparison: str = ""
    page: str = ""
    state: dict[str, Any] = field(default_factory=dict, hash=False)
    controls: tuple[str, ...] = ()
    settings: str = ""      # a toy page link's settings (on the toy page's default, the first run's)
    steps: int = 0          # a settings step's budget

    @property
    def kind(self) -> str:
        """"preset", "settings", "comparison" or the page's name."""
        return "preset" if self.preset else "settings" if self.settings else "comparison" if self.comparison \
            else self.page

    @property
    def config(self) -> RunConfig | None:
        """The toy run a preset or settings step trains (the same for every student), else None."""
        if self.preset:
            return PRESETS[self.preset].config
        if self.settings:
            return settings_config(self.settings)[0]
        return None

    @property
    def shows(self) -> str:
        """What the step shows, in words (the handout, the progress list)."""
        if self.preset:
            return f"the toy preset “{PRESETS[self.preset].title}”"
        if self.settings:
            return f"a toy run with the settings {self.settings}"
        if self.comparison:
            return f"the comparison “{COMPARISONS[self.comparison].title}”"
        return {"divergences": "the divergence lab", "perfect-discriminator": "the perfect discriminator"}[self.page]

    @property
    def budget(self) -> int | None:
        """The generator steps the step's run is promised within (the preset's budget), or None."""
        if self.preset:
            return PRESETS[self.preset].steps
        if self.settings:
            return self.steps
        if self.comparison:
            return COMPARISONS[self.comparison].comparison.steps
        return None

    def runs(self) -> tuple[str, ...]:
        if self.preset or self.settings:
            return ("",)
        if self.comparison:
            return COMPARISONS[self.comparison].comparison.names
        return PAGES[self.page].runs

    def at(self, position: float) -> str:
        """A check's position in words: "step 1,200", "θ = 1.50"."""
        fmt = PAGES[self.page].at if self.page else TRAINING_AT
        return fmt.format(position)


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    summary: str
    steps: tuple[Step, ...]


def settings_config(settings: str) -> tuple[RunConfig, list[str]]:
    """A toy page link's settings on the toy page's default: (config, the problems: unknown names, values
    that could not be used)."""
    query = dict(parse_qsl(settings.lstrip("?"), keep_blank_values=True))
    unknown = [f"'{k}' is not a setting" for k in query if k not in SETTINGS]
    config, warnings = RunConfig.from_query(query, base=recommended_config())
    return config, unknown + warnings


def _step(raw: dict, where: str) -> Step:
    def fail(why: str) -> LessonError:
        return LessonError(f"{where}: {why}")

    if not isinstance(raw, dict):
        raise fail("a step is a table ([[steps]])")
    known = {"title", "text", "question", "checks", "preset", "settings", "steps", "comparison", "page", "state",
             "controls"}
    extra = sorted(set(raw) - known)
    if extra:
        raise fail(f"unknown key{'s' if len(extra) > 1 else ''} {', '.join(extra)} (a step takes "
                   f"{', '.join(sorted(known))})")
    for key in ("title", "text", "question"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise fail(f"the step needs a `{key}` (text)")
    shows = [k for k in ("preset", "settings", "comparison", "page") if k in raw]
    if len(shows) != 1:
        raise fail(f"say what the step shows with exactly one of preset, settings, comparison, page (got "
                   f"{', '.join(shows) or 'none'})")
    if "settings" in raw:
        problems = settings_config(str(raw["settings"]))[1]
        if problems:
            raise fail("settings: " + "; ".join(problems))
        if not isinstance(raw.get("steps"), int) or raw["steps"] < 1:
            raise fail("a settings step needs `steps`: the generator steps its checks come true within")
    elif "steps" in raw:
        raise fail("`steps` is for a settings step (a preset's or comparison's budget is its own)")
    else:
        registry = {"preset": PRESETS, "comparison": COMPARISONS, "page": PAGES}[shows[0]]
        name = raw[shows[0]]
        if name not in registry:
            raise fail(f"{shows[0]} '{name}' does not exist (known: {', '.join(registry)})")
    state = raw.get("state", {})
    if state and "page" not in raw:
        raise fail("`state` is for a page step; a preset or comparison sets its own")
    if "page" in raw:
        bad = sorted(set(state) - set(PAGES[raw["page"]].state))
        if bad:
            raise fail(f"the {raw['page']} page takes no state {', '.join(bad)} (it takes "
                       f"{', '.join(PAGES[raw['page']].state)})")
    controls = raw.get("controls", [])
    if controls and "preset" not in raw and "settings" not in raw:
        raise fail("`controls` are for a preset or settings step (a comparison's or a page's controls are all "
                   "shown)")
    bad = [c for c in controls if c not in SETTINGS]
    if bad:
        raise fail(f"control{'s' if len(bad) > 1 else ''} {', '.join(map(repr, bad))} "
                   f"{'are' if len(bad) > 1 else 'is'} not a setting")
    raw_checks = raw.get("checks", [])
    if not raw_checks:
        raise fail("the step needs at least one check ([[steps.checks]]): what the student should see")
    step = Step(raw["title"].strip(), raw["text"].strip(), raw["question"].strip(), (), raw.get("preset", ""),
                raw.get("comparison", ""), raw.get("page", ""), dict(state), tuple(controls),
                str(raw.get("settings", "")), int(raw.get("steps", 0)))
    metrics = set(PAGES[step.page].metrics) if step.page else ck.HISTORY_METRICS
    out = []
    for j, c in enumerate(raw_checks, 1):
        why = ck.problems(c, metrics, list(step.runs())) if isinstance(c, dict) else ["a check is a table"]
        if why:
            raise fail(f"check {j}: " + "; ".join(why))
        out.append(ck.from_dict(c))
    return dataclasses.replace(step, checks=tuple(out))


def parse(text: str, name: str, source: str) -> Lesson:
    """A lesson from its TOML text; `source` names the file in the error's sentence."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise LessonError(f"{source}: not valid TOML ({e})") from None
    for key in ("title", "summary"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise LessonError(f"{source}: the lesson needs a `{key}`")
    steps = raw.get("steps")
    if not isinstance(steps, list) or not steps:
        raise LessonError(f"{source}: the lesson has no steps ([[steps]] tables)")
    return Lesson(name, raw["title"].strip(), raw["summary"].strip(),
                  tuple(_step(s, f"{source}, step {i} ({s.get('title', 'untitled') if isinstance(s, dict) else '?'})")
                        for i, s in enumerate(steps, 1)))


def load(path: str | Path) -> Lesson:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise LessonError(f"{path.name}: cannot be read ({e.strerror})") from None
    return parse(text, path.stem, path.name)


def folders(extra: str | None = None) -> list[Path]:
    """The shipped lessons' folder, then `extra` (the GANPG_LESSONS folder) if given."""
    return [FILES] + ([Path(extra)] if extra else [])


def load_all(*where: Path) -> tuple[dict[str, Lesson], list[str]]:
    """Every lesson in the folders `where` (default: the shipped ones) by name, and the sentences of the
    files refused (a folder that is not there is one of them)."""
    lessons, errors = {}, []
    for folder in where or (FILES,):
        if not folder.is_dir():
            errors.append(f"{folder}: the lessons folder ({FOLDER_VAR}) does not exist")
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                lesson = load(path)
            except LessonError as e:
                errors.append(str(e))
                continue
            if lesson.name in lessons:
                errors.append(f"{path.name}: a lesson called “{lesson.name}” is loaded already; rename the file")
                continue
            lessons[lesson.name] = lesson
    return lessons, errors
