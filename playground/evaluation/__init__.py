"""MNIST evaluation: a small CNN classifier (weights committed in `mnist_cnn.pt`) and the metrics it
gives for generated digits: class histogram, modes covered, class KL, mean confidence and a Fréchet
distance in its feature space (see `metrics.py`)."""
from .classifier import DigitCNN, accuracy, classify, load_classifier, weights_info
from .metrics import (evaluate_digits, feature_stats, fid_floor, frechet_distance, reference_stats,
                      mnist_test_accuracy, mnist_test_features, training_prior,
                      warm_up)

__all__ = ["DigitCNN", "accuracy", "classify", "load_classifier", "weights_info", "evaluate_digits",
           "feature_stats", "fid_floor", "frechet_distance", "reference_stats", "mnist_test_features",
           "mnist_test_accuracy", "training_prior", "warm_up"]
