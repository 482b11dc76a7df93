"""AppTest tests of the toy page (no browser): render, Step, Reset, invalid config, URL state."""
from pathlib import Path

import pytest

from playground.config import RunConfig
from tests.helpers_pages import chart_figures, load_page, status_text, stop_runners

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "toy.py")


def runner_of(at):
    return at.session_state["_gp_runner_toy"]


@pytest.fixture
def apps():
    started = []
    yield started
    stop_runners(started, "_gp_runner_toy")


def load(started, query=None):
    return load_page(PAGE, started, query, timeout=60)


def test_renders_idle_with_charts(apps):
    at = load(apps)
    assert "step **0**" in status_text(at)
    assert len(chart_figures(at)) == 6
    assert runner_of(at).status().state == "idle"


def test_step_advances_the_counter_and_fills_the_charts(apps):
    at = load(apps)
    at.button(key="toy_step10").click().run()
    assert not at.exception
    assert "step **10**" in status_text(at)
    snap = runner_of(at).snapshot()
    assert snap.step == 10
    figs = chart_figures(at)
    losses = next(f for f in figs if any("loss" in (t.get("name") or "").lower() for t in f["data"]))
    n_points = max(len(t.get("x") or []) for t in losses["data"] if t.get("x") is not None)
    assert n_points >= 1, "the loss curve has points after 10 steps"
    at.button(key="toy_step").click().run()
    assert "step **11**" in status_text(at)


def test_reset_clears(apps):
    at = load(apps)
    at.button(key="toy_step10").click().run()
    assert runner_of(at).status().step == 10
    at.button(key="toy_reset").click().run()
    assert runner_of(at).status().step == 0
    assert "step **0**" in status_text(at)
    assert all(h["step"] == 0 for h in runner_of(at).snapshot().history)


def test_invalid_config_shows_the_message_and_does_not_start(apps):
    at = load(apps)
    at.text_input(key="toy_g_lr").set_value("-0.01").run()
    errors = " ".join(e.value for e in at.error)
    assert "learning rate must be a positive number" in errors
    assert at.button(key="toy_play").disabled and at.button(key="toy_step").disabled
    at.text_input(key="toy_g_lr").set_value("abc").run()
    assert "not a number" in " ".join(e.value for e in at.error)


def test_bad_custom_mixture_is_reported_next_to_the_table(apps):
    at = load(apps, {"dataset": "custom1d", "mixture": "1, 0, -1"})
    # a bad mixture in the URL falls back with a warning
    assert any("mixture" in w.value for w in at.warning)


def test_url_restores_a_config_and_bad_values_warn(apps):
    q = {"dataset": "grid25", "loss": "wgan", "lipschitz": "gp", "n_critic": "5", "d_lr": "0.0003", "seed": "7"}
    at = load(apps, q)
    assert at.selectbox(key="toy_dataset").value == "grid25"
    assert at.selectbox(key="toy_loss").value == "wgan"
    assert at.text_input(key="toy_d_lr").value == "0.0003"
    cfg = runner_of(at).status().config
    assert (cfg.dataset, cfg.loss, cfg.seed, cfg.d_lr) == ("grid25", "wgan", 7, 3e-4)
    assert not at.warning
    runner_of(at).stop()  # AppTest sessions share the session-scoped cache: start the next one fresh
    at2 = load(apps, {"loss": "nope", "g_lr": "fast", "seed": "3"})
    warn = " ".join(w.value for w in at2.warning)
    assert "loss" in warn and "g_lr" in warn
    assert runner_of(at2).status().config.seed == 3, "the good values are kept"
    assert runner_of(at2).status().config.loss == RunConfig().loss


def test_preset_button_loads_and_explains(apps):
    at = load(apps)
    at.button(key="toy_preset_wgan-gp").click().run()
    assert not at.exception
    assert at.selectbox(key="toy_loss").value == "wgan"
    assert runner_of(at).status().config.lipschitz == "gp"
    assert any("Expected by step" in m.value for m in at.markdown)


def test_structural_change_asks_for_reset(apps):
    at = load(apps)
    at.selectbox(key="toy_dataset").set_value("moons").run()
    assert any("Reset" in i.value for i in at.info)
    assert at.button(key="toy_play").disabled
    at.button(key="toy_reset").click().run()
    assert runner_of(at).status().config.dataset == "moons"
    assert not at.info


def test_generator_average_applies_live_without_a_reset(apps):
    at = load(apps)
    at.button(key="toy_step10").click().run()
    ema = at.number_input(key="toy_g_ema")
    assert ema.value == runner_of(at).status().config.g_ema == 0.99   # the recipes turn it on
    ema.set_value(0.0).run()
    assert not at.exception, at.exception
    assert not any("Reset" in i.value for i in at.info), "g_ema applies live"
    at.button(key="toy_step").click().run()
    snap = runner_of(at).snapshot()
    assert snap.step == 11 and snap.config["g_ema"] == 0.0, "the worker's trainer took the change"
    assert "g_ema" not in at.query_params   # back at RunConfig's default (off): not in the link
