"""Judging generated digits with the project's classifier.

For a batch of generated images x₁…x_n, with classifier probabilities p(c | xᵢ) and penultimate
features φ(xᵢ) ∈ R^128:

- class histogram q̂(c) = #{i : argmax p(· | xᵢ) = c} / n;
- modes covered: classes c of the training subset S with q̂(c) ≥ 1 %;
- class KL: KL(q̂_S ‖ π_S) = Σ_{c∈S} q̂_S(c) log(q̂_S(c) / π_S(c)), q̂_S the histogram restricted to S
  and renormalised, π_S the training class distribution (0 when the proportions are right, log 1/π(c)
  when every sample is class c); the mass outside S is reported apart, as off_subset_fraction;
- mean confidence: (1/n) Σᵢ max_c p(c | xᵢ);
- Fréchet distance between Gaussians fitted to the features of the fakes (μ₁, Σ₁) and of the real
  held-out digits of S (μ₂, Σ₂):  d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½).
  This is FID's formula in this classifier's feature space (not Inception's): values are comparable
  between runs of this project only. It is biased upwards for finite n; its floor, two real samples
  (2000 training digits vs the test set), is `DigitReference.floor()`.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

import numpy as np
from scipy import linalg

from .classifier import N_CLASSES, classify

COVERED_AT = 0.01  # a class is covered when it holds at least this share of the samples


def feature_stats(images_or_features, is_features: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Mean (d,) and covariance (d, d) (unbiased, float64) of the classifier features of `images`."""
    f = np.asarray(images_or_features, np.float64) if is_features else classify(images_or_features)[0]
    if len(f) < 2:
        raise ValueError("The Fréchet distance needs at least two samples.")
    return f.mean(0), np.cov(f, rowvar=False)


