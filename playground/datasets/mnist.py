"""MNIST (shipped in `playground/assets/mnist.npz`) and any folder of IDX files (e.g. Fashion-MNIST).

Pixels are stored as uint8 and scaled on the fly: x = p / 127.5 − 1 ∈ [−1, 1] (the range of the
generator's tanh). Each source is read from disk once per process and copied to a device once; a
training step only draws indices (`torch.randint` on the generator's device) and gathers.

Registry entries: "mnist" (see `DATASETS` in `datasets/__init__.py`); a folder of IDX files is added
under a name of your choice with `datasets.register_idx_dataset(name, path)`. `digits` picks a subset
of classes ("3", "38", "0123456789"; "" = all). `image_view` is the snapshot view of image datasets
(registered in playground/snapshot.py).
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import struct
import threading
import zlib
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from ..cache import cache_root
from ..errors import ConfigError
from ..evaluation import DigitReference, classify, evaluate_digits, feature_stats, frechet_distance
from ..evaluation.classifier import WEIGHTS
from ..evaluation.digits import COVERED_AT
from ..models.mnist import build_dcgan_pair, build_dcgan_small_pair, build_mnist_mlp_pair
from .base import Dataset

ASSET = Path(__file__).resolve().parent.parent / "assets" / "mnist.npz"
MNIST_CLASSES = tuple(str(d) for d in range(10))
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                   "Bag", "Ankle boot")

MNIST_ARCHS: dict[str, Callable] = {"mlp": build_mnist_mlp_pair, "dcgan": build_dcgan_pair,
                                    "dcgan_small": build_dcgan_small_pair}


# ----- digit subsets ---------------------------------------------------------------------------------
def parse_digits(text: str) -> tuple[int, ...]:
    """"38" / "3, 8" / "3 8" → (3, 8); "" → all ten classes. Raises ConfigError for anything else."""
    text = (text or "").strip()
    chars = [c for c in text if c not in ", "]
    bad = sorted({c for c in chars if c not in "0123456789"})
    if bad:
        raise ConfigError(f"The digit subset '{text}' may contain only the digits 0–9 "
                          f"(found {', '.join(repr(c) for c in bad)}); e.g. '3' or '0123456789'.")
    if not chars:
        return tuple(range(10))
    return tuple(sorted({int(c) for c in chars}))


# ----- sources: the arrays of one data set, loaded once per process -----------------------------------
class ImageSource:
    """Train / test images (uint8, (N, 28, 28)) and labels (uint8, (N,)) of one data set, plus the
    per-device tensors made from them (each made once). Without "train_labels" the set is unlabelled:
    every image (train and test) gets label 0 and `labelled` is False."""

    def __init__(self, key: str, label: str, arrays: dict[str, np.ndarray], class_names=MNIST_CLASSES,
                 classifier_fits: bool = False):
        self.key, self.label = key, label
        self.labelled = arrays.get("train_labels") is not None
        self.train_images = arrays["train_images"]
        self.test_images = arrays.get("test_images")
        if self.labelled:
            self.train_labels, self.test_labels = arrays["train_labels"], arrays.get("test_labels")
        else:
            self.train_labels = np.zeros(len(self.train_images), np.uint8)
            self.test_labels = None if self.test_images is None else np.zeros(len(self.test_images), np.uint8)
        self.class_names = tuple(class_names)
        self.classifier_fits = classifier_fits  # the MNIST classifier may judge these images
        self._lock = threading.Lock()
        self._on_device: dict[tuple, torch.Tensor] = {}

    def train_tensor(self, digits: tuple[int, ...], device: torch.device | str) -> torch.Tensor:
        """uint8 tensor (n, 1, 28, 28) of the training images of `digits`, on `device`; cached."""
        device = torch.device(device)
        key = (digits, str(device))
        with self._lock:
            if key not in self._on_device:
                imgs = self.train_images
                if digits != tuple(range(10)):
                    imgs = imgs[np.isin(self.train_labels, digits)]
                self._on_device[key] = torch.from_numpy(np.ascontiguousarray(imgs)).unsqueeze(1).to(device)
            return self._on_device[key]


_sources: dict[str, ImageSource] = {}
_sources_lock = threading.Lock()


def load_mnist() -> dict[str, np.ndarray]:
    """The shipped MNIST arrays (train_images/train_labels/test_images/test_labels, uint8), read once."""
    s = mnist_source()
    return {"train_images": s.train_images, "train_labels": s.train_labels,
            "test_images": s.test_images, "test_labels": s.test_labels}


_reference: list[DigitReference] = []
_reference_lock = threading.Lock()


def _test_pass_cache(test_images: np.ndarray) -> Path:
    """Where the classifier's pass over the test digits is kept: named by the hash of the classifier's
    weights and the images (and the classifier's memory layout and folded batch norms, which move the
    features by ~1e-6), so new weights or data never read an old result."""
    h = hashlib.sha256(WEIGHTS.read_bytes())
    h.update(b"channels_last, batch norm folded")
    h.update(np.ascontiguousarray(test_images).tobytes())
    return cache_root() / "digits" / f"test-pass-{h.hexdigest()[:16]}.npz"


def mnist_reference() -> DigitReference:
    """The shipped MNIST digits as the evaluation reference (one per process, so the classifier's pass
    over the test split runs once)."""
    with _reference_lock:
        if not _reference:
            d = load_mnist()
            _reference.append(DigitReference(d["test_images"], d["test_labels"], d["train_images"],
                                             d["train_labels"], cache=_test_pass_cache(d["test_images"])))
        return _reference[0]


def mnist_source() -> ImageSource:
    with _sources_lock:
        if "mnist" not in _sources:
            if not ASSET.exists():
                raise ConfigError(f"The MNIST data file is missing ({ASSET}); reinstall the project.")
            with np.load(ASSET) as f:
                arrays = {k: f[k] for k in ("train_images", "train_labels", "test_images", "test_labels")}
            _sources["mnist"] = ImageSource("mnist", "MNIST", arrays, MNIST_CLASSES, classifier_fits=True)
        return _sources["mnist"]


# ----- IDX files -------------------------------------------------------------------------------------
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


class IdxError(ConfigError):
    """A missing, unreadable or malformed IDX file; the message names the file and the problem."""


IDX_MAGIC = {1: 0x00000801, 3: 0x00000803}  # unsigned bytes (type 0x08), 1 dimension (labels) or 3 (images)


def read_idx(path: str | Path, max_items: int | None = None) -> np.ndarray:
    """Read one IDX file (gzip-compressed or not) of unsigned bytes; see `parse_idx`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise IdxError(f"Cannot read {path.name}: {e.strerror or e}.") from None
    return parse_idx(raw, path.name, max_items)


