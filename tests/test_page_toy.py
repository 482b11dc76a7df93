"""AppTest tests of the toy page (no browser): render, Step, Reset, invalid config, URL state."""
import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from playground.config import RunConfig
from playground.ui.common import LEFT_PAGE, leave_legacy_pages_mode
from tests.helpers_engine import wait_for
from tests.helpers_pages import (APP, TOY, chart, chart_keys, figure_array, load_page,
                                 runner_of, status_text)

CHARTS = {f"toy_chart_{name}" for name in ("main", "div", "est", "loss", "modes", "grad", "timeline")}


def test_renders_idle_with_charts(apps):
    at = load_page(TOY, apps)
    assert "step **0**" in status_text(at)
    assert chart_keys(at) == CHARTS
    assert all("layout" in chart(at, key) for key in CHARTS), "every chart holds a figure"
    assert runner_of(at).status().state == "idle"


def test_step_advances_the_counter_and_fills_the_charts(apps):
    at = load_page(TOY, apps)
    at.button(key="toy_step10").click().run()
    assert not at.exception
    assert "step **10**" in status_text(at)
    snap = runner_of(at).snapshot()
    assert snap.step == 10
    losses = chart(at, "toy_chart_loss")
    assert any("loss" in (t.get("name") or "").lower() for t in losses["data"])
    n_points = max(len(t.get("x") or []) for t in losses["data"] if t.get("x") is not None)
    assert n_points >= 1, "the loss curve has points after 10 steps"
    at.button(key="toy_step").click().run()
    assert "step **11**" in status_text(at)


def test_reset_clears(apps):
    at = load_page(TOY, apps)
    at.button(key="toy_step10").click().run()
    assert runner_of(at).status().step == 10
    at.button(key="toy_reset").click().run()
    assert runner_of(at).status().step == 0
    assert "step **0**" in status_text(at)
    assert all(h["step"] == 0 for h in runner_of(at).snapshot().history)


def test_invalid_config_shows_the_message_and_does_not_start(apps):
    at = load_page(TOY, apps)
    at.text_input(key="toy_g_lr").set_value("-0.01").run()
    errors = " ".join(e.value for e in at.error)
    assert "learning rate must be a positive number" in errors
    assert at.button(key="toy_play").disabled and at.button(key="toy_step").disabled
    at.text_input(key="toy_g_lr").set_value("abc").run()
    assert "not a number" in " ".join(e.value for e in at.error)


def test_bad_custom_mixture_is_reported_next_to_the_table(apps):
    at = load_page(TOY, apps, {"dataset": "custom1d", "mixture": "1, 0, -1"})
    # a bad mixture in the URL falls back with a warning
    assert any("mixture" in w.value for w in at.warning)


def test_url_restores_a_config_and_bad_values_warn(apps):
    q = {"dataset": "grid25", "loss": "wgan", "lipschitz": "gp", "n_critic": "5", "d_lr": "0.0003", "seed": "7"}
    at = load_page(TOY, apps, q)
    assert at.selectbox(key="toy_dataset").value == "grid25"
    assert at.selectbox(key="toy_loss").value == "wgan"
    assert at.text_input(key="toy_d_lr").value == "0.0003"
    cfg = runner_of(at).status().config
    assert (cfg.dataset, cfg.loss, cfg.seed, cfg.d_lr) == ("grid25", "wgan", 7, 3e-4)
    assert not at.warning
    runner_of(at).stop()  # AppTest sessions share the session-scoped cache: start the next one fresh
    at2 = load_page(TOY, apps, {"loss": "nope", "g_lr": "fast", "seed": "3"})
    warn = " ".join(w.value for w in at2.warning)
    assert "loss" in warn and "g_lr" in warn
    assert runner_of(at2).status().config.seed == 3, "the good values are kept"
    assert runner_of(at2).status().config.loss == RunConfig().loss


def test_critic_and_generator_buttons_act_and_the_status_line_counts_both(apps):
    at = load_page(TOY, apps)
    at.button(key="toy_critic").click().run()
    at.button(key="toy_critic").click().run()
    at.button(key="toy_generator").click().run()
    assert "generator step **1** · critic updates **2**" in status_text(at)
    hist = runner_of(at).snapshot().history
    assert [h.get("update") for h in hist if h.get("update")] == ["critic", "critic", "generator"]
    at.toggle(key="toy_explain_on").set_value(True).run()
    at.button(key="toy_explain_go").click().run()
    assert not at.exception, at.exception
    assert "generator step **2** · critic updates **3**" in status_text(at)
    assert any(m.value.startswith("**1 · Draw the batches**") for m in at.markdown)


