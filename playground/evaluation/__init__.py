"""MNIST evaluation: a small CNN classifier (weights committed in `mnist_cnn.pt`) and what it says of
generated digits: class histogram, modes covered, class KL, mean confidence and a Fréchet distance in
its feature space, against a `DigitReference` of real digits (see `digits.py`)."""
from .classifier import DigitCNN, accuracy, classify, load_classifier, weights_info
from .digits import DigitReference, evaluate_digits, feature_stats, frechet_distance

__all__ = ["DigitCNN", "accuracy", "classify", "load_classifier", "weights_info", "DigitReference",
           "evaluate_digits", "feature_stats", "frechet_distance"]
