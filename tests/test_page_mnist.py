"""AppTest tests of the MNIST page (no browser): render, Step updates the grid and the histogram, the
digit subset from the URL, the critic-norm note, the digit toggles; uploads of your own images (the
digit metrics hidden, the hash in the config, bad files and missing data in a sentence)."""
import io
import json

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from playground.datasets import upload
from playground.datasets.mnist import FASHION_CLASSES
from playground.plots import mnist as M
from playground.recipes import recommended
from tests.helpers_pages import (APP, MNIST, chart, chart_keys, figure_array, load_page,
                                 runner_of, status_text)
from tests.test_upload import fashion_like, idx_files

# grid, histogram, timeline, losses, Fréchet distance, modes
CHARTS = {f"mnist_chart_{name}" for name in ("grid", "hist", "gallery", "timeline", "loss", "fid", "modes")}
# data the digit classifier cannot judge: grid, label histogram, timeline, losses, real images
UPLOAD_CHARTS = {f"mnist_chart_{name}" for name in ("grid", "labels", "gallery", "loss", "real")}
HIDDEN = "The digit classifier's metrics (classes, confidence, Fréchet distance) are hidden"
TIMEOUT = 90  # an MNIST page's first run builds the digit classifier's views


def titled(at, key: str, start: str) -> dict:
    """The chart with this key, checked to be the one titled `start`."""
    fig = chart(at, key)
    assert str(fig["layout"]["title"]["text"]).startswith(start), (key, fig["layout"]["title"]["text"])
    return fig


def test_renders_idle_then_one_step_updates_grid_and_histogram(apps):
    # the raw generator (g_ema = 0): one step moves the recipe's 0.999 weight average by only 0.1 %
    at = load_page(MNIST, apps, {"g_ema": "0"}, timeout=TIMEOUT)
    assert "step **0**" in status_text(at)
    assert runner_of(at).status().state == "idle"
    assert chart_keys(at) == CHARTS
    grid0, _ = titled(at, "mnist_chart_grid", "Samples at step"), titled(at, "mnist_chart_hist", "Which digits")
    assert grid0["data"][0]["type"] == "image" and grid0["data"][0]["source"].startswith("data:image/png")
    assert not grid0["layout"]["xaxis"]["visible"] and grid0["layout"]["yaxis"]["scaleanchor"] == "x"
    assert "step 0" in titled(at, "mnist_chart_gallery", "Timeline")["layout"]["annotations"][0]["text"]

    at.button(key="mnist_step").click().run()
    assert not at.exception, at.exception
    assert "step **1**" in status_text(at)
    grid1, hist1 = titled(at, "mnist_chart_grid", "Samples at step"), titled(at, "mnist_chart_hist", "Which digits")
    assert grid1["data"][0]["source"] != grid0["data"][0]["source"], "the grid shows the new samples"
    # the bars count the frame's own samples, the grid's 64 tiles: this step's classifier verdicts
    v = runner_of(at).snapshot().views
    assert runner_of(at).snapshot().step == 1 and int(v["class_hist_n"]) == 64
    np.testing.assert_allclose(figure_array(hist1["data"][1]["y"]),
                               np.bincount(v["tile_labels"], minlength=10) / 64, atol=1e-6)
    assert json.dumps(hist1["layout"], ensure_ascii=False).count("64 samples") == 1  # the subtitle says so
    fid = titled(at, "mnist_chart_fid", "Fréchet")
    assert any("floor" in (t.get("name") or "") for t in fid["data"]), "the real-vs-real floor is drawn"
    # the classes × steps timeline: one row per digit, columns at the evaluations so far (steps 0 and 1)
    tl = titled(at, "mnist_chart_timeline", "Classes over time")
    evals = [r for r in runner_of(at).snapshot().history if "mode_shares" in r]
    # (the runner's history may hold an evaluation newer than the drawn frame: compare column by column)
    x, z = figure_array(tl["data"][0]["x"]), figure_array(tl["data"][0]["z"])
    by_step = {r["step"]: r["mode_shares"] for r in evals}
    assert x[0] == 0 and z.shape == (10, len(x))
    for j, step in enumerate(x):
        assert np.allclose(z[:, j], by_step[int(step)], atol=1e-6) and abs(z[:, j].sum() - 1) < 1e-5
    assert any(m.label == "Fréchet distance" for m in at.metric)


def test_digit_subset_from_the_url_restores(apps):
    at = load_page(MNIST, apps, {"dataset": "mnist", "digits": "3"}, timeout=TIMEOUT)
    assert not at.warning
    assert at.pills(key="mnist_digits_pick").value == [3]
    cfg = runner_of(at).status().config
    assert (cfg.dataset, cfg.digits) == ("mnist", "3")
    assert list(runner_of(at).snapshot().views["classes"]) == [3]
    hist = titled(at, "mnist_chart_hist", "Which digits")
    assert "of 1 classes" in hist["layout"]["title"]["subtitle"]["text"]
    assert at.query_params["digits"] in ("3", ["3"])
    # the toggles: add 8 -> "38" asks for a reset; "All ten" -> "" (all)
    at.pills(key="mnist_digits_pick").select(8).run()
    assert at.session_state["mnist_digits"] == "38"
    assert any("digit subset" in i.value and "Reset" in i.value for i in at.info)  # the Setting's label
    at.button(key="mnist_digits_all").click().run()
    assert at.session_state["mnist_digits"] == ""