def test_preset_button_loads_and_explains(apps):
    at = load_page(TOY, apps)
    at.button(key="toy_preset_wgan-gp").click().run()
    assert not at.exception
    assert at.selectbox(key="toy_loss").value == "wgan"
    assert runner_of(at).status().config.lipschitz == "gp"
    assert any("Expected by step" in m.value for m in [*at.markdown, *at.caption]), "the preset says what to expect"


def test_structural_change_asks_for_reset(apps):
    at = load_page(TOY, apps)
    at.selectbox(key="toy_dataset").set_value("moons").run()
    assert any("Reset" in i.value for i in at.info)
    assert at.button(key="toy_play").disabled
    at.button(key="toy_reset").click().run()
    assert runner_of(at).status().config.dataset == "moons"
    assert not at.info


def test_generator_average_applies_live_without_a_reset(apps):
    at = load_page(TOY, apps, {"g_ema": "0.99"})  # the first run's own value, given in the link too
    at.button(key="toy_step10").click().run()
    ema = at.number_input(key="toy_g_ema")
    assert ema.value == runner_of(at).status().config.g_ema == 0.99   # from the link
    ema.set_value(0.0).run()
    assert not at.exception, at.exception
    assert not any("Reset" in i.value for i in at.info), "g_ema applies live"
    at.button(key="toy_step").click().run()
    snap = runner_of(at).snapshot()
    assert snap.step == 11 and snap.config["g_ema"] == 0.0, "the worker's trainer took the change"
    # the link holds what differs from the page's default (the first run averages with β = 0.99)
    assert at.query_params["g_ema"] in ("0.0", ["0.0"])


def test_legacy_pages_mode_switch_still_works():
    """page_setup relies on a private Streamlit attribute (a deep link opened before app.py ran is
    served in legacy pages/ mode): if an upgrade renames it, fail here rather than in the browser."""
    assert hasattr(PagesManager, "uses_pages_directory"), "Streamlit renamed PagesManager.uses_pages_directory"
    before = PagesManager.uses_pages_directory
    try:
        PagesManager.uses_pages_directory = True
        assert leave_legacy_pages_mode() is True
        assert PagesManager.uses_pages_directory is False
        assert leave_legacy_pages_mode() is False
    finally:
        PagesManager.uses_pages_directory = before


def test_a_dataset_the_page_does_not_offer_warns_and_uses_the_default(apps):
    at = load_page(TOY, apps, {"dataset": "mnist"})
    assert any("mnist" in w.value and "not offered on this page" in w.value for w in at.warning)
    assert at.selectbox(key="toy_dataset").value == "ring8"
    assert runner_of(at).status().config.dataset == "ring8"


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has CUDA")
def test_a_missing_device_in_the_link_gets_a_sentence_and_a_selector(apps):
    at = load_page(TOY, apps, {"device": "cuda"})
    assert any("device" in w.value and "not available" in w.value for w in at.warning)
    device = at.selectbox(key="toy_device")
    assert device.value == "auto" and "CUDA (NVIDIA GPU)" in device.options
    device.set_value("cuda").run()  # chosen by hand: the sentence sits in the Run group, nothing starts
    assert any("not available" in e.value for e in at.error)
    assert runner_of(at).status().config.device == "auto"
    at.selectbox(key="toy_device").set_value("cpu").run()
    config = runner_of(at).status().config
    assert not at.error and runner_of(at).needs_reset(RunConfig.from_dict({**config.to_dict(), "device": "cpu"}))


def test_opening_another_page_pauses_this_one_and_says_so(apps):
    """A user's own run on /toy pauses when they open /mnist (it would share the cores unwatched), and says so."""
    at = AppTest.from_file(APP, default_timeout=90)
    apps.append(at)  # the fixture stops both pages' runs
    at.switch_page("pages/toy.py").run()
    toy = runner_of(at, "toy")
    at.button(key="toy_play").click().run()
    assert wait_for(lambda: toy.status().step >= 5, timeout=30), toy.status()
    assert toy.status().state == "running"
    at.switch_page("pages/mnist.py").run()
    assert not at.exception, at.exception
    assert toy.wait_idle(20)
    s = toy.status()
    assert s.state == "paused" and s.message == LEFT_PAGE
    at.switch_page("pages/toy.py").run()
    assert any(LEFT_PAGE in c.value for c in at.caption), "the page says why it paused"


