"""GPU check: throughput on the GPU beside the CPU, the presets' promises on the GPU, and whether two
same-seed GPU runs agree.

    python benchmarks/device_check.py --cpu-seconds 4 --gpu-seconds 12   # ~10 minutes on an H200
    python benchmarks/device_check.py --cpu-seconds 4 --gpu-seconds 12 --skip-promises   # ~4 minutes
    python benchmarks/device_check.py --cpu-seconds 2 --gpu-seconds 4 --skip-promises --captures graph

The timings above are from before the captured columns (--captures, default graph,compile: each adds
a GPU run per case in part 1, and part 3b three short runs per loss × Lipschitz method); not yet run
with them.

Measured on an H200 (benchmarks/results/device_check_h200.md): part 1 took ~3.5 minutes, part 2 ~5.5
(the WGAN presets' tiny MLPs train slower on the GPU than on 2 CPU threads: 271 s for wgan-gp), part 3
under a minute.

1. Throughput: every toy preset (playground/presets.py) and the MNIST recipes (MLP + NS, dcgan_small
   with WGAN + clipping on "only 3" and with its best recipe, the seed-size dcgan with WGAN-GP) train
   for a fixed budget on the CPU (--cpu-threads torch threads, 2 as on the project's machines) and on
   the GPU, eagerly and with each captured step of --captures (RunConfig.capture, playground/capture.py:
   "graph" a CUDA graph, "compile" torch.compile reduce-overhead); generator steps/s side by side, the
   best captured rate against the CPU, what `device = auto` picks (device.choose_device's own short
   timing), and a note where a captured run fell back to eager (why). The MNIST runs are then judged
   (Fréchet distance, classes, confidence) after their GPU budget, and one snapshot (the page's views)
   is taken on the GPU.
2. Promises: every run the presets' promises read (playground/presets.py: each preset's own and its
   reference run, each distinct run once: playground/promises.py `plan`) trains its full step budget on
   the GPU, two processes at a time, by the CLI's headless loop; each preset's own check
   (`Preset.failures`) judges them and names what broke.
3. Same seed, same run: two GPU runs of the same config are compared step for step (critic and
   generator losses in the history, then every parameter). CUDA kernels that reduce with atomics
   (cuDNN convolution backward, index_add) need not be bitwise reproducible; the check passes when the
   runs are bitwise equal, or when every logged loss agrees to within REL_TOL relative (ABS_TOL
   absolute near zero) and every parameter to within PARAM_TOL, and says which. Where they are not
   bitwise equal it runs them once more with `torch.use_deterministic_algorithms(True)` and reports
   whether that makes them so. Then each captured mode against eager on the same GPU (within the
   tolerance) and two captured runs (bitwise), for each loss × Lipschitz method on ring8 (issue 37).

Without CUDA it prints one sentence and exits 0. Exit status 1 when a promise or the agreement check fails.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import time
import traceback
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

# cuBLAS needs this set before its first call to honour use_deterministic_algorithms (part 3)
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

from playground.cli.train import train_promise  # noqa: E402
from playground.device import choose_device  # noqa: E402
from playground.lipschitz import LIPSCHITZ  # noqa: E402
from playground.losses import LOSSES  # noqa: E402
from playground.presets import PRESETS  # noqa: E402
from playground.promises import Run, Spec, plan  # noqa: E402
from playground.recipes import recommended_config  # noqa: E402
from playground.trainer import Trainer, device_label, time_steps  # noqa: E402

REL_TOL, ABS_TOL, PARAM_TOL = 1e-3, 1e-5, 1e-4
GPU = "cuda"  # the device checked (a module constant, so the script's logic can be tried elsewhere)
NO_CUDA = ("No CUDA GPU here (torch.cuda.is_available() is False), so there is nothing to check; run this on "
           "a machine with an NVIDIA GPU.")


def _where(e: BaseException) -> str:
    """The last frames of an exception's traceback, indented, for the log."""
    return "".join("    " + line for line in traceback.format_exception(e)[-4:])


