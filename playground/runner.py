"""A background worker around one Trainer: play / pause / step / reset, and snapshots for the page.

Only the worker touches the models. Controls put commands on a queue (they are idempotent and never
race the optimiser); the worker trains in short chunks, evaluates about once a second (less often when
an evaluation is slow: see `Options.view_share`), and publishes a Snapshot (plain numpy) every
`snapshot_interval` seconds.

The worker runs in its own process by default (`spawn`, never `fork` with torch): in a thread of the
Streamlit server it fought the server for the GIL (each fragment rerun builds Plotly figures in
Python) and trained at a fraction of the headless speed. `mode="thread"` keeps it in-process (tests).

    runner = Runner(config)          # idle, with a step-0 snapshot once `wait_idle()` returns
    runner.play(); runner.pause(); runner.step(10); runner.reset(new_config)
    snap, status = runner.snapshot(), runner.status()
    runner.stop()                    # ends the worker (Streamlit calls it when the session ends)

Without Streamlit's on_release (e.g. a killed tab), the heartbeat pauses a runner unseen for
`heartbeat_timeout` seconds. History is bounded: once there are more than `max_history` records the
older ones are thinned (every other one kept), so a 1-hour run does not grow memory without bound.
"""
from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .config import ConfigError, RunConfig
from .snapshot import Snapshot

# At most this many sessions train at once (leave a core for the server and the browser).
MAX_CONCURRENT = max(1, (os.cpu_count() or 2) - 1)
_slots = threading.BoundedSemaphore(MAX_CONCURRENT)


@dataclass
class Status:
    state: str                    # "starting", "idle", "running", "paused", "diverged", "error", "stopped"
    step: int
    steps_per_second: float       # recent, while running
    message: str = ""             # why it paused / what blew up
    device: str = "CPU"
    config: RunConfig = field(default_factory=RunConfig)


@dataclass(frozen=True)
class Options:
    threads: int = 1
    snapshot_interval: float = 0.25
    eval_interval: float = 1.0
    # While running, evaluation and snapshots together take at most about this share of the worker's
    # time: each waits at least cost·(2/share − 1) after the last one (an MNIST DCGAN evaluation takes
    # seconds; at a fixed 1 s interval it would starve training). Steps asked for one by one are always
    # evaluated and shown.
    view_share: float = 0.2
    max_history: int = 3000
    snapshot_points: int = 1000
    chunk_seconds: float = 0.05
    log_every: int = 10


