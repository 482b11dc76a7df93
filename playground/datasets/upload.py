"""Your own image data: the four MNIST-format IDX files or one .npz, validated whole, stored by content hash.

An upload is read and checked completely before anything is kept (all or nothing): `read_upload`
either returns every array or raises UploadError with one sentence naming the file and the problem.
`save_upload` then writes the arrays to the upload cache as `<sha256>.npz` (plus `<sha256>.json`
with what the page shows: a label, the class names, the file names) and returns the dataset name
"upload:<sha256>". A RunConfig names its data by that name alone, so the worker process, or
`python -m playground train --config` on another machine, finds the data from the config; when the
cache lacks them, building the dataset says so in a sentence naming the hash.

The hash is of the arrays, not of the files (`content_hash`), so the same images gzipped or not, as
IDX or as .npz, are the same dataset. The cache is `$GAN_PLAYGROUND_CACHE/uploads`, else
`.cache/uploads` in the project (git ignores it). Headless: `python -m playground add-data FILE...`.

Accepted uploads:
- IDX files named like the MNIST distribution's (a prefix such as "fashion-" or "emnist-letters-"
  may come first; ".gz" or not): train-images-idx3-ubyte (required), train-labels-idx1-ubyte,
  t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte. With training labels, test images and test labels
  come as a pair; without them the data are unlabelled.
- one .npz: `x` (N×28×28 uint8) and optionally `y` (N labels 0–9), or Keras's names x_train /
  y_train / x_test / y_test; optionally `class_names` (up to 10 strings).
At most MAX_IMAGES images in all; labels are classes 0–9.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..cache import CACHE_ENV, cache_root  # noqa: F401  (CACHE_ENV: the tests set it)
from .mnist import (FASHION_CLASSES, IDX_FILES, MNIST_CLASSES, IdxError, ImageDataset, ImageSource,
                    check_split, parse_digits, parse_idx)

PREFIX = "upload:"
MAX_IMAGES = 200_000    # train and test together: 157 MB of pixels, held by the page and by its worker
MAX_UPLOAD_MB = 256     # per file, for the upload widget (the uncompressed MNIST training images: 47 MB)
KEYS = ("train_images", "train_labels", "test_images", "test_labels")
LABEL_NAMES = {"digits": MNIST_CLASSES, "fashion": FASHION_CLASSES}
LABEL_NAME_TEXT = {"digits": "0–9", "fashion": "Fashion-MNIST's (T-shirt/top … Ankle boot)"}
NPZ_KEYS = {"x": "train_images", "y": "train_labels", "x_train": "train_images", "y_train": "train_labels",
            "x_test": "test_images", "y_test": "test_labels"}
_HEX64 = re.compile(r"[0-9a-f]{64}")
ACCEPTED = ("the four MNIST-format IDX files (" + ", ".join(f"{s}[.gz]" for s in IDX_FILES.values())
            + ") or one .npz with x (N×28×28 uint8) and optionally y")


class UploadError(IdxError):
    """An upload that cannot be used; the message is the sentence the page shows."""


@dataclass(frozen=True)
class Upload:
    """Validated arrays (uint8; KEYS, train_images always), the files they came from, and the class
    names a .npz declared (None: not given)."""
    arrays: dict[str, np.ndarray]
    files: tuple[str, ...]
    class_names: tuple[str, ...] | None = None

    @property
    def sha256(self) -> str:
        return content_hash(self.arrays)

    @property
    def name(self) -> str:
        return PREFIX + self.sha256

    def summary(self) -> str:
        """"1,000 training and 200 test images, labelled (10 classes)"."""
        a = self.arrays
        parts = f"{len(a['train_images']):,} training"
        if "test_images" in a:
            parts += f" and {len(a['test_images']):,} test"
        labels = a.get("train_labels")
        tail = (f"labelled ({len(np.unique(labels))} classes)" if labels is not None else "without labels")
        return f"{parts} images, {tail}"


# ----- reading ---------------------------------------------------------------------------------------
def content_hash(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 of the arrays in a fixed layout: the line "gan-playground upload v1", then for each of
    KEYS present, in that order, the line "<key> <d1>x<d2>... uint8" and the array's bytes (C order)."""
    h = hashlib.sha256(b"gan-playground upload v1\n")
    for key in KEYS:
        if arrays.get(key) is not None:
            a = np.ascontiguousarray(arrays[key], dtype=np.uint8)
            h.update(f"{key} {'x'.join(map(str, a.shape))} uint8\n".encode())
            h.update(a.tobytes())
    return h.hexdigest()