def mnist_recipes() -> dict:
    """The MNIST configurations compared (name -> config), with the settings of recipes.py."""
    return {
        "mnist mlp ns": recommended_config("mnist", "ns", "none", arch="mlp", seed=0),
        "mnist dcgan_small wgan/clip 3": recommended_config("mnist", "wgan", "clip", arch="dcgan_small",
                                                            digits="3", seed=0),
        "mnist dcgan_small ns": recommended_config("mnist", "ns", "none", arch="dcgan_small", seed=0),
        "mnist dcgan wgan/gp": recommended_config("mnist", "wgan", "gp", arch="dcgan", seed=0),
    }


def rate(config, device: str, seconds: float, chunk: int = 10, capture: str = "off") -> tuple[float, Trainer]:
    """Generator steps/s on `device` over about `seconds` of training, after a warm-up (CUDA kernels,
    allocator, oneDNN primitives; with capture, its eager warm-up steps and the captures).
    Trainer.run syncs with the device at the end of a chunk."""
    t = Trainer(config.replace(device=device, capture=capture), n_eval=2000)
    t.run(2 if capture == "off" else 8)
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        t.run(chunk)
        steps += chunk
    return steps / (time.perf_counter() - t0), t


def throughput(args, log) -> bool:
    """Part 1. Returns False if an MNIST run on the GPU gave a non-finite metric."""
    captures = [c for c in args.captures.split(",") if c and c != "off"]
    log(f"\n1. throughput (generator steps/s; CPU: {args.cpu_threads} torch thread(s), "
        f"{args.cpu_seconds:g} s each; GPU: {args.gpu_seconds:g} s each, eager and captured: {', '.join(captures)})")
    log(f"  {'run':34s} {'n_critic':>8s} {'CPU':>9s} {'GPU':>9s} " + "".join(f"{'GPU ' + c:>12s}" for c in captures)
        + f" {'GPU/CPU':>8s} {'best/CPU':>8s}  auto picks")
    configs = {f"preset {n}": p.config for n, p in PRESETS.items()}
    configs.update(mnist_recipes())
    ok, judged = True, []
    for name, config in configs.items():
        chunk = 1 if config.arch == "dcgan" else 10
        seconds = args.gpu_seconds if name.startswith("mnist") else args.gpu_seconds / 2
        try:
            cpu, _ = rate(config, "cpu", args.cpu_seconds, chunk)
            gpu, tr = rate(config, GPU, seconds, 10)
            captured, notes = [], []
            for c in captures:
                r, tc = rate(config, GPU, seconds, 10, capture=c)
                captured.append(r)
                if tc.captured is None or tc.captured.failed:
                    notes.append(f"{c}: {tc.captured.note if tc.captured else tc.capture_note}")
            pick = choose_device(config.replace(device="auto"), time_steps, cache={})
        except Exception as e:  # one broken case must not hide the others' figures
            ok = False
            log(f"  {name:34s} FAILED: {type(e).__name__}: {e}\n{_where(e)}")
            continue
        best = max([gpu] + captured)
        log(f"  {name:34s} {config.n_critic:8d} {cpu:9.1f} {gpu:9.1f} " + "".join(f"{r:12.1f}" for r in captured)
            + f" {gpu / cpu:7.1f}× {best / cpu:7.1f}×  {pick.text}" + "".join(f"\n{'':38s}{n}" for n in notes))
        if name.startswith("mnist"):
            judged.append((name, tr))
    log("  MNIST runs judged after their GPU budget (2000 samples of the fixed noise), and a snapshot on the GPU:")
    for name, tr in judged:
        try:
            m = tr.evaluate()
            snap = tr.snapshot(256)
        except Exception as e:
            ok = False
            log(f"  {name:34s} evaluation FAILED: {type(e).__name__}: {e}\n{_where(e)}")
            continue
        fine = all(math.isfinite(m[k]) for k in ("fid", "mean_confidence")) and snap.views["grid"].shape == (224, 224)
        ok &= fine
        log(f"  {name:34s} step {tr.step_count:6d}  Fréchet {m['fid']:7.1f}  classes "
            f"{m['modes_covered']:.0f}/{m['n_modes']:.0f}  off-subset {m['off_subset_fraction']:.3f}  "
            f"confidence {m['mean_confidence']:.3f}  snapshot {'ok' if fine else 'BAD'}")
    return ok


