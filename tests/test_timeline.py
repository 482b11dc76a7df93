"""The per-mode timeline (playground/plots/timeline.py) and the modes-visited companion curve, built
from hand-made histories: pure functions, no training."""
import numpy as np
import pytest

from playground.plots import curves, timeline

# a generator that hops: all on mode 2, then mode 5, then split 0.7 / 0.3 between 5 and 6; loss-only
# records in between carry no shares
HOPPING = [
    {"step": 0, "d_loss": 1.0},
    {"step": 100, "mode_shares": [0, 0, 1.0, 0, 0, 0, 0, 0], "modes_covered": 1, "modes_visited": 1, "n_modes": 8},
    {"step": 150, "d_loss": 1.1},
    {"step": 200, "mode_shares": [0, 0, 0, 0, 0, 1.0, 0, 0], "modes_covered": 1, "modes_visited": 2, "n_modes": 8},
    {"step": 300, "mode_shares": [0, 0, 0, 0, 0, 0.7, 0.3, 0], "modes_covered": 2, "modes_visited": 3, "n_modes": 8},
]


def test_share_matrix_is_modes_by_evaluations():
    steps, z = timeline.share_matrix(HOPPING)
    assert steps.tolist() == [100, 200, 300]
    assert z.shape == (8, 3) and z.dtype == np.float32
    assert z[2].tolist() == [1, 0, 0] and z[5].tolist() == pytest.approx([0, 1, 0.7]) and z[6, 2] == pytest.approx(0.3)
    np.testing.assert_allclose(z.sum(0), 1.0, rtol=1e-6)


def test_share_matrix_skips_other_lengths_and_marks_missing_values():
    h = [{"step": 10, "mode_shares": [0.5, 0.5]},                       # before a reset to ring8
         {"step": 20, "mode_shares": [None, 1.0] + [0.0] * 6},
         {"step": 30, "mode_shares": [float("nan"), 1.0] + [0.0] * 6}]
    steps, z = timeline.share_matrix(h)
    assert steps.tolist() == [20, 30] and z.shape == (8, 2) and np.isnan(z[0]).all()


def test_share_matrix_thins_to_the_limit_keeping_first_and_last():
    h = [{"step": i, "mode_shares": [1.0, 0.0]} for i in range(5000)]
    steps, z = timeline.share_matrix(h, limit=100)
    assert len(steps) <= 100 and z.shape[1] == len(steps) and steps[0] == 0 and steps[-1] == 4999


def test_mode_timeline_heatmap():
    fig = timeline.mode_timeline(HOPPING, "2d")
    (hm,) = fig.data
    assert hm.type == "heatmap" and hm.zmin == 0 and hm.zmax == 1
    assert np.asarray(hm.z).shape == (8, 3) and list(hm.x) == [100, 200, 300]
    assert fig.layout.title.text == "Modes over time" and fig.layout.yaxis.title.text == "mode"
    assert list(fig.layout.yaxis.ticktext) == [str(i) for i in range(8)]
    assert hm.customdata[5][0] == "mode 5" and fig.layout.uirevision == "timeline:modes"


def test_mode_timeline_for_digits_names_classes():
    h = [{"step": 50, "mode_shares": [0.1] * 10}]
    fig = timeline.mode_timeline(h, "image")
    assert fig.layout.title.text == "Classes over time" and fig.layout.yaxis.title.text == "class"
    assert fig.data[0].customdata[3][0] == "class 3"


@pytest.mark.parametrize("history", [None, [], [{"step": 5, "d_loss": 1.0}], [{"step": 5, "w1": 0.3}]])
def test_mode_timeline_without_shares_says_so(history):
    fig = timeline.mode_timeline(history)
    assert not fig.data and "No per-mode shares yet" in fig.layout.annotations[0].text


def test_modes_chart_draws_modes_visited_beside_modes_covered():
    fig = curves.modes_chart(HOPPING)
    by_name = {t.name: t for t in fig.data}
    visited = by_name["modes visited so far"]
    covered = next(t for n, t in by_name.items() if n.startswith("modes covered"))
    assert list(visited.x) == [100, 200, 300] and list(visited.y) == [1, 2, 3]
    assert list(covered.y) == [1, 1, 2] and visited.line.dash == "dot"
    # a history without the key (an older run) draws no visited trace
    old = [{k: v for k, v in r.items() if k != "modes_visited"} for r in HOPPING]
    assert "modes visited so far" not in {t.name for t in curves.modes_chart(old).data}
