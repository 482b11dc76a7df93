"""AppTest tests of the teaching pages: the divergence lab and the perfect-discriminator experiment."""
import json
import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers_pages import chart, chart_keys

ROOT = Path(__file__).resolve().parents[1]
DIVERGENCES = str(ROOT / "pages" / "divergences.py")
PERFECT = str(ROOT / "pages" / "perfect_discriminator.py")


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


# -- divergence lab ----------------------------------------------------------------------------

@pytest.fixture
def lab():
    at = AppTest.from_file(DIVERGENCES, default_timeout=60).run()
    assert not at.exception
    return at


def test_divergence_lab_renders_and_identity_holds(lab):
    m = metrics(lab)
    assert float(m["W1(P, Q)"]) == pytest.approx(1.5, abs=1e-3)      # default: two N(., 0.5²), θ = 1.5
    assert float(m["KL(P‖Q)"]) == pytest.approx(1.5 ** 2 / (2 * 0.25), rel=1e-4)
    assert float(m["V(G, D*) by integration"]) == pytest.approx(float(m["−log 4 + 2·JS(P, Q)"]), abs=1e-6)
    assert chart_keys(lab) == {"dv_densities", "dv_curves", "dv_dstar"}
    assert "ln 2" in json.dumps(chart(lab, "dv_curves")["layout"])


def test_divergence_lab_links_to_training_under_the_divergences(lab):
    """Run on its own the page has no navigation: the link is a plain one to the same address."""
    assert any("(/compare?preset=one-gaussian)" in m.value and "Now train under it" in m.value for m in lab.markdown)


def test_divergence_lab_slider_moves_q(lab):
    lab.slider(key="dv_theta").set_value(-4.0).run()   # 8 σ apart
    assert not lab.exception
    m = metrics(lab)
    assert float(m["W1(P, Q)"]) == pytest.approx(4.0, abs=1e-3)
    assert float(m["JS(P, Q)"]) == pytest.approx(math.log(2), abs=1e-3)


def test_divergence_lab_every_scenario_and_infinite_kl(lab):
    seen = {}
    for scenario in lab.selectbox(key="dv_scenario").options:
        if scenario != lab.selectbox(key="dv_scenario").value:  # the one shown is drawn already
            lab.selectbox(key="dv_scenario").set_value(scenario).run()
        assert not lab.exception, scenario
        assert not lab.error, scenario
        seen[scenario] = metrics(lab)
    m = seen["Two boxes (disjoint once |θ| ≥ 1)"]
    assert m["KL(P‖Q)"] == "+∞" and m["KL(Q‖P)"] == "+∞"
    assert float(m["JS(P, Q)"]) == pytest.approx(math.log(2), abs=1e-4)
    assert float(m["V(G, D*) by integration"]) == pytest.approx(0.0, abs=1e-6)


def test_divergence_lab_bad_input_gives_message_not_traceback(lab):
    lab.selectbox(key="dv_p_family").set_value("Uniform").run()
    lab.number_input(key="dv_p_b").set_value(-3.0).run()
    assert not lab.exception
    assert any("a < b" in e.value for e in lab.error)
    lab.selectbox(key="dv_q_family").set_value("Mixture of Gaussians").run()
    lab.text_input(key="dv_q_means").input("1, two").run()
    assert not lab.exception
    assert any("numbers separated by commas" in e.value for e in lab.error)


def test_divergence_lab_mixture_and_range(lab):
    lab.selectbox(key="dv_scenario").set_value("Mixture vs Gaussian").run()
    lab.number_input(key="dv_range").set_value(8.0).run()
    lab.slider(key="dv_theta").set_value(7.5).run()
    assert not lab.exception and not lab.error
    assert float(metrics(lab)["TV(P, Q)"]) > 0.99


# -- perfect discriminator ---------------------------------------------------------------------

def run_until_idle(at, max_runs=80):
    runs = 0
    while at.session_state["pd_running"] is not None and runs < max_runs:
        at.run()
        runs += 1
        assert not at.exception
    assert at.session_state["pd_running"] is None, "phase did not finish"
    return runs


def test_perfect_page_renders_without_training():
    at = AppTest.from_file(PERFECT, default_timeout=60).run()
    assert not at.exception
    exps = at.session_state["pd_exps"]
    assert set(exps) == {"bce", "wgan", "hinge", "euclidean"}
    assert all(e.d_done == 0 and e.g_done == 0 for e in exps.values())     # nothing trained on first render
    assert at.button(key="pd_phase2").disabled                               # phase 1 first
    assert chart_keys(at) == {"pd_mean_abs", "pd_grad"} | {f"pd_{kind}_{name}" for name in exps
                                                           for kind in ("scores", "critic", "gloss")}


