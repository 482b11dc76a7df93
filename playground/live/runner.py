"""The handle a page holds on a live run: play / pause / step / reset, and the latest snapshot.

The training itself happens in a Worker (worker.py), in its own process by default (pool.py: a fork of
a forkserver that imported torch but ran nothing, never a fork of the server, whose torch has thread
pools): in a thread of the Streamlit server it fought the server for the GIL (each fragment rerun
builds Plotly figures in Python) and trained at a fraction of the headless speed.
`Options(mode="thread")` keeps it in-process (tests). With `GANPG_RAY_ADDRESS` set, the worker is a
Ray actor on a cluster instead (ray_worker.py; `Options(mode="ray")` asks for it directly).

    runner = Runner(config, Options())   # idle, with a step-0 snapshot once `wait_idle()` returns
    runner.play(); runner.pause(); runner.step(10); runner.reset(new_config)
    snap, status = runner.snapshot(), runner.status()
    runner.replay.steps(), runner.replay.at(120)   # the recorded frames (Replay), cleared by reset
    runner.stop()                        # ends the worker (Streamlit calls it when the session ends)

The handle records the main view of every snapshot the worker publishes in `replay`, a FrameStore
(replay.py) within `Options.replay_bytes`: here rather than in the worker, the frames cost the worker
nothing (the snapshots cross the queue anyway), scrubbing and the GIF need no round trip to it, and
what a worker showed survives its death.

Without Streamlit's on_release (e.g. a killed tab), the heartbeat pauses a runner unseen for
`Options.heartbeat_timeout` seconds.

Sharing: any number of runs may train at once. Workers run at a lower scheduling priority than the
server (`WORKER_NICE`), so when runs outnumber cores the kernel shares the cores between them and the
pages stay responsive; while there are cores to spare, the server and the training workers keep to
separate cores (placement.py). `Status.sharing` counts the runs training in this server. Each worker costs
about `WORKER_MEMORY`; past `MAX_WORKERS` (what the machine's memory holds) a new one is refused
with a sentence instead of swapping. A spare worker is kept warm (`POOL`, pool.py), so a new run or a
Reset after a dead worker starts at once.
"""
from __future__ import annotations

import queue
import threading
import time
import weakref
from dataclasses import dataclass, field, replace

from ..config import LIVE_FIELDS, RunConfig
from ..snapshot import Snapshot
from . import placement, ray_worker
from .pool import MAX_WORKERS, POOL, WORKER_MEMORY, CapacityError
from .replay import FrameStore
from .worker import (ApplyConfig, Bye, Command, Configure, Done, Idle, Message, Options, Pause, Play, Progress,
                     Published, Reset, RunState, Speed, StateChanged, Step, Stop, Worker)

__all__ = ["MAX_WORKERS", "WORKER_MEMORY", "Options", "RunState", "Runner", "Status", "POOL", "CapacityError"]

_ENDED = (RunState.DIVERGED, RunState.ERROR, RunState.DEAD, RunState.STOPPED)
# A run the page keeps drawing and polling: it changes by itself
POLLING = (RunState.STARTING, RunState.RUNNING)
_RUNNERS: "weakref.WeakSet[Runner]" = weakref.WeakSet()   # every live handle in this server


@dataclass
class Status:
    state: RunState
    step: int
    steps_per_second: float       # recent, while running
    message: str = ""             # why it paused / what blew up
    device: str = "CPU"
    config: RunConfig = field(default_factory=RunConfig)
    sharing: int = 0              # runs training in this server now (this one included while it trains)
    critic_updates: int | None = None  # critic updates so far (None: a comparison, or not known yet)
    where: str = ""               # where it trains when not in this server: "Ray node 10.0.0.5 (gpu-3)"


def sharing() -> int:
    """Runs training in this server now."""
    return sum(1 for r in list(_RUNNERS) if r._state == RunState.RUNNING and not r.stopped)


_place_lock = threading.Lock()


def _place() -> None:
    """After a run starts or stops training: the server and the training workers on their cores
    (placement.py), from the runs training now."""
    with _place_lock:
        running = [r for r in list(_RUNNERS) if r._state == RunState.RUNNING and not r.stopped]
        placement.place([r._proc.pid for r in running if r.opts.mode == "process"],
                        anywhere=any(r.opts.mode == "thread" for r in running))


