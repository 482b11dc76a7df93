"""A worker process's entry point, run as a script in the child: pool.py starts the child with
`runpy.run_module("playground.live.worker_main", run_name="__main__", init_globals=...)`, so the server
starts it without importing torch and the engine itself (a child forked from the forkserver has them
already; only without a forkserver, e.g. on Windows, does a spawned child import them here)."""
import os

from .worker import process_main

if __name__ == "__main__":
    # the server's environment when this worker was asked for: a child forked from the forkserver
    # would otherwise keep the forkserver's, from whenever that started
    os.environ.clear()
    os.environ.update(ENVIRON)  # noqa: F821  (globals given by pool.py)
    process_main(COMMANDS, OUT)  # noqa: F821