def train_spec(spec: Spec) -> tuple[Spec, Run, float]:
    """One promise run in a worker process (cli.train.train_promise); (spec, run, seconds)."""
    run, seconds, _ = train_promise(spec)
    return spec, run, seconds


def on_gpu(spec: Spec) -> Spec:
    return dataclasses.replace(spec, config=spec.config.replace(device=GPU))


def promises(log) -> bool:
    """Part 2: every run the presets' promises read, trained on the GPU (each distinct run once, two
    spawned processes, the longest first), judged by each preset's own check."""
    log("\n2. the presets' promises on the GPU (checks: Preset.failures, playground/presets.py)")
    trained = plan(on_gpu(s) for p in PRESETS.values() for s in p.specs())
    cost = lambda s: s.steps * (s.config.n_critic + 1) * s.config.batch_size  # noqa: E731  updates × batch
    jobs = sorted(dict.fromkeys(trained.values()), key=cost, reverse=True)
    runs, t0 = {}, time.perf_counter()
    try:
        with get_context("spawn").Pool(2) as pool:
            for spec, run, seconds in pool.imap_unordered(train_spec, jobs):
                runs[spec] = run
                m = run.history[-1]
                log(f"  {spec.label}: {spec.steps} steps in {seconds:.1f} s; modes {m.get('modes_covered')}, "
                    f"HQ {m.get('high_quality_fraction', float('nan')):.3f}, W1 {m.get('w1', float('nan')):.3f}")
    except Exception as e:
        log(f"  the preset runs FAILED: {type(e).__name__}: {e}\n{_where(e)}")
        return False
    log(f"  {len(runs)} runs trained in {time.perf_counter() - t0:.0f} s")
    ok = True
    for name, p in PRESETS.items():
        run = runs[trained[on_gpu(p.spec)]]
        reference = runs[trained[on_gpu(p.reference)]] if p.reference else None
        failures = p.failures(run, reference)
        ok &= not failures
        if failures:
            log(f"  {name:22s} BROKEN on the GPU: {p.promise}" + "".join(f"\n{'':26s}{f}" for f in failures))
        else:
            log(f"  {name:22s} keeps its promise: {p.promise}")
    return ok


def _compare(a: Trainer, b: Trainer) -> tuple[bool, float, float]:
    """(bitwise equal, largest relative loss difference, largest parameter difference)."""
    rel = 0.0
    for ra, rb in zip(a.history, b.history):
        for k in ("d_loss", "g_loss"):
            x, y = ra.get(k), rb.get(k)
            if x is None or y is None or (x != x and y != y):
                continue
            rel = max(rel, abs(x - y) / max(abs(x), abs(y), ABS_TOL / REL_TOL))
    pa = [p.detach() for m in (a.G, a.D) for p in m.parameters()]
    pb = [p.detach() for m in (b.G, b.D) for p in m.parameters()]
    dmax = max(float((x - y).abs().max()) for x, y in zip(pa, pb))
    same = len(a.history) == len(b.history) and all(torch.equal(x, y) for x, y in zip(pa, pb)) and rel == 0.0
    return same, rel, dmax


