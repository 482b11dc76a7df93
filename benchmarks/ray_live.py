"""What a live run costs on the Ray backend (GANPG_RAY_ADDRESS) against a local worker process, on this
machine: start-up, speed and memory.

    .venv/bin/python benchmarks/ray_live.py            # the default toy run (ring8, NS), 10 s of Play each

1. the local Ray's start-up (ray.init, as a server with GANPG_RAY_ADDRESS=local does once);
2. for each backend, one after the other: Runner(...) to its step-0 snapshot (a cold worker: a new
   actor, or a new spawned process without the pool's spare), then Play for --seconds and the steps
   per second over that window, both with one torch thread;
3. the worker's memory after that (RSS, and PSS: torch's libraries shared between processes counted once).
The machine may be shared: the load average is printed with the figures.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sweep_speedup import descendants, rss_mb  # noqa: E402

from playground.config import RunConfig  # noqa: E402
from playground.live.ray_cluster import start_ray  # noqa: E402
from playground.live.runner import Options, Runner  # noqa: E402


def measure(mode: str, config: RunConfig, seconds: float) -> dict:
    t0 = time.perf_counter()
    r = Runner(config, Options(mode=mode, threads=1))
    assert r.wait_idle(120), r.status()
    first = time.perf_counter() - t0
    r.play()
    time.sleep(1.0)  # past the first chunks (their sizes adapt)
    s0, t0 = r.status().step, time.perf_counter()
    time.sleep(seconds)
    s1, t1 = r.status().step, time.perf_counter()
    r.pause()
    r.wait_idle(30)
    pid = r._proc.node["pid"] if mode == "ray" else r._proc.pid
    out = {"first": first, "rate": (s1 - s0) / (t1 - t0), "rss": rss_mb(pid), "pss": rss_mb(pid, "Pss:"),
           "where": r.status().where or "this process's child"}
    r.stop()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="seconds of Play measured per backend")
    ap.add_argument("--dataset", default="ring8")
    args = ap.parse_args(argv)
    config = RunConfig(dataset=args.dataset)
    print(f"{args.dataset}, default networks, {args.seconds:.0f} s of Play per backend; "
          f"load average before: {os.getloadavg()[0]:.1f}")
    t0 = time.perf_counter()
    ray, _ = start_ray(num_cpus=2)
    print(f"local Ray start-up (ray.init): {time.perf_counter() - t0:.1f} s")
    own = [p for p in descendants(os.getpid())]
    for mode in ("ray", "process"):
        m = measure(mode, config, args.seconds)
        print(f"{mode:8s} first snapshot {m['first']:4.1f} s · {m['rate']:6.1f} steps/s · worker RSS {m['rss']:.0f} MB, "
              f"PSS {m['pss']:.0f} MB · {m['where']}")
    ray_rss = sum(rss_mb(p) for p in own if Path(f"/proc/{p}").exists())
    print(f"Ray's own processes (GCS, raylet, agents, idle workers): {ray_rss:.0f} MB RSS together")
    ray.shutdown()
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