def idx_role(filename: str) -> str | None:
    """Which of KEYS an IDX file name stands for ("fashion-t10k-labels-idx1-ubyte.gz" -> "test_labels"),
    or None."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
    base = base[:-3] if base.endswith(".gz") else base
    base = base.replace(".idx", "-idx")  # "train-images.idx3-ubyte", as some mirrors name them
    for key, stem in IDX_FILES.items():
        if base == stem or base.endswith(("-" + stem, "_" + stem, "." + stem)):
            return key
    return None


def read_upload(files: Sequence[tuple[str, bytes]], max_images: int = MAX_IMAGES) -> Upload:
    """Validate uploaded files, given as (file name, bytes), into an Upload; UploadError (a
    ConfigError) with one sentence for the first problem. Reads nothing from disk, writes nothing."""
    if not files:
        raise UploadError(f"No files: upload {ACCEPTED}.")
    names = [n for n, _ in files]
    if len(set(names)) < len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise UploadError(f"{twice[0]} was uploaded twice; upload each file once.")
    npz = [n for n in names if n.lower().endswith(".npz")]
    if npz and len(files) > 1:
        raise UploadError(f"Upload either one .npz or the IDX files, not {', '.join(names)} together.")
    try:
        up = _read_npz(*files[0], max_images) if npz else _read_idx_files(files, max_images)
    except IdxError as e:
        raise UploadError(str(e)) from None
    total = sum(len(up.arrays[k]) for k in ("train_images", "test_images") if k in up.arrays)
    if total > max_images:
        raise UploadError(f"The upload is too large: it holds {total:,} images (training and test together); "
                          f"the limit is {max_images:,} images of 28×28.")
    return up


def _read_idx_files(files: Sequence[tuple[str, bytes]], max_images: int) -> Upload:
    found: dict[str, tuple[str, bytes]] = {}
    for name, raw in files:
        role = idx_role(name)
        if role is None:
            raise UploadError(f"'{name}' is neither an MNIST-format IDX file nor a .npz; upload {ACCEPTED}.")
        if role in found:
            raise UploadError(f"{found[role][0]} and {name} are both {IDX_FILES[role]}; upload one of them.")
        found[role] = (name, raw)
    if "train_images" not in found:
        raise UploadError(f"The upload has no {IDX_FILES['train_images']}[.gz]: the training images are required.")
    labelled = "train_labels" in found
    if labelled and ("test_images" in found) != ("test_labels" in found):
        have, miss = ("test_images", "test_labels") if "test_images" in found else ("test_labels", "test_images")
        raise UploadError(f"The upload has {found[have][0]} but no {IDX_FILES[miss]}[.gz] to go with it.")
    if not labelled and "test_labels" in found:
        raise UploadError(f"The upload has {found['test_labels'][0]} but no {IDX_FILES['train_labels']}[.gz]: "
                          "label the training images too, or leave the labels out.")
    arrays = {role: parse_idx(raw, name, max_images) for role, (name, raw) in found.items()}
    for split in ("train", "test"):
        if f"{split}_images" in arrays:
            check_split(arrays[f"{split}_images"], arrays.get(f"{split}_labels"),
                        found[f"{split}_images"][0], found.get(f"{split}_labels", ("",))[0])
    return Upload(arrays, tuple(sorted(found[r][0] for r in found)))


def _read_npz(name: str, raw: bytes, max_images: int) -> Upload:
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
        members = {i.filename: i for i in zf.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise UploadError(f"{name} is not a readable .npz file ({e}).") from None
    keys = {m[:-4] if m.endswith(".npy") else m: info for m, info in members.items()}
    unknown = sorted(set(keys) - set(NPZ_KEYS) - {"class_names"})
    if unknown:
        raise UploadError(f"{name} holds arrays named {', '.join(unknown)}; expected x (N×28×28 uint8) and "
                          "optionally y (N labels 0–9), or x_train / y_train / x_test / y_test, and class_names.")
    train = [k for k in ("x", "x_train") if k in keys]
    if len(train) != 1:
        raise UploadError(f"{name} needs exactly one array of training images named x (or x_train); "
                          f"it has {', '.join(sorted(keys)) or 'no arrays'}.")
    if ("y" in keys or "y_train" in keys) and len({"y", "y_train"} & set(keys)) > 1:
        raise UploadError(f"{name} has both y and y_train; keep one array of training labels.")
    limit = max_images * 28 * 28 + 4096  # an .npy header is under 4 KB
    for k, info in keys.items():
        if info.file_size > limit:
            raise UploadError(f"{name} is too large: its array {k} takes {info.file_size:,} bytes; the limit is "
                              f"{max_images:,} images of 28×28 ({max_images * 28 * 28:,} bytes).")
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as f:
            loaded = {k: f[k] for k in keys}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
        raise UploadError(f"{name} is not a readable .npz file ({e}).") from None
    arrays: dict[str, np.ndarray] = {}
    for k, role in NPZ_KEYS.items():
        if k not in loaded:
            continue
        a = loaded[k]
        if role.endswith("images"):
            if a.dtype != np.uint8:
                raise UploadError(f"{k} in {name} holds {a.dtype} values; expected uint8 pixels (0–255), "
                                  f"shape N×28×28.")
            if a.ndim != 3 or a.shape[1:] != (28, 28):
                raise UploadError(f"{k} in {name} should hold N×28×28 images; its shape is {a.shape}.")
        else:
            if not np.issubdtype(a.dtype, np.integer):
                raise UploadError(f"{k} in {name} holds {a.dtype} values; expected whole-number labels 0–9.")
            if a.ndim == 1 and len(a) and (a.min() < 0 or a.max() > 9):
                raise UploadError(f"{k} in {name} has labels outside 0–9 (from {int(a.min())} to {int(a.max())}); "
                                  "expected classes 0–9.")
            a = a.astype(np.uint8) if a.ndim == 1 else a
        arrays[role] = a
    if "test_labels" in arrays and "test_images" not in arrays:
        raise UploadError(f"{name} has test labels but no test images (x_test).")
    if "train_labels" in arrays and "test_images" in arrays and "test_labels" not in arrays:
        raise UploadError(f"{name} has test images but no test labels (y_test) to go with them.")
    if "train_labels" not in arrays and "test_labels" in arrays:
        raise UploadError(f"{name} has test labels but no training labels (y): label both or neither.")
    ynames = {"train": next((k for k in ("y", "y_train") if k in loaded), "y"), "test": "y_test"}
    xnames = {"train": train[0], "test": "x_test"}
    for split in ("train", "test"):
        if f"{split}_images" in arrays:
            check_split(arrays[f"{split}_images"], arrays.get(f"{split}_labels"),
                        f"{xnames[split]} in {name}", f"{ynames[split]} in {name}")
    class_names = None
    if "class_names" in loaded:
        c = loaded["class_names"]
        if c.ndim != 1 or not (c.dtype.kind in "US") or not 1 <= len(c) <= 10:
            raise UploadError(f"class_names in {name} should be 1 to 10 strings; it is {c.dtype} of shape {c.shape}.")
        class_names = tuple(str(x) for x in c.astype(str))
    return Upload(arrays, (name,), class_names)


# ----- the cache -------------------------------------------------------------------------------------
def cache_dir() -> Path:
    """Where uploads are kept: $GAN_PLAYGROUND_CACHE/uploads, else the project's .cache/uploads."""
    return cache_root() / "uploads"