class Runner:
    def __init__(self, config: RunConfig, options: Options = Options()):
        config.validate()
        self._lock = threading.Lock()
        self._cmd_lock = threading.Lock()
        self._idle = threading.Event()
        self._ended = threading.Event()
        self._last_seen = time.monotonic()
        self._state, self._message = RunState.STARTING, ""
        self._config, self._device = config, "CPU"
        self._step, self._rate = 0, 0.0
        self._critic_updates: int | None = None
        self._snapshot: Snapshot | None = None
        self.replay = FrameStore(options.replay_bytes)   # the frames shown so far, for Replay
        self._sent, self._done = 0, 0
        self._steps_per_frame: int | None = None
        self._want_play = False
        if options.mode == "process" and ray_worker.address():
            options = replace(options, mode="ray")
        if options.mode == "ray" and options.threads is None:
            options = replace(options, threads=1)  # the actor holds one CPU of its node
        if options.mode not in ("process", "thread", "ray"):
            raise ValueError(f"mode must be 'process', 'thread' or 'ray', not {options.mode!r}")
        self.opts = options
        self._spawn(config)
        _RUNNERS.add(self)

    def _spawn(self, config: RunConfig) -> None:
        """Take a worker (the pool's warm spare in process mode), start its receiver thread, and reset
        it to `config`."""
        if self.opts.mode in ("process", "ray"):
            self._proc, self._commands, self._out = (POOL.take() if self.opts.mode == "process" else
                                                     ray_worker.new_worker(config, self.opts))
            with self._cmd_lock:
                self._commands.put(Configure(self.opts))
        else:
            self._commands, self._out = queue.Queue(), queue.Queue()
            self._proc = threading.Thread(target=Worker(self.opts, self._commands, self._out).run,
                                          name="gan-runner", daemon=True)
            self._proc.start()
        with self._lock:
            self._sent = self._done = 0
            self._state = RunState.STARTING
            if self.opts.mode != "thread":
                self._sent = 1  # the Configure above
        self._send(Reset(config))
        self._receiver = threading.Thread(target=self._receive, args=(self._proc, self._out),
                                          name="gan-runner-rx", daemon=True)
        self._receiver.start()

    # ----- controls (any thread) ------------------------------------------------------------------
    def _send(self, cmd: Command) -> None:
        if self._ended.is_set():
            return
        with self._cmd_lock:
            self._idle.clear()
            self._sent += 1
            self._commands.put(cmd)

    def play(self) -> None:
        """Start or continue training. Repeating it is harmless."""
        if self._state in _ENDED:
            return
        self._want_play = True
        self._last_seen = time.monotonic()  # pressing Play is watching
        self._send(Play())

    def pause(self, message: str = "") -> None:
        """Stop after the current chunk (`message`: why, under the status line). Repeating it is harmless."""
        self._want_play = False
        self._send(Pause(message))

    def step(self, n: int = 1, kind: str = "both") -> None:
        """Pause, then run exactly n generator steps (each n_critic critic steps + 1 generator step), or
        with `kind` n critic updates alone ("critic"), generator updates alone ("generator") or one
        explained step ("explain": its phases come with the next snapshot, `Snapshot.explain`)."""
        self._want_play = False
        self._send(Step(int(n), kind))

    def reset(self, config: RunConfig | None = None) -> None:
        """Stop training and start over from step 0 (with a new config if given). A worker that died
        is replaced by a new one."""
        if config is not None:
            config.validate()
        self._want_play = False
        self.replay.clear()  # a frame still on its way from the old run is dropped by its step (replay.py)
        with self._lock:
            self._config = config or self._config
            dead = self._state == RunState.DEAD
        if dead and not self._ended.is_set():
            self._spawn(self._config)
        else:
            self._send(Reset(self._config))

    def update_config(self, config: RunConfig) -> bool:
        """Apply live settings (learning rates, n_critic, penalty, clip, batch size) at the next step.
        Returns False, without changing anything, when the change needs a reset."""
        config.validate()
        if self.needs_reset(config):
            return False
        if config != self._config:
            with self._lock:
                self._config = config
            self._send(ApplyConfig(config))
        return True

    def changes(self, config: RunConfig) -> set[str]:
        """The fields in which `config` differs from the run's."""
        return config.diff(self._config)

    def needs_reset(self, config: RunConfig) -> bool:
        return bool(self.changes(config) - LIVE_FIELDS)

    @property
    def steps_per_frame(self) -> int | None:
        return self._steps_per_frame

    @steps_per_frame.setter
    def steps_per_frame(self, value: int | None) -> None:
        """None: train as fast as possible; k: at most k steps per published frame (slow motion)."""
        if value != self._steps_per_frame:
            self._steps_per_frame = value
            self._send(Speed(value))

    def heartbeat(self) -> None:
        self._last_seen = time.monotonic()

    def stop(self, timeout: float = 10.0) -> None:
        """End the worker (idempotent)."""
        self._want_play = False
        self._send(Stop())
        self._proc.join(timeout)
        if hasattr(self._proc, "terminate") and self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(2)
        self._ended.set()
        with self._lock:
            if self._state != RunState.ERROR:
                self._state = RunState.STOPPED
        self._idle.set()
        _place()

    @property
    def alive(self) -> bool:
        return self._proc.is_alive() and not self._ended.is_set()

    @property
    def stopped(self) -> bool:
        """`stop()` was called: the handle is finished (a dead worker is not: Reset replaces it)."""
        return self._ended.is_set()

    # ----- reading (any thread) -------------------------------------------------------------------
    def snapshot(self) -> Snapshot | None:
        with self._lock:
            return self._snapshot

    def status(self) -> Status:
        with self._lock:
            state, message = self._state, self._message
            status = Status(state, self._step, self._rate if state == RunState.RUNNING else 0.0,
                            message, self._device, self._config, critic_updates=self._critic_updates)
        status.where = getattr(self._proc, "where", "")  # a Ray actor's node; "" in this server
        if state == RunState.STARTING and not message:
            status.message = getattr(self._proc, "starting", "")
        status.sharing = sharing()
        return status

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until every command sent so far is handled and nothing is training or queued."""
        return self._idle.wait(timeout)

    def wait_processed(self, timeout: float = 10.0) -> bool:
        """Block until the worker has taken in every command sent so far (not the steps they queue)."""
        target, t0 = self._sent, time.monotonic()
        while self._done < target:
            if time.monotonic() - t0 > timeout or not self._proc.is_alive():
                return False
            time.sleep(0.01)
        return True

    # ----- messages from the worker -----------------------------------------------------------------
    def _receive(self, proc, out) -> None:
        """Take the worker's messages until it says goodbye, the handle stops, or the worker dies."""
        while not self._ended.is_set():
            try:
                msg = out.get(timeout=0.2)
            except queue.Empty:
                msg = None
            except (EOFError, OSError):
                msg = None
            if isinstance(msg, Bye):
                break
            if msg is not None:
                self._on_message(msg)
            elif not proc.is_alive() and not self._ended.is_set():
                self._died(proc)
                break
            self._housekeeping()
        self._idle.set()

    def _died(self, proc) -> None:
        code = getattr(proc, "exitcode", None)
        how = (f"killed by signal {-code}" if code is not None and code < 0 else
               f"exit code {code}" if code is not None else getattr(proc, "how", None) or "no exit code")
        self._want_play = False
        with self._lock:
            self._state = RunState.DEAD
            self._message = (f"The training process ended unexpectedly ({how}). What it had shown up to "
                             f"step {self._step:,} is kept; press Reset to start a new one.")
        _place()

    def _on_message(self, msg: Message) -> None:
        with self._lock:
            was_training = self._state == RunState.RUNNING
            match msg:
                case Done():
                    self._done += 1
                case StateChanged(state, message):
                    self._state, self._message = state, message
                case Progress(step, rate, critic_updates):
                    self._step, self._rate, self._critic_updates = step, rate, critic_updates
                case Published(snap, rate, state, message, device):
                    self._snapshot, self._step = snap, snap.step
                    self._critic_updates = getattr(snap, "critic_updates", None)
                    self._rate, self._state, self._message, self._device = rate, state, message, device
            training = self._state == RunState.RUNNING
        if training != was_training:
            _place()
        if isinstance(msg, Published):
            self.replay.add(msg.snapshot)
        if isinstance(msg, Idle) and self._done >= self._sent:
            self._idle.set()

    def _housekeeping(self) -> None:
        state, o = self._state, self.opts
        if self._want_play and state == RunState.PAUSED and self._done >= self._sent:
            self._want_play = False  # the worker paused by itself (a comparison's step budget)
        if state == RunState.RUNNING and time.monotonic() - self._last_seen > o.heartbeat_timeout:
            self._want_play = False
            self._send(Pause(f"Paused: nobody watched this run for {o.heartbeat_timeout:.0f} s."))
