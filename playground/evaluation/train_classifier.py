"""Train the MNIST evaluation classifier and write its weights.

    python -m playground.evaluation.train_classifier            # writes playground/evaluation/mnist_cnn.pt
    python -m playground train-classifier --epochs 6 --threads 1 --out /tmp/cnn.pt

Trains `DigitCNN` on the 60 000 training digits (scaled to [−1, 1]) with cross-entropy, Adam and a
one-cycle learning-rate schedule. Each batch is randomly distorted (rotation ±10°, scale 0.9–1.1,
shift ±2 px) so the classifier also reads the slightly odd digits a generator draws.

A plain classifier is sure of itself on anything: an untrained generator's grey noise came out as
"8" with confidence 1.00. So each batch also carries half as many non-digits (uniform noise, flat
grey levels with a little noise, smooth blobs, real digits with their pixels shuffled) whose target
is the uniform distribution over the ten classes ("outlier exposure", Hendrycks et al. 2019):

    L = CE(logits(x), y)  +  λ · E_outliers [ −(1/10) Σ_c log softmax(logits(o))_c ],   λ = 0.5

so that mean confidence and the class histogram mean something before the digits look like digits. The test split
is used once, at the end, to report accuracy (no model selection on it). Everything random comes
from one seeded torch.Generator: the same seed and thread count give the same weights on CPU
(a different thread count may change the last bits of the sums, hence of the weights).
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F

from ..datasets.mnist import load_mnist
from .classifier import WEIGHTS, DigitCNN, accuracy


def distort(x: torch.Tensor, gen: torch.Generator, max_deg: float = 10.0, scale: float = 0.1,
            shift_px: float = 2.0) -> torch.Tensor:
    """Random affine warp of a batch (n, 1, 28, 28) in [−1, 1]; the border fills with −1 (black)."""
    n = x.shape[0]
    u = torch.rand(n, 4, generator=gen) * 2 - 1
    angle = u[:, 0] * math.radians(max_deg)
    s = 1.0 + scale * u[:, 1]
    cos, sin = torch.cos(angle) / s, torch.sin(angle) / s
    t = u[:, 2:] * (shift_px / 14.0)  # grid coordinates span [−1, 1] over 28 px
    theta = torch.stack([torch.stack([cos, -sin, t[:, 0]], 1), torch.stack([sin, cos, t[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x + 1.0, grid, align_corners=False, padding_mode="zeros") - 1.0


def outliers(n: int, digits: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """n non-digit images in [−1, 1]: a quarter each of uniform noise, flat grey + noise, smooth
    random blobs, and the given real digits with their pixels shuffled."""
    k = [n // 4, n // 4, n // 4, n - 3 * (n // 4)]
    noise = torch.rand(k[0], 1, 28, 28, generator=gen) * 2 - 1
    level = torch.rand(k[1], 1, 1, 1, generator=gen) * 2 - 1
    grey = (level + 0.3 * torch.rand(k[1], 1, 1, 1, generator=gen) * torch.randn(k[1], 1, 28, 28, generator=gen))
    low = torch.randn(k[2], 1, 7, 7, generator=gen) * (0.5 + 2 * torch.rand(k[2], 1, 1, 1, generator=gen))
    blobs = torch.tanh(F.interpolate(low, size=(28, 28), mode="bilinear", align_corners=False))
    src = digits[:k[3]].reshape(k[3], -1)
    perm = torch.argsort(torch.rand(src.shape, generator=gen), dim=1)
    shuffled = torch.gather(src, 1, perm).reshape(k[3], 1, 28, 28)
    return torch.cat([noise, grey.clamp(-1, 1), blobs, shuffled])


def train(epochs: int = 6, batch_size: int = 128, lr: float = 3e-3, seed: int = 0, augment: bool = True,
          outlier_weight: float = 0.5, log=print) -> tuple[DigitCNN, dict]:
    """Train from scratch; return the model (eval mode) and metadata including the test accuracy."""
    data = load_mnist()
    x = torch.from_numpy(data["train_images"]).float().div_(127.5).sub_(1.0).unsqueeze(1)
    y = torch.from_numpy(data["train_labels"]).long()
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # weight initialisation and dropout
    model = DigitCNN()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps_per_epoch = math.ceil(len(x) / batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps_per_epoch)
    t0 = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        total, correct, loss_sum = 0, 0, 0.0
        for i in range(0, len(x), batch_size):
            idx = perm[i:i + batch_size]
            xb, yb = x[idx], y[idx]
            if augment:
                xb = distort(xb, gen)
            n_out = len(xb) // 2 if outlier_weight > 0 else 0
            logits_all = model(torch.cat([xb, outliers(n_out, xb, gen)]) if n_out else xb)
            logits = logits_all[:len(xb)]
            loss = F.cross_entropy(logits, yb)
            if n_out:
                loss = loss - outlier_weight * F.log_softmax(logits_all[len(xb):], dim=1).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += len(idx)
            loss_sum += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
        log(f"epoch {epoch + 1}/{epochs}  loss {loss_sum / total:.4f}  train acc {correct / total:.4f}  "
            f"({time.perf_counter() - t0:.0f} s)")
    model.eval()
    test_acc = accuracy(data["test_images"].astype("float32") / 127.5 - 1.0, data["test_labels"], model)
    meta = {"seed": seed, "epochs": epochs, "batch_size": batch_size, "lr": lr, "augment": augment, "outlier_weight": outlier_weight,
            "test_accuracy": test_acc, "torch_threads": torch.get_num_threads(),
            "train_seconds": round(time.perf_counter() - t0, 1), "torch": str(torch.__version__)}
    log(f"test accuracy {test_acc:.4f}")
    return model, meta


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m playground.evaluation.train_classifier",
                                description="Train the MNIST evaluation classifier.")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch-size", type=int, default=128, dest="batch_size")
    p.add_argument("--lr", type=float, default=3e-3, help="peak learning rate of the one-cycle schedule")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1: reproducible)")
    p.add_argument("--no-augment", action="store_true", dest="no_augment")
    p.add_argument("--outlier-weight", type=float, default=0.5, dest="outlier_weight",
                   help="weight λ of the uniform-target loss on non-digits (0: off)")
    p.add_argument("--out", default=str(WEIGHTS), help=f"where to write the weights (default {WEIGHTS})")
    args = p.parse_args(list(argv) if argv is not None else None)
    if args.epochs < 1 or args.batch_size < 1 or not args.lr > 0 or args.threads < 1:
        print("error: --epochs, --batch-size, --lr and --threads must be positive.", file=sys.stderr)
        return 2
    torch.set_num_threads(args.threads)
    model, meta = train(args.epochs, args.batch_size, args.lr, args.seed, not args.no_augment,
                        args.outlier_weight, log=lambda s: print(s, flush=True))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": model.state_dict(), "meta": meta}, out)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
