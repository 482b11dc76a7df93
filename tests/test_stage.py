"""Stage mode: plots/stage.py's copy of a figure with fonts, lines, markers and margins enlarged, and the
pages' stage switch (playground/ui/stage.py), in the URL as `stage=1` (AppTest)."""
from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from playground.plots import style, toy
from playground.plots.stage import for_stage
from tests.helpers_pages import COMPARE, TOY, chart, load_page
from tests.test_plots import _run, by_name


def hand_built() -> go.Figure:
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=np.arange(3, dtype=np.float32), y=np.array([1, 2, 3], np.float32),
                             mode="lines+markers", line=dict(width=2), marker=dict(size=np.array([4, 0, 10], np.float32))),
                  secondary_y=False)
    fig.add_trace(go.Scatter(x=[0, 1], y=[5, 6], mode="lines"), secondary_y=True)        # width unset
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", marker=dict(size=6)))           # no line drawn
    fig.add_trace(go.Heatmap(z=[[1, 2], [3, 4]], colorbar=dict(title=dict(text="c", font=dict(size=10)),
                                                               tickfont=dict(size=8))))
    fig.update_layout(template="none", font=dict(size=10), height=400, uirevision="keep",
                      title=dict(text="t", font=dict(size=20), subtitle=dict(text="s", font=dict(size=14))),
                      legend=dict(font=dict(size=12)), margin=dict(t=50, l=40, b=30))
    fig.update_xaxes(tickfont=dict(size=8), title=dict(text="x", font=dict(size=16)), range=[0, 2])
    fig.update_yaxes(title=dict(text="y2", font=dict(size=11)), secondary_y=True)
    fig.add_annotation(text="a", x=0, y=0, font=dict(size=10))
    fig.add_annotation(text="b", x=1, y=1)                                                  # size unset
    return fig


def test_fonts_are_scaled_exactly():
    out = for_stage(hand_built(), scale=1.5)
    L = out.layout
    assert (L.font.size, L.title.font.size, L.title.subtitle.font.size, L.legend.font.size) == (15, 30, 21, 18)
    assert (L.xaxis.tickfont.size, L.xaxis.title.font.size) == (12, 24)
    assert L.yaxis2.title.font.size == pytest.approx(16.5), "the secondary y axis too"
    assert L.yaxis.tickfont.size == pytest.approx(18), "unset: Plotly's default 12 × 1.5"
    assert [a.font.size for a in L.annotations] == [15, 18]
    bar = out.data[3].colorbar
    assert (bar.title.font.size, bar.tickfont.size) == (15, 12)
    assert (L.margin.t, L.margin.l, L.margin.b) == (75, 60, 45), "the margins follow the fonts"


def test_unset_sizes_start_from_plotlys_default():
    fig = go.Figure(go.Scatter(x=[0], y=[0]), layout=dict(template="none", title=dict(text="t")))
    out = for_stage(fig, scale=1.5)
    assert out.layout.font.size == 18 and out.layout.title.font.size == 18


def test_lines_and_markers_are_scaled_elementwise():
    out = for_stage(hand_built(), scale=1.5)
    assert out.data[0].line.width == 3 and out.data[1].line.width == 3, "unset on a lines trace: 2 × scale"
    np.testing.assert_array_equal(np.asarray(out.data[0].marker.size, np.float64), [6, 0, 15])
    assert out.data[2].marker.size == 9 and out.data[2].line.width is None


def test_the_input_is_unchanged_and_data_ranges_and_uirevision_kept():
    fig = hand_built()
    before = json.loads(fig.to_json())
    out = for_stage(fig, scale=1.5)
    assert out is not fig and json.loads(fig.to_json()) == before
    for a, b in zip(out.data, fig.data):
        for key in ("x", "y", "z"):
            if getattr(b, key, None) is not None:
                np.testing.assert_array_equal(np.asarray(getattr(a, key)), np.asarray(getattr(b, key)))
    assert out.layout.uirevision == "keep" and list(out.layout.xaxis.range) == [0, 2]


@pytest.fixture(scope="module")
def landscape():
    return toy.landscape_2d(_run("ring8", "ns", "none", 4, evals=1).snapshot(300))


@pytest.fixture(scope="module")
def densities():
    return toy.distributions_1d(_run("two_modes1d", "ns", "none", 4, evals=1).snapshot(300))