def _sqrt_psd(a: np.ndarray) -> np.ndarray:
    """Symmetric square root of a symmetric positive semi-definite matrix (eigenvalues clipped at 0)."""
    w, v = linalg.eigh((a + a.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """d² = ‖μ₁ − μ₂‖² + Tr Σ₁ + Tr Σ₂ − 2 Tr (Σ₁^½ Σ₂ Σ₁^½)^½ between N(μ₁, Σ₁) and N(μ₂, Σ₂).

    Tr (Σ₁Σ₂)^½ is computed as Tr (Σ₁^½ Σ₂ Σ₁^½)^½: the same number (similar matrices), but the
    inner matrix is symmetric PSD, so both square roots come from `eigh` with real, non-negative
    eigenvalues. That avoids `sqrtm`'s complex round-off and its failures on singular covariances
    (dead ReLU units give zero-variance features). Clipped at 0 against round-off."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    r1 = _sqrt_psd(s1)
    inner = r1 @ s2 @ r1
    w = linalg.eigvalsh((inner + inner.T) / 2)
    tr_covmean = np.sqrt(np.clip(w, 0, None)).sum()
    d2 = float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_covmean)
    return max(d2, 0.0)


# ----- the held-out digits generated ones are judged against ---------------------------------------
def _classes(classes) -> tuple[int, ...]:
    return tuple(range(N_CLASSES)) if classes is None else tuple(sorted({int(c) for c in classes}))


def _scaled(images: np.ndarray) -> np.ndarray:
    return images.astype(np.float32) / 127.5 - 1.0


class DigitReference:
    """Real digits as arrays (uint8 images (N, 28, 28), labels (N,)): the test split is the reference
    the fakes are compared with, the training split gives the class prior and the floor. The
    classifier's pass over the test split (≈ 5 s on one thread) runs once, on first use (`warm_up()`
    runs it now, e.g. in a background thread when a page opens); with `cache` (an .npz path) its
    result is kept on disk, so every later process loads it instead (the caller names the file by
    what it depends on: the weights and the test images); so are the floors, beside it."""

    def __init__(self, test_images, test_labels, train_images, train_labels, cache: Path | None = None):
        self.test_images, self.test_labels = test_images, np.asarray(test_labels).astype(np.int64)
        self.train_images, self.train_labels = train_images, np.asarray(train_labels)
        self._lock = threading.Lock()
        self._test: tuple[np.ndarray, np.ndarray] | None = None
        self._stats: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}
        self._floors: dict[tuple, float] = {}
        self.cache = cache

    def _test_pass(self) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            if self._test is None:
                self._test = self._load() or classify(_scaled(self.test_images))
                self._save()
            return self._test

    def _load(self) -> tuple[np.ndarray, np.ndarray] | None:
        try:
            with np.load(self.cache) as z:
                f, p = z["features"], z["probs"]
        except (OSError, KeyError, ValueError, TypeError):  # none yet (or unreadable): compute it
            return None
        return (f, p) if len(f) == len(p) == len(self.test_images) else None

    def _save(self) -> None:
        if self.cache is None or self.cache.exists():
            return
        try:  # atomically: another process may be writing the same file
            self.cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.cache.with_name(f".{self.cache.stem}.{os.getpid()}.{threading.get_ident()}.npz")
            np.savez(tmp, features=self._test[0], probs=self._test[1])
            os.replace(tmp, self.cache)
        except OSError:  # a read-only cache: compute again next time
            pass

    def test_features(self) -> tuple[np.ndarray, np.ndarray]:
        """Classifier features (N, 128) and labels of the test split."""
        return self._test_pass()[0], self.test_labels

    def test_accuracy(self) -> float:
        """The classifier's accuracy on the test split."""
        return float((self._test_pass()[1].argmax(1) == self.test_labels).mean())

    def stats(self, classes=None) -> tuple[np.ndarray, np.ndarray]:
        """Feature mean and covariance of the test digits of `classes` (default: all); cached."""
        key = _classes(classes)
        if key not in self._stats:
            f, y = self.test_features()
            self._stats[key] = feature_stats(f[np.isin(y, key)], is_features=True)
        return self._stats[key]

    def prior(self, classes=None) -> np.ndarray:
        """The class distribution (10,) of the training digits of `classes`."""
        counts = np.bincount(self.train_labels, minlength=N_CLASSES).astype(np.float64)
        keep = np.zeros(N_CLASSES, bool)
        keep[list(_classes(classes))] = True
        counts[~keep] = 0
        return counts / counts.sum()

    def floor(self, classes=None, n: int = 2000, seed: int = 0) -> float:
        """Fréchet distance of n real training digits of `classes` to the test set: the score of a
        generator that reproduces the data exactly, at the sample size the trainer evaluates with."""
        key = (_classes(classes), int(n), int(seed))
        if key not in self._floors:
            idx = np.flatnonzero(np.isin(self.train_labels, key[0]))
            pick = np.random.default_rng(seed).choice(idx, size=min(n, len(idx)), replace=False)
            images = np.ascontiguousarray(self.train_images[pick])
            # kept on disk beside the test pass (~0.4 s of CPU in every new worker's first MNIST frame),
            # named by what it depends on: the test pass's own name (weights, test images), the digits, the classes
            path = None
            if self.cache is not None:
                h = hashlib.sha256(self.cache.name.encode())
                h.update(images.tobytes())
                h.update(repr(key[0]).encode())
                path = self.cache.with_name(f"floor-{h.hexdigest()[:16]}.json")
            value = _read_float(path)
            if value is None:
                mu, cov = feature_stats(_scaled(images))
                value = frechet_distance(mu, cov, *self.stats(key[0]))
                _write_float(path, value)
            self._floors[key] = value
        return self._floors[key]

    def warm_up(self) -> None:
        self.stats()


def _read_float(path: Path | None) -> float | None:
    if path is None:
        return None
    try:
        value = float(json.loads(path.read_text())["value"])
    except (OSError, KeyError, ValueError, TypeError):  # none yet, or unreadable
        return None
    return value if np.isfinite(value) else None


def _write_float(path: Path | None, value: float) -> None:
    if path is None:
        return
    try:  # atomically: another process may be writing the same file
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.json")
        tmp.write_text(json.dumps({"value": value}))
        os.replace(tmp, path)
    except OSError:  # a read-only cache: compute again next time
        pass


def evaluate_digits(images, reference: DigitReference, train_classes=None, prior=None) -> dict:
    """Everything the classifier says about a batch of generated digits (n, 1, 28, 28) in [−1, 1].

    reference: the real digits to compare with; train_classes: the digits trained on (default all
    ten); prior: their training class distribution (10,) (default: the reference's). Returns scalars fid, modes_covered, n_modes, class_kl,
    off_subset_fraction, mean_confidence, and arrays class_hist (10,), predictions (n,),
    confidence (n,)."""
    classes = _classes(train_classes)
    prior = reference.prior(classes) if prior is None else np.asarray(prior, np.float64)
    feats, probs = classify(images)
    pred = probs.argmax(1)
    conf = probs.max(1)
    hist = np.bincount(pred, minlength=N_CLASSES) / max(len(pred), 1)
    s = list(classes)
    in_subset = hist[s].sum()
    if in_subset > 0:
        q, p = hist[s] / in_subset, prior[s] / prior[s].sum()
        mask = q > 0
        class_kl = float(np.sum(q[mask] * np.log(q[mask] / p[mask])))
    else:
        class_kl = float("inf")
    fid = frechet_distance(*feature_stats(feats, is_features=True), *reference.stats(classes)) \
        if len(feats) >= 2 else float("nan")
    return {
        "fid": fid,
        "modes_covered": int((hist[s] >= COVERED_AT).sum()),
        "n_modes": len(s),
        "class_kl": class_kl,
        "off_subset_fraction": float(1.0 - in_subset),
        "mean_confidence": float(conf.mean()) if len(conf) else float("nan"),
        "class_hist": hist.astype(np.float32),
        "predictions": pred.astype(np.int64),
        "confidence": conf.astype(np.float32),
    }
