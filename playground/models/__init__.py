"""Networks. Each dataset lists the architectures that fit it (`dataset.archs`); a builder is
`(config, dataset) -> (generator, critic)`. The critic always returns a raw score (no sigmoid)."""
from .mlp import MLP, build_mlp_pair, sample_noise

__all__ = ["MLP", "build_mlp_pair", "sample_noise"]
