"""Lessons (issue 36): the file format and its refusals, the checks against hand-made histories, the
links, the handout, every step of both lessons rendered (AppTest), and every check of both lessons
coming true on its own seeded run headless within the step's budget (the presets' promise runs,
shared with test_presets.py and test_compare.py through tests/promise_pool.py)."""
from __future__ import annotations

import io
import math
import zipfile
from datetime import datetime

import pytest

from playground.compare_presets import COMPARISONS
from playground.experiments import divergences as an
from playground.experiments.perfect_discriminator import PerfectConfig, PerfectDiscriminatorExperiment
from playground.lessons import handout
from playground.lessons.checks import Check, Result
from playground.lessons.lesson import FILES, FOLDER_VAR, LessonError, folders, load, load_all, parse
from playground.lessons.progress import Progress, lab_record, perfect_records
from playground.presets import PRESETS
from playground.promises import EVAL_EVERY, Spec
from playground.recipes import recommended_config
from playground.trainer import Trainer
from tests import promise_pool
from tests.helpers_pages import ROOT, load_page

LESSONS, ERRORS = load_all()
PAGE = str(ROOT / "pages" / "lessons.py")
LN2 = math.log(2)


def test_both_lessons_load_with_six_steps_or_more_each_with_a_check():
    assert ERRORS == []
    assert set(LESSONS) == {"why-wasserstein", "mode-collapse"}
    for lesson in LESSONS.values():
        assert len(lesson.steps) >= 6
        assert all(s.checks and s.text and s.question for s in lesson.steps)


def test_why_wasserstein_walks_the_issue_s_path():
    shows = [s.page or s.comparison or s.preset for s in LESSONS["why-wasserstein"].steps]
    assert shows == ["divergences", "perfect-discriminator", "saturating-vs-ns", "collapse-vs-gp", "clip-vs-gp",
                     "one-gaussian"]
    shows = [s.page or s.comparison or s.preset for s in LESSONS["mode-collapse"].steps]
    assert shows == ["mode-collapse", "mode-hopping", "average-hides", "unrolled", "collapse-fixes", "wgan-gp"]


# ----- the checks, against histories computed by hand ------------------------------------------------
def _h(key, values, start=0, every=100):
    return [{"step": start + i * every, key: v} for i, v in enumerate(values)]


def test_reach_is_the_first_record_meeting_the_condition_after_its_start():
    h = _h("modes_covered", [1, 4, 8, 6, 8])
    assert Check("", "reach", "modes_covered", params={"at_least": 8}).evaluate({"": h}) == \
        Result(True, 200.0, "modes_covered = 8")
    assert Check("", "reach", "modes_covered", params={"at_least": 8, "after": 300}).evaluate({"": h}).step == 400
    assert Check("", "reach", "modes_covered", params={"at_most": 0}).evaluate({"": h}) == Result(False)
    near = Check("", "reach", "modes_covered", params={"near": 5, "tol": 1})
    assert near.evaluate({"": h}).step == 100  # |4 − 5| ≤ 1


def test_hold_needs_the_condition_on_every_record_of_a_long_enough_streak():
    # within 0.02 of ln 2 at steps 100..300, broken at 400, again 500..800
    h = _h("implied_js", [0.5, LN2, LN2 - 0.01, LN2 + 0.015, 0.6, LN2, LN2, LN2, LN2])
    c = Check("", "hold", "implied_js", params={"near": LN2, "tol": 0.02, "span": 200})
    assert c.evaluate({"": h}).step == 300     # 100 → 300 spans 200
    c = Check("", "hold", "implied_js", params={"near": LN2, "tol": 0.02, "span": 300})
    assert c.evaluate({"": h}).step == 800     # the first streak is 200 long; the second reaches 300 at 800
    c = Check("", "hold", "implied_js", params={"near": LN2, "tol": 0.02, "span": 400})
    assert not c.evaluate({"": h}).met


def test_hold_along_another_key_reports_the_record_s_step():
    recs = [{"step": t, "theta": t, "js": js, "w1": abs(t)} for t, js in
            [(0.0, 0.0), (1.2, LN2), (1.8, LN2), (2.3, LN2)]]
    c = Check("", "hold", "js", params={"near": LN2, "tol": 0.02, "along": "w1", "span": 1.0})
    assert c.evaluate({"": recs}).step == 2.3   # w1 1.2 → 2.3: the first streak spanning 1


