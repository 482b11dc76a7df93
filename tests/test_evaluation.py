"""The MNIST evaluation classifier (committed weights) and the metrics it gives."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg

from playground.datasets.mnist import load_mnist, mnist_reference
from playground.evaluation import (DigitReference, accuracy, classify, evaluate_digits, feature_stats,
                                   frechet_distance, weights_info)
from playground.evaluation.classifier import WEIGHTS


def scaled(images: np.ndarray) -> np.ndarray:
    return images.astype(np.float32) / 127.5 - 1.0


# ----- the classifier ------------------------------------------------------------------------------
def test_committed_weights_are_small_and_accurate():
    assert WEIGHTS.stat().st_size < 2_000_000
    acc = mnist_reference().test_accuracy()  # one pass over the 10000 test digits, batches of 1000, cached
    assert acc >= 0.99, acc
    assert weights_info()["test_accuracy"] == pytest.approx(acc, abs=1e-4)
    d = load_mnist()  # the same through the public helper, on the first 1000
    first = accuracy(scaled(d["test_images"][:1000]), d["test_labels"][:1000])
    _, p = classify(scaled(d["test_images"][:1000]))
    assert first == pytest.approx(float((p.argmax(1) == d["test_labels"][:1000]).mean()))


def test_the_loaded_classifier_is_the_trained_network_with_its_batch_norms_folded():
    """load_classifier folds each BN into its conv and pools before the ReLU: the same function as the
    trained DigitCNN in eval mode, on real digits and on noise."""
    import torch

    from playground.evaluation import DigitCNN, load_classifier
    blob = torch.load(WEIGHTS, map_location="cpu", weights_only=True)
    trained = DigitCNN()
    trained.load_state_dict(blob["state_dict"] if "state_dict" in blob else blob)
    trained.eval()
    folded = load_classifier()
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    rng = np.random.default_rng(1)
    x = np.concatenate([scaled(load_mnist()["test_images"][:300]), rng.uniform(-1, 1, (100, 28, 28))])
    f, p = classify(x.astype(np.float32), folded)
    with torch.no_grad():
        t = torch.as_tensor(x, dtype=torch.float32).reshape(-1, 1, 28, 28)
        f0 = trained.features(t).double().numpy()
        p0 = torch.softmax(trained(t), 1).double().numpy()
    assert np.abs(f - f0).max() < 1e-4 * max(1.0, np.abs(f0).max())
    assert np.abs(p - p0).max() < 1e-5 and (p.argmax(1) == p0.argmax(1)).all()


def test_classifier_is_not_sure_of_non_digits():
    """Trained with outlier exposure: noise and flat grey get low confidence, real digits high."""
    rng = np.random.default_rng(0)
    for x in (rng.uniform(-1, 1, (200, 1, 28, 28)), np.zeros((200, 1, 28, 28)), -np.ones((200, 1, 28, 28))):
        _, p = classify(x.astype(np.float32))
        assert p.max(1).mean() < 0.5


# ----- the Fréchet distance against closed forms ------------------------------------------------------
def test_frechet_1d_and_diagonal_closed_forms():
    # 1D: d² = (μ₁ − μ₂)² + (σ₁ − σ₂)²
    assert frechet_distance([1.0], [[4.0]], [-2.0], [[9.0]]) == pytest.approx(9.0 + 1.0)
    # diagonal covariances: d² = ‖μ₁ − μ₂‖² + Σ (√a − √b)²
    a, b = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.0])
    want = 3.0 + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(np.ones(3), np.diag(a), np.zeros(3), np.diag(b)) == pytest.approx(want)


def test_frechet_matches_sqrtm_and_handles_singular_covariances():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(500, 6)), rng.normal(size=(500, 6)) @ rng.normal(size=(6, 6))
    m1, s1, m2, s2 = x.mean(0), np.cov(x, rowvar=False), y.mean(0), np.cov(y, rowvar=False)
    ref = ((m1 - m2) ** 2).sum() + np.trace(s1 + s2 - 2 * linalg.sqrtm(s1 @ s2).real)
    assert frechet_distance(m1, s1, m2, s2) == pytest.approx(ref, rel=1e-8)
    assert frechet_distance(m1, s1, m1, s1) == pytest.approx(0.0, abs=1e-9)
    # rank-deficient (a dead feature, 3 samples in 6 dims): finite, non-negative, symmetric
    z = rng.normal(size=(3, 6))
    z[:, 2] = 0
    mz, sz = feature_stats(z, is_features=True)
    d1, d2 = frechet_distance(mz, sz, m2, s2), frechet_distance(m2, s2, mz, sz)
    assert np.isfinite(d1) and d1 >= 0 and d1 == pytest.approx(d2, rel=1e-6)


# ----- Fréchet distance on real digits --------------------------------------------------------------
def test_test_set_to_itself_is_zero_and_noise_is_far():
    ref = mnist_reference()
    f, y = ref.test_features()
    assert f.shape == (10000, 128) and len(y) == 10000
    mu, cov = ref.stats()
    assert frechet_distance(*feature_stats(f, is_features=True), mu, cov) == pytest.approx(0.0, abs=1e-6)
    floor = ref.floor()
    noise = np.random.default_rng(0).uniform(-1, 1, size=(2000, 1, 28, 28)).astype(np.float32)
    far = frechet_distance(*feature_stats(noise), mu, cov)
    assert 0 < floor < 5.0
    assert far > 50 * floor, (far, floor)
    # one digit against all ten is far too: the distance sees a missing mode
    threes = f[y == 3]
    assert frechet_distance(*feature_stats(threes, is_features=True), mu, cov) > 20 * floor


def test_evaluate_digits_on_real_and_collapsed_sets():
    d, ref = load_mnist(), mnist_reference()
    real = scaled(d["train_images"][:2000])
    r = evaluate_digits(real, ref)
    assert r["modes_covered"] == 10 and r["n_modes"] == 10
    assert r["class_kl"] < 0.01 and r["off_subset_fraction"] == 0.0
    assert r["mean_confidence"] > 0.97
    assert r["fid"] < 3 * ref.floor(n=2000)  # another draw of 2000 real digits: near the floor
    assert r["class_hist"].shape == (10,) and r["predictions"].shape == (2000,)
    # a generator that draws only sevens: 1 of 10 modes, class KL = log(1 / π(7))
    sevens = scaled(d["test_images"][d["test_labels"] == 7][:500])
    _, p = classify(sevens)
    sure = sevens[p.argmax(1) == 7]
    c = evaluate_digits(sure, ref)
    assert c["modes_covered"] == 1
    assert c["class_kl"] == pytest.approx(np.log(1 / ref.prior()[7]), rel=1e-9)
    # the same sevens judged against a subset "7": all modes, nothing outside, KL 0
    s = evaluate_digits(sure, ref, train_classes=[7])
    assert (s["modes_covered"], s["n_modes"], s["class_kl"], s["off_subset_fraction"]) == (1, 1, 0.0, 0.0)
    assert s["fid"] < c["fid"]  # compared with test sevens, not with all digits


def test_a_reference_is_built_from_arrays_alone():
    """Evaluation takes the real digits it compares with as arrays: a reference of only the test
    sevens puts test sevens at distance 0 and gives a prior with all its mass on 7."""
    d = load_mnist()
    keep = d["test_labels"] == 7
    ref = DigitReference(d["test_images"][keep], d["test_labels"][keep], d["test_images"][keep],
                         d["test_labels"][keep])
    f, _ = ref.test_features()
    assert frechet_distance(*feature_stats(f, is_features=True), *ref.stats([7])) == pytest.approx(0.0, abs=1e-6)
    assert ref.prior()[7] == 1.0 and ref.prior().sum() == pytest.approx(1.0)
