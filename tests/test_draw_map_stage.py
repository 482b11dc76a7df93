"""Issue 11, parts 3-5: the generator's map, drawing the data, stage mode (engine, plots, AppTest)."""
import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from playground.config import ConfigError
from playground.datasets.mixture_edit import click, components, format_mixture
from playground.datasets.toy import parse_mixture
from playground.genmap import noise_grid
from playground.plots.stage import for_stage
from playground.plots.toy import landscape_2d
from playground.trainer import Trainer
from tests.helpers_engine import small_config
from tests.helpers_pages import chart, load_page, runner_of, status_text, stop_runners

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "toy.py")


# ----- the generator's map -------------------------------------------------------------------------
def test_the_landscape_draws_the_map_of_the_generator_shown():
    t = Trainer(small_config(noise_dim=4))
    t.run(3)
    snap = t.snapshot(200)
    fig = landscape_2d(snap, show_map=True)
    names = [tr.name for tr in fig.data]
    assert "generator's map G(z grid)" in names
    assert "slice" in fig.layout.title.subtitle.text
    with torch.no_grad(), t.inspecting():
        z = torch.as_tensor(noise_grid("gaussian", 4)[0])
        np.testing.assert_allclose(snap.views["map_lines"][0], t.G_eval(z).numpy(), rtol=1e-5, atol=1e-6)
    assert "generator's map G(z grid)" not in [tr.name for tr in landscape_2d(snap).data]


# ----- drawing the mixture ----------------------------------------------------------------------------
def test_a_click_adds_a_component_and_a_click_on_a_centre_removes_it():
    m = "0.5, -2, 0, 0.3"
    added, what = click(m, 2, (1.234, 2.0), sigma=0.2, weight=1.0, radius=0.5)
    assert what == "added" and added == "0.5, -2, 0, 0.3; 1, 1.23, 2, 0.2"
    w, means, s = parse_mixture(added, 2)  # what the config validates
    np.testing.assert_allclose(means[-1], [1.23, 2.0])
    removed, what = click(added, 2, (1.1, 2.1), sigma=0.2, weight=1.0, radius=0.5)
    assert what == "removed" and removed == m
    empty, _ = click(m, 2, (-2, 0), 0.2, 1.0, 0.5)
    assert empty == "" and components(empty, 2)[0].size == 0
    one_d, _ = click("1, 0, 1", 1, (3.0,), sigma=0.5, weight=2.0, radius=0.2)
    assert one_d == "1, 0, 1; 2, 3, 0.5"


def test_a_mixture_holds_at_most_fifty_components():
    full = format_mixture(np.ones(50), np.stack([np.arange(50), np.zeros(50)], 1), np.full(50, 0.1))
    with pytest.raises(ConfigError, match="50 components"):
        click(full, 2, (100.5, 3), 0.2, 1.0, 0.1)


def test_draw_controls_show_for_a_custom_mixture_only_and_clear_empties_the_table():
    started = []
    try:
        at = load_page(PAGE, started)
        assert not [t for t in at.toggle if t.key == "toy_draw"], "no Draw on a built-in dataset"
        at = load_page(PAGE, started, {"dataset": "custom2d", "mixture": "1, 0, 0, 0.3"})
        at.toggle(key="toy_draw").set_value(True).run()
        assert at.number_input(key="toy_draw_sigma").value == pytest.approx(0.2)
        at.button(key="toy_draw_clear").click().run()
        assert not at.exception
        assert any("custom mixture is empty" in e.value for e in at.error)
        assert at.button(key="toy_play").disabled
    finally:
        stop_runners(started, "toy")


def test_a_click_lands_in_the_table_and_the_config():
    """What the chart's click calls, on the state a live page holds (the real click on the chart is
    the browser test's: AppTest cannot click a custom component)."""
    from playground.ui.draw import apply_click

    started = []
    try:
        at = load_page(PAGE, started, {"dataset": "custom2d", "mixture": "1, 0, 0, 0.3"})
        at.toggle(key="toy_draw").set_value(True).run()
        state = {k: at.session_state[k] for k in ("toy_dataset", "toy_config", "toy_draw_sigma", "toy_draw_weight")}
        new = apply_click(state, "toy", (1.5, -1.0), 8.0, state["toy_config"])
        assert new is not None and new.mixture == "1, 0, 0, 0.3; 1, 1.5, -1, 0.2"
        assert state["toy_mixture"] == new.mixture
        assert list(state["toy_mixture_df2"]["mean x"]) == [0.0, 1.5]
        assert apply_click(state | {"toy_config": new}, "toy", (1.45, -1.05), 8.0, new).mixture == "1, 0, 0, 0.3"
    finally:
        stop_runners(started, "toy")