def _paths(sha: str) -> tuple[Path, Path]:
    d = cache_dir()
    return d / f"{sha}.npz", d / f"{sha}.json"


def default_label(upload: Upload, label_names: str) -> str:
    """What the dataset is called on the page: "Fashion-MNIST" with its class names, else the .npz's
    file stem, else the IDX files' common prefix ("emnist-letters-train-..." -> "emnist-letters"),
    else "Your images"."""
    if label_names == "fashion":
        return "Fashion-MNIST"
    if upload.files[0].lower().endswith(".npz"):
        return Path(upload.files[0]).stem
    prefixes = {re.split(r"train-|t10k-", Path(f).name)[0].strip("-_. ") for f in upload.files}
    return prefixes.pop() if len(prefixes) == 1 and "" not in prefixes else "Your images"


def save_upload(upload: Upload, label_names: str = "digits", label: str | None = None) -> str:
    """Store a validated upload in the cache (atomically: a partly written file is never seen under its
    final name) and return its dataset name "upload:<sha256>". `label_names`: a key of LABEL_NAMES
    (ignored when the .npz named its classes). The arrays are written once per hash; the metadata
    (label, class names, files) is rewritten by each upload, so the latest names win."""
    sha = upload.sha256
    npz, meta = _paths(sha)
    npz.parent.mkdir(parents=True, exist_ok=True)
    if not npz.exists():
        tmp = npz.with_name(f".{sha}.{os.getpid()}.{threading.get_ident()}.npz")
        np.savez(tmp, **upload.arrays)
        os.replace(tmp, npz)
    names = list(upload.class_names or LABEL_NAMES.get(label_names, MNIST_CLASSES))
    names += [str(d) for d in range(len(names), 10)]
    a = upload.arrays
    info = {"label": label or default_label(upload, label_names), "class_names": names[:10],
            "files": list(upload.files), "labelled": "train_labels" in a,
            "train_images": len(a["train_images"]), "test_images": len(a.get("test_images", ()))}
    tmp = meta.with_name(f".{sha}.{os.getpid()}.{threading.get_ident()}.json")
    tmp.write_text(json.dumps(info, indent=1))
    os.replace(tmp, meta)
    forget(sha)
    return PREFIX + sha


