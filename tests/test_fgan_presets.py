"""Issue 35, items 3-5: the one-Gaussian generator's seeded start, its validation, the f-GAN recipes on
two_modes1d, the lesson's target on the 1D view, the f-GAN branch of the "critic's estimate vs truth"
chart and the toy form's words. No training beyond a few steps (the presets' promises are trained by
tests/test_compare.py::test_preset_keeps_its_promise)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from playground import one_gaussian as og
from playground.config import RunConfig
from playground.errors import ConfigError
from playground.losses import FGAN_LOSSES, LOSSES
from playground.models.gaussian import START_RADIUS, START_SIGMA, GaussianGenerator, gaussian_start
from playground.plots import canvas, curves, toy
from playground.plots.canvas import from_b64
from playground.recipes import recommended_config
from playground.trainer import Trainer
from playground.ui.config_form import ARCH_LABELS, loss_help


# ----- the start ------------------------------------------------------------------------------------
def test_start_is_drawn_from_the_seed():
    for dim in (1, 2):
        starts = [gaussian_start(seed, dim) for seed in range(40)]
        assert starts == [gaussian_start(seed, dim) for seed in range(40)]  # same seed, same start
        for mu, sigma in starts:
            assert len(mu) == dim and sigma == START_SIGMA
            assert START_RADIUS[0] - 1e-6 <= float(np.linalg.norm(mu)) <= START_RADIUS[1] + 1e-6
    signs = [np.sign(gaussian_start(seed, 1)[0][0]) for seed in range(5)]
    assert set(signs) == {-1.0, 1.0}  # seeds 0-4 start on both sides (the presets' seeds)


def test_trainer_starts_the_generator_there_whatever_else_is_drawn():
    for seed in (0, 1):
        cfg = recommended_config("two_modes1d", "kl", "r1", arch="gaussian", seed=seed)
        G = Trainer(cfg).G
        mu0, sigma0 = gaussian_start(seed, 1)
        assert isinstance(G, GaussianGenerator)
        assert float(G.mu.detach()) == pytest.approx(mu0[0], abs=1e-6)
        assert float(G.std.detach()) == pytest.approx(sigma0, rel=1e-6)
        other = Trainer(dataclasses.replace(cfg, d_width=16)).G  # another critic: the same start
        assert torch.equal(other.mu, G.mu) and torch.equal(other.rho, G.rho)


def test_validate_refuses_too_few_noise_dimensions_for_the_gaussian_generator():
    with pytest.raises(ConfigError, match="at least 2 noise dimensions for 2D data") as e:
        RunConfig(dataset="ring8", arch="gaussian", noise_dim=1).validate()
    assert e.value.field == "noise_dim"
    RunConfig(dataset="two_modes1d", arch="gaussian", noise_dim=1).validate()
    RunConfig(dataset="ring8", arch="mlp", noise_dim=1).validate()  # the MLP maps any noise


# ----- recipes ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("loss", ["kl", "reverse_kl", "js", "hellinger", "pearson"])
def test_the_plain_command_gets_the_one_gaussian_recipe(loss):
    """`python -m playground train --dataset two_modes1d --loss LOSS --set arch=gaussian` (lipschitz:
    RunConfig's default) trains with the measured recipe (benchmarks/results/fgan_recipes.md)."""
    cfg = recommended_config("two_modes1d", loss, None, arch="gaussian")
    assert (cfg.lipschitz, cfg.d_width, cfg.d_depth) == ("r1", 64, 2)
    assert cfg.g_lr == pytest.approx(5e-3) and cfg.d_lr == pytest.approx(2e-4)
    assert cfg.n_critic == (5 if loss in ("js", "hellinger") else 1)
    mlp = recommended_config("two_modes1d", loss, None)
    assert (mlp.d_width, mlp.g_lr, mlp.n_critic) == (RunConfig().d_width, 1e-3, 1)  # the network generator: unchanged
    assert recommended_config("ring8", loss, None, arch="gaussian").d_lr == pytest.approx(1e-3)  # 1D only


@pytest.mark.parametrize("dataset", ["ring8", "grid25"])
def test_exponential_fgan_losses_get_a_smoother_r1_critic_on_2d_points(dataset):
    """Forward KL, squared Hellinger and reverse KL under R1 on 2D points: γ = 1, the rest of the toy R1
    recipe unchanged (benchmarks/results/fgan_recipes.md); the other losses, 1D data and the user's own
    γ are untouched."""
    for loss in ("kl", "hellinger", "reverse_kl"):
        cfg = recommended_config(dataset, loss, "r1")
        assert (cfg.penalty, cfg.g_lr, cfg.d_lr, cfg.n_critic) == (1.0, 1e-3, 1e-3, 1)
        assert recommended_config(dataset, loss, "r1", penalty=0.1).penalty == 0.1
        assert recommended_config(dataset, loss, "gp").penalty == recommended_config(dataset, "wgan", "gp").penalty
    for loss in ("js", "pearson", "tv", "ns"):
        assert recommended_config(dataset, loss, "r1").penalty == 0.1
    assert recommended_config("two_modes1d", "kl", "r1").penalty == 0.1


def test_wgan_gp_one_gaussian_recipe():
    cfg = recommended_config("two_modes1d", "wgan", "gp", arch="gaussian")
    assert (cfg.g_lr, cfg.d_lr, cfg.n_critic, cfg.penalty, cfg.d_width) == (5e-3, 5e-4, 5, 1.0, 64)


# ----- the 1D view's target -----------------------------------------------------------------------
def test_target_only_for_a_one_gaussian_run_on_the_lessons_data():
    name, fits = og.target("two_modes1d", "gaussian", "reverse_kl")
    assert name == "optimum N(±3.00, 0.50²)"  # the run's loss names the divergence
    assert fits == [pytest.approx((-3.0, 0.5), abs=1e-4), pytest.approx((3.0, 0.5), abs=1e-4)]
    name, fits = og.target("two_modes1d", "gaussian", "wgan")
    assert name == "optimum N(0, 2.85²)" and fits == [pytest.approx((0.0, 2.849), abs=1e-3)]
    assert og.target("two_modes1d", "mlp", "kl") is None
    assert og.target("three_modes1d", "gaussian", "kl") is None
    assert og.target("two_modes1d", "gaussian", "ns") is None


@pytest.fixture(scope="module")
def one_gaussian_snap():
    t = Trainer(recommended_config("two_modes1d", "kl", "r1", arch="gaussian", batch_size=64))
    t.run(5)
    t.evaluate()
    return t.snapshot(1000)


def test_distributions_1d_draws_the_target(one_gaussian_snap):
    target = og.target("two_modes1d", "gaussian", "kl")
    fig = toy.distributions_1d(one_gaussian_snap, target=target)
    tr = [t for t in fig.data if t.name == target[0]]
    assert len(tr) == 1 and tr[0].line.dash == "dot"
    x, y = np.asarray(tr[0].x, float), np.asarray(tr[0].y, float)
    ok = np.isfinite(y)
    peak = x[ok][np.argmax(y[ok])]
    assert abs(peak) < 0.1 and float(np.nanmax(y)) == pytest.approx(1 / (3.0414 * np.sqrt(2 * np.pi)), rel=0.01)
    two = toy.distributions_1d(one_gaussian_snap, target=og.target("two_modes1d", "gaussian", "js"))
    y2 = np.asarray([t for t in two.data if t.name.startswith("optimum")][0].y, float)
    assert np.isnan(y2).sum() == 2  # one gap after each of the two mirror images
    assert two.layout.yaxis.range[1] >= 0.79  # the narrow optimum (peak 0.80) is not cut off
    assert not any((t.name or "").startswith("optimum") for t in toy.distributions_1d(one_gaussian_snap).data)
    fig.to_json()


# ----- the critic's estimate vs truth, f-GAN branch -------------------------------------------------------
def _hist(loss_keys: dict) -> list[dict]:
    return [{"step": s, "w1": 1.0, "js": 0.3, "kl": 2.0 - s / 100, "reverse_kl": 1.5,
             "f_divergence_estimate": 1.0 - s / 200, **loss_keys} for s in (0, 50, 100)]


@pytest.mark.parametrize("loss, truth", [("kl", "kl"), ("reverse_kl", "reverse_kl"), ("js", "js")])
def test_critic_estimate_chart_draws_the_bound_against_its_truth(loss, truth):
    h = _hist({})
    fig = curves.critic_estimate_chart(h, False, kind="1d", loss=loss)
    assert len(fig.data) == 2
    assert fig.data[0].name.replace("<br>", " ") == f"critic's bound on {LOSSES[loss].label[len('f-GAN: '):]}"
    assert np.asarray(fig.data[0].y, float).tolist() == [1.0, 0.75, 0.5]
    assert np.asarray(fig.data[1].y, float).tolist() == pytest.approx([r[truth] for r in h])
    assert fig.data[1].name.startswith("measured") and not fig.layout.annotations
    fig.to_json()


@pytest.mark.parametrize("loss", ["pearson", "hellinger", "tv"])
def test_critic_estimate_chart_says_when_there_is_no_truth(loss):
    fig = curves.critic_estimate_chart(_hist({}), False, kind="1d", loss=loss)
    assert len(fig.data) == 1
    assert [a.text for a in fig.layout.annotations] == [curves.NO_TRUTH]


def test_critic_estimate_chart_other_losses_and_empty_history():
    assert set(curves.FGAN_TRUTH) <= set(FGAN_LOSSES)
    h = [{"step": 0, "w1": 1.0, "wasserstein_estimate": 0.4}]
    assert [t.name for t in curves.critic_estimate_chart(h, False, loss="wgan").data][0] != curves.NO_TRUTH
    assert curves.critic_estimate_chart(h, False, loss="wgan").data[0].y[0] == pytest.approx(0.4)
    empty = curves.critic_estimate_chart([{"step": 0, "d_loss": 1.0}], False, loss="kl")
    assert "No f-divergence estimate yet" in empty.layout.annotations[0].text.replace("<br>", " ")
    # an f-GAN history without the loss's name still shows the bound
    assert len(curves.critic_estimate_chart(_hist({}), False).data) == 1


# ----- the toy form's words -----------------------------------------------------------------------------
def test_loss_help_names_each_divergence_and_the_arch_has_a_label():
    text = loss_help()
    for name in FGAN_LOSSES + ("ns", "wgan"):
        assert LOSSES[name].divergence and LOSSES[name].divergence in text
    assert "Gaussian" in ARCH_LABELS["gaussian"]


def test_the_moving_view_draws_the_target_too(one_gaussian_snap):
    """The live canvas frame (plots/canvas.py) of a one-Gaussian run carries its optimum's density on the
    frame's grid, in the legend; another run's frame has none."""
    frame = canvas.main_frame(one_gaussian_snap)
    name, fits = og.target("two_modes1d", "gaussian", one_gaussian_snap.config["loss"])
    x, t = from_b64(frame["x"]), from_b64(frame["target"])
    want = np.max([np.exp(-0.5 * ((x - m) / s) ** 2) / (s * np.sqrt(2 * np.pi)) for m, s in fits], axis=0)
    assert np.allclose(t, want, rtol=1e-5, atol=1e-7)
    assert name in [e["name"] for e in frame["legend"]]
    assert frame["top"] >= t.max()
    other = dataclasses.replace(one_gaussian_snap, config={**one_gaussian_snap.config, "arch": "mlp"})
    assert canvas.main_frame(other)["target"] is None


def test_the_plain_command_trains_the_one_gaussian_generator_for_its_budget():
    """`python -m playground train --dataset two_modes1d --loss kl --set arch=gaussian` without --steps
    trains the 3,000 steps forward KL needs to reach its optimum (benchmarks/results/fgan_recipes.md);
    other runs keep 2,000, and --steps or a preset's budget still wins."""
    from playground.cli.main import make_parser
    from playground.cli.train import build_config

    def steps(*argv):
        return build_config(make_parser().parse_args(["train", *argv]))[1]

    assert steps("--dataset", "two_modes1d", "--loss", "kl", "--set", "arch=gaussian") == 3000
    assert steps("--dataset", "two_modes1d", "--loss", "kl") == 2000
    assert steps("--dataset", "ring8", "--loss", "kl") == 2000
    assert steps("--dataset", "two_modes1d", "--set", "arch=gaussian", "--steps", "500") == 500