def test_hops_counts_changes_of_a_two_thirds_dominant_mode():
    shares = [[0.9, 0.1, 0], [0.5, 0.5, 0], [0.1, 0.8, 0.1], [0.1, 0.9, 0], [0, 0.2, 0.8], [0.7, 0.3, 0]]
    h = [{"step": 100 * i, "mode_shares": s} for i, s in enumerate(shares)]
    # dominant: 0, (split), 1, 1, 2, 0 -> changes at 200, 400, 500
    assert Check("", "hops", params={"count": 2}).evaluate({"": h}).step == 400
    assert Check("", "hops", params={"count": 3}).evaluate({"": h}).step == 500
    assert not Check("", "hops", params={"count": 4}).evaluate({"": h}).met


def test_top2_and_abs_gen_mean_are_derived_from_the_history():
    h = [{"step": 0, "mode_shares": [0.5, 0.3, 0.15, 0.05], "gen_mean": -2.9}]
    assert Check("", "reach", "top2", params={"at_least": 0.8}).evaluate({"": h}).met
    assert not Check("", "reach", "top2", params={"at_least": 0.81}).evaluate({"": h}).met
    assert Check("", "reach", "abs_gen_mean", params={"at_least": 2.9}).evaluate({"": h}).met


def test_gap_and_ratio_compare_two_runs_at_common_steps():
    a, b = _h("high_quality_fraction", [0.1, 0.5, 0.9]), _h("high_quality_fraction", [0.1, 0.4, 0.6])
    gap = Check("", "gap", "high_quality_fraction", run="a", params={"other": "b", "by": 0.2})
    assert gap.evaluate({"a": a, "b": b}).step == 200       # 0.9 − 0.6 = 0.3; 0.5 − 0.4 = 0.1
    # medians so far: a 1, 1, 0.01→..., b 2, 2, ...
    a = _h("g_grad_norm", [1.0, 1.0, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3], every=10)
    b = _h("g_grad_norm", [2.0] * 7, every=10)
    ratio = Check("", "ratio", "g_grad_norm", run="a", params={"other": "b", "below": 0.01})
    # 5 records: median of a = 1e-3 (1, 1, 1e-3, 1e-3, 1e-3) < 0.01 × 2: true at the 5th record, step 40
    assert ratio.evaluate({"a": a, "b": b}).step == 40
    ratio = Check("", "ratio", "g_grad_norm", run="a", params={"other": "b", "below": 0.01, "min_records": 3})
    assert ratio.evaluate({"a": a, "b": b}).step == 40    # 3 and 4 records: medians 1.0 and 0.5005


def test_progress_keeps_a_met_check_when_the_run_restarts():
    lesson = LESSONS["mode-collapse"]
    i = [s.preset for s in lesson.steps].index("unrolled")
    p = Progress(lesson)
    assert p.update(i, {"": _h("modes_covered", [2, 8])})[0] == Result(True, 100.0, "modes_covered = 8")
    assert p.update(i, {"": _h("modes_covered", [2])})[0].met   # a new run: what was seen stays seen
    assert p.met(i) == 1 and (i, 1, 1) in p.done()


# ----- lesson files that are refused -----------------------------------------------------------------
GOOD_STEP = '''
[[steps]]
title = "One"
text = "Text."
question = "Why?"
preset = "mode-collapse"
[[steps.checks]]
text = "8 modes"
kind = "reach"
metric = "modes_covered"
at_least = 8
'''
HEAD = 'title = "T"\nsummary = "S"\n'


@pytest.mark.parametrize("change, words", [
    (('preset = "mode-collapse"', 'preset = "no-such-preset"'), "step 1 (One): preset 'no-such-preset' does not exist"),
    (('metric = "modes_covered"', 'metric = "modes_coverd"'), "step 1 (One): check 1: metric 'modes_coverd' does not exist"),
    (('kind = "reach"', 'kind = "reached"'), "check kind 'reached' is unknown"),
    (('at_least = 8', 'at_least = 8\nat_most = 9'), "exactly one of at_least, at_most, near"),
    (('at_least = 8', 'at_least = 8\nrun = "WGAN-GP"'), "run 'WGAN-GP' is not a run of this step"),
    (('preset = "mode-collapse"', 'preset = "mode-collapse"\ncontrols = ["learning_rate"]'),
     "'learning_rate' is not a setting"),
    (('preset = "mode-collapse"', 'comparison = "clip-vs-gp"\ncontrols = ["g_lr"]'),
     "`controls` are for a preset or settings step"),
    (('preset = "mode-collapse"', 'page = "divergences"'), "metric 'modes_covered' does not exist"),
    (('question = "Why?"\n', ''), "the step needs a `question`"),
])
def test_a_lesson_file_with_a_mistake_is_refused_naming_the_file_and_the_step(tmp_path, change, words):
    path = tmp_path / "mine.toml"
    path.write_text(HEAD + GOOD_STEP + GOOD_STEP.replace(*change))
    with pytest.raises(LessonError) as e:
        load(path)
    assert str(e.value).startswith("mine.toml, step 2 (One): "), str(e.value)
    assert words.replace("step 1 (One): ", "") in str(e.value)