def test_layer_norm_note_recommended_settings_and_a_visit_to_another_page(apps):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    apps.append(at)
    at.switch_page("pages/mnist.py").run()
    assert not at.exception, at.exception
    note = "layer norm instead of batch norm"
    assert not any(note in i.value for i in at.info)
    at.selectbox(key="mnist_arch").set_value("dcgan").run()
    assert not any(note in i.value for i in at.info), "DCGAN without a penalty keeps batch norm"
    assert any("batch norm after each convolution" in c.value for c in at.sidebar.caption)
    at.selectbox(key="mnist_loss").set_value("wgan").run()
    at.selectbox(key="mnist_lipschitz").set_value("gp").run()
    assert not at.exception, at.exception
    assert any(note in i.value for i in at.info)
    # "Use recommended settings" tunes the optimisers but keeps the chosen architecture
    at.button(key="mnist_recommend").click().run()
    assert not at.exception, at.exception
    assert at.number_input(key="mnist_n_critic").value == recommended("mnist", "wgan", "gp")["n_critic"]
    assert at.selectbox(key="mnist_arch").value == "dcgan"
    assert runner_of(at).status().config.arch == "mlp", "structural changes wait for Reset"
    # the settings survive a visit to another page
    at.pills(key="mnist_digits_pick").set_value([3]).run()
    at.switch_page("pages/divergences.py").run()
    at.switch_page("pages/mnist.py").run()
    assert not at.exception, at.exception
    assert (at.selectbox(key="mnist_loss").value, at.selectbox(key="mnist_arch").value) == ("wgan", "dcgan")
    assert at.pills(key="mnist_digits_pick").value == [3] and at.session_state["mnist_digits"] == "3"
    assert at.text_input(key="mnist_g_lr").value and not at.error and not at.warning
    assert any(note in i.value for i in at.info)


# ----- your own images -----------------------------------------------------------------------------
@pytest.fixture
def cache_files():
    """The page's worker is another process: uploads go to the real upload cache. Remove what a test
    stored there (by its hash) afterwards; `before` is what the cache held at the start."""
    d = upload.cache_dir()
    before = set(d.glob("*")) if d.exists() else set()
    made: list[str] = []
    yield before, made
    for name in made:
        for ext in ("npz", "json"):
            (d / f"{name[len(upload.PREFIX):]}.{ext}").unlink(missing_ok=True)


def _upload(at, files, label_names="digits"):
    at.get("file_uploader")[0].set_value([(n, raw, "application/octet-stream") for n, raw in files]).run()
    at.selectbox(key="mnist_label_names").set_value(label_names)
    at.button(key="mnist_upload_load").click().run()
    assert not at.exception, at.exception
    return at


def test_an_upload_hides_the_digit_metrics_and_its_run_records_the_hash(apps, cache_files):
    d = fashion_like()
    files = idx_files(d, gz=True, prefix="fashion-")
    name = upload.read_upload(files).name
    cache_files[1].append(name)
    at = _upload(load_page(MNIST, apps, {"g_ema": "0"}, timeout=TIMEOUT), files, "fashion")
    note = " ".join(x.value for x in at.success)
    assert "**Fashion-MNIST (upload" in note and "200 training and 50 test images, labelled (10 classes)" in note
    assert at.selectbox(key="mnist_dataset").value == name and upload.available(name)
    assert at.get("file_uploader")[0].value == [], "a fresh upload widget: the files are not kept twice"
    pills = at.pills(key="mnist_digits_pick")
    assert pills.label == "Classes to train on" and pills.format_func(0) == "T-shirt/top"
    at.button(key="mnist_reset").click().run()
    assert not at.exception, at.exception
    cfg = runner_of(at).status().config
    assert cfg.dataset == name == "upload:" + upload.content_hash(d)
    assert json.loads(at.session_state["mnist_config"].to_json())["dataset"] == name, "the config download"
    assert at.query_params["dataset"] in (name, [name]), "the link names the data by their hash"
    # the digit classifier's metrics are hidden, and the page says why
    assert chart_keys(at) == UPLOAD_CHARTS
    assert not at.metric and any(HIDDEN in i.value for i in at.info)
    assert not [t for t in at.toggle if t.key == "mnist_tile_labels"]
    labels = titled(at, "mnist_chart_labels", "Your training images per label")
    assert labels["data"][0]["x"] == list(FASHION_CLASSES)
    assert np.array_equal(figure_array(labels["data"][0]["y"]), np.bincount(d["train_labels"], minlength=10))
    assert titled(at, "mnist_chart_real", "Real training images")["data"][0]["source"].startswith("data:image/png")
    grid0 = titled(at, "mnist_chart_grid", "Samples at step")
    assert "classifier" not in grid0["layout"]["title"]["subtitle"]["text"]
    at.button(key="mnist_step").click().run()
    assert not at.exception, at.exception
    assert "step **1**" in status_text(at), "the worker process found the data by their hash"
    assert titled(at, "mnist_chart_grid", "Samples at step")["data"][0]["source"] != grid0["data"][0]["source"]
    assert titled(at, "mnist_chart_loss", "")["data"], "the losses are drawn"
    # the link reopens the uploaded data in a new session (its worker finds them by the hash)
    again = load_page(MNIST, apps, dict(at.query_params), timeout=TIMEOUT)
    assert again.selectbox(key="mnist_dataset").value == name
    assert runner_of(again).status().config.dataset == name
    assert chart_keys(again) == UPLOAD_CHARTS and not again.warning