def test_perfect_page_phases_teach_the_lesson():
    # 150 + 150 steps: each phase still spans several of the page's ticks (reruns, the cost here) and the
    # lesson is already there (mean |D| at seed 0: BCE 0.49, WGAN 0.016, hinge 0.004)
    at = AppTest.from_file(PERFECT, default_timeout=60)
    at.session_state["pd_d_steps"] = 150
    at.session_state["pd_g_steps"] = 150
    at.run()
    at.button(key="pd_phase1").click().run()
    run_until_idle(at)
    exps = at.session_state["pd_exps"]
    assert all(e.phase1_complete for e in exps.values())
    assert not at.button(key="pd_phase2").disabled
    at.button(key="pd_phase2").click().run()
    run_until_idle(at)
    assert all(e.phase2_complete for e in exps.values())
    final = {k: e.evaluate()["mean_abs_output"] for k, e in exps.items()}
    assert final["bce"] > 0.3 and final["wgan"] < 0.05 and final["hinge"] < 0.05
    assert len(at.dataframe) == 1                                # the summary table
    at.button(key="pd_reset").click().run()
    assert not at.exception
    assert all(e.g_done == 0 for e in at.session_state["pd_exps"].values())


def test_perfect_page_run_both_with_one_objective():
    at = AppTest.from_file(PERFECT, default_timeout=60)
    at.session_state["pd_d_steps"] = 50
    at.session_state["pd_g_steps"] = 50
    at.run()
    at.multiselect(key="pd_objectives").set_value(["bce"]).run()
    at.button(key="pd_all").click().run()
    run_until_idle(at)
    (e,) = at.session_state["pd_exps"].values()
    assert e.d_done == 50 and e.g_done == 50
    at.multiselect(key="pd_objectives").set_value([]).run()
    assert not at.exception and at.info


def test_app_navigation_lists_teaching_pages():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    at.switch_page("pages/divergences.py").run()
    assert not at.exception and at.title[0].value == "Divergence lab"
    at.switch_page("pages/perfect_discriminator.py").run()
    assert not at.exception and at.title[0].value == "Perfect discriminator"


# -- convergence (DiracGAN) ------------------------------------------------------------------------

def test_convergence_page_presets_bad_input_url_and_csv():
    page = str(ROOT / "pages" / "convergence.py")
    at = AppTest.from_file(page, default_timeout=60)
    at.query_params.update({"loss": "wgan", "h": "0.05", "t0": "0.5", "steps": "oops"})
    at.run()
    assert not at.exception and not at.error
    assert at.selectbox(key="cv_loss").value == "wgan" and at.number_input(key="cv_lr").value == 0.05
    assert at.number_input(key="cv_theta0").value == 0.5
    assert any("'steps=oops'" in w.value for w in at.warning)           # a bad link value: a sentence
    assert chart_keys(at) == {"cv_plane", "cv_distance", "cv_eigen"}
    # the eigenvalues ±i of WGAN, shown beside their closed form
    assert "Closed form: -1.0000i, +1.0000i; numerical" in " ".join(m.value for m in at.markdown)

    for i in range(6):
        at.button(key=f"cv_preset_{i}").click().run()
        assert not at.exception and not at.error, i
        assert len(at.info) == 1, f"preset {i}: its lesson is shown"
    # the last preset ("Too large a step") is in the URL, and its run escapes
    assert at.query_params["h"] in ("1.1", ["1.1"]) and at.query_params["w"] in ("1", ["1"])
    plane = chart(at, "cv_plane")
    assert "escaped" in plane["layout"]["title"]["subtitle"]["text"]
    assert len(plane["frames"]) > 10

    at.button(key="cv_preset_3").click().run()                            # R1 converges
    download = at.get("download_button")[0].proto
    assert download.label == "Download the trajectory (CSV)" and download.url.endswith(".csv")
    eig = chart(at, "cv_eigen")
    assert "inside: the steps contract" in eig["layout"]["title"]["subtitle"]["text"].replace("<br>", " ")

    at.number_input(key="cv_lr").set_value(-0.1).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["The step size h must be a positive number; got -0.1."]
    at.number_input(key="cv_lr").set_value(0.1).run()
    at.number_input(key="cv_steps").set_value(0).run()
    assert not at.exception and "at least 1" in at.error[0].value
    at.number_input(key="cv_steps").set_value(500).run()
    at.selectbox(key="cv_reg").set_value("gp").run()                       # no Jacobian: a sentence, no chart
    assert not at.exception and not at.error and "jumps" in at.warning[0].value
    assert at.number_input(key="cv_weight").value == 1.0                   # the weight follows the regulariser
    assert at.query_params["reg"] in ("gp", ["gp"])