# ----------------------------------------------------------------------------------------------
# The worker: owns the Trainer. Runs in a child process (or a thread); talks only through queues.
# ----------------------------------------------------------------------------------------------
class Worker:
    def __init__(self, opts: Options, commands, out):
        self.opts, self.commands, self.out = opts, commands, out
        self.trainer = None
        self.config: RunConfig | None = None
        self.state, self.message = "starting", ""
        self.pending_steps = 0
        self.steps_per_frame: int | None = None
        self.stopping = False
        self.last_snap = self.last_eval = 0.0
        self.eval_cost = self.snap_cost = 0.0   # seconds the last evaluation / snapshot took
        self.window: list[tuple[float, int]] = []
        self.device = "CPU"

    def run(self) -> None:
        import torch
        torch.set_num_threads(self.opts.threads)  # per thread: must be called here, not by the caller
        try:
            while not self.stopping:
                running = self.state == "running" or self.pending_steps > 0
                self._drain(block=not running)
                if self.stopping:
                    break
                if self.trainer is None or not (self.state == "running" or self.pending_steps > 0):
                    continue
                self._train_chunk()
        except Exception as e:  # keep what we have and say what went wrong
            self._set("error", f"Training stopped by an unexpected error: {type(e).__name__}: {e}")
            try:
                self._publish(0.0)
            except Exception:  # the models themselves may be unusable
                pass
        finally:
            if self.state != "error":
                self._set("stopped", "")
            self.out.put(("bye",))

    # commands ---------------------------------------------------------------------------------
    def _drain(self, block: bool) -> None:
        """Handle every queued command; when nothing is left to train, say so once (idle)."""
        try:
            cmd = self.commands.get(timeout=0.5) if block else self.commands.get_nowait()
            while True:
                self._handle(cmd)
                self.out.put(("done",))
                self.idle_sent = False
                cmd = self.commands.get_nowait()
        except queue.Empty:
            pass
        if not (self.state == "running" or self.pending_steps > 0) and not self.idle_sent:
            if self.trainer is not None and self.snap_step != self.trainer.step_count:
                self._publish(0.0)  # show where a pause landed
            self.out.put(("idle",))
            self.idle_sent = True

    snap_step = -1
    idle_sent = False

    def _handle(self, cmd: tuple) -> None:
        from .trainer import Trainer, device_label
        kind = cmd[0]
        if kind == "play" and self.state in ("idle", "paused"):
            self._set("running", "")
        elif kind == "pause" and self.state == "running":
            self._set("paused", cmd[1] if len(cmd) > 1 else "")
        elif kind == "step" and self.state in ("idle", "paused", "running"):
            self._set("paused", "")
            self.pending_steps += cmd[1]
        elif kind == "config" and self.trainer is not None and self.trainer.diverged is None:
            self.trainer.update_config(cmd[1])
            self.config = cmd[1]
        elif kind == "speed":
            self.steps_per_frame = cmd[1]
        elif kind == "stop":
            self.stopping = True
        elif kind == "reset":
            self.pending_steps = 0
            try:
                self.trainer = Trainer(cmd[1], log_every=self.opts.log_every)
            except ConfigError as e:
                self._set("error", str(e))
                return
            self.config = cmd[1]
            self.device = device_label(self.trainer.device)
            self.trainer.evaluate()
            self.window = []
            self._set("idle", "")
            self._publish(0.0)

    # training ---------------------------------------------------------------------------------
    def _train_chunk(self) -> None:
        from .trainer import Diverged
        t, o = self.trainer, self.opts
        stepping = self.pending_steps > 0
        if stepping:
            n = self.pending_steps
        else:
            n = self._chunk_size()
            if self.steps_per_frame:
                n = min(n, self.steps_per_frame)
                wait = self.last_snap + o.snapshot_interval - time.monotonic()
                if wait > 0:
                    self._sleep(wait)
                    return
        self.idle_sent = False
        try:
            t.run(n)
        except Diverged as e:
            self.pending_steps = 0
            self._publish(0.0)
            self._set("diverged", f"Diverged: {e.what} at step {e.step}. "
                                  f"The history up to there is kept; reset to start again.")
            self._publish(0.0)
            return
        self.pending_steps = 0
        now = time.monotonic()
        self.window = [(a, s) for a, s in self.window if now - a < 2.0] + [(now, t.step_count)]
        w = self.window
        rate = (w[-1][1] - w[0][1]) / max(w[-1][0] - w[0][0], 1e-6) if len(w) > 1 else 0.0
        if stepping or now - self.last_eval >= max(o.eval_interval, self._spacing(self.eval_cost)):
            t0 = time.perf_counter()
            t.evaluate()
            self.eval_cost = time.perf_counter() - t0
            self.last_eval = time.monotonic()
        if stepping or now - self.last_snap >= max(o.snapshot_interval, self._spacing(self.snap_cost)):
            self._publish(rate)
        else:
            self.out.put(("progress", t.step_count, rate))

    def _spacing(self, cost: float) -> float:
        """Least wait after a view that took `cost` seconds: evaluation and snapshots each take at most
        half of view_share of the time, cost / (cost + wait) ≤ share / 2."""
        share = min(max(self.opts.view_share, 1e-3), 2.0)  # 2: no spacing at all
        return cost * (2.0 / share - 1.0)

    def _sleep(self, seconds: float) -> None:
        try:  # a command cuts the wait short
            cmd = self.commands.get(timeout=seconds)
        except queue.Empty:
            return
        self._handle(cmd)
        self.out.put(("done",))

    def _chunk_size(self) -> int:
        """Steps per chunk so a chunk lasts ~chunk_seconds (Pause answers within that)."""
        t = self.trainer
        if t.step_count == 0 or t.seconds <= 0:
            return 1
        return max(1, min(500, int(self.opts.chunk_seconds * t.step_count / t.seconds)))

    def _publish(self, rate: float) -> None:
        t = self.trainer
        keep = max(1, self.opts.max_history // 2)
        while len(t.history) > max(self.opts.max_history, keep + 1):  # halve the older half until it fits
            h = t.history
            t.history = h[:-keep][::2] + h[-keep:]
        if t.diverged is not None and self._last_snapshot is not None:
            # the models hold NaN/Inf now: keep the last good views, update the curves and the verdict
            snap = dataclasses.replace(self._last_snapshot, step=t.step_count, diverged=t.diverged.to_dict(),
                                       history=[dict(x) for x in t.history])
        else:
            t0 = time.perf_counter()
            snap = t.snapshot(self.opts.snapshot_points)
            self.snap_cost = time.perf_counter() - t0
        snap.device = self.device
        self._last_snapshot = snap
        self.snap_step = t.step_count
        self.last_snap = time.monotonic()
        self.out.put(("snapshot", snap, rate, self.state, self.message, self.device))

    _last_snapshot: Snapshot | None = None

    def _set(self, state: str, message: str) -> None:
        self.state, self.message = state, message
        self.out.put(("state", state, message))


_main_lock = threading.Lock()


def _start_without_main(proc) -> None:
    """Start a spawned process without making it re-run the parent's __main__. Under Streamlit,
    __main__ is the page script being executed, and `spawn` would execute that page again in the
    child (where it fails: no session). The child needs only playground.runner."""
    import sys
    import types
    with _main_lock:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            proc.start()
        finally:
            if main is not None:
                sys.modules["__main__"] = main


def _process_main(opts: Options, commands, out, parent_pid: int) -> None:
    """Child process entry point. Exits by itself if the server process goes away."""
    worker = Worker(opts, commands, out)

    def watchdog() -> None:
        while not worker.stopping:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    worker.run()


# ----------------------------------------------------------------------------------------------
# The handle the page holds.
# ----------------------------------------------------------------------------------------------
class Runner:
    def __init__(self, config: RunConfig, *, mode: str = "process", threads: int | None = None,
                 snapshot_interval: float = 0.25, eval_interval: float = 1.0, heartbeat_timeout: float = 30.0,
                 max_history: int = 3000, snapshot_points: int = 1000, log_every: int = 10,
                 view_share: float = Options.view_share):
        config.validate()
        self.opts = Options(threads=threads or max(1, (os.cpu_count() or 2) - 1),
                            snapshot_interval=snapshot_interval, eval_interval=eval_interval,
                            max_history=max_history, snapshot_points=snapshot_points, log_every=log_every,
                            view_share=view_share)
        self.heartbeat_timeout = heartbeat_timeout
        self._lock = threading.Lock()
        self._cmd_lock = threading.Lock()
        self._idle = threading.Event()
        self._ended = threading.Event()
        self._last_seen = time.monotonic()
        self._state, self._message = "starting", ""
        self._config, self._device = config, "CPU"
        self._step, self._rate = 0, 0.0
        self._snapshot: Snapshot | None = None
        self._sent, self._done = 0, 0
        self._steps_per_frame: int | None = None
        self._want_play = False
        self._has_slot = False
        if mode == "process":
            ctx = mp.get_context("spawn")
            self._commands, self._out = ctx.Queue(), ctx.Queue()
            self._proc = ctx.Process(target=_process_main, args=(self.opts, self._commands, self._out, os.getpid()),
                                     name="gan-runner", daemon=True)
            _start_without_main(self._proc)
        elif mode == "thread":
            self._commands, self._out = queue.Queue(), queue.Queue()
            self._proc = threading.Thread(target=Worker(self.opts, self._commands, self._out).run,
                                          name="gan-runner", daemon=True)
            self._proc.start()
        else:
            raise ValueError(f"mode must be 'process' or 'thread', not {mode!r}")
        self._send("reset", config)
        self._receiver = threading.Thread(target=self._receive, name="gan-runner-rx", daemon=True)
        self._receiver.start()

    # ----- controls (any thread) ------------------------------------------------------------------
    def _send(self, *cmd: Any) -> None:
        if self._ended.is_set():
            return
        with self._cmd_lock:
            self._idle.clear()
            self._sent += 1
            self._commands.put(cmd)

    def play(self) -> None:
        """Start or continue training (when a core is free). Repeating it is harmless."""
        self._want_play = True
        if self._acquire_slot(timeout=0.0):
            self._send("play")
        else:
            with self._lock:
                self._message = "Waiting: other sessions are training (one per free core)."

    def pause(self) -> None:
        """Stop after the current chunk. Repeating it is harmless."""
        self._want_play = False
        self._send("pause")

    def step(self, n: int = 1) -> None:
        """Pause, then run exactly n generator steps (each n_critic critic steps + 1 generator step)."""
        self._want_play = False
        self._send("step", int(n))

    def reset(self, config: RunConfig | None = None) -> None:
        """Stop training and start over from step 0 (with a new config if given)."""
        if config is not None:
            config.validate()
        self._want_play = False
        with self._lock:
            self._config = config or self._config
        self._send("reset", self._config)

    def update_config(self, config: RunConfig) -> bool:
        """Apply live settings (learning rates, n_critic, penalty, clip, batch size) at the next step.
        Returns False, without changing anything, when the change needs a reset."""
        config.validate()
        if self.needs_reset(config):
            return False
        if config != self._config:
            with self._lock:
                self._config = config
            self._send("config", config)
        return True

    def needs_reset(self, config: RunConfig) -> bool:
        from .trainer import LIVE_FIELDS
        return bool({k for k, v in config.to_dict().items() if getattr(self._config, k) != v} - LIVE_FIELDS)

    @property
    def steps_per_frame(self) -> int | None:
        return self._steps_per_frame

    @steps_per_frame.setter
    def steps_per_frame(self, value: int | None) -> None:
        """None: train as fast as possible; k: at most k steps per published frame (slow motion)."""
        if value != self._steps_per_frame:
            self._steps_per_frame = value
            self._send("speed", value)

    def heartbeat(self) -> None:
        self._last_seen = time.monotonic()

    def stop(self, timeout: float = 10.0) -> None:
        """End the worker (idempotent)."""
        self._want_play = False
        self._send("stop")
        self._proc.join(timeout)
        if isinstance(self._proc, mp.process.BaseProcess) and self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(2)
        self._ended.set()
        self._release_slot()
        with self._lock:
            if self._state != "error":
                self._state = "stopped"
        self._idle.set()

    @property
    def alive(self) -> bool:
        return self._proc.is_alive() and not self._ended.is_set()

    # ----- reading (any thread) -------------------------------------------------------------------
    def snapshot(self) -> Snapshot | None:
        with self._lock:
            return self._snapshot

    def status(self) -> Status:
        with self._lock:
            return Status(self._state, self._step, self._rate if self._state == "running" else 0.0,
                          self._message, self._device, self._config)

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
    def _receive(self) -> None:
        while not self._ended.is_set():
            try:
                msg = self._out.get(timeout=0.2)
            except queue.Empty:
                msg = None
            except (EOFError, OSError):
                break
            if msg is not None:
                if msg[0] == "bye":
                    break
                self._on_message(msg)
            self._housekeeping()
        self._release_slot()
        self._idle.set()

    def _on_message(self, msg: tuple) -> None:
        kind = msg[0]
        with self._lock:
            if kind == "done":
                self._done += 1
            elif kind == "state":
                self._state, self._message = msg[1], msg[2]
            elif kind == "progress":
                self._step, self._rate = msg[1], msg[2]
            elif kind == "snapshot":
                snap, self._rate, self._state, self._message, self._device = msg[1:]
                self._snapshot, self._step = snap, snap.step
        if kind == "idle" and self._done >= self._sent:
            self._idle.set()

    def _housekeeping(self) -> None:
        state = self._state
        if not self._want_play or state in ("diverged", "error", "stopped"):
            self._release_slot()
        if self._want_play and state in ("idle", "paused") and not self._has_slot and self._done >= self._sent:
            if self._acquire_slot(timeout=0.0):
                self._send("play")
        if state == "running" and time.monotonic() - self._last_seen > self.heartbeat_timeout:
            self._want_play = False
            self._send("pause", f"Paused: nobody watched this run for {self.heartbeat_timeout:.0f} s.")

    def _acquire_slot(self, timeout: float) -> bool:
        if not self._has_slot:
            self._has_slot = _slots.acquire(timeout=timeout) if timeout > 0 else _slots.acquire(blocking=False)
        return self._has_slot

    def _release_slot(self) -> None:
        if self._has_slot:
            self._has_slot = False
            _slots.release()