def test_a_lesson_without_steps_or_not_toml_is_refused():
    with pytest.raises(LessonError, match="x.toml: the lesson has no steps"):
        parse(HEAD, "x", "x.toml")
    with pytest.raises(LessonError, match="x.toml: not valid TOML"):
        parse(HEAD + "[[steps]\n", "x", "x.toml")
    with pytest.raises(LessonError, match="x.toml, step 1 .*: the step needs at least one check"):
        parse(HEAD + GOOD_STEP.split("[[steps.checks]]")[0], "x", "x.toml")


def test_a_refused_file_is_listed_and_the_others_load(tmp_path):
    (tmp_path / "good.toml").write_text(HEAD + GOOD_STEP)
    (tmp_path / "bad.toml").write_text(HEAD + GOOD_STEP.replace("mode-collapse", "nope"))
    lessons, errors = load_all(tmp_path)
    assert list(lessons) == ["good"] and len(errors) == 1 and errors[0].startswith("bad.toml, step 1")
    (tmp_path / "mode-collapse.toml").write_text(HEAD + GOOD_STEP)   # a name the shipped lessons have
    lessons, errors = load_all(*folders(str(tmp_path)))
    assert set(lessons) == {"good", "mode-collapse", "why-wasserstein"}
    assert lessons["mode-collapse"].title == "Mode collapse and its fixes"
    assert any("mode-collapse.toml: a lesson called “mode-collapse” is loaded already" in e for e in errors)
    assert load_all(tmp_path / "nowhere")[1] == [f"{tmp_path / 'nowhere'}: the lessons folder (GANPG_LESSONS) "
                                                 f"does not exist"]


SETTINGS_STEP = GOOD_STEP.replace('preset = "mode-collapse"',
                                  'settings = "dataset=ring8&loss=hinge&lipschitz=sn&seed=2"\nsteps = 300')


def test_a_settings_step_trains_the_toy_page_link_s_config():
    step = parse(HEAD + SETTINGS_STEP, "x", "x.toml").steps[0]
    assert step.kind == "settings" and step.budget == 300 and step.runs() == ("",)
    # a toy link holds what differs from the toy page's default, the first run's config
    assert step.config == recommended_config().replace(loss="hinge", lipschitz="sn", seed=2).validate()
    for bad, words in (("dataset=ring8&los=hinge", "settings: 'los' is not a setting"),
                       ("dataset=ring8&seed=two", "settings: URL parameter seed='two' is not a valid int")):
        with pytest.raises(LessonError, match=words):
            parse(HEAD + SETTINGS_STEP.replace("dataset=ring8&loss=hinge&lipschitz=sn&seed=2", bad), "x", "x.toml")
    with pytest.raises(LessonError, match="a settings step needs `steps`"):
        parse(HEAD + SETTINGS_STEP.replace("steps = 300", ""), "x", "x.toml")
    with pytest.raises(LessonError, match="`steps` is for a settings step"):
        parse(HEAD + GOOD_STEP.replace('preset = "mode-collapse"', 'preset = "mode-collapse"\nsteps = 9'),
              "x", "x.toml")


def test_the_shipped_files_are_the_ones_loaded():
    assert sorted(p.stem for p in FILES.glob("*.toml")) == sorted(LESSONS)


# ----- the lab's and the perfect discriminator's checks, on their own records ------------------------
def test_the_lab_step_s_check_comes_true_once_two_disjoint_positions_are_one_apart():
    step = LESSONS["why-wasserstein"].steps[0]
    P, Q = an.uniform(-0.5, 0.5), an.uniform(-0.5, 0.5)
    recs = []
    for theta in (0.0, 0.5, 1.5):  # overlapping, then one disjoint position: not yet
        recs = lab_record(recs, theta, an.divergences(P, Q.shifted(theta)))
    assert not step.checks[0].evaluate({"": recs}).met
    recs = lab_record(recs, 1.5, an.divergences(P, Q.shifted(1.5)))   # the same position again: one record
    assert len(recs) == 3
    recs = lab_record(recs, 2.6, an.divergences(P, Q.shifted(2.6)))
    r = step.checks[0].evaluate({"": recs})
    assert r.met and r.step == 2.6 and step.at(r.step) == "θ = 2.60"


