"""`python -m playground sweep` (playground/cli/sweep.py): the grid, the summary, and the cells on a local Ray
(started once for the module, 2 CPUs): each cell's JSON is the one `train` writes for the same flags, a
rerun skips finished cells, an interrupted sweep keeps them. And the rest of the project never loads Ray."""
import csv
import dataclasses
import io
import json
import re
import statistics

import pytest

from playground.cli import sweep
from playground.cli.main import main as cli_main
from playground.recipes import recommended_config

SMALL = ["--set", "g_width=16", "--set", "d_width=16", "--set", "g_depth=1", "--set", "d_depth=1",
         "--set", "batch_size=32"]
PAIRS, SEEDS, STEPS, EVAL = ["ns/none", "wgan/gp"], [0, 1], 300, 100
GRID = ["--datasets", "ring8", "--pairs", *PAIRS, "--seeds", *map(str, SEEDS), "--steps", str(STEPS),
        "--eval-every", str(EVAL), *SMALL]


def _no_seconds(rec):
    return {k: v for k, v in rec.items() if k != "seconds"}  # wall time, the one thing that differs


def _assert_one_line_error(rc, err):
    assert rc == 2 and "Traceback" not in err
    lines = [l for l in err.splitlines() if l.strip()]
    assert lines[0].startswith("error: ") and len(lines) <= 2, err


# ----- without Ray -------------------------------------------------------------------------------------
def test_the_grid_is_every_combination_built_as_train_builds_it():
    cells = sweep.grid(["ring8", "grid25"], ["ns/none", "wgan/gp"], [0, 1], ["g_lr=1e-3,2e-4", "batch_size=64"],
                       steps=500)
    assert len(cells) == 2 * 2 * 2 * 2 and len({c.name for c in cells}) == len(cells)
    c = next(c for c in cells if c.label == "grid25 wgan/gp g_lr=0.001 seed 1")
    assert c.name == "grid25_wgan-gp_g_lr-0.001_seed1" and c.steps == 500
    assert c.config == recommended_config("grid25", "wgan", "gp", seed=1, g_lr=1e-3, batch_size=64)
    assert c.config.n_critic == 5 and c.config.penalty == 1.0  # the recipes filled in the rest
    assert {c.row for c in cells} == {(d, p, (("g_lr", lr),)) for d in ("ring8", "grid25")
                                      for p in ("ns/none", "wgan/gp") for lr in (1e-3, 2e-4)}
    assert sweep.grid(["ring8"], ["ns/none"], [0, 0])[0].steps == 2000  # train's default; a repeat is one cell
    assert len(sweep.grid(["ring8"], ["ns/none"], [0, 0], ["g_lr=1e-3,0.001"])) == 1


@pytest.mark.parametrize("args,words", [
    (["--pairs", "wgan"], "loss/method"),
    (["--pairs", "nope/none"], "Unknown loss 'nope'"),
    (["--pairs", "ns/nope"], "Unknown Lipschitz method"),
    (["--pairs", "ns/none", "--set", "seed=1,2"], "--seeds"),
    (["--pairs", "ns/none", "--set", "g_lr=1e-3,fast"], "g_lr"),
    (["--pairs", "ns/none", "--set", "colour=red"], "colour"),
    (["--pairs", "ns/none", "--steps", "0"], "--steps"),
    (["--pairs", "ns/none", "--cpus", "0"], "--cpus"),
    (["--pairs", "ns/none", "--seeds", "x"], "--seeds"),
    (["--pairs", "ns/none", "--address", "127.0.0.1:1"], "Nothing answers"),  # not minutes of Ray retrying
])
def test_bad_flags_exit_2_with_one_sentence_before_any_run(args, words, tmp_path, capsys):
    rc = _cli("sweep", "--datasets", "ring8", *args, "--out", str(tmp_path / "s"))
    err = capsys.readouterr().err
    _assert_one_line_error(rc, err)
    assert words in err
    assert not list(tmp_path.glob("s/*.json"))


def _cli(*args):
    """cli_main's exit code, also when argparse exits."""
    try:
        return cli_main(list(args))
    except SystemExit as e:
        return e.code


def _result(modes, hq, w1, sps=100.0, diverged=False):
    out = {"final": {"modes_covered": modes, "n_modes": 8, "high_quality_fraction": hq, "mode_reverse_kl": 0.1,
                     "w1": w1}, "steps_per_second": sps}
    return {**out, "diverged": {"what": "d_loss", "step": 5}} if diverged else out


def test_a_cell_counts_as_finished_only_under_its_evaluation_protocol(tmp_path):
    """--eval-samples is part of what a cell is: a JSON evaluated on 2,000 samples (or with no record
    of it: the old default) does not finish a cell that counts 2,500."""
    (cell,) = sweep.grid(["ring8"], ["ns/none"], [0], steps=10)
    data = {"config": cell.config.to_dict(), "steps": 10, "final": {"w1": 1.0}}
    sweep.cell_path(tmp_path, cell).write_text(json.dumps(data))
    pacgan = dataclasses.replace(cell, eval_samples=2500)
    assert sweep.finished(tmp_path, cell) == data and sweep.finished(tmp_path, pacgan) is None
    sweep.cell_path(tmp_path, cell).write_text(json.dumps({**data, "eval_samples": 2500}))
    assert sweep.finished(tmp_path, cell) is None and sweep.finished(tmp_path, pacgan) is not None