@pytest.mark.parametrize("which", ["landscape", "densities"])
def test_real_figures_get_larger_titles_and_keep_their_data(which, request):
    fig = request.getfixturevalue(which)
    before = json.loads(fig.to_json())
    out = for_stage(fig)
    after = json.loads(out.to_json())
    assert json.loads(fig.to_json()) == before, "the input is unchanged"
    assert out.layout.title.font.size > (fig.layout.title.font.size or style.TITLE_SIZE)
    assert out.layout.title.subtitle.font.size > style.TICK_SIZE
    assert out.layout.xaxis.tickfont.size > style.TICK_SIZE
    for a, b in zip(after["data"], before["data"]):
        for key in ("x", "y", "z"):
            assert a.get(key) == b.get(key), (which, key)
    # the push arrows: heads of array sizes, each scaled (zeros at the tails stay 0)
    push = by_name(fig, "push")
    staged = out.data[list(fig.data).index(push)]
    ratio = np.asarray(staged.marker.size, np.float64) / np.maximum(np.asarray(push.marker.size, np.float64), 1e-9)
    heads = np.asarray(push.marker.size) > 0
    assert heads.any() and np.allclose(ratio[heads], ratio[heads][0]) and ratio[heads][0] > 1
    assert staged.line.width > push.line.width
    # at a chart's width on screen (the legend's entries a row), no colour bar appears on a scatter trace
    fitted = for_stage(fig, fit_px=760)
    assert fitted.layout.title.font.size == out.layout.title.font.size
    assert not any("colorbar" in tr.to_plotly_json().get("marker", {}) for tr in fitted.data if tr.type == "scatter")


def test_the_secondary_axis_of_the_densities_is_staged(densities):
    out = for_stage(densities, scale=1.5)
    assert out.layout.yaxis2.title.font.size == pytest.approx(1.5 * style.FONT_SIZE)
    assert out.layout.yaxis2.tickfont.size == pytest.approx(1.5 * style.TICK_SIZE)
    assert out.layout.yaxis2.tickfont.color == densities.layout.yaxis2.tickfont.color


# ----- the pages' stage switch (AppTest) ------------------------------------------------------------
def test_stage_flag_in_the_url_turns_stage_mode_on_and_stays_in_the_url(apps):
    at = load_page(TOY, apps, {"stage": "1"})
    assert at.toggle(key="toy_stage_toggle").value is True
    assert not at.title, "no page title on stage: the charts get the screen"
    assert at.query_params.get("stage") in ("1", ["1"])
    assert any(tr["line"]["width"] > 2 for tr in chart(at, "toy_chart_div")["data"] if "line" in tr
               and tr["line"].get("width")), "the charts are staged"
    at.toggle(key="toy_stage_toggle").set_value(False).run()
    assert "stage" not in at.query_params and at.title


def test_the_compare_page_has_stage_mode_too(apps):
    at = load_page(COMPARE, apps, {"stage": "1"})
    assert at.toggle(key="cmp_stage_toggle").value is True and not at.title and not at.warning
    assert at.query_params.get("stage") in ("1", ["1"])


def test_the_plotting_area_keeps_its_height():
    """The margins grow with the fonts (here t 50 → 75, b 30 → 45 at 1.5×); the figure grows by as much,
    so the area the data is drawn in stays 400 − 50 − 30 = 320 px high."""
    out = for_stage(hand_built(), scale=1.5)
    m = out.layout.margin
    assert (m.t, m.b) == (75, 45)
    assert out.layout.height - m.t - m.b == 400 - 50 - 30


def test_the_divergence_chart_on_stage_keeps_its_rows():
    """The toy page's three-row divergence chart at stage scale, 406 px wide (1280×720): its legend wraps
    into many lines, and the rows below it keep the height they have off stage."""
    from playground.plots import curves
    h = [{"step": s, "w1": 1.0, "js": 0.5, "kl": 1.0, "reverse_kl": 2.0} for s in (0, 100)]
    fig = curves.divergences_chart(h, "2d", legend_px=430)
    staged = for_stage(fig, fit_px=406)
    plot = lambda f: f.layout.height - f.layout.margin.t - f.layout.margin.b  # noqa: E731
    assert staged.layout.margin.t > fig.layout.margin.t
    assert plot(staged) == plot(fig)
