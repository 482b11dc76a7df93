"""Draw your own data (playground/ui/draw.py): the controls, Clear and a click on the chart, in AppTest.

A small script holds what the toy page holds (the sidebar form, the draw controls, a clickable live
chart), without a training process. A click on the chart is the component's trigger value, sent the
way the browser sends it (`click_chart`); the browser's own click on the plot is the browser test's.
"""
import json

import pytest
from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.testing.v1 import AppTest

from playground.config import RunConfig
from playground.datasets.toy import DEFAULT_MIXTURE
from playground.ui.config_form import EMPTY_MIXTURE
from playground.ui.draw import apply_click, clear_mixture, current_mixture, removal_radius
from tests.helpers_pages import TOY, load_page, runner_of

ONE = "1, 0, 0, 0.3"


def _draw_app(start: dict):
    import plotly.graph_objects as go
    import streamlit as st

    from playground.config import RunConfig
    from playground.ui.config_form import config_sidebar, load_into_widgets
    from playground.ui.draw import draw_controls, on_click_callback, view_width
    from playground.ui.live_chart import live_plotly_chart

    S = st.session_state
    if "p_loaded" not in S:  # as ui/live.py config_from_url: the first run loads a config
        load_into_widgets("p", RunConfig.from_dict(start))
        S["p_loaded"] = True
    config, error = config_sidebar("p", ["ring8", "custom1d", "custom2d"])
    S["p_config"] = config  # as ui/live.py controls()

    def apply(new):  # the page restarts its run on `new`
        S["p_applied"] = S.get("p_applied", []) + [new]

    on = draw_controls("p")
    fig = go.Figure(layout=dict(dragmode=False if on else "zoom"))
    live_plotly_chart(fig, "p_chart", on_click=on_click_callback("p", "p_chart", apply, view_width(config))
                      if on else None)


def app(**start) -> AppTest:
    at = AppTest.from_function(_draw_app, args=({"dataset": "custom2d", "mixture": ONE} | start,),
                               default_timeout=30).run()
    assert not at.exception, at.exception
    return at


def click_chart(at: AppTest, key: str, x: float, y: float = 0.0) -> AppTest:
    """Rerun as after a click on the live chart `key`: its trigger value ("click", {x, y}) with the
    other widgets' values, as the browser sends them (AppTest has no call for a custom component)."""
    states = at._tree.get_widget_states()
    trigger = states.widgets.add()
    trigger.id = _make_trigger_id(at.get_by_key(key).proto.id, "events")
    trigger.json_trigger_value = json.dumps([{"event": "click", "value": {"x": x, "y": y}}])
    at._run(states)
    assert not at.exception, at.exception
    return at


def drawing(at: AppTest) -> AppTest:
    return at.toggle(key="p_draw").set_value(True).run()


def table(at: AppTest, dim: int = 2) -> list[list[float]]:
    return at.session_state[f"p_mixture_df{dim}"].values.tolist()


# ----- the controls ---------------------------------------------------------------------------------
def test_draw_controls_show_for_a_custom_mixture_only():
    at = app(dataset="ring8", mixture="")
    assert not [t for t in at.toggle if t.key == "p_draw"], "no Draw on a built-in dataset"
    at.selectbox(key="p_dataset").set_value("custom2d").run()
    assert at.toggle(key="p_draw").value is False
    assert not [n for n in at.number_input if n.key in ("p_draw_sigma", "p_draw_weight")], "only when on"
    drawing(at)
    assert at.number_input(key="p_draw_sigma").value == pytest.approx(0.2)
    assert at.number_input(key="p_draw_weight").value == pytest.approx(1.0)
    assert at.button(key="p_draw_clear").label == "Clear"
    assert any("click a centre to remove it" in c.value for c in at.caption)


def test_clear_empties_the_table_and_the_form_says_so_instead_of_using_the_default():
    at = drawing(app())
    at.button(key="p_draw_clear").click().run()
    assert not at.exception
    assert at.session_state["p_mixture"] == "" and table(at) == []
    assert EMPTY_MIXTURE in [e.value for e in at.error]
    assert at.session_state["p_config"] is None, "an empty table is no config (not the default mixture)"
    click_chart(at, "p_chart", 1.0, 1.0)  # the first component of a new drawing: the only one
    assert at.session_state["p_mixture"] == "1, 1, 1, 0.2"
    assert at.session_state["p_config"].mixture == "1, 1, 1, 0.2" and not at.error