def test_mode_timeline_shows_the_evaluated_shares(apps):
    at = load_page(TOY, apps)
    at.button(key="toy_step10").click().run()
    fig = chart(at, "toy_chart_timeline")
    (hm,) = [t for t in fig["data"] if t["type"] == "heatmap"]
    evals = [h for h in runner_of(at).snapshot().history if "mode_shares" in h]
    assert evals, "Step 10 evaluates"
    z = figure_array(hm["z"])
    assert z.shape == (8, len(evals))
    assert z[:, -1].tolist() == pytest.approx(evals[-1]["mode_shares"], abs=1e-6)
    modes = chart(at, "toy_chart_modes")
    assert "modes visited so far" in {t.get("name") for t in modes["data"]}


def test_a_shape_without_modes_has_no_mode_timeline(apps):
    at = load_page(TOY, apps, {"dataset": "spiral"})
    at.button(key="toy_step10").click().run()
    assert not at.exception and chart_keys(at) == CHARTS - {"toy_chart_timeline"}
    assert "toy_chart_timeline" not in chart_keys(at), "a shape without modes has no per-mode timeline"


def test_raw_or_averaged_toggle_applies_live_and_labels_the_samples(apps):
    at = load_page(TOY, apps, {"g_ema": "0.99"})
    at.button(key="toy_step10").click().run()
    toggle = at.radio(key="toy_g_shown")
    assert toggle.value == "averaged" and not toggle.disabled
    assert "averaged generator" in chart(at, "toy_chart_main")["layout"]["title"]["subtitle"]["text"]
    toggle.set_value("raw").run()
    assert not at.exception and not any("Reset" in i.value for i in at.info), "g_shown applies live"
    wait_for(lambda: runner_of(at).snapshot().config.get("g_shown") == "raw", timeout=20)
    snap = runner_of(at).snapshot()
    assert snap.step == 10 and snap.config["g_shown"] == "raw", "a paused run redraws with the raw generator"
    at.run()
    assert "raw generator" in chart(at, "toy_chart_main")["layout"]["title"]["subtitle"]["text"]
    at.button(key="toy_step").click().run()
    snap = runner_of(at).snapshot()
    assert snap.step == 11 and snap.config["g_shown"] == "raw", "the worker's trainer took the change"
    assert "raw generator" in chart(at, "toy_chart_main")["layout"]["title"]["subtitle"]["text"]
    assert at.query_params["g_shown"] == "raw"      # in the link


def test_raw_or_averaged_toggle_is_off_without_an_average(apps):
    at = load_page(TOY, apps, {"g_ema": "0"})
    assert at.radio(key="toy_g_shown").disabled


def test_the_architecture_selector_trains_one_gaussian_with_its_optimum_dotted(apps):
    """The toy form offers the one-Gaussian generator (issue 35): on two_modes1d under reverse KL the run
    is arch=gaussian and the 1D view draws that divergence's optimum."""
    at = load_page(TOY, apps)
    assert at.sidebar.selectbox(key="toy_arch").options == ["MLP (fully connected)",
                                                            "One Gaussian (μ + σ·z; MLP critic)"]
    at.sidebar.selectbox(key="toy_dataset").set_value("two_modes1d").run()
    at.sidebar.selectbox(key="toy_arch").set_value("gaussian").run()
    at.sidebar.selectbox(key="toy_loss").set_value("reverse_kl").run()
    assert {n.key for n in at.sidebar.number_input} >= {"toy_d_width", "toy_d_depth"}
    assert "toy_g_width" not in {n.key for n in at.sidebar.number_input}  # μ and σ: no layers to size
    at.button(key="toy_reset").click().run()
    assert runner_of(at).status().config.arch == "gaussian"
    names = [t.get("name") or "" for t in chart(at, "toy_chart_main")["data"]]
    assert any(n.startswith("optimum N(±3.00, 0.50²)") for n in names), names