def test_the_summary_is_mean_and_std_over_seeds():
    cells = sweep.grid(["ring8"], ["ns/none", "wgan/gp"], [0, 1, 2], steps=10)
    by = {c.label: c.name for c in cells}
    results = {by["ring8 ns/none seed 0"]: _result(8, 0.9, 0.05, 120),
               by["ring8 ns/none seed 1"]: _result(6, 0.7, 0.25, 100),
               by["ring8 ns/none seed 2"]: _result(7, 0.8, 0.15, 110),
               by["ring8 wgan/gp seed 0"]: _result(8, 0.95, 0.04),
               by["ring8 wgan/gp seed 1"]: _result(1, 0.1, 3.0, diverged=True)}  # seed 2 not finished
    ns, gp = sweep.summarize(cells, results)
    assert (ns.dataset, ns.pair, ns.seeds, ns.finished, ns.diverged, ns.n_modes) == ("ring8", "ns/none", 3, 3, 0, 8)
    assert ns.stats["modes_covered"] == (7.0, 1.0)
    assert ns.stats["w1"] == pytest.approx((0.15, statistics.stdev([0.05, 0.25, 0.15])))
    assert ns.stats["steps_per_second"] == pytest.approx((110.0, 10.0))
    assert (gp.finished, gp.diverged) == (2, 1)
    assert gp.stats["modes_covered"] == (8.0, None)  # the one run that finished without diverging
    md = sweep.to_markdown([ns, gp])
    lines = md.splitlines()
    assert lines[0] == ("| dataset | loss / lipschitz | seeds | modes covered | high-quality fraction "
                        "| mode KL(q̂‖uniform) | W1 | steps/s |") and len(lines) == 4  # metric_specs' names
    # mean ± standard deviation (standard error s/√3 = 0.58 and 5.8 %)
    assert "| ring8 | ns/none | 3 | 7.0 ± 1.0 (se 0.6) / 8 | 80.0% ± 10.0% (se 5.8%) |" in md
    assert "| ring8 | wgan/gp | 2 of 3 (1 diverged) | 8.0 / 8 | 95.0% |" in md
    rows = list(csv.DictReader(io.StringIO(sweep.to_csv([ns, gp]))))
    assert float(rows[0]["w1_mean"]) == pytest.approx(0.15) and float(rows[0]["modes_covered_std"]) == 1.0
    assert float(rows[0]["modes_covered_se"]) == pytest.approx(1 / 3 ** 0.5)
    assert rows[1]["modes_covered_std"] == rows[1]["modes_covered_se"] == "" and rows[1]["diverged"] == "1"


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_finished_cells_are_a_line_each_off_a_terminal_and_a_tqdm_bar_on_one():
    a, b = sweep.grid(["ring8"], ["ns/none"], [0, 1], steps=10)
    pipe, terminal, quiet = io.StringIO(), FakeTerminal(), FakeTerminal()
    for stream in (pipe, terminal, quiet):
        bar = sweep.CellBar(3, 1, quiet=stream is quiet, stream=stream)  # one of 3 cells finished before
        bar(a, _result(8, 0.9, 0.0512), None)
        bar(b, None, "RayTaskError: boom")
        bar.close()
    assert re.fullmatch(r"2/3  ring8 ns/none seed 0: 8/8 modes, W1 0.0512  \(\d+ s\)\n"
                        r"3/3  ring8 ns/none seed 1: failed: RayTaskError: boom  \(\d+ s\)\n", pipe.getvalue())
    shown = terminal.getvalue()
    assert "2/3  ring8 ns/none seed 0: 8/8 modes, W1 0.0512" in shown and "seed 1: failed: RayTaskError" in shown
    assert "starting Ray" in shown.split("\r")[1]  # before the first cell
    assert re.search(r"3/3 \[[\d:]+<[\d:]+, +[\d.]+ cells/s\] *\n$", shown), shown  # count, rate, ETA (tqdm pads a shorter line)
    assert quiet.getvalue() == ""


# ----- on a local Ray (conftest's ray_local) ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def swept(ray_local, tmp_path_factory):
    """The folder of one sweep of 2 pairs × 2 seeds × 300 steps, and its exit code."""
    out = tmp_path_factory.mktemp("sweep")
    rc = cli_main(["sweep", *GRID, "--out", str(out), "--quiet"])
    return out, rc