def parse_idx(raw: bytes, name: str, max_items: int | None = None) -> np.ndarray:
    """The array in the bytes of one IDX file (gzip-compressed or not) named `name`.

    Layout (LeCun et al., the MNIST database): two zero bytes, a type code (0x08 = unsigned byte),
    the number of dimensions k, k big-endian uint32 sizes, then the data in row-major order. With
    `max_items`, a file of more than that many items (images or labels), or of more than that many
    28×28 images' worth of data, is refused from its header, before its data are decompressed."""
    stream: Any = io.BytesIO(raw)
    if raw[:2] == b"\x1f\x8b":
        stream = gzip.GzipFile(fileobj=stream, mode="rb")
    try:
        head = stream.read(4)
        if len(head) < 4 or head[0] != 0 or head[1] != 0:
            found = f"0x{int.from_bytes(head.ljust(4, bytes(1)), 'big'):08x}"
            raise IdxError(f"{name} is not an IDX file: its magic number is {found}, where an IDX file of "
                           f"unsigned bytes starts with 0x{IDX_MAGIC[1]:08x} (labels) or 0x{IDX_MAGIC[3]:08x} (images).")
        type_code, ndim = head[2], head[3]
        if type_code != 0x08:
            raise IdxError(f"{name} holds values of IDX type 0x{type_code:02x}; only unsigned bytes "
                           "(0x08) are supported.")
        if ndim not in (1, 3):
            raise IdxError(f"{name} has {ndim} dimensions; expected 1 (labels) or 3 (images).")
        sizes = stream.read(4 * ndim)
        if len(sizes) < 4 * ndim:
            raise IdxError(f"{name} is truncated inside its header.")
        dims = struct.unpack(f">{ndim}I", sizes)
        expected = int(np.prod(dims, dtype=np.int64))
        if max_items is not None and (dims[0] > max_items or expected > max_items * 28 * 28):
            what = "labels" if ndim == 1 else "images"
            raise IdxError(f"{name} is too large: its header announces {dims[0]:,} {what} of shape "
                           f"{tuple(dims[1:])}; the limit is {max_items:,} images of 28×28.")
        data = stream.read(expected + 1)  # one byte more: a file longer than its header says
    except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
        raise IdxError(f"{name} is a damaged gzip file ({e}).") from None
    if len(data) != expected:
        state = "truncated" if len(data) < expected else "longer than its header says"
        held = f"{len(data)}" if len(data) <= expected else f"more than {expected}"
        raise IdxError(f"{name} is {state}: its header promises {expected} bytes of data for shape "
                       f"{tuple(dims)}, the file holds {held}.")
    return np.frombuffer(data, dtype=np.uint8).reshape(dims).copy()