def is_reference(name: object) -> bool:
    """Whether a dataset name refers to uploaded data ("upload:..."); it may still be malformed."""
    return isinstance(name, str) and name.startswith(PREFIX)


def sha_of(name: str) -> str:
    """The hash in "upload:<sha256>"; UploadError for anything else."""
    sha = name[len(PREFIX):] if is_reference(name) else ""
    if not _HEX64.fullmatch(sha):
        raise UploadError(f"'{name[:80]}' is not an uploaded dataset's name: expected 'upload:' and the 64 "
                          "hexadecimal digits of a SHA-256.", "dataset")
    return sha


def missing_sentence(sha: str) -> str:
    return (f"The uploaded data this run trains on (SHA-256 {sha}) are not in this machine's upload cache "
            f"({cache_dir()}): upload the same file(s) on the MNIST page, or add them with "
            f"`python -m playground add-data FILE ...`.")


def available(name: str) -> bool:
    """Whether the data of an "upload:<sha256>" name are in the cache."""
    try:
        return _paths(sha_of(name))[0].is_file()
    except UploadError:
        return False


def metadata(name: str) -> dict | None:
    """The stored metadata of an upload (label, class_names, files, labelled, counts), or None."""
    try:
        return json.loads(_paths(sha_of(name))[1].read_text())
    except (UploadError, OSError, ValueError):
        return None


_sources: dict[str, ImageSource] = {}
_lock = threading.Lock()


def forget(sha: str) -> None:
    """Drop this process's copy of an upload (its metadata changed)."""
    with _lock:
        _sources.pop(sha, None)


def upload_source(name: str) -> ImageSource:
    """The arrays of an upload as an ImageSource, read from the cache once per process and checked
    against their hash; UploadError (field "dataset") when they are missing or damaged."""
    sha = sha_of(name)
    with _lock:
        if sha in _sources:
            return _sources[sha]
        npz, _ = _paths(sha)
        if not npz.is_file():
            raise UploadError(missing_sentence(sha), "dataset")
        try:
            with np.load(npz, allow_pickle=False) as f:
                arrays = {k: f[k] for k in KEYS if k in f.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
            raise UploadError(f"The cached copy of upload:{sha} ({npz}) cannot be read ({e}); delete it and "
                              "upload the file(s) again.", "dataset") from None
        if content_hash(arrays) != sha:
            raise UploadError(f"The cached copy of upload:{sha} ({npz}) does not match its SHA-256 (the file "
                              "was changed or damaged); delete it and upload the file(s) again.", "dataset")
        meta = metadata(name) or {}
        label = f"{meta.get('label') or 'Your images'} (upload {sha[:8]})"
        names = meta.get("class_names") or MNIST_CLASSES
        _sources[sha] = ImageSource(f"upload:{sha}", label, arrays, names, classifier_fits=False)
        return _sources[sha]


def upload_factory(name: str) -> Callable[..., ImageDataset]:
    """The registry factory for dataset `name` ("upload:<sha256>"). It takes `digits` (a class subset)
    when the data are labelled, nothing when not (so the subset field does not apply); calling it
    reads the data (see upload_source). Never raises itself: a bad or missing name raises when called."""
    meta = metadata(name)

    def describe(ds: ImageDataset) -> ImageDataset:
        files = ", ".join((meta or {}).get("files", [])) or "uploaded files"
        ds.description = f"{ds.n_train:,} training images from {files} (SHA-256 {name[len(PREFIX):][:12]}…), 28×28."
        return ds

    if meta is not None and not meta.get("labelled", True):
        def unlabelled() -> ImageDataset:
            return describe(ImageDataset(name, upload_source(name), parse_digits("")))
        return unlabelled

    def factory(digits: str = "") -> ImageDataset:
        return describe(ImageDataset(name, upload_source(name), parse_digits(digits)))
    return factory


__all__ = ["MAX_IMAGES", "MAX_UPLOAD_MB", "PREFIX", "LABEL_NAMES", "Upload", "UploadError", "content_hash",
           "read_upload", "save_upload", "upload_source", "upload_factory", "is_reference", "available",
           "metadata", "cache_dir"]