# ----- a click on the chart -------------------------------------------------------------------------
def test_a_click_adds_a_component_that_the_table_and_the_config_follow():
    at = drawing(app())
    click_chart(at, "p_chart", 1.5, -1.0)
    want = "1, 0, 0, 0.3; 1, 1.5, -1, 0.2"
    assert at.session_state["p_mixture"] == want
    assert table(at) == [[1, 0, 0, 0.3], [1, 1.5, -1, 0.2]], "the sidebar table shows it"
    assert [c.mixture for c in at.session_state["p_applied"]] == [want], "the run restarts on it"
    assert at.session_state["p_config"].mixture == want, "and the form's config is it"

    at.number_input(key="p_draw_sigma").set_value(0.5)
    at.number_input(key="p_draw_weight").set_value(3.0).run()
    click_chart(at, "p_chart", -2.0, 2.0)
    assert at.session_state["p_mixture"] == want + "; 3, -2, 2, 0.5"

    click_chart(at, "p_chart", 1.45, -1.05)  # on the second component's centre (3σ = 0.6 around it)
    assert at.session_state["p_mixture"] == "1, 0, 0, 0.3; 3, -2, 2, 0.5"
    assert at.session_state["p_config"].mixture == "1, 0, 0, 0.3; 3, -2, 2, 0.5"
    assert len(at.session_state["p_applied"]) == 3 and not at.error


def test_a_click_that_cannot_be_applied_is_a_sentence_and_changes_nothing():
    at = drawing(app())
    click_chart(at, "p_chart", 150.0, 0.0)
    assert any("lies too far out" in e.value for e in at.error)
    assert at.session_state["p_mixture"] == ONE and "p_applied" not in at.session_state
    assert at.session_state["p_config"].mixture == ONE, "the table is as it was"
    click_chart(at, "p_chart", 2.0, 2.0)
    assert not at.error, "the next click clears the message"


def test_a_click_in_one_dimension_adds_at_its_x():
    at = drawing(app(dataset="custom1d", mixture="1, 0, 1"))
    click_chart(at, "p_chart", 3.5, 0.7)  # past 3σ = 3 of the first one; y does not matter in 1D
    assert at.session_state["p_mixture"] == "1, 0, 1; 1, 3.5, 0.2"
    assert table(at, 1) == [[1, 0, 1], [1, 3.5, 0.2]]
    assert at.session_state["p_applied"][-1].dataset == "custom1d"


# ----- the logic on a plain dict --------------------------------------------------------------------
def state(mixture: str = ONE, dataset: str = "custom2d", config: bool = True) -> dict:
    cfg = RunConfig(dataset=dataset, mixture=mixture).validate() if config else None
    return {"p_dataset": dataset, "p_config": cfg, "p_mixture": mixture, "p_draw_sigma": 0.2,
            "p_draw_weight": 1.0, "p_mixture_editor2": {"edited_rows": {}}}


def test_apply_click_returns_the_new_config_and_rebuilds_the_table():
    S = state()
    new = apply_click(S, "p", (1.5, -1.0), 8.0)
    assert new is not None and new.mixture == "1, 0, 0, 0.3; 1, 1.5, -1, 0.2" and new.dataset == "custom2d"
    assert S["p_mixture"] == new.mixture and S["p_draw_error"] is None
    assert list(S["p_mixture_df2"]["mean x"]) == [0.0, 1.5]
    assert "p_mixture_editor2" not in S, "the editor's edits of the old table are dropped"


