"""A background worker around one Trainer: play / pause / step / reset, and thread-safe snapshots.

Only the worker thread touches the models. Controls put commands on a queue (so they are idempotent
and never race the optimiser); the worker trains in short chunks, evaluates and takes a Snapshot
every few hundred milliseconds, and hands the finished Snapshot over under a lock.

    runner = Runner(config)          # idle, with a step-0 snapshot
    runner.play(); runner.pause(); runner.step(10); runner.reset(new_config)
    snap, status = runner.snapshot(), runner.status()
    runner.stop()                    # ends the thread (Streamlit calls it when the session ends)

Without Streamlit's on_release (e.g. a killed tab), the heartbeat pauses a runner unseen for
`heartbeat_timeout` seconds. History is bounded: older records are thinned (every other one)
once there are more than `max_history`, so a 1-hour run does not grow memory without bound.
"""
from __future__ import annotations

import dataclasses
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import torch

from .config import ConfigError, RunConfig
from .snapshot import Snapshot
from .trainer import Diverged, Trainer, device_label

# At most this many sessions train at once (leave a core for the server and the browser).
MAX_CONCURRENT = max(1, (os.cpu_count() or 2) - 1)
_slots = threading.BoundedSemaphore(MAX_CONCURRENT)


@dataclass
class Status:
    state: str                    # "idle", "running", "paused", "diverged", "error", "stopped"
    step: int
    steps_per_second: float       # recent, while running
    message: str = ""             # why it paused / what blew up
    device: str = "CPU"
    config: RunConfig = field(default_factory=RunConfig)