def test_the_perfect_discriminator_step_s_checks_come_true_on_its_experiment():
    step = LESSONS["why-wasserstein"].steps[1]
    s = step.state
    exps = {name: PerfectDiscriminatorExperiment(PerfectConfig(objective=name, seed=s["seed"], d_steps=s["d_steps"],
                                                               g_steps=s["g_steps"])).run()
            for name in s["objectives"]}
    results = [c.evaluate(perfect_records(exps)) for c in step.checks]
    assert all(r.met for r in results), results
    assert results[0].step <= s["g_steps"]


# ----- the handout -----------------------------------------------------------------------------------
def test_the_handout_holds_texts_questions_checks_where_they_came_true_and_png_figures():
    lesson = LESSONS["mode-collapse"]
    i = [s.preset for s in lesson.steps].index("unrolled")
    progress = Progress(lesson)
    progress.update(i, {"": _h("modes_covered", [3, 8, 8], every=500)})
    tr = Trainer(PRESETS["unrolled"].config.replace(unroll=0))
    tr.run(3)
    snap = tr.snapshot()
    data = handout.zip_bytes(progress, {i: snap}, when=datetime(2026, 12, 7, 10, 0))
    z = zipfile.ZipFile(io.BytesIO(data))
    md = z.read("mode-collapse.md").decode()
    assert md.startswith("# Mode collapse and its fixes")
    assert "Handout of 2026-12-07 10:00: 1 of 11 checks seen" in md
    for step in lesson.steps:
        assert f". {step.title}" in md and step.question in md
        for c in step.checks:
            assert c.text in md
    assert "✅ 8 of 8 modes covered: seen at step 500 (modes_covered = 8)" in md
    assert "⬜ WGAN-GP covers 8 of 8 modes: not seen yet" in md
    png = z.read(f"figures/step-{i + 1}.png")
    assert png.startswith(b"\x89PNG") and f"](figures/step-{i + 1}.png)" in md


# ----- the page (AppTest) ----------------------------------------------------------------------------
def _checks_shown(at) -> list[str]:
    return [m.value for m in at.markdown if "check_circle" in m.value or "radio_button_unchecked" in m.value]


@pytest.mark.parametrize("name", sorted(LESSONS))
def test_every_step_of_both_lessons_renders_with_its_text_and_checks(apps, name):
    lesson = LESSONS[name]
    for i, step in enumerate(lesson.steps):
        at = load_page(PAGE, apps, {"lesson": name, "step": str(i + 1)}, timeout=120)
        texts = " ".join(m.value for m in at.markdown)
        assert step.title in texts and step.question in texts
        assert len(_checks_shown(at)) == len(step.checks), _checks_shown(at)
        assert at.session_state["lesson_at"] == (name, i)
        if step.preset:   # the step's run is the preset's, from step 0
            runner = at.session_state["_gp_runner_lesson"]
            assert runner.status().config == PRESETS[step.preset].config
        elif step.comparison:
            assert at.session_state["_gp_runner_lesson_cmp"].status().config == COMPARISONS[step.comparison].comparison


def test_only_the_step_s_controls_are_in_the_sidebar_and_the_rest_still_apply(apps):
    lesson = LESSONS["mode-collapse"]
    i = [s.preset for s in lesson.steps].index("wgan-gp")
    at = load_page(PAGE, apps, {"lesson": "mode-collapse", "step": str(i + 1)}, timeout=120)
    assert {w.key for w in at.sidebar.number_input} == {"lesson_penalty", "lesson_n_critic"}
    at.sidebar.number_input(key="lesson_n_critic").set_value(2).run()
    runner = at.session_state["_gp_runner_lesson"]
    want = PRESETS["wgan-gp"].config.replace(n_critic=2)
    assert at.session_state["lesson_config"] == want   # the hidden settings are the preset's
    runner.wait_processed(10)
    assert runner.status().config == want              # n_critic applies live: the run goes on with it


