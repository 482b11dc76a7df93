"""Your own image data (playground/datasets/upload.py): IDX files (gzipped or not) and .npz uploads load
exactly, every malformed upload gets its sentence and leaves nothing behind, the content hash follows its
documented layout, a run on uploaded data records the hash in its config and is reproduced from it, and
missing data are reported with the hash (in process and by the CLI).

The data are a tiny Fashion-MNIST-like set: random uint8 images with labels 0–9, built here (no download)."""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import struct

import numpy as np
import pytest

from playground.cli import main as cli
from playground.config import ConfigError, RunConfig
from playground.datasets import DATASETS, add_upload, dataset_parameters, make_dataset, upload
from playground.datasets.mnist import FASHION_CLASSES, image_view
from playground.datasets.upload import UploadError, read_upload
from playground.plots import mnist as mplots
from playground.recipes import recommended_config
from playground.trainer import Trainer

STEMS = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
         "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}


def fashion_like(n_train: int = 200, n_test: int = 50, seed: int = 0) -> dict[str, np.ndarray]:
    """Random 28×28 uint8 images and labels 0–9 (every class present in both splits)."""
    rng = np.random.default_rng(seed)
    return {"train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
            "train_labels": (np.arange(n_train) % 10).astype(np.uint8)[rng.permutation(n_train)],
            "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
            "test_labels": (np.arange(n_test) % 10).astype(np.uint8)}


def idx_bytes(a: np.ndarray) -> bytes:
    """The IDX layout by hand: 0, 0, type 0x08, ndim, big-endian uint32 sizes, the bytes."""
    return bytes([0, 0, 0x08, a.ndim]) + struct.pack(f">{a.ndim}I", *a.shape) + a.astype(np.uint8).tobytes()


def idx_files(d: dict[str, np.ndarray], gz: bool, prefix: str = "") -> list[tuple[str, bytes]]:
    return [(prefix + STEMS[k] + (".gz" if gz else ""), gzip.compress(idx_bytes(a)) if gz else idx_bytes(a))
            for k, a in d.items()]


