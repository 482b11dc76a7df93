"""The handout: a lesson as Markdown (texts, questions, and each check with whether and where the
student's runs met it) and, zipped with it, the student's runs as PNGs (the last snapshot each step's
run showed, drawn by plots/replay_gif's renderers: the same pictures as a replay's GIF frames)."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import Any, Mapping

from ..live.replay import frame_of
from ..plots.replay_gif import RENDERERS
from .lesson import Lesson
from .progress import Progress

PNG_WIDTH = 480


def figures(snapshot: Any) -> list[tuple[str, bytes]]:
    """(name, PNG) for each run of a step's snapshot: one for a toy run, one per run of a comparison
    (named by the run); none for a kind the renderers do not draw."""
    if snapshot is None:
        return []
    runs = list(zip(snapshot.names, snapshot.runs)) if hasattr(snapshot, "runs") else [("", snapshot)]
    out = []
    for name, snap in runs:
        render = RENDERERS.get(snap.kind)
        if render is None or not snap.views:
            continue
        buf = io.BytesIO()
        render([frame_of(snap)], PNG_WIDTH)[0].save(buf, "PNG", optimize=True)
        out.append((name, buf.getvalue()))
    return out


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-") or "run"


def figure_path(i: int, run: str) -> str:
    return f"figures/step-{i + 1}{'-' + _slug(run) if run else ''}.png"


def markdown(progress: Progress, figure_paths: Mapping[int, list[tuple[str, str]]] | None = None,
             when: datetime | None = None) -> str:
    """The lesson as Markdown; `figure_paths`: {step index: [(run, path in the zip)]}."""
    lesson: Lesson = progress.lesson
    figure_paths = figure_paths or {}
    met = sum(m for _, m, _ in progress.done())
    total = sum(n for _, _, n in progress.done())
    lines = [f"# {lesson.title}", "", lesson.summary, "",
             f"*Handout of {(when or datetime.now()).strftime('%Y-%m-%d %H:%M')}: {met} of {total} checks seen "
             f"on this student's runs.*", ""]
    for i, step in enumerate(lesson.steps):
        lines += [f"## Step {i + 1}. {step.title}", "", f"*Shows {step.shows}"
                  + (f"; the run is promised within {step.budget:,} steps" if step.budget else "") + ".*", "",
                  step.text, "", f"**Question.** {step.question}", "", "**What you should see**", ""]
        for check, result in zip(step.checks, progress.of(i)):
            where = (f": seen at {step.at(result.step)} ({result.detail})" if result.met and result.step is not None
                     else ": not seen yet")
            lines.append(f"- {'✅' if result.met else '⬜'} {check.text}{where}")
        for run, path in figure_paths.get(i, []):
            lines += ["", f"![{run or step.title}]({path})"]
        lines.append("")
    return "\n".join(lines)


def zip_bytes(progress: Progress, snapshots: Mapping[int, Any], when: datetime | None = None) -> bytes:
    """lesson.md and figures/*.png: `snapshots` holds each visited step's last snapshot."""
    buf = io.BytesIO()
    paths: dict[int, list[tuple[str, str]]] = {}
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i, snap in sorted(snapshots.items()):
            for run, png in figures(snap):
                path = figure_path(i, run)
                z.writestr(path, png)
                paths.setdefault(i, []).append((run, path))
        z.writestr(f"{progress.lesson.name}.md", markdown(progress, paths, when))
    return buf.getvalue()