def test_a_teacher_s_folder_adds_its_lessons_and_a_refused_file_is_a_sentence_on_the_list(apps, tmp_path,
                                                                                          monkeypatch):
    (tmp_path / "mine.toml").write_text(HEAD + SETTINGS_STEP)
    (tmp_path / "broken.toml").write_text(HEAD + GOOD_STEP.replace('metric = "modes_covered"', 'metric = "modez"'))
    monkeypatch.setenv(FOLDER_VAR, str(tmp_path))
    at = load_page(PAGE, apps, {})
    refused = [e.value for e in at.error]
    assert len(refused) == 1 and "broken.toml, step 1 (One): check 1: metric 'modez' does not exist" in refused[0]
    assert "lesson_start_mine" in {b.key for b in at.button}
    at = load_page(PAGE, apps, {"lesson": "mine", "step": "1"}, timeout=120)
    runner = at.session_state["_gp_runner_lesson"]
    assert runner.status().config == parse(HEAD + SETTINGS_STEP, "x", "x.toml").steps[0].config
    assert {w.key for w in at.sidebar.number_input} == set()   # no controls named: none shown


@pytest.mark.parametrize("query, words", [
    ({"lesson": "nope"}, "There is no lesson called “nope”"),
    ({"lesson": "mode-collapse", "step": "9"}, "has steps 1 to 6, not 9: this is step 1"),
    ({"lesson": "mode-collapse", "step": "two"}, "“step=two” is not a step number"),
])
def test_a_bad_link_gets_a_sentence_not_an_exception(apps, query, words):
    at = load_page(PAGE, apps, query, timeout=120)
    assert any(words in w.value for w in at.warning), [w.value for w in at.warning]
    if query["lesson"] == "nope":  # the list of lessons
        assert {b.key for b in at.button} >= {f"lesson_start_{n}" for n in LESSONS}
    else:  # step 1 is shown, and the address bar says so
        assert at.query_params["step"] == "1" and at.session_state["lesson_at"] == ("mode-collapse", 0)


def test_the_link_round_trips_through_next_back_and_the_list(apps):
    at = load_page(PAGE, apps, {})
    at.button(key="lesson_start_why-wasserstein").click().run()
    assert at.query_params["lesson"] == "why-wasserstein" and at.query_params["step"] == "1"
    at.button(key="lesson_next").click().run(timeout=120)
    assert at.query_params["step"] == "2" and at.session_state["lesson_at"] == ("why-wasserstein", 1)
    at.button(key="lesson_step_4").click().run(timeout=120)
    assert at.query_params["step"] == "5" and at.session_state["lesson_at"] == ("why-wasserstein", 4)
    at.button(key="lesson_back").click().run(timeout=120)
    assert at.query_params["step"] == "4" and at.session_state["lesson_at"] == ("why-wasserstein", 3)
    at.button(key="lesson_all").click().run()
    assert "lesson" not in at.query_params


def test_stage_mode_inside_a_lesson_stays_on_from_step_to_step(apps):
    at = load_page(PAGE, apps, {"lesson": "mode-collapse", "step": "2", "stage": "1"}, timeout=120)
    assert at.session_state["lesson_stage"] and at.query_params["stage"] == "1"
    at.button(key="lesson_next").click().run(timeout=120)
    assert at.query_params["step"] == "3" and at.query_params["stage"] == "1" and at.session_state["lesson_stage"]


# ----- every check comes true on its own seeded run, headless, within the step's budget --------------
def _training_steps() -> list:
    return [(lesson.name, i) for lesson in LESSONS.values() for i, s in enumerate(lesson.steps) if not s.page]


def _specs(step) -> dict:
    if step.preset:
        return {"": PRESETS[step.preset].spec}
    if step.settings:
        return {"": Spec(step.config, step.steps, EVAL_EVERY, label=step.title)}
    return COMPARISONS[step.comparison].specs()


def promise_jobs() -> list:
    """The steps' runs are the presets' promise runs: planned with test_presets.py's and test_compare.py's,
    each is trained once."""
    return [s for name, i in _training_steps() for s in _specs(LESSONS[name].steps[i]).values()]


@pytest.mark.promise_runs
@pytest.mark.parametrize("name, i", _training_steps(), ids=[f"{n}-{i + 1}" for n, i in _training_steps()])
def test_every_check_comes_true_on_its_seeded_run_within_the_budget(name, i):
    step = LESSONS[name].steps[i]
    runs = {k: promise_pool.run(s, promise_jobs).history for k, s in _specs(step).items()}
    assert all(h[-1]["step"] == step.budget for h in runs.values())
    results = [(c.text, c.evaluate(runs)) for c in step.checks]
    print({t: (r.step, r.detail) for t, r in results})
    missed = [t for t, r in results if not r.met]
    assert missed == [], f"{name} step {i + 1}: not seen within {step.budget} steps: {missed}"