class Runner:
    def __init__(self, config: RunConfig, *, threads: int | None = None, snapshot_interval: float = 0.25,
                 eval_interval: float = 1.0, heartbeat_timeout: float = 30.0, max_history: int = 3000,
                 snapshot_points: int = 1000, chunk_seconds: float = 0.05):
        config.validate()
        self.threads = threads or max(1, (os.cpu_count() or 2) - 1)
        self.snapshot_interval, self.eval_interval = snapshot_interval, eval_interval
        self.heartbeat_timeout, self.max_history = heartbeat_timeout, max_history
        self.snapshot_points, self.chunk_seconds = snapshot_points, chunk_seconds
        self._commands: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._cmd_lock = threading.Lock()
        self._sent, self._done = 1, 0  # the initial reset below
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._stop = threading.Event()
        self._last_seen = time.monotonic()
        self._config = config
        self._state = "idle"
        self._message = ""
        self._pending_steps = 0
        self._rate = 0.0
        self._snapshot: Snapshot | None = None
        self._has_slot = False
        self._device = "CPU"
        self._step = 0
        self.trainer: Trainer | None = None
        self.steps_per_frame: int | None = None  # None: as fast as possible; k: k steps per frame
        self._commands.put(("reset", config))
        self._thread = threading.Thread(target=self._loop, name="gan-runner", daemon=True)
        self._thread.start()

    # ----- controls (any thread) ------------------------------------------------------------------
    def _send(self, *cmd: Any) -> None:
        with self._cmd_lock:
            self._idle.clear()
            self._sent += 1
            self._commands.put(cmd)
        self._wake.set()

    def wait_processed(self, timeout: float = 5.0) -> bool:
        """Block until the worker has taken in every command sent so far (not the steps they queue)."""
        target, t0 = self._sent, time.monotonic()
        while self._done < target:
            if time.monotonic() - t0 > timeout or not self._thread.is_alive():
                return False
            time.sleep(0.01)
        return True

    def play(self) -> None:
        """Start or continue training. Repeating it is harmless."""
        self._send("play")

    def pause(self) -> None:
        """Stop after the current chunk. Repeating it is harmless."""
        self._send("pause")

    def step(self, n: int = 1) -> None:
        """Pause, then run exactly n generator steps (each n_critic critic steps + 1 generator step)."""
        self._send("step", int(n))

    def reset(self, config: RunConfig | None = None) -> None:
        """Stop training and start over from step 0 (with a new config if given)."""
        if config is not None:
            config.validate()
        self._send("reset", config or self._config)

    def update_config(self, config: RunConfig) -> bool:
        """Apply live settings (learning rates, n_critic, penalty, clip, batch size) at the next step.
        Returns False, without changing anything, when the change needs a reset."""
        config.validate()
        changed = {k for k, v in config.to_dict().items() if getattr(self._config, k) != v}
        from .trainer import LIVE_FIELDS
        if changed - LIVE_FIELDS:
            return False
        if changed:
            self._config = config
            self._send("config", config)
        return True

    def needs_reset(self, config: RunConfig) -> bool:
        from .trainer import LIVE_FIELDS
        return bool({k for k, v in config.to_dict().items() if getattr(self._config, k) != v} - LIVE_FIELDS)

    def heartbeat(self) -> None:
        self._last_seen = time.monotonic()

    def stop(self, timeout: float = 5.0) -> None:
        """End the worker thread (idempotent)."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # ----- reading (any thread) -------------------------------------------------------------------
    def snapshot(self) -> Snapshot | None:
        with self._lock:
            return self._snapshot

    def status(self) -> Status:
        with self._lock:
            return Status(self._state, self._step, self._rate if self._state == "running" else 0.0,
                          self._message, self._device, self._config)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no command or queued step is pending and the runner is not playing (tests)."""
        return self._idle.wait(timeout)

    # ----- the worker -------------------------------------------------------------------------------
    def _loop(self) -> None:
        torch.set_num_threads(self.threads)  # per thread: must be called here, not by the caller
        last_snap = last_eval = 0.0
        window: list[tuple[float, int]] = []
        try:
            while not self._stop.is_set():
                self._drain_commands()
                if self._stop.is_set():
                    break
                t = self.trainer
                running = self._state == "running" or self._pending_steps > 0
                if running and self._state == "running" and \
                        time.monotonic() - self._last_seen > self.heartbeat_timeout:
                    self._set_state("paused", f"Paused: nobody watched this run for {self.heartbeat_timeout:.0f} s.")
                    running = self._pending_steps > 0
                if not running or t is None:
                    if t is not None and self._snapshot is not None and self._snapshot.step != t.step_count:
                        self._publish(0.0)  # show where a pause landed
                    self._release_slot()
                    with self._cmd_lock:
                        if self._commands.empty():
                            self._idle.set()
                    self._wake.wait(0.5)
                    self._wake.clear()
                    continue
                if not self._acquire_slot():
                    self._set_state(self._state, "Waiting: other sessions are training (one per free core).")
                    continue
                n = self._pending_steps or self._chunk_size()
                if not self._pending_steps and self.steps_per_frame:
                    n = min(n, self.steps_per_frame)
                    wait = last_snap + self.snapshot_interval - time.monotonic()
                    if wait > 0:
                        self._wake.wait(wait)
                        self._wake.clear()
                        continue
                stepped = False
                try:
                    t.run(n)
                    stepped = True
                except Diverged as e:
                    self._publish(0.0)
                    self._set_state("diverged", f"Diverged: {e.what} at step {e.step}. "
                                                f"The history up to there is kept; reset to start again.")
                    self._pending_steps = 0
                if self._pending_steps:
                    self._pending_steps = 0
                    force = True
                else:
                    force = not stepped
                now = time.monotonic()
                window = [(a, s) for a, s in window if now - a < 2.0] + [(now, t.step_count)]
                rate = (window[-1][1] - window[0][1]) / max(window[-1][0] - window[0][0], 1e-6) \
                    if len(window) > 1 else 0.0
                if stepped and (force or now - last_eval >= self.eval_interval):
                    t.evaluate()
                    last_eval = now
                if force or now - last_snap >= self.snapshot_interval:
                    self._publish(rate)
                    last_snap = time.monotonic()
                else:
                    with self._lock:
                        self._step, self._rate = t.step_count, rate
        except Exception as e:  # keep what we have and say what went wrong
            self._set_state("error", f"Training stopped by an unexpected error: {type(e).__name__}: {e}")
            try:
                self._publish(0.0)
            except Exception:
                pass
        finally:
            self._release_slot()
            with self._lock:
                if self._state != "error":
                    self._state = "stopped"
            self._idle.set()

    def _chunk_size(self) -> int:
        """Steps per chunk so a chunk lasts ~chunk_seconds (Pause answers within that)."""
        t = self.trainer
        if t is None or t.step_count == 0 or t.seconds <= 0:
            return 1
        return max(1, min(200, int(self.chunk_seconds * t.step_count / t.seconds)))

    def _drain_commands(self) -> None:
        while True:
            try:
                cmd = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                self._handle(cmd)
            finally:
                self._done += 1

    def _handle(self, cmd: tuple) -> None:
        kind = cmd[0]
        if kind == "play" and self._state in ("idle", "paused"):
            self._set_state("running", "")
        elif kind == "pause" and self._state == "running":
            self._set_state("paused", "")
        elif kind == "step" and self._state in ("idle", "paused", "running"):
            self._set_state("paused", "")
            self._pending_steps += cmd[1]
        elif kind == "config" and self.trainer is not None:
            self.trainer.update_config(cmd[1])
        elif kind == "reset":
            self._pending_steps = 0
            try:
                self.trainer = Trainer(cmd[1])
            except ConfigError as e:
                self._set_state("error", str(e))
                return
            self._config = cmd[1]
            self._device = device_label(self.trainer.device)
            self.trainer.evaluate()
            self._set_state("idle", "")
            self._publish(0.0)

    def _publish(self, rate: float) -> None:
        t = self.trainer
        self._bound_history(t)
        if t.diverged is not None and self._snapshot is not None:
            # the models hold NaN/Inf now: keep the last good views, update the curves and the verdict
            snap = dataclasses.replace(self._snapshot, step=t.step_count, history=[dict(h) for h in t.history],
                                       diverged=t.diverged.to_dict())
        else:
            snap = t.snapshot(self.snapshot_points)
        snap.device = self._device
        with self._lock:
            self._snapshot, self._step, self._rate = snap, t.step_count, rate

    def _bound_history(self, t: Trainer) -> None:
        h = t.history
        if len(h) > self.max_history:
            keep = self.max_history // 2
            t.history = h[:-keep][::2] + h[-keep:]

    def _set_state(self, state: str, message: str) -> None:
        with self._lock:
            self._state, self._message = state, message

    def _acquire_slot(self) -> bool:
        if not self._has_slot:
            self._has_slot = _slots.acquire(timeout=0.5)
        return self._has_slot

    def _release_slot(self) -> None:
        if self._has_slot:
            _slots.release()
            self._has_slot = False