def test_every_cell_is_the_run_train_makes(swept, tmp_path):
    out, rc = swept
    assert rc == 0
    for pair in PAIRS:
        loss, method = pair.split("/")
        for seed in SEEDS:
            cell = json.loads((out / f"ring8_{loss}-{method}_seed{seed}.json").read_text())
            assert cli_main(["train", "--dataset", "ring8", "--loss", loss, "--lipschitz", method, "--seed", str(seed),
                             "--steps", str(STEPS), "--eval-every", str(EVAL), *SMALL,
                             "--out", str(tmp_path / "run.json"), "--quiet"]) == 0
            run = json.loads((tmp_path / "run.json").read_text())
            assert set(cell) == set(run) and cell["config"] == run["config"] and cell["steps"] == STEPS
            assert _no_seconds(cell["final"]) == _no_seconds(run["final"])
            assert [_no_seconds(r) for r in cell["history"]] == [_no_seconds(r) for r in run["history"]]


def test_the_table_has_mean_and_std_per_row(swept):
    out, _ = swept
    md, rows = (out / "summary.md").read_text(), list(csv.DictReader(io.StringIO((out / "summary.csv").read_text())))
    assert [(r["loss"], r["lipschitz"], r["seeds"], r["finished"]) for r in rows] == [("ns", "none", "2", "2"),
                                                                                       ("wgan", "gp", "2", "2")]
    for r, pair in zip(rows, PAIRS):
        finals = [json.loads((out / f"ring8_{pair.replace('/', '-')}_seed{s}.json").read_text())["final"]
                  for s in SEEDS]
        for key in ("w1", "modes_covered", "high_quality_fraction"):
            xs = [f[key] for f in finals]
            assert float(r[f"{key}_mean"]) == pytest.approx(statistics.fmean(xs))
            assert float(r[f"{key}_std"]) == pytest.approx(statistics.stdev(xs))
            assert float(r[f"{key}_se"]) == pytest.approx(statistics.stdev(xs) / len(xs) ** 0.5)
        line = next(l for l in md.splitlines() if f"| ring8 | {pair} |" in l)
        assert line.count("±") == sum(r[f"{k}_std"] != "" for k in sweep.COLUMNS) >= 4


def test_a_rerun_skips_finished_cells(swept, capsys):
    out, _ = swept
    files = sorted(out.glob("ring8_*.json"))
    before = {p.name: (p.stat().st_mtime_ns, p.read_text()) for p in files}
    assert cli_main(["sweep", *GRID, "--out", str(out)]) == 0
    assert "4 cells, 4 already finished" in capsys.readouterr().err
    assert {p.name: (p.stat().st_mtime_ns, p.read_text()) for p in files} == before
    # a lost cell and a half-written one run again, with the same numbers; the others are not touched
    lost, torn = files[0], files[-1]
    lost.unlink()
    torn.write_text(before[torn.name][1][:200])
    assert cli_main(["sweep", *GRID, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "4 cells, 2 already finished" in err and "2 to run" in err and err.count(" seed ") == 2
    for p in files:
        assert (p.stat().st_mtime_ns == before[p.name][0]) == (p not in (lost, torn))
        assert _no_seconds(json.loads(p.read_text())["final"]) == _no_seconds(json.loads(before[p.name][1])["final"])


def test_an_interrupted_sweep_keeps_its_finished_cells(ray_local, tmp_path, monkeypatch, capsys):
    grid = ["--datasets", "ring8", "--pairs", "ns/none", "--seeds", "0", "1", "2", "--steps", "150", *SMALL]
    shown = sweep.CellBar.__call__

    def ctrl_c_after_the_first(self, *a):
        shown(self, *a)
        raise KeyboardInterrupt

    monkeypatch.setattr(sweep.CellBar, "__call__", ctrl_c_after_the_first)
    assert cli_main(["sweep", *grid, "--out", str(tmp_path)]) == 130
    assert "interrupted: 1 of 3 cells finished" in capsys.readouterr().err
    assert len(list(tmp_path.glob("ring8_*.json"))) == 1 and "| 1 of 3 |" in (tmp_path / "summary.md").read_text()
    monkeypatch.undo()
    assert cli_main(["sweep", *grid, "--out", str(tmp_path), "--quiet"]) == 0
    assert len(list(tmp_path.glob("ring8_*.json"))) == 3 and "| 3 |" in (tmp_path / "summary.md").read_text()


# ----- Ray stays out of everything else ------------------------------------------------------------------
RAY_FREE = """
import pkgutil, sys, importlib
import playground
from playground.cli.main import main
for m in pkgutil.walk_packages(playground.__path__, "playground."):
    if m.name != "playground.__main__":  # that one runs the CLI
        importlib.import_module(m.name)
rc = main(["train", "--steps", "5", "--eval-every", "5", "--quiet", "--out", sys.argv[1],
           "--set", "g_width=8", "--set", "d_width=8", "--set", "batch_size=16"])
print(rc, sorted(m for m in sys.modules if m == "ray" or m.startswith("ray.")))
"""


def test_the_app_and_train_never_import_ray(run_python, tmp_path):
    """Every engine module (the sweep's included) imports, and `train` runs, without loading Ray."""
    rc, out, err = run_python("-c", RAY_FREE, str(tmp_path / "run.json"))
    assert rc == 0, err
    assert out.split() == ["0", "[]"]
