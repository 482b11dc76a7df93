"""Headless CLI (python -m playground): list, train, exit codes 2 (bad input) and 3 (diverged), the progress
output (a tqdm bar on a terminal, a plain line per evaluation otherwise, nothing with --quiet). In process
(`main(argv)`), but for one real `python -m playground` whose exit code reaches the shell."""
import contextlib
import io
import json
import re
import sys

import pytest

from playground.cli.main import main as cli_main
from playground.config import RunConfig
from playground.datasets import DATASETS
from playground.device import describe
from playground.lipschitz import LIPSCHITZ
from playground.losses import LOSSES
from playground.presets import PRESETS
from playground.recipes import METHOD
from playground.trainer import Trainer

SMALL = ["--set", "g_width=16", "--set", "d_width=16", "--set", "g_depth=1", "--set", "d_depth=1",
         "--set", "batch_size=32"]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(args, capsys):
    """(exit code, stdout, stderr) of `python -m playground *args`, in process (argparse's exit included)."""
    try:
        rc = cli_main(list(args))
    except SystemExit as e:
        rc = e.code
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def _strict_json(text):
    """JSON as the standard defines it: NaN / Infinity are not allowed."""
    def reject(token):
        raise ValueError(f"non-standard JSON constant {token}")
    return json.loads(text, parse_constant=reject)


def test_list_shows_every_registry_entry(capsys):
    rc, out, err = _run(["list"], capsys)
    assert rc == 0, err
    lines = out.splitlines()
    for header in ("datasets:", "losses:", "lipschitz methods:", "presets:"):
        assert header in lines
    sections = {}
    current = None
    for line in lines:
        if not line.startswith(" "):
            current = line.rstrip(":")
            sections[current] = []
        else:
            sections[current].append(line.split()[0])
    assert sections["datasets"] == list(DATASETS)
    assert sections["losses"] == list(LOSSES)
    assert sections["lipschitz methods"] == list(LIPSCHITZ)
    assert sections["presets"] == list(PRESETS)


def test_short_train_writes_json_and_quiet_prints_nothing(tmp_path, capsys):
    out_file = tmp_path / "run.json"
    rc, out, err = _run(["train", "--dataset", "ring8", "--loss", "wgan", "--lipschitz", "gp", "--n-critic", "2",
                         "--steps", "20", "--eval-every", "10", "--seed", "3", *SMALL,
                         "--out", str(out_file), "--quiet"], capsys)
    assert rc == 0, err
    assert (out, err) == ("", "")  # --quiet: no progress, no "wrote"
    data = _strict_json(out_file.read_text())
    assert {"config", "history", "final", "steps_per_second", "steps"} <= set(data)
    cfg = data["config"]
    assert (cfg["dataset"], cfg["loss"], cfg["lipschitz"], cfg["n_critic"], cfg["seed"]) == ("ring8", "wgan", "gp", 2, 3)
    assert (cfg["g_width"], cfg["batch_size"]) == (16, 32)
    assert cfg["penalty"] == METHOD["gp"]["penalty"]  # the recipe for gp filled in λ
    assert data["steps"] == 20
    assert data["steps_per_second"] > 0
    assert "diverged" not in data
    needed = {"step", "d_loss", "g_loss", "w1", "js", "modes_covered", "high_quality_fraction"}
    evaluated = [r for r in data["history"] if "w1" in r and r["step"] > 0]
    assert [r["step"] for r in evaluated] == [10, 20]
    for rec in evaluated:
        assert needed <= set(rec), needed - set(rec)
    assert data["history"][0]["step"] == 0 and "w1" in data["history"][0]   # evaluated before training
    assert data["final"]["step"] == 20 and needed <= set(data["final"])
    assert 0 <= data["final"]["modes_covered"] <= 8


def test_eval_samples_sets_how_many_samples_an_evaluation_counts(tmp_path, capsys):
    """PacGAN's protocol counts modes on 2,500 samples: --eval-samples 2500 evaluates on 2,500 (each
    mode's share is a count over 2,500) and the JSON says so; training is the same run."""
    runs = {}
    for n in (2000, 2500):
        out_file = tmp_path / f"run{n}.json"
        rc, _, err = _run(["train", "--dataset", "ring8", "--steps", "20", "--eval-every", "20", *SMALL,
                           "--eval-samples", str(n), "--out", str(out_file), "--quiet"], capsys)
        assert rc == 0, err
        runs[n] = _strict_json(out_file.read_text())
    assert (runs[2000]["eval_samples"], runs[2500]["eval_samples"]) == (2000, 2500)
    counts = [x * 2500 for x in runs[2500]["final"]["mode_shares"]]  # each mode's share of the samples
    assert all(abs(c - round(c)) < 1e-6 for c in counts) and round(sum(counts)) == 2500, counts
    assert any(abs(x * 2000 - round(x * 2000)) > 1e-6 for x in runs[2500]["final"]["mode_shares"]), "not out of 2000"
    losses = lambda r: [(h["d_loss"], h["g_loss"]) for h in r["history"] if "d_loss" in h]  # noqa: E731
    assert losses(runs[2000]) == losses(runs[2500]), "the evaluation draws from its own stream"


def _assert_one_line_error(rc, out, err):
    assert rc == 2, (rc, err)
    assert "Traceback" not in err and "Traceback" not in out
    lines = [l for l in err.splitlines() if l.strip()]
    assert lines and lines[0].startswith("error: ")
    assert len(lines) <= 2                      # the message, and at most a "(see: --help)" hint
    assert len(lines) == 1 or lines[1].startswith("(see:")
    assert "usage:" not in err