def test_the_removal_radius_is_three_sigma_or_two_percent_of_the_view():
    assert removal_radius(ONE, 2, (0.5, 0), view_width=8.0) == pytest.approx(0.9)       # 3 × 0.3
    assert removal_radius("1, 0, 0, 0.01", 2, (0.5, 0), 8.0) == pytest.approx(0.16)      # 2 % of 8
    assert removal_radius("", 2, (0.5, 0), 8.0) == pytest.approx(0.16)
    S = state("1, 0, 0, 0.01; 1, 3, 3, 0.3")
    assert apply_click(S, "p", (0.15, 0), 8.0).mixture == "1, 3, 3, 0.3"                # within 0.16
    S = state("1, 0, 0, 0.01; 1, 3, 3, 0.3")
    assert apply_click(S, "p", (0.17, 0), 8.0).mixture.endswith("; 1, 0.17, 0, 0.2")    # outside


def test_the_current_mixture_is_the_config_then_the_table_then_the_default():
    assert current_mixture(state(), "p", 2) == ONE
    assert current_mixture(state("") | {"p_mixture": "garbage"}, "p", 2) == DEFAULT_MIXTURE[2], \
        "a config's empty mixture is the default one"
    assert current_mixture(state("", config=False), "p", 2) == "", "an emptied table is empty"
    S = state(config=False)
    del S["p_mixture"]
    assert current_mixture(S, "p", 2) == DEFAULT_MIXTURE[2]


def test_without_a_config_the_table_changes_and_a_base_config_restarts_the_run():
    S = state(config=False)
    assert apply_click(S, "p", (2, 2), 8.0) is None and S["p_mixture"] == ONE + "; 1, 2, 2, 0.2"
    base = RunConfig(dataset="ring8", seed=7)  # the run's config, e.g. from before a switch to custom2d
    new = apply_click(state(config=False), "p", (2, 2), 8.0, base)
    assert (new.dataset, new.mixture, new.seed) == ("custom2d", ONE + "; 1, 2, 2, 0.2", 7)


def test_removing_the_last_component_and_clear_leave_an_empty_table_and_no_config():
    S = state()
    assert apply_click(S, "p", (0.1, 0.1), 8.0) is None
    assert S["p_mixture"] == "" and len(S["p_mixture_df2"]) == 0 and S["p_draw_error"] is None
    S = state("1, 0, 0, 0.3; 1, 2, 2, 0.3") | {"p_draw_error": "old"}
    clear_mixture(S, "p")
    assert S["p_mixture"] == "" and len(S["p_mixture_df2"]) == 0 and S["p_draw_error"] is None
    S = state(dataset="ring8", mixture="", config=False)
    assert apply_click(S, "p", (0, 0), 8.0) is None and "p_mixture_df2" not in S, "not a custom mixture"


def test_fifty_components_is_a_sentence_not_a_traceback():
    full = "; ".join(f"1, {i}, 0, 0.01" for i in range(50))
    S = state(full)
    assert apply_click(S, "p", (0.5, 5), 8.0) is None
    assert "50 components" in S["p_draw_error"] and S["p_mixture"] == full


# ----- the toy page ---------------------------------------------------------------------------------
def test_on_the_toy_page_a_click_restarts_the_run_on_the_drawn_data_and_clear_blocks_play(apps):
    """pages/toy.py as it is wired: Draw on, a click on its main chart (key toy_chart_draw while drawing);
    Clear leaves no data to train on; a built-in dataset has no Draw."""
    at = load_page(TOY, apps, {"dataset": "custom2d", "mixture": ONE})
    at.toggle(key="toy_draw").set_value(True).run()
    click_chart(at, "toy_chart_draw", 1.2, -0.8)
    want = ONE + "; 1, 1.2, -0.8, 0.2"
    assert at.session_state["toy_mixture"] == want
    assert at.session_state["toy_config"].mixture == want
    assert runner_of(at, "toy").status().config.mixture == want, "the run is on it"
    assert "1.2" in str(at.query_params.get("mixture")), "the URL follows"

    at.button(key="toy_draw_clear").click().run()
    assert not at.exception, at.exception
    assert EMPTY_MIXTURE in [e.value for e in at.error]
    assert at.button(key="toy_play").disabled, "nothing to train on"
    at.selectbox(key="toy_dataset").set_value("ring8").run()
    assert not [t for t in at.toggle if t.key == "toy_draw"], "no Draw on a built-in dataset"