def test_a_bad_upload_says_why_and_loads_nothing(apps, cache_files):
    d = fashion_like()
    files = idx_files({"train_images": d["train_images"], "train_labels": d["train_labels"][:150]}, gz=False)
    at = _upload(load_page(MNIST, apps, timeout=TIMEOUT), files)
    errors = " ".join(e.value for e in at.error)
    assert "train-images-idx3-ubyte holds 200 images but train-labels-idx1-ubyte holds 150 labels" in errors
    assert at.selectbox(key="mnist_dataset").value == "mnist" and at.selectbox(key="mnist_dataset").options == ["MNIST"]
    assert runner_of(at).status().config.dataset == "mnist"
    d_ = upload.cache_dir()
    assert (set(d_.glob("*")) if d_.exists() else set()) == cache_files[0], "nothing stored"
    assert len(at.get("file_uploader")[0].value) == 2, "the files stay, to be fixed or added to"


def test_a_link_to_upload_data_that_are_missing_names_the_hash(apps):
    sha = "ab" * 32
    at = load_page(MNIST, apps, {"dataset": f"upload:{sha}"}, timeout=TIMEOUT)
    warning = " ".join(w.value for w in at.warning)
    assert sha in warning and "not in this machine's upload cache" in warning
    assert runner_of(at).status().config.dataset == "mnist" and chart_keys(at) == CHARTS


# ----- the pure builders behind the page (no Streamlit) --------------------------------------------
def test_png_writer_round_trips():
    img = np.linspace(0, 1, 28 * 56, dtype=np.float32).reshape(28, 56)
    back = np.asarray(Image.open(io.BytesIO(M.png_bytes(img))))
    assert back.shape == (28, 56) and np.array_equal(back, M.to_uint8(img))
    assert Image.open(io.BytesIO(M.grid_png(np.zeros((224, 224)), scale=2))).size == (2 * 242, 2 * 242)


def test_gallery_keeps_milestones_caps_and_restarts():
    assert M.milestones_between(0, 1000, None) == [10, 25, 50, 100, 250, 500, 1000]
    assert M.milestones_between(150, 420, 100) == [200, 300, 400]
    grid, g = np.zeros((224, 224), np.float32), None
    for step in (0, 3, 12, 20, 30, 260, 300, 600, 1100, 2600, 5100, 10100, 30000):
        g = M.update_gallery(g, step, grid, "run-a")
    steps = [s for s, _ in g["items"]]
    assert steps == [30, 260, 600, 1100, 2600, 5100, 10100, 30000] and g["items"][0][1].shape == (112, 112)
    assert [s for s, _ in M.update_gallery(g, 0, grid, "run-a")["items"]] == [0], "a reset starts over"
    assert [s for s, _ in M.update_gallery(g, 50, grid, "run-b")["items"]] == [50], "so does a new run"
    fig = M.gallery_figure([(0, grid), (10, grid)])
    assert [a.text for a in fig.layout.annotations] == ["step 0", "step 10"]


def test_histogram_marks_missing_classes():
    train = np.zeros(10, np.float32)
    train[[3, 8]] = 0.5
    gen = np.zeros(10, np.float32)
    gen[3], gen[1] = 0.9, 0.1
    fig = M.class_histogram_figure({"class_hist": gen, "train_hist": train, "classes": np.array([3, 8])})
    sub = fig.layout.title.subtitle.text
    assert "1 of 2 classes covered" in sub and "missing: 8" in sub and "outside the subset: 10%" in sub
    assert [a.x for a in fig.layout.annotations] == ["8"]


def test_sample_grid_leaves_room_for_its_wrapped_subtitle():
    """The grid's subtitle (noise, weight average, hover hint) wraps to three lines in a ~480-px column: the top
    margin holds every title and subtitle line, so none is drawn over the tiles (it was a fixed 78 px)."""
    views = {"grid": np.zeros((8 * 28, 8 * 28), np.float32), "tile_labels": np.zeros(64, np.int64),
             "tile_confidence": np.ones(64, np.float32)}
    fig = M.sample_grid_figure(views, 0, ema=0.999)
    sub = fig.layout.title.subtitle.text
    assert sub.count("<br>") == 2  # three lines
    assert fig.layout.margin.t >= 12 + 30 + 3 * 20
