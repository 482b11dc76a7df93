"""What a live worker costs in memory: RSS, PSS and private megabytes of each of three workers after
`--seconds` of Play (workers are forked from one forkserver, so most of their pages are shared).

    python benchmarks/worker_memory.py [--dataset ring8|mnist] [--seconds 20]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.config import RunConfig  # noqa: E402
from playground.live.runner import Options, Runner  # noqa: E402


def megabytes(pid: int) -> dict[str, float]:
    kb = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                kb[parts[0].rstrip(":")] = int(parts[1])
    return {"rss": kb["Rss"] / 1024, "pss": kb["Pss"] / 1024,
            "private": (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="ring8")
    ap.add_argument("--seconds", type=float, default=20.0)
    args = ap.parse_args()
    runners = [Runner(RunConfig(dataset=args.dataset), Options(threads=1)) for _ in range(3)]
    try:
        for r in runners:
            assert r.wait_idle(60), r.status()
            r.play()
        time.sleep(args.seconds)
        for r in runners:
            r.pause()
            r.wait_idle(30)
        for r in runners:
            m = megabytes(r._proc.pid)
            print(f"{args.dataset} worker {r._proc.pid}: step {r.status().step}, RSS {m['rss']:.0f} MB, "
                  f"PSS {m['pss']:.0f} MB, private {m['private']:.0f} MB")
    finally:
        for r in runners:
            r.stop()


if __name__ == "__main__":
    main()
