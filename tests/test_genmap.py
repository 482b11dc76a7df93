"""The generator's map: the noise grid, G of it (playground/genmap.py) and its traces (plots/genmap.py)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from playground.genmap import NOISE_RANGE, generator_map, map_note, noise_grid
from playground.plots.genmap import map_traces
from playground.plots.toy import landscape_2d
from playground.trainer import Trainer
from tests.helpers_engine import small_config

A = np.array([[2.0, 0.5], [-1.0, 1.5]])  # exactly representable, so float32 rounding is all the error
B = np.array([0.25, -0.75])


def linear(n_in: int = 2, weight: np.ndarray = A) -> nn.Linear:
    G = nn.Linear(n_in, 2)
    with torch.no_grad():
        G.weight.copy_(torch.as_tensor(weight, dtype=torch.float32))
        G.bias.copy_(torch.as_tensor(B, dtype=torch.float32))
    return G


# ----- the grid ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("noise, r", [("gaussian", 2.5), ("uniform", 1.0)])
def test_the_grid_is_rows_then_columns_over_the_noise_range(noise, r):
    assert NOISE_RANGE[noise] == r
    g = noise_grid(noise, 2, lines=5, points=7)
    assert g.shape == (10, 7, 2) and g.dtype == np.float32
    t, levels = np.linspace(-r, r, 7), np.linspace(-r, r, 5)
    np.testing.assert_allclose(g[:5, :, 0], np.tile(t, (5, 1)), rtol=1e-6)        # rows: z₁ varies
    np.testing.assert_allclose(g[:5, :, 1], np.repeat(levels[:, None], 7, 1), rtol=1e-6)  # ... at fixed z₂
    np.testing.assert_allclose(g[5:, :, 0], np.repeat(levels[:, None], 7, 1), rtol=1e-6)  # columns: z₁ fixed
    np.testing.assert_allclose(g[5:, :, 1], np.tile(t, (5, 1)), rtol=1e-6)
    assert np.abs(g).max() == pytest.approx(r)


def test_defaults_and_the_other_coordinates_are_zero():
    g = noise_grid("gaussian", 5)
    assert g.shape == (30, 61, 5)
    assert np.all(g[..., 2:] == 0), "a 2D slice through z = 0"
    assert np.abs(g[..., :2]).max() == pytest.approx(2.5)


def test_one_noise_dimension_is_a_single_line():
    g = noise_grid("uniform", 1, points=9)
    assert g.shape == (1, 9, 1)
    np.testing.assert_allclose(g[0, :, 0], np.linspace(-1, 1, 9), rtol=1e-6)


def test_the_note_says_the_range_and_when_it_is_a_slice():
    assert map_note("gaussian", 2) == "generator's map: a grid over z₁, z₂ ∈ [−2.5, 2.5]"
    assert "[−1, 1]" in map_note("uniform", 2)
    five = map_note("gaussian", 5)
    assert five.startswith(map_note("gaussian", 2)) and "slice" in five and "z₅ = 0" in five
    one = map_note("gaussian", 1)
    assert "line" in one and "[−2.5, 2.5]" in one and "slice" not in one


# ----- G of the grid -------------------------------------------------------------------------------
def test_the_map_of_a_linear_generator_is_the_linearly_mapped_grid():
    out = generator_map(linear(), "gaussian", 2, "cpu", lines=5, points=9)
    x, grid = out["map_lines"], noise_grid("gaussian", 2, lines=5, points=9).astype(np.float64)
    assert x.shape == (10, 9, 2) and x.dtype == np.float32
    np.testing.assert_allclose(x, grid @ A.T + B, rtol=0, atol=1e-6)
    assert out["map_note"] == map_note("gaussian", 2)
    # rows stay straight and parallel (direction A·e₁), and so do columns (A·e₂)
    for part, col in ((x[:5], 0), (x[5:], 1)):
        d = np.diff(part.astype(np.float64), axis=1)
        unit = d / np.linalg.norm(d, axis=2, keepdims=True)
        np.testing.assert_allclose(unit, np.broadcast_to(A[:, col] / np.linalg.norm(A[:, col]), unit.shape),
                                   atol=1e-5)


def test_with_five_noise_dimensions_only_the_first_two_weights_matter():
    W = np.concatenate([A, np.full((2, 3), 7.0)], axis=1)  # large weights on z₃…z₅ that z = 0 hides
    out = generator_map(linear(5, W), "uniform", 5, "cpu", lines=3, points=5)
    grid = noise_grid("uniform", 2, lines=3, points=5).astype(np.float64)
    np.testing.assert_allclose(out["map_lines"], grid @ A.T + B, rtol=0, atol=1e-6)
    assert "slice" in out["map_note"]


def test_one_noise_dimension_maps_the_line():
    out = generator_map(linear(1, A[:, :1]), "gaussian", 1, "cpu", points=11)
    t = np.linspace(-2.5, 2.5, 11)
    assert out["map_lines"].shape == (1, 11, 2)
    np.testing.assert_allclose(out["map_lines"][0], t[:, None] * A[:, 0] + B, rtol=0, atol=1e-6)


class Probe(nn.Module):
    """log(z): NaN for z < 0, −inf at 0; records the mode and whether autograd was on."""

    def __init__(self):
        super().__init__()
        self.seen: list[tuple[bool, bool]] = []

    def forward(self, z):
        self.seen.append((self.training, torch.is_grad_enabled()))
        return torch.log(z[:, :2])


@pytest.mark.parametrize("train", [True, False])
def test_no_autograd_the_callers_mode_and_non_finite_outputs_kept(train):
    G = Probe().train(train)
    x = generator_map(G, "gaussian", 2, "cpu", lines=3, points=5)["map_lines"]
    assert G.seen == [(train, False)], "one batch, in the caller's mode, without autograd"
    assert np.isnan(x).any() and np.isneginf(x).any() and np.isfinite(x).any()


# ----- the traces ---------------------------------------------------------------------------------
def test_the_trace_is_every_line_then_a_nan():
    x = generator_map(linear(), "gaussian", 2, "cpu", lines=5, points=9)["map_lines"]
    tr = map_traces({"map_lines": x})[0]
    assert tr.mode == "lines" and tr.hoverinfo == "skip" and tr.showlegend is True
    assert tr.name == "generator's map G(z grid)" and tr.legendrank == 6
    xs, ys = np.asarray(tr.x, np.float64).reshape(10, 10), np.asarray(tr.y, np.float64).reshape(10, 10)
    assert np.isnan(xs[:, -1]).all() and np.isnan(ys[:, -1]).all(), "a NaN after each line"
    np.testing.assert_array_equal(xs[:, :-1], x[..., 0])
    np.testing.assert_array_equal(ys[:, :-1], x[..., 1])


def test_non_finite_points_break_their_line():
    lines = np.arange(3 * 4 * 2, dtype=np.float32).reshape(3, 4, 2)
    lines[1, 2, 0], lines[2, 1, 1] = np.inf, np.nan
    tr = map_traces({"map_lines": lines}, color="red", width=2.0)[0]
    xs, ys = np.asarray(tr.x, np.float64), np.asarray(tr.y, np.float64)
    assert len(xs) == 3 * 5 and np.isfinite(xs).sum() == 3 * 4 - 2
    assert np.isnan(xs[5 + 2]) and np.isnan(ys[5 + 2]), "both coordinates of a bad point go"
    assert np.isnan(xs[10 + 1]) and np.isnan(ys[10 + 1])
    assert tr.line.color == "red" and tr.line.width == 2.0


def test_the_image_of_the_origin_is_marked_when_the_grid_holds_it():
    x = generator_map(linear(), "gaussian", 2, "cpu", lines=5, points=9)["map_lines"]
    tr = map_traces({"map_lines": x})
    assert len(tr) == 2 and tr[1].name == "G(0)" and tr[1].showlegend is False
    np.testing.assert_allclose([tr[1].x[0], tr[1].y[0]], B, atol=1e-6)
    assert "%{x" in tr[1].hovertemplate and "%{y" in tr[1].hovertemplate
    line = generator_map(linear(1, A[:, :1]), "gaussian", 1, "cpu", points=9)["map_lines"]
    np.testing.assert_allclose([map_traces({"map_lines": line})[1].x[0]], B[:1], atol=1e-6)
    even = generator_map(linear(), "gaussian", 2, "cpu", lines=4, points=9)["map_lines"]
    assert len(map_traces({"map_lines": even})) == 1, "no grid line through z = 0"


def test_no_map_no_traces():
    assert map_traces({}) == [] and map_traces(None) == [] and map_traces({"map_lines": None}) == []
    assert map_traces({"map_lines": np.zeros((0, 5, 2))}) == []
    assert map_traces({"map_lines": np.zeros((6, 5, 1))}) == [], "1D data: the 1D chart draws no map"


# ----- a trainer's snapshot and the landscape -----------------------------------------------------
def test_the_landscape_draws_the_map_of_the_generator_shown():
    t = Trainer(small_config(noise_dim=4))
    t.run(3)
    snap = t.snapshot(200)
    fig = landscape_2d(snap, show_map=True)
    assert "generator's map G(z grid)" in [tr.name for tr in fig.data]
    assert "slice" in fig.layout.title.subtitle.text
    with torch.no_grad(), t.inspecting():
        z = torch.as_tensor(noise_grid("gaussian", 4)[0])
        np.testing.assert_allclose(snap.views["map_lines"][0], t.G_eval(z).numpy(), rtol=1e-5, atol=1e-6)
    assert "generator's map G(z grid)" not in [tr.name for tr in landscape_2d(snap).data]