def check_split(images: np.ndarray, labels: np.ndarray | None, iname: str, lname: str = "") -> None:
    """Raise IdxError unless `images` are (n ≥ 1, 28, 28) and `labels` (when given) hold one class
    0–9 per image; `iname` / `lname` name the files (or arrays) in the sentence."""
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise IdxError(f"{iname} should hold 28×28 images; its shape is {images.shape}.")
    if len(images) == 0:
        raise IdxError(f"{iname} holds no images.")
    if labels is None:
        return
    if labels.ndim != 1:
        raise IdxError(f"{lname} should hold one label per image; its shape is {labels.shape}.")
    if len(images) != len(labels):
        raise IdxError(f"{iname} holds {len(images)} images but {lname} holds {len(labels)} labels.")
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise IdxError(f"{lname} has labels outside 0–9 (from {int(labels.min())} to {int(labels.max())}); "
                       "expected classes 0–9.")


def _find(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def load_idx_folder(path: str | Path) -> dict[str, np.ndarray]:
    """Read a folder of the standard MNIST-format files into uint8 arrays.

    Required: train-images-idx3-ubyte and train-labels-idx1-ubyte (each optionally .gz). Optional,
    as a pair: t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (used as the reference set for the
    metrics; without them the training set serves). Images must be 28×28; labels 0–9; each images
    file must hold as many images as its labels file holds labels. Raises IdxError (a ConfigError)
    with a sentence naming the file and the problem."""
    folder = Path(os.path.expanduser(str(path)))
    if not folder.is_dir():
        raise IdxError(f"The folder '{path}' does not exist (or is not a folder).")
    found = {k: _find(folder, stem) for k, stem in IDX_FILES.items()}
    for k in ("train_images", "train_labels"):
        if found[k] is None:
            raise IdxError(f"The folder '{path}' has no {IDX_FILES[k]} (or {IDX_FILES[k]}.gz) file.")
    if (found["test_images"] is None) != (found["test_labels"] is None):
        have, miss = ("test_images", "test_labels") if found["test_images"] else ("test_labels", "test_images")
        raise IdxError(f"The folder '{path}' has {found[have].name} but no {IDX_FILES[miss]} to go with it.")
    out: dict[str, np.ndarray] = {}
    for split in ("train", "test"):
        if found[f"{split}_images"] is None:
            continue
        images, labels = read_idx(found[f"{split}_images"]), read_idx(found[f"{split}_labels"])
        check_split(images, labels, found[f"{split}_images"].name, found[f"{split}_labels"].name)
        out[f"{split}_images"], out[f"{split}_labels"] = images, labels
    return out


# ----- the Dataset -----------------------------------------------------------------------------------
class ImageDataset(Dataset):
    """28×28 grey images with class labels; `digits` is the subset of classes trained on (all ten,
    as `parse_digits("")` gives, means every class the training split has)."""

    kind = "image"
    shape = (1, 28, 28)
    bounds = np.array([[-1.0, 1.0]])

    def __init__(self, name: str, source: ImageSource, digits: tuple[int, ...], description: str = ""):
        self.name, self.source, self.digits = name, source, digits
        self.archs = MNIST_ARCHS
        self._data: dict[str, torch.Tensor] = {}
        counts = np.bincount(source.train_labels, minlength=10).astype(np.float64)
        self.label_counts = counts.astype(np.int64)  # the whole training split's images per label
        present = tuple(int(c) for c in np.flatnonzero(counts))
        if digits == tuple(range(10)):
            self.digits = digits = present
        missing = [d for d in digits if counts[d] == 0]
        if missing:
            raise ConfigError(f"{source.label} has no training images of class "
                              f"{', '.join(source.class_names[d] for d in missing)}; choose classes it has.")
        prior = np.zeros(10)
        prior[list(digits)] = counts[list(digits)]
        self.class_prior = prior / prior.sum()  # the training subset's class distribution
        self.n_train = int(counts[list(digits)].sum())
        subset = "" if digits == present or not source.labelled else (
            " (" + ", ".join(source.class_names[d] for d in digits) + ")")
        self.label = f"{source.label}{subset}"
        self.description = description or (
            f"{self.n_train} training images of {source.label}{subset}, 28×28, scaled to [−1, 1].")

    @property
    def classifier_fits(self) -> bool:
        return self.source.classifier_fits

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.source.class_names

    def data(self, device: torch.device | str = "cpu") -> torch.Tensor:
        """The subset's training images, uint8 (n, 1, 28, 28), on `device` (made once per device)."""
        key = str(device)
        if key not in self._data:  # per-instance memo: no lock on the per-step path
            self._data[key] = self.source.train_tensor(self.digits, device)
        return self._data[key]

    def sample(self, n: int, generator: torch.Generator, device: torch.device | str = "cpu") -> torch.Tensor:
        """n images drawn uniformly with replacement, float32 in [−1, 1], (n, 1, 28, 28)."""
        data = self.data(device)
        idx = torch.randint(len(data), (n,), generator=generator, device=generator.device)
        if idx.device != data.device:
            idx = idx.to(data.device)
        return data[idx].to(torch.float32).div_(127.5).sub_(1.0)

    def reference_images(self) -> tuple[np.ndarray, np.ndarray]:
        """Held-out images (uint8) and labels of the subset: the test split when it has some of these
        classes, else the training split."""
        src = self.source
        if src.test_images is not None and np.isin(src.test_labels, self.digits).sum() >= 2:
            imgs, labels = src.test_images, src.test_labels
        else:
            imgs, labels = src.train_images, src.train_labels
        keep = np.isin(labels, self.digits)
        return imgs[keep], labels[keep]

    def metrics(self, fake: np.ndarray, real: np.ndarray) -> dict[str, float]:
        """MNIST: the classifier's verdict on the fakes (see evaluation.evaluate_digits): fid,
        modes_covered / n_modes, class_kl, off_subset_fraction, mean_confidence. Other image sets
        (the classifier was not trained on them): only `fid`, in the MNIST classifier's feature space,
        against this set's held-out images; compare runs with it, not with MNIST figures."""
        if self.classifier_fits:
            out = evaluate_digits(fake, mnist_reference(), self.digits, self.class_prior)
            # mode_shares: the classifier's class histogram over all ten digits (sums to 1); covered_modes:
            # the trained classes with ≥ 1 % of it (the trainer keeps their union as modes_visited)
            hist = out["class_hist"]
            return {**{k: v for k, v in out.items() if np.isscalar(v)}, "mode_shares": hist.tolist(),
                    "covered_modes": tuple(int(c) for c in self.digits if hist[c] >= COVERED_AT)}
        mu, cov = _idx_reference_stats(self)
        fmu, fcov = feature_stats(fake)
        return {"fid": frechet_distance(fmu, fcov, mu, cov)}


_idx_stats: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


def _idx_reference_stats(ds: ImageDataset) -> tuple[np.ndarray, np.ndarray]:
    key = (ds.source.key, ds.digits)
    if key not in _idx_stats:
        imgs, _ = ds.reference_images()
        _idx_stats[key] = feature_stats(imgs.astype(np.float32) / 127.5 - 1.0)
    return _idx_stats[key]


def make_mnist(digits: str = "") -> ImageDataset:
    """Registry factory: MNIST restricted to `digits`."""
    return ImageDataset("mnist", mnist_source(), parse_digits(digits))


def idx_factory(name: str, path: str | Path, label: str | None = None, class_names=None) -> Callable:
    """Read a folder of IDX files now (errors surface here) and return a registry factory for it.

    Fashion-MNIST is recognised by its folder name (class names T-shirt/top ... Ankle boot); pass
    `class_names` for other sets."""
    arrays = load_idx_folder(path)
    folder = Path(os.path.expanduser(str(path))).resolve()
    if class_names is None:
        class_names = FASHION_CLASSES if "fashion" in str(folder).lower() else MNIST_CLASSES
    source = ImageSource(f"idx:{name}:{folder}", label or folder.name, arrays, class_names,
                         classifier_fits=False)

    def factory(digits: str = "") -> ImageDataset:
        return ImageDataset(name, source, parse_digits(digits),
                            description=f"Images from {folder} (IDX files), 28×28, scaled to [−1, 1].")

    factory.idx_folder = str(folder)
    return factory


# ----- the snapshot view -----------------------------------------------------------------------------
def tile(images, rows: int = 8, cols: int = 8) -> np.ndarray:
    """(n, 1, 28, 28) in [−1, 1] → one float32 image (rows·28, cols·28) in [0, 1], row-major tiles;
    missing tiles are black."""
    x = np.asarray(images, dtype=np.float32).reshape(-1, 28, 28)[: rows * cols]
    full = np.zeros((rows * cols, 28, 28), np.float32)
    full[: len(x)] = np.clip((x + 1.0) * 0.5, 0.0, 1.0)
    return full.reshape(rows, cols, 28, 28).transpose(0, 2, 1, 3).reshape(rows * 28, cols * 28)


def image_view(trainer, n: int = 256) -> dict[str, Any]:
    """What the image page draws, as numpy.

    grid (224, 224) float32 in [0, 1]: G(fixed noise)[:64] as 8×8 tiles (the same z every time);
    real_grid (224, 224): 64 training images; classes (k,) int64: the classes trained on;
    class_names (10,) str; train_hist (10,) float32: the training subset's class distribution;
    labelled () int: 1 when the data came with labels, and then label_counts (10,) int64, the whole
    training split's images per label. Where the MNIST classifier applies (classifier_fits = 1) also: class_hist (10,) float32, the
    share of max(n, 64) fakes given to each class (class_hist_n () int: how many); tile_labels (64,) int64 and tile_confidence (64,)
    float32, the classifier's verdict on each tile; fid_floor () float32, the Fréchet distance of
    2000 real training digits to the test set (what a perfect generator would score)."""
    ds = trainer.dataset
    fakes = trainer.fakes(max(64, int(n))).detach().to("cpu", torch.float32)
    out: dict[str, Any] = {
        "grid": tile(fakes[:64].numpy()),
        "real_grid": tile(trainer.real_ref[:64].detach().cpu().numpy()),
        "classes": np.asarray(ds.digits, np.int64),
        "class_names": np.asarray(ds.class_names),
        "train_hist": ds.class_prior.astype(np.float32),
        "classifier_fits": np.asarray(int(ds.classifier_fits)),
        "labelled": np.asarray(int(ds.source.labelled)),
    }
    if ds.source.labelled:
        out["label_counts"] = ds.label_counts
    if ds.classifier_fits:
        _, probs = classify(fakes)
        pred = probs.argmax(1)
        out["class_hist"] = (np.bincount(pred, minlength=10) / len(pred)).astype(np.float32)
        out["class_hist_n"] = np.asarray(len(pred), np.int64)
        out["tile_labels"] = pred[:64].astype(np.int64)
        out["tile_confidence"] = probs[:64].max(1).astype(np.float32)
        out["fid_floor"] = np.asarray(mnist_reference().floor(ds.digits), np.float32)
    return out

