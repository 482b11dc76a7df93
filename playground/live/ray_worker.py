"""Live runs on a Ray cluster: with `GANPG_RAY_ADDRESS` set, each runner's Worker is a Ray actor.

    GANPG_RAY_ADDRESS=auto streamlit run app.py        # the cluster `ray start --head` runs here
    GANPG_RAY_ADDRESS=ray://head:10001 streamlit run app.py
    GANPG_RAY_ADDRESS=local streamlit run app.py       # a Ray started by the server, one CPU per core

The actor (`WorkerActor`, one CPU, or one GPU when the config asks for CUDA) runs the same Worker as a
local process, in a thread, between the same two queues; the runner talks to it through three small
adapters with the shapes it already uses (`ActorProcess` for the process, `ActorCommands.put`,
`ActorMessages.get`), so play, pause, snapshots, the heartbeat, replay and fault reporting are the
runner's own code whichever backend trains.

Commands are numbered: the actor is threaded (a long `take` must not hold up a `put`), and Ray does not
keep a threaded actor's calls in order, so `put` restores the order. A call that finds the actor gone
(killed, its node lost) marks the process dead; the runner then reports it as it reports a killed
process, and Reset starts a new actor.

Without the variable nothing here runs and Ray is never imported (ray_cluster.start_ray imports it).
"""
from __future__ import annotations

import os
import queue
import socket
import threading
from typing import Any

from ..config import REMOTE_DEVICES
from .ray_cluster import start_ray
from .worker import Command, Options, Worker

ADDRESS_VAR = "GANPG_RAY_ADDRESS"
TAKE_SECONDS = 0.2  # how long one `take` waits for the worker's next message


def address() -> str | None:
    """The cluster the live runs go to ("local": a Ray this server starts), or None: local processes."""
    return os.environ.get(ADDRESS_VAR, "").strip() or None


def connect():
    """Ray, connected to `GANPG_RAY_ADDRESS` (once per server process)."""
    where = address()
    ray, _ = start_ray(None if where in (None, "local") else where)
    return ray


_cluster: dict | None = None


def cluster() -> dict:
    """Connect (once) and describe the cluster: {"address", "cpus", "gpus"}. A cluster with GPUs makes
    "cuda" a device the configs may ask for (config.REMOTE_DEVICES); its runs get one GPU each."""
    global _cluster
    if _cluster is None:
        ray = connect()
        res = ray.cluster_resources()
        _cluster = {"address": address(), "cpus": int(res.get("CPU", 0)), "gpus": int(res.get("GPU", 0))}
        if _cluster["gpus"]:
            REMOTE_DEVICES.add("cuda")
    return _cluster


def describe() -> str:
    """The cluster in a few words, for the sidebar: "Ray cluster auto · 64 CPUs · 4 GPUs"."""
    c = cluster()
    gpus = f" · {c['gpus']} GPUs" if c["gpus"] else ""
    return f"Ray cluster {c['address']} · {c['cpus']} CPUs{gpus}"


class WorkerActor:
    """The Ray actor: one Worker in a thread, its queues, and the calls the runner makes on it."""

    def __init__(self) -> None:
        import torch._dynamo  # noqa: F401  (as process_main: before the first optimiser, not during it)

        self.commands: queue.Queue = queue.Queue()
        self.out: queue.Queue = queue.Queue()
        self.worker = Worker(Options(), self.commands, self.out)
        self.thread = threading.Thread(target=self.worker.run, name="gan-runner", daemon=True)
        self.thread.start()
        self._lock = threading.Lock()
        self._next, self._held = 0, {}

    def where(self) -> dict:
        """The node it trains on."""
        return {"host": socket.gethostname(), "pid": os.getpid(), "ip": _node_ip()}

    def put(self, seq: int, cmd: Command) -> None:
        """Queue command number `seq` for the worker, after every lower number."""
        with self._lock:
            self._held[seq] = cmd
            while self._next in self._held:
                self.commands.put(self._held.pop(self._next))
                self._next += 1

    def take(self, timeout: float) -> list:
        """The worker's messages: waits up to `timeout` for the first, then takes what else is queued."""
        try:
            msgs = [self.out.get(timeout=timeout)]
        except queue.Empty:
            return []
        while True:
            try:
                msgs.append(self.out.get_nowait())
            except queue.Empty:
                return msgs

    def finished(self, timeout: float) -> bool:
        """Wait up to `timeout` for the worker to end (after Stop)."""
        self.thread.join(timeout)
        return not self.thread.is_alive()


