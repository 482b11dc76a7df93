"""`train` once its flags are read (playground/cli/train.py): a config file with --set on top, a
wall-clock budget, and the headless loop's history, whose prefix is the shorter run's."""
from __future__ import annotations

import json

import pytest

from playground.cli.main import main as cli_main
from playground.cli.train import train_together
from playground.recipes import recommended_config
from playground.trainer import Trainer
from tests.helpers_engine import history_without_time, small_config


def test_train_config_file_with_set_on_top(tmp_path, capsys):
    cfg = recommended_config("ring8", "hinge", "sn", seed=5, g_width=32, d_width=32)
    path = tmp_path / "config.json"
    path.write_text(cfg.to_json())
    out = tmp_path / "run.json"
    assert cli_main(["train", "--config", str(path), "--set", "g_lr=0.001", "--steps", "5", "--quiet",
                     "--out", str(out)]) == 0
    got = json.loads(out.read_text())
    assert got["config"] == cfg.replace(g_lr=1e-3).to_dict() and got["steps"] == 5
    capsys.readouterr()
    for bad, words in (("{not json", "not valid JSON"), (json.dumps({"runs": [{"name": "a"}, {"name": "b"}]}), "--run"),
                       (json.dumps({"dataset": "ring8", "bogus": 1}), "Unknown setting")):
        path.write_text(bad)
        assert cli_main(["train", "--config", str(path), "--steps", "1"]) == 2
        _, err = capsys.readouterr()
        assert err.startswith("error: ") and words in err, err


def test_train_minutes_stops_on_time_and_records_the_step(tmp_path, capsys):
    out = tmp_path / "run.json"
    assert cli_main(["train", "--dataset", "ring8", "--minutes", "0.05", "--eval-every", "100000", "--quiet",
                     "--out", str(out)]) == 0
    got = json.loads(out.read_text())
    assert 2.5 <= got["wall_seconds"] < 10 and got["steps"] > 0
    assert got["final"]["step"] == got["steps"]  # evaluated at the end
    assert got["budget"] == {"steps": None, "minutes": 0.05}
    # with a step count too: whichever comes first
    assert cli_main(["train", "--dataset", "ring8", "--minutes", "5", "--steps", "7", "--quiet", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["steps"] == 7
    capsys.readouterr()
    assert cli_main(["train", "--minutes", "-1"]) == 2
    assert "--minutes" in capsys.readouterr().err


def test_the_history_up_to_a_step_is_the_shorter_runs_history():
    """What lets a longer promise run serve a shorter promise of the same config and cadence
    (playground/promises.py): the loop's chunks and evaluations up to a step do not depend on the budget."""
    cfg = small_config("ring8", "wgan", "gp", n_critic=2)
    short, long = Trainer(cfg), Trainer(cfg)
    train_together([short], 60, eval_every=20)
    train_together([long], 130, eval_every=20)
    prefix = [h for h in long.history if h["step"] <= 60]
    assert [h["step"] for h in short.history if "w1" in h] == [0, 20, 40, 60]
    assert history_without_time(prefix) == history_without_time(short.history)
    assert len(long.history) > len(prefix)


# ----- the first run: what a person gets without naming anything ------------------------------------------
FIRST_RUN = ("cli", "first-run")


def _first_run(steps: int) -> dict:
    """`python -m playground train --dataset ring8` with nothing else named (RunConfig's loss and method
    and their recipe), in a fresh interpreter on one thread: the run's JSON."""
    import os
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "run.json"
        env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        subprocess.run([sys.executable, "-m", "playground", "train", "--dataset", "ring8", "--steps", str(steps),
                        "--eval-every", "250", "--threads", "1", "--quiet", "--out", str(out)],
                       cwd=Path(__file__).resolve().parents[1], env=env, check=True, capture_output=True)
        return json.loads(out.read_text())


def promise_jobs() -> list:
    from tests import promise_pool
    cfg = recommended_config().to_dict()
    return [(FIRST_RUN, _first_run, 2000, promise_pool.training_cost(cfg, 2000))]


@pytest.mark.promise_runs
def test_the_first_run_learns_the_ring():
    """The default a newcomer gets (the toy page with no link, `train --dataset ring8`): all 8 modes covered
    at every evaluation from step 250 to 2,000, seed 0, one thread (benchmarks/results/first_run.md: the
    same on seeds 0-9), with most samples on the modes at step 2,000."""
    from tests import promise_pool
    run = promise_pool.result(FIRST_RUN, promise_jobs)
    assert (run["config"]["loss"], run["config"]["lipschitz"], run["config"]["seed"]) == ("ns", "r1", 0)
    evals = [h for h in run["history"] if "modes_covered" in h and h["step"] >= 250]
    assert [h["step"] for h in evals] == list(range(250, 2001, 250))
    assert [h["modes_covered"] for h in evals] == [8] * 8
    assert evals[-1]["high_quality_fraction"] >= 0.75
