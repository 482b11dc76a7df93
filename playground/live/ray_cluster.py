"""Connecting to Ray: a local Ray started for this process, or a running cluster.

Ray is imported only inside `start_ray`: nothing else in the project loads it, so the app and the CLI
run without it unless a sweep or `GANPG_RAY_ADDRESS` asks for it.

    ray, started = start_ray()                    # a local Ray, one CPU per core, on 127.0.0.1
    ray, started = start_ray("ray://head:10001")  # a cluster (the package travels with the job)
"""
from __future__ import annotations

import os
import socket
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def cores() -> int:
    """The CPU cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def ray_environment(address: str | None) -> dict[str, str]:
    """What Ray reads from the environment when it is imported: no usage stats; for a Ray on this machine,
    every server and the driver on 127.0.0.1 (by default Ray listens on all interfaces); for the local Ray
    started here, Ray's default token authentication without its warning."""
    env = {"RAY_USAGE_STATS_ENABLED": "0"}
    if address is None or address.removeprefix("ray://").rpartition(":")[0] in LOOPBACK:
        env["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    if address is None:
        env["RAY_AUTH_MODE"] = "token"
    return env


def unreachable(address: str, timeout: float = 5.0) -> str | None:
    """Why nothing answers at HOST:PORT, or None (Ray itself would wait for it for minutes)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not port.isdigit():
        return None  # "auto" and other forms Ray resolves itself
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as e:
        return e.strerror or str(e) or type(e).__name__
    return None


def start_ray(address: str | None = None, num_cpus: int | None = None):
    """(ray, started): Ray connected to the cluster at `address`, or a local Ray started with `num_cpus`
    (default: this machine's cores), or the Ray this process already runs (then `started` is False)."""
    for k, v in ray_environment(address).items():
        os.environ.setdefault(k, v)
    import ray  # here only: nothing else in the project loads Ray

    if ray.is_initialized():
        return ray, False
    quiet = dict(log_to_driver=False, configure_logging=False)
    if address:  # the package travels with the job: the cluster's nodes need not have the project
        ray.init(address=address, runtime_env={"py_modules": [str(PACKAGE)]}, **quiet)
    else:  # the workers inherit this environment: they import the package from here, whatever the cwd
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, (str(PACKAGE.parent), os.environ.get("PYTHONPATH"))))
        ray.init("local", num_cpus=num_cpus or cores(), include_dashboard=False, _node_ip_address="127.0.0.1",
                 **quiet)  # "local": a new Ray even where `ray start` left one running
    return ray, True