def _node_ip() -> str:
    try:
        import ray
        return ray.util.get_node_ip_address()
    except Exception:  # not under Ray (the class used directly)
        return "127.0.0.1"


_actor_classes: dict[int, Any] = {}


def new_worker(config, options: Options) -> tuple["ActorProcess", "ActorCommands", "ActorMessages"]:
    """A new actor for `config` with its adapters. One CPU; one GPU when the config asks for CUDA (and
    the config's validation found GPUs on the cluster, ray_cluster.remote_devices)."""
    ray = connect()
    gpus = 1 if getattr(config, "device", "auto") == "cuda" else 0
    if gpus not in _actor_classes:  # declared once per shape: each declaration is exported to the cluster
        _actor_classes[gpus] = ray.remote(num_cpus=1, num_gpus=gpus, max_concurrency=4, max_restarts=0)(WorkerActor)
    actor = _actor_classes[gpus].remote()
    proc = ActorProcess(ray, actor)
    return proc, ActorCommands(proc), ActorMessages(proc)


class ActorProcess:
    """What the runner asks of its worker's process, for an actor: alive?, how it ended, join, terminate."""

    def __init__(self, ray, actor) -> None:
        self.ray, self.actor = ray, actor
        self.exitcode = None
        self.how: str | None = None          # why it ended, once it did
        self.node: dict | None = None        # where it trains, once the actor has started
        self._alive = True

    def is_alive(self) -> bool:
        return self._alive

    @property
    def where(self) -> str:
        """Where it trains, for the status line: "Ray node 10.0.0.5 (gpu-3)", or the cluster until placed."""
        return f"Ray node {self.node['ip']} ({self.node['host']})" if self.node else "Ray cluster"

    @property
    def starting(self) -> str:
        """What a run that is still starting is waiting for."""
        return (f"Starting the training worker on {self.where} (it loads PyTorch and builds the networks)."
                if self.node else "Waiting for the Ray cluster to place the training worker (it needs a free CPU).")

    def lost(self, error: BaseException) -> None:
        """A call found the actor gone."""
        if self._alive:
            self._alive = False
            cause = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            self.how = f"the Ray actor was lost: {cause[:200]}"

    def join(self, timeout: float | None = None) -> None:
        """Wait up to `timeout` for the worker to end after Stop, then end the actor."""
        if self._alive:
            try:
                t = 5.0 if timeout is None else timeout
                self.ray.get(self.actor.finished.remote(t), timeout=t + 2)
            except Exception:  # gone already, or stuck: killed below either way
                pass
        self.terminate()

    def terminate(self) -> None:
        if self._alive:
            self._alive = False
            self.how = "ended"
            try:
                self.ray.kill(self.actor, no_restart=True)
            except Exception:
                pass


class ActorCommands:
    """`put(cmd)`: send a command, numbered (the actor restores their order)."""

    def __init__(self, proc: ActorProcess) -> None:
        self.proc, self._seq, self._lock = proc, 0, threading.Lock()

    def put(self, cmd: Command) -> None:
        with self._lock:
            seq, self._seq = self._seq, self._seq + 1
        # fire and forget: a lost actor shows in the next `take`
        self.proc.actor.put.remote(seq, cmd)


class ActorMessages:
    """`get(timeout)`: the worker's next message, as a queue's get (queue.Empty when none came). The
    first calls also learn where the actor trains."""

    def __init__(self, proc: ActorProcess) -> None:
        self.proc = proc
        self._buffer: list = []
        self._where = None

    def get(self, timeout: float = TAKE_SECONDS):
        if self._buffer:
            return self._buffer.pop(0)
        ray, proc = self.proc.ray, self.proc
        if not proc.is_alive():
            raise EOFError(proc.how or "the actor has ended")
        try:
            if proc.node is None:
                self._where = self._where or proc.actor.where.remote()
                proc.node = ray.get(self._where, timeout=timeout)  # GetTimeoutError: still being placed
            self._buffer = ray.get(proc.actor.take.remote(timeout), timeout=timeout + 30)
        except ray.exceptions.GetTimeoutError:
            raise queue.Empty from None
        except ray.exceptions.RayError as e:  # the actor died, was killed, or its node went away
            proc.lost(e)
            raise EOFError(proc.how) from None
        if not self._buffer:
            raise queue.Empty
        return self._buffer.pop(0)