def npz_bytes(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private upload cache (in-process tests only: a worker process would not see it)."""
    monkeypatch.setenv(upload.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / "uploads"


# ----- valid uploads ---------------------------------------------------------------------------------
@pytest.mark.parametrize("gz", [True, False])
def test_idx_files_load_exactly(gz):
    d = fashion_like()
    up = read_upload(idx_files(d, gz, prefix="fashion-"))
    assert set(up.arrays) == set(STEMS)
    for k, a in d.items():
        np.testing.assert_array_equal(up.arrays[k], a)
        assert up.arrays[k].dtype == np.uint8
    assert up.summary() == "200 training and 50 test images, labelled (10 classes)"
    assert upload.default_label(up, "digits") == "fashion"  # the files' common prefix


def test_the_hash_follows_its_documented_layout():
    d = fashion_like(30, 10)
    h = hashlib.sha256(b"gan-playground upload v1\n")
    for k in ("train_images", "train_labels", "test_images", "test_labels"):
        h.update(f"{k} {'x'.join(map(str, d[k].shape))} uint8\n".encode() + d[k].tobytes())
    up = read_upload(idx_files(d, gz=True))
    assert up.sha256 == h.hexdigest() and up.name == "upload:" + h.hexdigest()


def test_the_same_images_are_the_same_dataset_however_packed():
    d = fashion_like()
    names = {read_upload(idx_files(d, gz=True)).name, read_upload(idx_files(d, gz=False)).name,
             read_upload([("f.npz", npz_bytes(x_train=d["train_images"], y_train=d["train_labels"].astype(np.int64),
                                              x_test=d["test_images"], y_test=d["test_labels"]))]).name}
    assert len(names) == 1, "gzip or not, IDX or Keras-style .npz: one hash"
    train_only = {k: d[k] for k in ("train_images", "train_labels")}
    a = read_upload(idx_files(train_only, gz=False))
    b = read_upload([("f.npz", npz_bytes(x=d["train_images"], y=d["train_labels"]))])
    assert a.name == b.name and a.name not in names  # other arrays, another hash
    # a different pixel is a different dataset
    d2 = {k: v.copy() for k, v in train_only.items()}
    d2["train_images"][0, 0, 0] ^= 1
    assert read_upload(idx_files(d2, gz=False)).name != a.name


def test_npz_without_labels_trains_on_every_image(cache):
    x = fashion_like(120)["train_images"]
    up = read_upload([("shirts.npz", npz_bytes(x=x))])
    assert up.summary() == "120 training images, without labels"
    name = add_upload(up)
    assert (cache / f"{up.sha256}.npz").is_file() and upload.default_label(up, "digits") == "shirts"
    assert dataset_parameters(name) == (), "no labels: the class subset does not apply"
    ds = make_dataset(RunConfig(dataset=name, noise_dim=100))
    assert ds.n_train == 120 and not ds.source.labelled and not ds.classifier_fits
    with pytest.raises(ConfigError, match="does not apply") as info:
        RunConfig(dataset=name, digits="3").validate()
    assert info.value.field == "digits"


def test_npz_class_names_are_used(cache):
    d = fashion_like(40)
    up = read_upload([("f.npz", npz_bytes(x=d["train_images"], y=d["train_labels"],
                                          class_names=np.array(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"])))])
    name = add_upload(up, "fashion")  # the .npz's own names win over the page's choice
    assert make_dataset(RunConfig(dataset=name)).class_names == tuple("abcdefghij")


# ----- malformed uploads: one sentence each ----------------------------------------------------------
def _bad(case: str) -> tuple[list[tuple[str, bytes]], str, dict]:
    d = fashion_like()
    train = {k: d[k] for k in ("train_images", "train_labels")}
    files = dict(idx_files(train, gz=False))
    img, lab = STEMS["train_images"], STEMS["train_labels"]
    kw: dict = {}
    if case == "wrong_magic":
        files[img] = b"\x89PNG" + files[img][4:]
        msg = f"{img} is not an IDX file: its magic number is 0x89504e47"
    elif case == "wrong_magic_gz":
        files.pop(img)
        files[img + ".gz"] = gzip.compress(b"PK\x03\x04" + idx_bytes(d["train_images"])[4:])
        msg = f"{img}.gz is not an IDX file: its magic number is 0x504b0304"
    elif case == "wrong_type":
        files[img] = bytes([0, 0, 0x0D, 3]) + files[img][4:]
        msg = "holds values of IDX type 0x0d; only unsigned bytes"
    elif case == "count_mismatch":
        files[lab] = idx_bytes(d["train_labels"][:199])
        msg = f"{img} holds 200 images but {lab} holds 199 labels"
    elif case == "wrong_shape":
        files[img] = idx_bytes(np.zeros((200, 32, 32), np.uint8))
        msg = "should hold 28×28 images; its shape is (200, 32, 32)"
    elif case == "labels_above_9":
        files[lab] = idx_bytes(np.full(200, 12, np.uint8))
        msg = "has labels outside 0–9 (from 12 to 12)"
    elif case == "truncated":
        files[img] = files[img][:-100]
        msg = "is truncated: its header promises 156800 bytes of data for shape (200, 28, 28), the file holds 156700"
    elif case == "damaged_gzip":
        files.pop(img)
        files[img + ".gz"] = gzip.compress(idx_bytes(d["train_images"]))[:300]
        msg = "is a damaged gzip file"
    elif case == "too_large_header":  # refused from the header: nothing of the 196 MB is decompressed
        files.pop(img)
        files[img + ".gz"] = gzip.compress(bytes([0, 0, 8, 3]) + struct.pack(">3I", 250_000, 28, 28))
        msg = (f"{img}.gz is too large: its header announces 250,000 images of shape (28, 28); the limit is "
               "200,000 images of 28×28")
    elif case == "too_large_total":
        files = dict(idx_files(d, gz=True))
        kw = {"max_images": 240}
        msg = "holds 250 images (training and test together); the limit is 240 images of 28×28"
    elif case == "test_without_labels":
        files = dict(idx_files({k: d[k] for k in ("train_images", "train_labels", "test_images")}, gz=True))
        msg = f"has {STEMS['test_images']}.gz but no {STEMS['test_labels']}[.gz] to go with it"
    elif case == "no_train_images":
        files.pop(img)
        msg = f"has no {img}[.gz]: the training images are required"
    elif case == "twice":
        files[img + ".gz"] = gzip.compress(files[img])
        msg = f"are both {img}; upload one of them"
    elif case == "unknown_name":
        files["notes.txt"] = b"hello"
        msg = "'notes.txt' is neither an MNIST-format IDX file nor a .npz"
    elif case == "npz_and_idx":
        files["x.npz"] = npz_bytes(x=d["train_images"])
        msg = "Upload either one .npz or the IDX files"
    elif case == "npz_float":
        files = {"f.npz": npz_bytes(x=d["train_images"].astype(np.float32) / 255)}
        msg = "x in f.npz holds float32 values; expected uint8 pixels (0–255), shape N×28×28"
    elif case == "npz_flat":
        files = {"f.npz": npz_bytes(x=d["train_images"].reshape(200, 784))}
        msg = "x in f.npz should hold N×28×28 images; its shape is (200, 784)"
    elif case == "npz_count_mismatch":
        files = {"f.npz": npz_bytes(x=d["train_images"], y=d["train_labels"][:10])}
        msg = "x in f.npz holds 200 images but y in f.npz holds 10 labels"
    elif case == "npz_unknown_array":
        files = {"f.npz": npz_bytes(images=d["train_images"])}
        msg = "f.npz holds arrays named images; expected x"
    elif case == "npz_too_large":
        files = {"f.npz": npz_bytes(x=d["train_images"])}
        kw = {"max_images": 100}
        msg = "f.npz is too large: its array x takes 156,928 bytes; the limit is 100 images of 28×28 (78,400 bytes)"
    elif case == "not_a_zip":
        files = {"f.npz": b"this is not a zip file"}
        msg = "f.npz is not a readable .npz file"
    elif case == "nothing":
        files = {}
        msg = "No files: upload the four MNIST-format IDX files"
    else:
        raise AssertionError(case)
    return list(files.items()), msg, kw


BAD = ["wrong_magic", "wrong_magic_gz", "wrong_type", "count_mismatch", "wrong_shape", "labels_above_9", "truncated",
       "damaged_gzip", "too_large_header", "too_large_total", "test_without_labels", "no_train_images", "twice",
       "unknown_name", "npz_and_idx", "npz_float", "npz_flat", "npz_count_mismatch", "npz_unknown_array",
       "npz_too_large", "not_a_zip", "nothing"]


@pytest.mark.parametrize("case", BAD)
def test_each_malformed_upload_gets_its_sentence(case, cache):
    files, msg, kw = _bad(case)
    with pytest.raises(UploadError) as info:
        read_upload(files, **kw)
    assert msg in str(info.value), str(info.value)
    assert isinstance(info.value, ConfigError) and "Traceback" not in str(info.value)
    assert not cache.exists(), "validation writes nothing"


def test_the_default_limit_is_stated_and_holds():
    assert upload.MAX_IMAGES == 200_000
    ok = {"train_images": np.zeros((3, 28, 28), np.uint8)}
    assert read_upload(idx_files(ok, gz=False), max_images=3).summary() == "3 training images, without labels"
    with pytest.raises(UploadError, match="the limit is 2 images"):
        read_upload(idx_files(ok, gz=False), max_images=2)


# ----- the cache, the config, reproducibility ------------------------------------------------------
def test_an_upload_run_records_the_hash_and_is_reproduced_from_its_config(cache):
    d = fashion_like()
    up = read_upload(idx_files(d, gz=True))
    name = add_upload(up, "fashion")
    assert name == "upload:" + up.sha256 and name in DATASETS and upload.available(name)
    assert sorted(p.name for p in cache.iterdir()) == [f"{up.sha256}.json", f"{up.sha256}.npz"]
    cfg = recommended_config(name, "ns", "none", digits="07", batch_size=16, seed=3)
    assert (cfg.noise_dim, cfg.g_ema) == (100, 0.999), "the image recipes apply to uploads"
    saved = json.loads(cfg.to_json())
    assert saved["dataset"] == f"upload:{up.sha256}"
    again = RunConfig.from_dict(saved).validate()
    ds = make_dataset(again)
    assert ds.label == f"Fashion-MNIST (upload {up.sha256[:8]}) (T-shirt/top, Sneaker)"
    assert ds.n_train == int(np.isin(d["train_labels"], [0, 7]).sum()) == 40
    a, b = Trainer(cfg, n_eval=128), Trainer(again, n_eval=128)
    a.run(3)
    b.run(3)
    assert [h["g_loss"] for h in a.history] == [h["g_loss"] for h in b.history], "same config + data: same run"
    v = image_view(a, 64)
    assert int(v["classifier_fits"]) == 0 and int(v["labelled"]) == 1 and "class_hist" not in v
    np.testing.assert_array_equal(v["label_counts"], np.bincount(d["train_labels"], minlength=10))
    assert list(v["class_names"]) == list(FASHION_CLASSES)


def test_missing_or_damaged_data_are_named_by_their_hash(cache):
    up = read_upload(idx_files(fashion_like(60, 20), gz=False))
    with pytest.raises(ConfigError) as info:
        RunConfig(dataset=up.name).validate()
    text = str(info.value)
    assert up.sha256 in text and "not in this machine's upload cache" in text and "add-data" in text
    assert info.value.field == "dataset"
    name = add_upload(up)
    RunConfig(dataset=name).validate()
    # a changed cached file no longer matches its name
    arrays = dict(up.arrays)
    arrays["train_images"] = arrays["train_images"].copy()
    arrays["train_images"][0] ^= 255
    np.savez(cache / f"{up.sha256}.npz", **arrays)
    upload.forget(up.sha256)
    with pytest.raises(ConfigError, match="does not match its SHA-256"):
        upload.upload_source(name)
    with pytest.raises(ConfigError, match="not an uploaded dataset's name"):
        RunConfig(dataset="upload:1234").validate()


def test_cli_says_when_the_data_are_missing_then_add_data_and_train(tmp_path, monkeypatch, capsys):
    d = fashion_like(60, 20, seed=1)  # images no other test loads: this process keeps the datasets it built
    files = idx_files(d, gz=True)
    for n, raw in files:
        (tmp_path / n).write_bytes(raw)
    name = read_upload(files).name
    cfg = tmp_path / "config.json"
    cfg.write_text(recommended_config("mnist", "ns", "none", batch_size=8).replace(dataset=name).to_json())
    monkeypatch.setenv(upload.CACHE_ENV, str(tmp_path / "cache"))

    def train(*args):
        rc = cli.main(["train", "--config", str(cfg), "--quiet", *args])
        return rc, capsys.readouterr().err

    rc, err = train("--steps", "1")
    assert rc == 2 and name[len("upload:"):] in err and "not in this machine's upload cache" in err, err
    assert "Traceback" not in err
    # add-data: the same cache through the environment
    assert cli.main(["add-data", *[str(tmp_path / n) for n, _ in files], "--labels", "fashion"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == name
    rc, err = train("--steps", "2", "--eval-every", "2", "--out", str(tmp_path / "run.json"))
    assert rc == 0, err
    assert json.loads((tmp_path / "run.json").read_text())["config"]["dataset"] == name
    assert cli.main(["add-data", str(tmp_path / "missing.npz")]) == 2
    assert "Cannot read" in capsys.readouterr().err


# ----- the label histogram (a pure plot builder) ---------------------------------------------------
def test_label_histogram_counts_and_marks_the_subset():
    counts = np.array([5, 0, 7, 1, 0, 0, 0, 0, 0, 2])
    views = {"labelled": np.asarray(1), "label_counts": counts, "classes": np.array([2, 9]),
             "class_names": np.asarray(FASHION_CLASSES)}
    fig = mplots.label_histogram_figure(views)
    bar = fig.data[0]
    assert list(bar.x) == list(FASHION_CLASSES) and list(bar.y) == counts.tolist()
    colours = list(bar.marker.color)
    assert colours[2] == colours[9] != colours[0], "the trained classes stand out"
    assert "15 images, 4 labels · training on 2 of them (9 images" in fig.layout.title.subtitle.text.replace("<br>", " ")
    empty = mplots.label_histogram_figure({"labelled": np.asarray(0)})
    assert "without labels" in empty.layout.annotations[0].text.replace("<br>", " ") and not empty.data