def agreement(log) -> bool:
    """Part 3: same config and seed twice on the GPU."""
    log(f"\n3. same seed, same run on the GPU (tolerance when not bitwise: losses {REL_TOL:g} relative, "
        f"parameters {PARAM_TOL:g})")
    cases = [("preset wgan-gp", PRESETS["wgan-gp"].config, 300),
             ("mnist dcgan_small ns", mnist_recipes()["mnist dcgan_small ns"], 100),
             ("mnist dcgan wgan/gp", mnist_recipes()["mnist dcgan wgan/gp"], 20)]
    ok = True
    for name, config, steps in cases:
        def twice():
            out = []
            for _ in range(2):
                t = Trainer(config.replace(device=GPU), n_eval=256)
                t.run(steps)
                out.append(t)
            return _compare(*out)
        try:
            same, rel, dmax = twice()
        except Exception as e:
            ok = False
            log(f"  {name:30s} FAILED: {type(e).__name__}: {e}\n{_where(e)}")
            continue
        if same:
            verdict = "bitwise equal"
        else:
            close = rel <= REL_TOL and dmax <= PARAM_TOL
            ok &= close
            verdict = (f"not bitwise equal; losses differ by ≤ {rel:.2e} (relative), parameters by ≤ {dmax:.2e}: "
                       f"{'within' if close else 'OUTSIDE'} tolerance")
            torch.use_deterministic_algorithms(True, warn_only=True)
            try:
                det, rel2, dmax2 = twice()
            finally:
                torch.use_deterministic_algorithms(False)
            verdict += (f"; with deterministic algorithms: "
                        f"{'bitwise equal' if det else f'still differ ({rel2:.2e}, {dmax2:.2e})'}")
        log(f"  {name:30s} {steps:4d} steps: {verdict}")
    return ok


def captured_agreement(log, captures: list[str], steps: int = 100) -> bool:
    """Part 3b: each captured mode against eager on the GPU (within REL_TOL / PARAM_TOL: capturable Adam
    and a tensor-weighted average need not round as eager does) and two captured runs (bitwise), for
    each loss × Lipschitz method on ring8 (the recipes' settings)."""
    log(f"\n3b. captured against eager, and two captured runs, on ring8 ({steps} steps)")
    ok = True
    for loss in LOSSES:
        for lip in LIPSCHITZ:
            config = recommended_config("ring8", loss, lip, seed=0, device=GPU)
            for c in captures:
                name = f"{loss} × {lip} {c}"
                try:
                    eager = Trainer(config, n_eval=256)
                    eager.run(steps)
                    runs = []
                    for _ in range(2):
                        t = Trainer(config.replace(capture=c), n_eval=256)
                        t.run(steps)
                        runs.append(t)
                except Exception as e:
                    ok = False
                    log(f"  {name:34s} FAILED: {type(e).__name__}: {e}\n{_where(e)}")
                    continue
                cap = runs[0].captured
                if cap is None or cap.failed or not cap.graphs:
                    log(f"  {name:34s} not captured: {cap.note if cap else runs[0].capture_note}")
                    continue
                _, rel, dmax = _compare(eager, runs[0])
                twice, _, _ = _compare(*runs)
                close = rel <= REL_TOL and dmax <= PARAM_TOL
                ok &= close and twice
                log(f"  {name:34s} vs eager: losses ≤ {rel:.2e}, parameters ≤ {dmax:.2e} "
                    f"({'within' if close else 'OUTSIDE'} tolerance); twice: {'bitwise equal' if twice else 'DIFFER'}")
    return ok


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cpu-seconds", type=float, default=8.0, dest="cpu_seconds")
    p.add_argument("--gpu-seconds", type=float, default=20.0, dest="gpu_seconds",
                   help="training time per MNIST recipe on the GPU (toy presets: half of it)")
    p.add_argument("--cpu-threads", type=int, default=2, dest="cpu_threads")
    p.add_argument("--skip-promises", action="store_true", dest="skip_promises")
    p.add_argument("--captures", default="graph,compile",
                   help="captured modes measured beside eager (RunConfig.capture), comma-separated; '' for none")
    args = p.parse_args(argv)
    if not torch.cuda.is_available():
        print(NO_CUDA)
        return 0
    torch.set_num_threads(args.cpu_threads)

    def log(s):
        print(s, flush=True)

    t0 = time.perf_counter()
    log(f"torch {torch.__version__}, {device_label(torch.device(GPU))}, CPU {os.cpu_count()} cores")
    ok = throughput(args, log)
    if not args.skip_promises:
        ok &= promises(log)
    ok &= agreement(log)
    captures = [c for c in args.captures.split(",") if c and c != "off"]
    if captures:
        ok &= captured_agreement(log, captures[:1])  # the first mode only: 3 runs per loss × method
    log(f"\n{'all checks passed' if ok else 'SOME CHECKS FAILED'} ({time.perf_counter() - t0:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
