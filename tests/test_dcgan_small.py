"""The CPU-sized DCGAN (`arch=dcgan_small`): its shapes, a raw critic score, the normalisation rules
for penalties (as for `dcgan`), its recipes, a CI-sized run that learns; and benchmarks/device_check.py
on a machine without CUDA."""
from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from torch import nn

from playground.config import RunConfig
from playground.lipschitz import LIPSCHITZ
from playground.models.mnist import build_dcgan_small_pair, critic_norm
from playground.recipes import recommended, recommended_config
from playground.trainer import Trainer


def small_config(**kw) -> RunConfig:
    base = dict(dataset="mnist", arch="dcgan_small", noise_dim=100, batch_size=64, device="cpu")
    base.update(kw)
    return RunConfig(**base)


def _shapes(module: nn.Module, x: torch.Tensor) -> list[tuple[str, tuple[int, ...]]]:
    """(layer type, output shape) of every direct child, in order."""
    out = []
    for m in module:
        x = m(x)
        out.append((type(m).__name__, tuple(x.shape[1:])))
    return out


def test_generator_and_critic_shapes():
    """dense → 7×7 → two stride-2 transposed convolutions → 16×28×28 → 3×3 convolution → 28×28 tanh; two
    stride-2 convolutions → linear."""
    torch.manual_seed(0)
    G, D = build_dcgan_small_pair(small_config(), None)
    g = _shapes(G.eval(), torch.randn(3, 100))
    convs = [s for name, s in g if name == "ConvTranspose2d"]
    assert g[0][0] == "Linear" and [s[1:] for s in convs] == [(14, 14), (28, 28)]
    assert g[2][1][1:] == (7, 7) and g[-1] == ("Tanh", (1, 28, 28))
    d = _shapes(D.eval(), torch.randn(3, 1, 28, 28))
    assert [s[1:] for name, s in d if name == "Conv2d"] == [(14, 14), (7, 7)]
    assert d[-1] == ("Linear", (1,))
    assert g[-2] == ("Conv2d", (1, 28, 28)) and G[-2].kernel_size == (3, 3) and G[-2].stride == (1, 1)
    strides = [m.stride for m in list(G)[:-2] + list(D) if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    assert strides == [(2, 2)] * 4


def test_critic_returns_a_raw_score():
    """The critic's output is its last linear layer's output itself (no sigmoid): with that layer's
    weights scaled by 1024 the scores scale by 1024 (up to the bias) and leave [0, 1]. A power of two
    scales every product and partial sum exactly, so float32's round-off does not enter."""
    torch.manual_seed(0)
    _, D = build_dcgan_small_pair(small_config(lipschitz="gp"), None)
    D.eval()
    x = torch.rand(16, 1, 28, 28) * 2 - 1
    head = D[-1]
    assert isinstance(head, nn.Linear)
    with torch.no_grad():
        feats = D[:-1](x)
        torch.testing.assert_close(D(x), feats @ head.weight.T + head.bias)
        head.bias.zero_()
        before = D(x).clone()
        head.weight.mul_(1024.0)
        after = D(x)
    torch.testing.assert_close(after, 1024.0 * before, rtol=1e-5, atol=1e-6)
    assert float(after.min()) < 0.0 or float(after.max()) > 1.0


def _norms(module: nn.Module) -> set[type]:
    return {type(m) for m in module.modules() if isinstance(m, (nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm))}


@pytest.mark.parametrize("lip", list(LIPSCHITZ))
def test_normalisation_follows_the_lipschitz_method(lip):
    """As for `dcgan`: batch norm in the generator always; in the critic layer norm for methods that
    penalise each sample's input gradient (gp, lp, r1), batch norm otherwise. (That each layer-norm
    score depends on its own sample only: tests/test_mnist.py, for both DCGANs.)"""
    cfg = small_config(lipschitz=lip)
    G, D = build_dcgan_small_pair(cfg, None)
    assert _norms(G) == {nn.BatchNorm2d}
    expected = "layer" if LIPSCHITZ[lip].penalises_input_gradients else "batch"
    assert critic_norm(cfg) == expected
    assert _norms(D) == ({nn.GroupNorm} if expected == "layer" else {nn.BatchNorm2d})
    if expected == "layer":  # one group: each sample normalised over its own C×H×W
        assert all(m.num_groups == 1 for m in D.modules() if isinstance(m, nn.GroupNorm))


def test_recipes_have_a_layer_for_the_architecture():
    """dcgan_small gets its own rates when the caller names it; the seed networks keep the paper's."""
    clip = recommended_config("mnist", "wgan", "clip", arch="dcgan_small")
    assert (clip.arch, clip.d_optim, clip.g_optim) == ("dcgan_small", "rmsprop", "rmsprop")
    assert (clip.d_lr, clip.g_lr) == (1e-3, 1e-3)
    assert (clip.clip, clip.n_critic, clip.g_ema) == (0.01, 5, 0.999)  # the rest as for every image network
    ns = recommended_config("mnist", "ns", "none", arch="dcgan_small")
    assert (ns.g_optim, ns.g_lr, ns.d_lr, ns.g_beta1, ns.n_critic, ns.batch_size) == ("adam", 2e-3, 4e-3, 0.5, 1, 32)
    assert (ns.g_beta2, ns.d_beta2) == (0.99, 0.99)
    assert clip.batch_size == 64  # the seed experiment keeps the seed's batch
    for arch in ("mlp", "dcgan"):
        seed = recommended_config("mnist", "wgan", "clip", arch=arch)
        assert (seed.arch, seed.d_lr, seed.g_lr) == (arch, 5e-5, 5e-5)
        assert recommended_config("mnist", "ns", "none", arch=arch).g_lr == 5e-4
    assert recommended("mnist", "wgan", "clip")["d_lr"] == 5e-5  # no architecture named: the image recipe
    # the method's layer still wins over the architecture's loss layer (R1's own rate)
    assert recommended_config("mnist", "ns", "r1", arch="dcgan_small").g_lr == 2e-4
    assert recommended("ring8", "ns", "none", arch="dcgan_small")["g_lr"] == 2e-4  # a toy kind: no such layer


def test_dcgan_small_learns_in_a_ci_sized_run():
    """150 generator steps of the non-saturating recipe on the digit 1 (one thread): the Fréchet
    distance to the test-set ones falls by more than half and the classifier grows sure of them
    (measured with the present recipe and networks: Fréchet 452 → 22.5 at step 150, 11.8 at step 300;
    confidence 0.10 → 0.98; the jump comes between steps 75 and 125, so 150 leaves room). The time is
    printed, not asserted (speed is benchmarks/mnist_quality.py's to measure)."""
    cfg = recommended_config("mnist", "ns", "none", arch="dcgan_small", digits="1", seed=0, device="cpu")
    t = Trainer(cfg, n_eval=1000)
    before = t.evaluate()
    t0 = time.perf_counter()
    t.run(150)
    seconds = time.perf_counter() - t0
    after = t.evaluate()
    print(f"\nFréchet {before['fid']:.1f} → {after['fid']:.1f}, confidence {before['mean_confidence']:.2f} → "
          f"{after['mean_confidence']:.2f}, {seconds:.1f} s")
    assert after["fid"] < 0.5 * before["fid"], (before["fid"], after["fid"])
    assert after["mean_confidence"] > before["mean_confidence"] + 0.3
    assert after["modes_covered"] == 1 and after["off_subset_fraction"] < 0.5
    assert np.isfinite([h["d_loss"] for h in t.history if "d_loss" in h]).all()


def test_device_check_without_cuda_says_so_and_exits_0(run_python):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: device_check.py would run its checks")
    rc, out, err = run_python("benchmarks/device_check.py", timeout=60)
    assert rc == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("No CUDA GPU here") and lines[0].endswith(".")


def test_networks_are_built_nhwc_and_the_layout_changes_no_output():
    """Both networks come channels-last (oneDNN's layout, faster on a CPU: `benchmarks/mnist_quality.py
    --layouts`); the same weights in PyTorch's default layout give the same samples and scores, up to
    float rounding, and the same gradients."""
    torch.manual_seed(0)
    G, D = build_dcgan_small_pair(small_config(), None)
    convs = [m for m in list(G) + list(D) if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    assert all(m.weight.is_contiguous(memory_format=torch.channels_last) for m in convs)
    assert not all(m.weight.is_contiguous() for m in convs)
    G.eval(), D.eval()
    z = torch.randn(8, 100)
    nhwc = D(G(z))
    g_nhwc = torch.autograd.grad(nhwc.sum(), G[0].weight)[0]
    G.to(memory_format=torch.contiguous_format), D.to(memory_format=torch.contiguous_format)
    assert all(m.weight.is_contiguous() for m in convs)
    nchw = D(G(z))
    g_nchw = torch.autograd.grad(nchw.sum(), G[0].weight)[0]
    torch.testing.assert_close(nhwc, nchw, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(g_nhwc, g_nchw, rtol=1e-3, atol=1e-6)


def test_no_bias_where_batch_norm_cancels_it():
    """A bias right before the generator's batch norms would be cancelled by them: its true gradient is 0,
    so nothing but round-off would move it (and Adam makes round-off a drift; see the builder)."""
    G, _ = build_dcgan_small_pair(small_config(), None)
    layers = list(G)
    before_bn = [a for a, b in zip(layers, layers[1:]) if isinstance(b, nn.BatchNorm2d)]
    assert len(before_bn) == 2 and all(m.bias is None for m in before_bn)
    torch.manual_seed(0)
    G = G.double().train()  # float64: the norm's mean subtraction then cancels the constant to ~1e-12
    z = torch.randn(16, 100, dtype=torch.float64)
    with torch.no_grad():  # what a bias there would do: a per-channel constant, removed by the norm
        base = G(z)
        shifted = G[4:](G[:4](z) + torch.randn(1, 32, 1, 1, dtype=torch.float64))
    torch.testing.assert_close(shifted, base, rtol=1e-9, atol=1e-9)
