"""A spawned worker process's entry point, run as a script in the child: pool.py starts the child with
`runpy.run_module("playground.worker_main", run_name="__main__", init_globals=...)`, so the server
spawns it without importing torch and the engine itself (the child imports them, here)."""
from .worker import process_main

if __name__ == "__main__":
    process_main(COMMANDS, OUT, PARENT_PID)  # noqa: F821  (globals given by pool.py)
