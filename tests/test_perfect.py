"""The perfect-discriminator experiment: its lesson, reproducibility, the CLI and its plot builders."""
import json
import math

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from playground.losses import LOSSES
from playground.cli.main import main as cli_main
from playground.cli.perfect_discriminator import main
from playground.experiments.perfect_discriminator import OBJECTIVES, PerfectConfig, PerfectDiscriminatorExperiment
from playground.plots import perfect as pplots


@pytest.fixture(scope="module")
def runs():
    """Full default runs (1000 + 1000 steps), seed 0: about a second each on one thread."""
    return {name: PerfectDiscriminatorExperiment(PerfectConfig(objective=name, seed=0)).run() for name in OBJECTIVES}


def test_lesson_log_loss_starves_wasserstein_and_hinge_converge(runs):
    final = {k: e.evaluate() for k, e in runs.items()}
    start = runs["bce"].history.mean_abs[0]
    # the saturating log-loss generator stays far from the data, and barely moves
    assert final["bce"]["mean_abs_output"] > 0.3
    assert abs(final["bce"]["mean_abs_output"] - start) < 0.05
    assert final["bce"]["loss"] > 0.99                           # E[1 - D(G(z))] sits at 1.0
    assert max(runs["bce"].history.g_grad) < 1e-6                # ... because its gradient is ~0
    # the critics without a sigmoid pull it to 0
    assert final["wgan"]["mean_abs_output"] < 0.05
    assert final["hinge"]["mean_abs_output"] < 0.05
    assert final["euclidean"]["mean_abs_output"] < 0.05
    # the phase-1 discriminator really is "perfect"
    assert final["bce"]["score_real"] > 0.95 and final["bce"]["score_generated"] < 1e-3


def test_objectives_are_the_registry_losses_and_closed_forms():
    """Critic losses come from playground/losses.py; generator losses against hand computations."""
    assert OBJECTIVES["bce"].d_loss is LOSSES["ns"].d_loss
    assert OBJECTIVES["wgan"].d_loss is LOSSES["wgan"].d_loss
    assert OBJECTIVES["hinge"].d_loss is LOSSES["hinge"].d_loss
    assert OBJECTIVES["euclidean"].d_loss is None
    f = torch.tensor([0.5, -3.0], dtype=torch.float64)
    x = torch.tensor([0.25, -0.75], dtype=torch.float64)
    sig = lambda t: 1.0 / (1.0 + math.exp(-t))
    expected = {"bce": ((1 - sig(0.5)) + (1 - sig(-3.0))) / 2,    # E[1 - D(G(z))], the seed's
                "wgan": -(0.5 - 3.0) / 2, "hinge": -(0.5 - 3.0) / 2,  # -E f
                "euclidean": (0.25 + 0.75) / 2}                     # E |G(z) - 0|
    for name, value in expected.items():
        assert float(OBJECTIVES[name].g_loss(f, x)) == pytest.approx(value, rel=1e-12), name


def test_same_start_for_every_objective(runs):
    """Same seed -> same generator init and the same phase-2 z, whatever the objective."""
    firsts = {k: e.history.mean_abs[0] for k, e in runs.items()}
    assert len({round(v, 6) for v in firsts.values()}) == 1


def test_reproducible_and_chunking_does_not_matter():
    cfg = PerfectConfig(objective="hinge", seed=3, d_steps=120, g_steps=80)
    a = PerfectDiscriminatorExperiment(cfg).run()
    b = PerfectDiscriminatorExperiment(cfg)
    while not b.phase1_complete:
        b.train_discriminator(25)
    while not b.phase2_complete:
        b.train_generator(7)
    assert a.history.d_loss == b.history.d_loss
    assert a.history.mean_abs == b.history.mean_abs
    assert a.evaluate() == b.evaluate()


def test_generator_before_discriminator_is_refused():
    e = PerfectDiscriminatorExperiment(PerfectConfig(objective="bce", d_steps=10, g_steps=10))
    with pytest.raises(RuntimeError, match="phase 1"):
        e.train_generator(5)
    # the naive distance has no critic: phase 2 may start at once
    e2 = PerfectDiscriminatorExperiment(PerfectConfig(objective="euclidean", d_steps=10, g_steps=10))
    assert e2.phase1_complete and e2.train_generator(5) == 5


