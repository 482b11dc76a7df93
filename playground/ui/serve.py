"""`python -m playground.ui.serve [streamlit flags]`: `streamlit run app.py` with the heavy imports done
before the first visitor instead of during their first page load (what `./dev.sh app` runs). Importing
the module starts nothing (no forkserver, no server); it only imports.

Plain `streamlit run app.py` imports torch and the engine when the first session runs the app
(seconds of CPU: benchmarks/results/first_frame.md), and only then can that page start its run. Here the server imports them while it
starts, and the forkserver (pool.py) imports the workers' copy at the same time on another core.
"""
import sys
import time
from pathlib import Path

_t0 = time.monotonic()
from playground.live.pool import POOL  # noqa: E402

if __name__ == "__main__":
    POOL.warm()  # first: the forkserver's imports (its own process) overlap the server's below

import playground.ui.training_page  # noqa: E402,F401  (torch, the engine, the plots: what every page needs)
from streamlit.web import cli  # noqa: E402

APP = Path(__file__).resolve().parents[2] / "app.py"


def main() -> int:
    print(f"GAN Playground: PyTorch and the engine loaded in {time.monotonic() - _t0:.1f} s", flush=True)
    return cli.main(["run", str(APP), *sys.argv[1:]], prog_name="streamlit")


if __name__ == "__main__":
    sys.exit(main())
