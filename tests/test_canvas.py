"""plots/canvas.py: the live view's frames carry exactly what the snapshot holds (the same samples in the
same order, the modes the rule covers, the arrow scale of the Plotly view), and say that they move."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.compare import Comparison, TrainerGroup, Variant
from playground.plots import canvas
from playground.plots.compare import critic_range
from playground.plots.toy import ARROW_FRACTION, mode_status
from playground.trainer import Trainer
from tests.helpers_engine import small_config


@pytest.fixture(scope="module")
def ring():
    torch.set_num_threads(1)
    tr = Trainer(small_config("ring8", "ns", "none", seed=3))
    tr.run(30)
    tr.evaluate()
    return tr


def test_b64_round_trip_keeps_values_and_nan():
    a = np.array([[0.5, -1.25], [np.nan, 3e-8]], np.float32)
    back = canvas.from_b64(canvas.b64(a), 2)
    assert back.shape == (2, 2) and back.dtype == np.float32
    np.testing.assert_array_equal(back[~np.isnan(back)], a[~np.isnan(a)])
    assert np.isnan(back[1, 0])


def test_landscape_frame_holds_the_snapshot(ring):
    snap = ring.snapshot(1000)
    f = canvas.landscape_frame(snap)
    v = snap.views
    # sample i of the frame is sample i of the snapshot: G(z_i) of the fixed noise, what the motion keys on
    np.testing.assert_array_equal(canvas.from_b64(f["fake"], 2), np.asarray(v["fake"], np.float32)[:1000])
    np.testing.assert_array_equal(canvas.from_b64(f["real"], 2), np.asarray(v["real"], np.float32)[:1000])
    z = canvas.from_b64(f["grid"]["z"]).reshape(f["grid"]["ny"], f["grid"]["nx"])
    np.testing.assert_array_equal(z, v["critic"])
    assert f["grid"]["zmin"] == pytest.approx(float(v["critic"].min()))
    # the arrows sit on the first samples: the snapshot pushes fake[:k]
    push = canvas.from_b64(f["push"], 2)
    np.testing.assert_array_equal(np.asarray(v["push_at"]), np.asarray(v["fake"])[: len(push)])
    width = snap.bounds[0, 1] - snap.bounds[0, 0]
    assert f["arrow_scale"] == pytest.approx(ARROW_FRACTION * width / np.linalg.norm(push, axis=1).max(), rel=1e-5)
    cov = mode_status(v["fake"], snap.modes["centers"], snap.modes["sigma"])
    assert f["modes"]["covered"] == cov.tolist()
    names = [e["name"] for e in f["legend"]]
    assert f"modes covered ({int(cov.sum())}/8)" in names and f"modes missed ({int((~cov).sum())}/8)" in names
    assert f["step"] == snap.step == 30 and f["what"] == "Critic landscape"
    assert "Interpolated between frames" in f["note"]


def test_frame_id_changes_with_the_step_and_the_view(ring):
    a = ring.snapshot(200)
    b = ring.snapshot(200)
    assert canvas.frame_id(a) == canvas.frame_id(b)
    assert canvas.landscape_frame(a)["id"] != canvas.landscape_frame(a, show_map=True)["id"]
    ring.run(1)
    assert canvas.frame_id(ring.snapshot(200)) != canvas.frame_id(a)


def test_replay_frame_names_the_run_step(ring):
    f = canvas.landscape_frame(ring.snapshot(200), replay_of=1234)
    assert f["replay_of"] == 1234 and f["subtitle"][0] == "a recorded frame; the run itself is at step 1,234"


def test_generator_map_in_the_frame(ring):
    snap = ring.snapshot(200)
    f = canvas.landscape_frame(snap, show_map=True)
    lines = np.asarray(snap.views["map_lines"], np.float32)
    assert (f["map"]["lines"], f["map"]["points"]) == lines.shape[:2]
    np.testing.assert_array_equal(canvas.from_b64(f["map"]["xy"], 2), lines.reshape(-1, 2))


@pytest.mark.parametrize("loss", ["ns", "wgan"])
def test_densities_frame(loss):
    torch.set_num_threads(1)
    tr = Trainer(small_config("two_modes1d", loss, "gp" if loss == "wgan" else "none", seed=1))
    tr.run(10)
    snap = tr.snapshot(500)
    f = canvas.densities_frame(snap)
    crit = np.asarray(snap.views["critic"], np.float64)
    right = canvas.from_b64(f["right"])
    if loss == "ns":  # σ(D) for a log-loss discriminator, computed stably, and D* beside it
        np.testing.assert_allclose(right, 1 / (1 + np.exp(-np.clip(crit, -60, 60))), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(canvas.from_b64(f["d_star"]), snap.views["d_star"], rtol=1e-6)
        assert f["right_range"] == [0.0, 1.04]
    else:
        np.testing.assert_array_equal(right, crit.astype(np.float32))
        assert f["d_star"] is None and f["right_title"] == "critic D(x)"
    np.testing.assert_array_equal(canvas.from_b64(f["fake"]), np.asarray(snap.views["fake"], np.float32)[:1000])
    assert f["range"] == [pytest.approx(float(snap.views["x"].min())), pytest.approx(float(snap.views["x"].max()))]
    assert "histogram counts the samples as drawn" in f["note"]


def test_run_frames_share_one_scale():
    torch.set_num_threads(1)
    small = {"g_width": 32, "d_width": 32, "g_depth": 2, "d_depth": 2, "batch_size": 64}
    group = TrainerGroup(Comparison({"dataset": "ring8", "seed": 0, **small},
                                    (Variant("NS", {"loss": "ns", "lipschitz": "none"}),
                                     Variant("WGAN-GP", {"loss": "wgan", "lipschitz": "gp"})), 10))
    group.run(3)
    gsnap = group.snapshot(300)
    lo, hi = critic_range(gsnap)
    frames = [canvas.run_frame(gsnap, i) for i in range(2)]
    assert [f["what"] for f in frames] == ["NS", "WGAN-GP"]
    assert all((f["grid"]["zmin"], f["grid"]["zmax"]) == (lo, hi) for f in frames)
    own = canvas.run_frame(gsnap, 1, shared_scale=False)
    assert own["grid"]["zmax"] == pytest.approx(float(gsnap.runs[1].views["critic"].max()))
    assert own["id"] != frames[1]["id"] and "own critic scale" in own["subtitle"][-1]
