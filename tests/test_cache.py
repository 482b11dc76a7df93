"""The on-disk cache of the classifier's pass over the test digits (issue 14: a new MNIST worker
loads it instead of spending ≈ 6 s of CPU on it)."""
import numpy as np

from playground.evaluation import digits
from playground.evaluation.digits import DigitReference


def reference(tmp_path, n=12):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = np.arange(n) % 10
    return DigitReference(imgs, labels, imgs, labels, cache=tmp_path / "digits" / "test-pass.npz")


def test_the_test_pass_is_computed_once_then_read_from_disk(tmp_path, monkeypatch):
    first = reference(tmp_path)
    f, y = first.test_features()
    assert (tmp_path / "digits" / "test-pass.npz").exists()

    def no_classifier(*a, **k):
        raise AssertionError("the cached pass was computed again")

    monkeypatch.setattr(digits, "classify", no_classifier)
    again = reference(tmp_path)
    f2, _ = again.test_features()
    np.testing.assert_array_equal(f, f2)  # bit for bit: metrics do not depend on which process computed it
    assert again.test_accuracy() == first.test_accuracy()


def test_a_cache_for_other_images_is_not_used(tmp_path, monkeypatch):
    reference(tmp_path, n=12).test_features()
    calls = []
    real = digits.classify
    monkeypatch.setattr(digits, "classify", lambda x: calls.append(len(x)) or real(x))
    reference(tmp_path, n=8).test_features()  # a file of 12 rows does not fit 8 images: recomputed
    assert calls == [8]


def test_an_unwritable_cache_still_gives_the_features(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    ref = DigitReference(*(np.zeros((3, 28, 28), np.uint8), np.arange(3)) * 2, cache=blocker / "x.npz")
    f, _ = ref.test_features()
    assert f.shape == (3, 128)


def test_the_shipped_reference_names_its_cache_by_weights_and_images(monkeypatch, tmp_path):
    from playground.datasets import mnist

    monkeypatch.setenv("GAN_PLAYGROUND_CACHE", str(tmp_path))
    a = mnist._test_pass_cache(np.zeros((2, 28, 28), np.uint8))
    b = mnist._test_pass_cache(np.ones((2, 28, 28), np.uint8))
    assert a.parent == tmp_path / "digits" and a != b


def test_the_floor_is_computed_once_then_read_from_disk(tmp_path, monkeypatch):
    """The floor (2000 real training digits vs the test set) also waits on disk: a run's first MNIST
    frame does not spend the classifier's pass over those digits again."""
    first = reference(tmp_path, n=40)
    floor = first.floor(n=20)
    assert floor > 0 and len(list((tmp_path / "digits").glob("floor-*.json"))) == 1

    def no_classifier(*a, **k):
        raise AssertionError("the cached floor was computed again")

    monkeypatch.setattr(digits, "classify", no_classifier)
    assert reference(tmp_path, n=40).floor(n=20) == floor  # bit for bit


def test_a_floor_of_other_digits_or_classes_is_not_reused(tmp_path, monkeypatch):
    ref = reference(tmp_path, n=40)
    all_ten, sevens = ref.floor(n=20), ref.floor([3, 7], n=8)
    assert all_ten != sevens and len(list((tmp_path / "digits").glob("floor-*.json"))) == 2
    rng = np.random.default_rng(1)
    other = DigitReference(ref.test_images, ref.test_labels, rng.integers(0, 256, (40, 28, 28), dtype=np.uint8),
                           ref.train_labels, cache=ref.cache)  # same test pass, other training digits
    calls = []
    real = digits.classify
    monkeypatch.setattr(digits, "classify", lambda x: calls.append(len(x)) or real(x))
    assert other.floor(n=20) != all_ten and calls == [20]