def test_critic_is_frozen_in_phase_2():
    e = PerfectDiscriminatorExperiment(PerfectConfig(objective="wgan", d_steps=20, g_steps=10))
    e.train_discriminator(20)
    before = [p.detach().clone() for p in e.critic.parameters()]
    e.train_generator(10)
    assert all(bool((p == q).all()) for p, q in zip(e.critic.parameters(), before))


@pytest.mark.parametrize("bad", [dict(objective="nope"), dict(d_steps=-1), dict(batch_size=0),
                                 dict(g_lr=0.0), dict(seed=-2)])
def test_config_validation(bad):
    with pytest.raises(ValueError):
        PerfectConfig(**bad).validate()


def test_snapshot_is_plain_numpy():
    e = PerfectDiscriminatorExperiment(PerfectConfig(objective="bce", d_steps=30, g_steps=20)).run()
    s = e.snapshot()
    for k in ("x", "critic", "fake_x", "fake_score", "d_step", "score_real", "g_step", "g_loss", "mean_abs"):
        assert isinstance(s[k], np.ndarray) and s[k].dtype == np.float32, k
    assert len(s["d_step"]) == 30 and len(s["g_step"]) == 20
    assert np.all((s["critic"] >= 0) & (s["critic"] <= 1))      # sigmoid probabilities for bce


# -- CLI ------------------------------------------------------------------------------------------

def test_main_prints_json(capsys):
    assert main(["--objective", "wgan", "--seed", "0", "--d-steps", "50", "--g-steps", "40",
                 "--log-every", "20"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["objective"] == "wgan" and out["config"]["seed"] == 0
    assert [r["step"] for r in out["phase2"]["log"]] == [1, 20, 40]
    assert {"loss", "mean_abs_output", "grad_norm"} <= set(out["phase2"]["log"][0])
    assert {"loss", "mean_abs_output"} <= set(out["final"])
    assert [r["step"] for r in out["phase1"]["log"]] == [1, 20, 40, 50]


def test_main_euclidean_has_no_phase1(capsys):
    assert main(["--objective", "euclidean", "--g-steps", "30"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["phase1"] is None and out["phase2"]["steps"] == 30


@pytest.mark.parametrize("argv", [["--objective", "sgd"], ["--seed", "x"], ["--d-steps", "-5"],
                                  ["--log-every", "0"], ["--bogus"]])
def test_main_bad_flags_exit_2_without_traceback(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err


def test_cli_bad_objective_names_the_choices(capsys):
    """Through `python -m playground perfect-discriminator` (in process): exit 2, argparse's sentence."""
    with pytest.raises(SystemExit) as exc:
        cli_main(["perfect-discriminator", "--objective", "nope"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'nope'" in err and "Traceback" not in err


# -- plot builders --------------------------------------------------------------------------------

def test_plot_builders(runs):
    snaps = {k: e.snapshot() for k, e in runs.items()}
    series = {k: (s["g_step"], s["mean_abs"]) for k, s in snaps.items()}
    grads = {k: (s["g_step"], s["g_grad"]) for k, s in snaps.items()}
    figs = [pplots.mean_abs_figure(series, max_step=1000), pplots.mean_abs_figure(series, log_y=True),
            pplots.grad_norm_figure(grads)]
    for s in snaps.values():
        figs += [pplots.scores_figure(s), pplots.critic_figure(s), pplots.generator_loss_figure(s)]
    for f in figs:
        assert isinstance(f, go.Figure)
        for t in f.data:
            assert t.y is None or (isinstance(t.y, np.ndarray) and t.y.dtype == np.float32)
        assert f.layout.xaxis.title.text or not f.layout.xaxis.visible
        f.to_json()
    g = pplots.grad_norm_figure(grads)
    assert g.layout.yaxis.type == "log"
    bce = next(t for t in g.data if t.name == "bce")
    assert float(np.min(bce.y)) == pytest.approx(pplots.GRAD_FLOOR)   # exact zeros drawn on the floor


def test_plot_builders_on_untrained_experiment():
    e = PerfectDiscriminatorExperiment(PerfectConfig(objective="hinge"))
    s = e.snapshot()
    for f in (pplots.scores_figure(s), pplots.critic_figure(s), pplots.generator_loss_figure(s),
              pplots.mean_abs_figure({"hinge": (s["g_step"], s["mean_abs"])}),
              pplots.grad_norm_figure({"hinge": (s["g_step"], s["g_grad"])})):
        f.to_json()
