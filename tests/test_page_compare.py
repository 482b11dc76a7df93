"""The compare page in AppTest: it renders a preset, Step advances every run to the same step,
Reset clears all, a bad variant shows its sentence, and the URL holds the comparison."""
from __future__ import annotations

from playground.compare import Comparison
from playground.compare_presets import COMPARISONS
from tests.helpers_pages import COMPARE, chart_keys, load_page, runner_of, status_text

P = "cmp"


def test_page_renders_the_default_comparison(apps):
    at = load_page(COMPARE, apps)
    runner = runner_of(at, P)
    cmp = runner.status().config
    assert isinstance(cmp, Comparison) and cmp.names == COMPARISONS["collapse-vs-gp"].comparison.names
    assert {f"{P}_chart_run0", f"{P}_chart_run1", f"{P}_chart_w1", f"{P}_chart_js"} <= chart_keys(at)
    assert "Idle" in status_text(at)
    # the URL holds the whole comparison
    back, warnings = Comparison.from_query(dict(at.query_params), COMPARISONS["critic-steps"].comparison)
    assert warnings == [] and back.configs() == cmp.configs()


def test_step_advances_every_run_and_reset_clears_all(apps):
    at = load_page(COMPARE, apps)
    at.button(key=f"{P}_step10").click().run()
    snap = runner_of(at, P).snapshot()
    assert snap.step == 10 and [s.step for s in snap.runs] == [10, 10]
    assert "step **10**" in status_text(at)
    at.button(key=f"{P}_reset").click().run()
    snap = runner_of(at, P).snapshot()
    assert snap.step == 0 and [s.step for s in snap.runs] == [0, 0]


def test_preset_button_loads_all_its_runs(apps):
    at = load_page(COMPARE, apps)
    at.button(key=f"{P}_preset_lipschitz-methods").click().run()
    assert not at.exception
    cmp = runner_of(at, P).status().config
    assert cmp == COMPARISONS["lipschitz-methods"].comparison or \
        cmp.configs() == COMPARISONS["lipschitz-methods"].comparison.configs()
    assert {f"{P}_chart_run{i}" for i in range(4)} <= chart_keys(at)
    assert any("Expected at step" in m.value for m in [*at.markdown, *at.caption]), "the preset says what to expect"


def test_bad_variant_shows_its_sentence_and_blocks_play(apps):
    at = load_page(COMPARE, apps)
    at.text_input(key=f"{P}_v_1_more").input("n_critic=lots").run()
    assert not at.exception
    assert any("Variant 2" in e.value and "n_critic" in e.value for e in at.error)
    assert at.button(key=f"{P}_play").disabled
    at.text_input(key=f"{P}_v_1_more").input("").run()
    at.text_input(key=f"{P}_v_1_name").input(at.text_input(key=f"{P}_v_0_name").value).run()
    assert any("both called" in e.value for e in at.error)


def test_add_and_remove_a_run(apps):
    at = load_page(COMPARE, apps)
    at.button(key=f"{P}_add").click().run()
    assert at.text_input(key=f"{P}_v_2_name").value == "run 3"
    assert any("press **Reset**" in i.value for i in at.info)  # a new run needs a reset
    at.button(key=f"{P}_reset").click().run()
    assert len(runner_of(at, P).snapshot().runs) == 3
    at.button(key=f"{P}_v_0_remove").click().run()
    assert at.text_input(key=f"{P}_v_0_name").value == "WGAN-GP"


def test_a_link_with_bad_values_warns_and_falls_back(apps):
    q = {**COMPARISONS["clip-vs-gp"].comparison.to_query(), "seed": "x", "v2": "loss=bogus"}
    at = load_page(COMPARE, apps, query=q)
    assert any("seed='x'" in w.value and "v2=" in w.value for w in at.warning)
    assert runner_of(at, P).status().config.names == COMPARISONS["collapse-vs-gp"].comparison.names


def test_a_preset_with_its_own_architecture_and_critic_round_trips_through_the_form(apps):
    """The one-Gaussian preset's base holds arch = gaussian and a 2 × 64 critic: the sidebar's widgets keep
    them, so the form's comparison is the preset's and nothing asks for a Reset (it did: the form had no
    architecture and put its default critic size over the preset's)."""
    at = load_page(COMPARE, apps)
    at.button(key=f"{P}_preset_one-gaussian").click().run()
    assert not at.exception
    want = COMPARISONS["one-gaussian"].comparison.configs()
    assert runner_of(at, P).status().config.configs() == want
    assert at.selectbox(key=f"{P}_base_arch").value == "gaussian"
    assert not any("press **Reset**" in m.value for m in [*at.info, *at.markdown, *at.caption])
    assert not at.button(key=f"{P}_play").disabled


def test_a_link_to_a_preset_by_name_loads_it_even_after_another_comparison(apps):
    """The divergence lab's "now train under it" links to /compare?preset=one-gaussian: on arrival the
    preset's runs are loaded, whatever the session showed before; the address bar then holds them."""
    at = load_page(COMPARE, apps)
    assert runner_of(at, P).status().config == COMPARISONS["collapse-vs-gp"].comparison
    at.query_params["preset"] = "one-gaussian"
    at.run()
    assert not at.exception
    assert runner_of(at, P).status().config == COMPARISONS["one-gaussian"].comparison
    assert "preset" not in at.query_params and at.query_params["v1"] == "name=forward KL,loss=kl,lipschitz=r1"
    at.query_params["preset"] = "no-such"
    at.run()
    assert any("There is no comparison preset called “no-such”" in w.value for w in at.warning)
    assert runner_of(at, P).status().config == COMPARISONS["one-gaussian"].comparison


def test_a_preset_s_promise_is_shown_only_while_the_runs_are_the_preset_s(apps):
    at = load_page(COMPARE, apps)
    at.button(key=f"{P}_preset_clip-vs-gp").click().run()
    promise = COMPARISONS["clip-vs-gp"].promise
    assert any(promise in c.value for c in at.caption)
    at.number_input(key="cmp_steps").set_value(500).run()   # no longer the preset's comparison
    assert not at.exception and not any(promise in c.value for c in at.caption)