@pytest.mark.parametrize("args", [["train", "--bogus"], ["train", "--n-critic", "many"], ["frobnicate"],
                                  ["train", "--steps", "0"], ["train", "--minutes", "-1"],
                                  ["train", "--eval-samples", "100"], ["sweep", "--datasets", "ring8", "--pairs",
                                                                       "ns/none", "--out", "x", "--eval-samples", "0"]])
def test_bad_flag_exits_2_with_one_line(args, capsys):
    _assert_one_line_error(*_run(args, capsys))


@pytest.mark.parametrize("args,words", [
    (["--loss", "nope"], "Unknown loss 'nope'"),
    (["--set", "n_critic=lots"], "n_critic"),
    (["--set", "n_critic=0"], "n_critic"),
    (["--set", "colour=red"], "colour"),
    (["--set", "clip"], "field=value"),
    (["--dataset", "custom1d", "--set", "mixture=1,2"], "mixture"),
    (["--preset", "no-such-preset"], "Unknown preset"),
    (["--set", "device=mps"], "not available"),           # no Apple GPU on a Linux machine
    (["--set", "digits=ab"], "does not apply"),           # ring8 takes no digit subset
    (["--set", "g_width=4096", "--set", "g_depth=16"], "the limit is 1 GB"),
    (["--set", "g_lr=-1"], "learning rate"),
])
def test_invalid_config_exits_2_with_one_line(args, words, tmp_path, capsys):
    out_file = tmp_path / "run.json"
    rc, out, err = _run(["train", *args, "--steps", "2", "--out", str(out_file)], capsys)
    _assert_one_line_error(rc, out, err)
    assert words in err
    assert not out_file.exists()


def test_diverging_run_exits_3_through_the_shell_and_still_writes_json(tmp_path, run_python):
    """The one real `python -m playground`: the package runs as a program and its exit code reaches the shell."""
    out_file = tmp_path / "run.json"
    rc, out, err = run_python("-m", "playground", "train", "--dataset", "ring8", "--steps", "20", "--eval-every",
                              "10", "--set", "g_lr=1e12", "--set", "d_lr=1e12", "--out", str(out_file))
    assert rc == 3, err
    assert "Traceback" not in err
    assert "diverged" in err
    data = _strict_json(out_file.read_text())     # NaN / Inf are written as null
    d = data["diverged"]
    assert set(d) == {"what", "step"}
    assert isinstance(d["step"], int) and 1 <= d["step"] <= 20
    assert "loss" in d["what"] or "parameter" in d["what"]
    assert data["steps"] < d["step"]
    assert data["config"]["g_lr"] == 1e12
    assert isinstance(data["history"], list) and data["history"][0]["step"] == 0


def test_perfect_discriminator_subcommand_takes_its_own_flags():
    """`python -m playground perfect-discriminator --objective ...` reaches playground.cli.perfect_discriminator.main."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = cli_main(["perfect-discriminator", "--objective", "hinge", "--seed", "0"])
    assert rc == 0
    out = json.loads(buf.getvalue())
    assert out["final"]["mean_abs_output"] < 0.05
    with pytest.raises(SystemExit) as e, contextlib.redirect_stderr(io.StringIO()):
        cli_main(["perfect-discriminator", "--objective", "nope"])
    assert e.value.code == 2


# ----- progress ------------------------------------------------------------------------------------------
TRAIN = ["train", "--dataset", "ring8", "--steps", "20", "--eval-every", "10", *SMALL]


@pytest.mark.parametrize("minutes", [None, 5])
def test_off_a_terminal_progress_is_a_plain_line_per_evaluation(minutes, tmp_path, capsys):
    budget = ["--minutes", str(minutes)] if minutes else []
    rc, out, err = _run([*TRAIN, *budget, "--out", str(tmp_path / "run.json")], capsys)
    assert rc == 0, err
    assert out == "" and "\r" not in err  # no carriage-return frames where stderr is a file or a pipe
    clock = r"  \d+\.\d/5 min" if minutes else ""
    metrics = r"  w1 [\d.e+-]+  js [\d.e+-]+  modes_covered \d+"
    device, *lines = err.splitlines()
    assert device == f"device: {describe(Trainer(RunConfig(dataset='ring8')))}", err  # the device, and why
    assert len(lines) == 3 and lines[2] == f"wrote {tmp_path / 'run.json'}", err
    for line, step in zip(lines, (10, 20)):
        assert re.fullmatch(rf"step {step}/20{clock}  \d+\.\d steps/s{metrics}", line), line


def test_on_a_terminal_progress_is_a_tqdm_bar_with_rate_and_metrics(tmp_path, monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli_main([*TRAIN, "--minutes", "5", "--out", str(tmp_path / "run.json")]) == 0
    final = json.loads((tmp_path / "run.json").read_text())["final"]
    frames = terminal.getvalue().split("\r")
    last = next(f for f in reversed(frames) if "20/20" in f)
    assert re.search(r"\d+\.\d+ steps/s", last), last  # tqdm's rate
    assert f"w1={final['w1']:.3g}" in last and f"modes_covered={final['modes_covered']:.3g}" in last, last
    assert re.search(r"budget=\d+\.\d/5 min", last), last  # the wall-clock budget used
    assert terminal.getvalue().endswith(f"wrote {tmp_path / 'run.json'}\n")


def test_quiet_prints_nothing_even_on_a_terminal(tmp_path, monkeypatch, capsys):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli_main([*TRAIN, "--quiet", "--out", str(tmp_path / "run.json")]) == 0
    assert terminal.getvalue() == "" and capsys.readouterr().out == ""
    assert (tmp_path / "run.json").exists()