# ----- stage mode -------------------------------------------------------------------------------------
def test_for_stage_scales_fonts_lines_and_markers_and_leaves_the_input():
    fig = go.Figure([go.Scatter(x=[0, 1], y=[1, 2], mode="lines+markers", line=dict(width=2),
                                marker=dict(size=[4, 8])),
                     go.Scatter(x=[0], y=[0], mode="markers", marker=dict(size=6))])
    fig.update_layout(font=dict(size=10), title=dict(text="t", font=dict(size=20)), margin=dict(t=50, l=40, b=30))
    fig.update_xaxes(tickfont=dict(size=8))
    out = for_stage(fig, scale=1.5)
    assert out.layout.font.size == 15 and out.layout.title.font.size == 30 and out.layout.xaxis.tickfont.size == 12
    assert out.data[0].line.width == 3 and list(out.data[0].marker.size) == [6, 12] and out.data[1].marker.size == 9
    assert out.layout.margin.t == 75
    assert fig.layout.font.size == 10 and fig.data[0].line.width == 2, "the input is unchanged"
    assert out.data[0].x == fig.data[0].x


def test_for_stage_on_a_real_landscape_keeps_the_data_and_enlarges_the_title():
    t = Trainer(small_config())
    t.run(2)
    fig = landscape_2d(t.snapshot(100))
    out = for_stage(fig, fit_px=760)
    assert out.layout.title.font.size > 21  # style.TITLE_SIZE, from the template
    assert json.loads(out.to_json())["data"][0]["z"] == json.loads(fig.to_json())["data"][0]["z"]
    assert not any("colorbar" in tr.to_plotly_json().get("marker", {}) for tr in out.data if tr.type == "scatter")


def test_stage_flag_in_the_url_turns_stage_mode_on_and_stays_in_the_url():
    started = []
    try:
        at = load_page(PAGE, started, {"stage": "1"})
        assert at.toggle(key="toy_stage").value is True
        assert not at.title, "no page title on stage: the charts get the screen"
        assert at.query_params.get("stage") in ("1", ["1"])
        assert any(tr["line"]["width"] > 2 for tr in chart(at, "toy_chart_div")["data"] if "line" in tr
                   and tr["line"].get("width")), "the charts are staged"
        at.toggle(key="toy_stage").set_value(False).run()
        assert "stage" not in at.query_params and at.title
    finally:
        stop_runners(started, "toy")


def test_critic_and_generator_buttons_act_and_the_status_line_counts_both():
    started = []
    try:
        at = load_page(PAGE, started)
        at.button(key="toy_critic").click().run()
        at.button(key="toy_critic").click().run()
        at.button(key="toy_generator").click().run()
        assert "generator step **1** · critic updates **2**" in status_text(at)
        hist = runner_of(at, "toy").snapshot().history
        assert [h.get("update") for h in hist if h.get("update")] == ["critic", "critic", "generator"]
        at.toggle(key="toy_explain_on").set_value(True).run()
        at.button(key="toy_explain_go").click().run()
        assert not at.exception
        assert "generator step **2** · critic updates **3**" in status_text(at)
        assert any(m.value.startswith("**1 · Draw the batches**") for m in at.markdown)
    finally:
        stop_runners(started, "toy")


def test_the_compare_page_has_stage_mode_too():
    started = []
    try:
        at = load_page(str(Path(PAGE).with_name("compare.py")), started, {"stage": "1"})
        assert at.toggle(key="cmp_stage").value is True and not at.title and not at.warning
        assert at.query_params.get("stage") in ("1", ["1"])
    finally:
        stop_runners(started, "cmp")
