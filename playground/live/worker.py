"""The live worker: owns one Trainer and talks to its handle (runner.py) only through two queues.

Commands come in as small dataclasses (`Configure`, `Play`, `Pause`, `Step` — a whole step, a critic
or generator update alone, or an explained step —, `Reset`, `ApplyConfig`, `Speed`, `Stop`); they are idempotent and never race the optimiser, since only the worker touches the models.
Messages go out the same way (`Done`, `Idle`, `StateChanged`, `Progress`, `Published`, `Bye`). Both
kinds are picklable: by default the worker is its own process, forked from pool.py's forkserver.

The worker trains in short chunks (`Options.chunk_seconds`, so Pause answers quickly), evaluates
about every `eval_interval` seconds and publishes a Snapshot every `snapshot_interval` seconds;
slow evaluations and snapshots are spaced further apart by their cost (`Options.view_share`).
"""
from __future__ import annotations

import dataclasses
import enum
import multiprocessing as mp
import os
import queue
import threading
import time
from dataclasses import dataclass

import torch

from ..compare import Comparison, TrainerGroup
from ..config import ConfigError, RunConfig
from ..device import describe
from ..snapshot import Snapshot
from ..trainer import Diverged, Trainer
from .replay import REPLAY_BYTES

# What a Reset builds from its config: one run, or a comparison's runs in lockstep.
TRAINERS = {RunConfig: Trainer, Comparison: TrainerGroup}


class RunState(enum.StrEnum):
    """Where a run stands. A StrEnum, so `status.state == "running"` and f-strings read as the value."""
    STARTING = "starting"
    IDLE = "idle"          # ready at step 0 (after a reset)
    RUNNING = "running"
    PAUSED = "paused"
    DIVERGED = "diverged"  # a NaN / Inf: the history is kept, only a reset continues
    ERROR = "error"        # a config the trainer refused, or an unexpected exception
    DEAD = "dead"          # the worker process ended unexpectedly; Reset starts a new one
    STOPPED = "stopped"


@dataclass(frozen=True)
class Options:
    """How a live run is driven. `mode`, `heartbeat_timeout` and `replay_bytes` concern the handle; the
    rest the worker."""
    mode: str = "process"          # "process" (forked by pool.py, the default), "thread" (in-process, tests) or "ray"
    threads: int | None = None     # torch threads for training; None: every core but one
    heartbeat_timeout: float = 30.0  # pause a running run nobody has watched for this long (a killed tab)
    snapshot_interval: float = 0.25
    eval_interval: float = 1.0
    # While running, evaluation and snapshots together take at most about this share of the worker's
    # time: each waits at least cost·(2/share − 1) after the last one (an MNIST DCGAN evaluation takes
    # seconds; at a fixed 1 s interval it would starve training). Steps asked for one by one are always
    # evaluated and shown.
    view_share: float = 0.2
    # Once the history has more records than this, the older ones are thinned (every other one kept),
    # so a 1-hour run does not grow memory without bound.
    max_history: int = 3000
    snapshot_points: int = 1000
    # The handle records the main view of every snapshot it receives for Replay (replay.FrameStore),
    # in at most this many bytes; 0: none.
    replay_bytes: int = REPLAY_BYTES
    chunk_seconds: float = 0.05
    log_every: int = 10

    @property
    def torch_threads(self) -> int:
        return self.threads or max(1, (os.cpu_count() or 2) - 1)


# ----- commands: handle -> worker ---------------------------------------------------------------
@dataclass(frozen=True)
class Configure:
    options: Options               # the first command a pooled worker gets: how its runner drives it


@dataclass(frozen=True)
class Play:
    pass


@dataclass(frozen=True)
class Pause:
    message: str = ""              # why (shown under the status line)


@dataclass(frozen=True)
class Step:
    n: int
    kind: str = "both"             # one of STEP_KINDS


# What a Step runs: a whole generator step (n_critic critic updates + one generator update), one
# update of one network alone, or one whole step recorded phase by phase (the explained step).
STEP_KINDS = {"both": lambda t: t.run(1), "critic": lambda t: t.critic_step(),
              "generator": lambda t: t.generator_step(), "explain": lambda t: t.explain_step()}


@dataclass(frozen=True)
class Reset:
    config: RunConfig | Comparison


@dataclass(frozen=True)
class ApplyConfig:
    config: RunConfig | Comparison  # differs from the running one in live fields only


@dataclass(frozen=True)
class Speed:
    steps_per_frame: int | None    # None: as fast as possible


@dataclass(frozen=True)
class Stop:
    pass


Command = Configure | Play | Pause | Step | Reset | ApplyConfig | Speed | Stop


# ----- messages: worker -> handle ---------------------------------------------------------------
@dataclass(frozen=True)
class Done:
    """One command has been handled (the handle counts them for `wait_processed`)."""


@dataclass(frozen=True)
class Idle:
    """Nothing is left to train or queued."""


@dataclass(frozen=True)
class StateChanged:
    state: RunState
    message: str


@dataclass(frozen=True)
class Progress:
    step: int
    rate: float                    # steps per second, recent
    critic_updates: int | None = None  # None: a comparison (each run counts its own)


@dataclass(frozen=True)
class Published:
    snapshot: Snapshot
    rate: float
    state: RunState
    message: str
    device: str


@dataclass(frozen=True)
class Bye:
    """The worker has ended; nothing follows."""


Message = Done | Idle | StateChanged | Progress | Published | Bye

_ACTIVE = (RunState.IDLE, RunState.PAUSED, RunState.RUNNING)


class Worker:
    def __init__(self, opts: Options, commands, out):
        self.opts, self.commands, self.out = opts, commands, out
        self.trainer: Trainer | None = None
        self.config: RunConfig | None = None
        self.state, self.message = RunState.STARTING, ""
        self.pending_steps = 0
        self.pending_updates: list[str] = []   # single updates asked for (STEP_KINDS other than "both")
        self.steps_per_frame: int | None = None
        self.stopping = False
        self.last_snap = self.last_eval = 0.0
        # CPU seconds (this thread's) the last evaluation / snapshot took: wall time would also count the
        # time other processes held the core, and on a loaded machine space evaluations far beyond the share
        self.eval_cost = self.snap_cost = 0.0
        self.window: list[tuple[float, int]] = []
        self.device = "CPU"
        self.snap_step = -1
        self.idle_sent = False
        self.last_snapshot: Snapshot | None = None
        self.budget_passed = False

    @property
    def training(self) -> bool:
        return self.state == RunState.RUNNING or self.pending_steps > 0 or bool(self.pending_updates)

    def run(self) -> None:
        torch.set_num_threads(self.opts.torch_threads)  # per thread: must be called here, not by the caller
        try:
            while not self.stopping:
                self._drain(block=not self.training)
                if self.stopping:
                    break
                if self.trainer is not None and self.training:
                    self._train_chunk()
        except Exception as e:  # keep what we have and say what went wrong
            self._set(RunState.ERROR, f"Training stopped by an unexpected error: {type(e).__name__}: {e}")
            try:
                self._publish(0.0)
            except Exception:  # the models themselves may be unusable
                pass
        finally:
            if self.state != RunState.ERROR:
                self._set(RunState.STOPPED, "")
            self.out.put(Bye())

    # commands ---------------------------------------------------------------------------------
    def _drain(self, block: bool) -> None:
        """Handle every queued command; when nothing is left to train, say so once (idle)."""
        try:
            cmd = self.commands.get(timeout=0.5) if block else self.commands.get_nowait()
            while True:
                self._handle(cmd)
                self.out.put(Done())
                self.idle_sent = False
                cmd = self.commands.get_nowait()
        except queue.Empty:
            pass
        if not self.training and not self.idle_sent:
            if self.trainer is not None and self.snap_step != self.trainer.step_count:
                self._publish(0.0)  # show where a pause landed
            self.out.put(Idle())
            self.idle_sent = True

    def _handle(self, cmd: Command) -> None:
        match cmd:
            case Configure(options):
                self.opts = options
                torch.set_num_threads(options.torch_threads)
            case Play() if self.state in (RunState.IDLE, RunState.PAUSED):
                self.budget_passed = self._at_budget()  # Play at the budget continues past it
                self._set(RunState.RUNNING, "")
            case Pause(message) if self.state == RunState.RUNNING:
                self._set(RunState.PAUSED, message)
            case Step(n, kind) if self.state in _ACTIVE:
                self._set(RunState.PAUSED, "")
                if kind == "both":
                    self.pending_steps += n
                elif kind in STEP_KINDS and hasattr(self.trainer, f"{kind}_step"):
                    self.pending_updates += [kind] * n
            case ApplyConfig(config) if self.trainer is not None and self.trainer.diverged is None:
                shown = _shown(self.config) != _shown(config)
                self.trainer.update_config(config)
                self.config = config
                if shown and self.state != RunState.RUNNING:  # raw ↔ averaged while paused: redraw now
                    self.trainer.evaluate()
                    self._publish(0.0)
            case Speed(steps_per_frame):
                self.steps_per_frame = steps_per_frame
            case Stop():
                self.stopping = True
            case Reset(config):
                self._reset(config)

    def _reset(self, config: RunConfig) -> None:
        self.pending_steps = 0
        self.pending_updates = []
        self.budget_passed = False
        try:
            self.trainer = TRAINERS[type(config)](config, log_every=self.opts.log_every)
        except ConfigError as e:
            self._set(RunState.ERROR, str(e))
            return
        self.config = config
        self.device = describe(self.trainer)  # the device and why (device.py), how steps run (capture.py)
        self.trainer.evaluate()
        self.window = []
        self._set(RunState.IDLE, "")
        self._publish(0.0)
        # The step-0 views pay one-off costs (the first call of the models and the digit classifier, ~70×
        # a later MNIST frame: benchmarks/results/first_frame.md); as a measure of the views' cost they
        # would hold back the first frame after Play by 9x that.
        self.eval_cost = self.snap_cost = 0.0

    # training ---------------------------------------------------------------------------------
    def _train_chunk(self) -> None:
        t, o = self.trainer, self.opts
        if self.pending_updates:
            self._single_update(self.pending_updates.pop(0))
            return
        stepping = self.pending_steps > 0
        if stepping:
            n = self.pending_steps
        else:
            n = self._chunk_size()
            if self._budget_left() > 0:  # land exactly on the budget
                n = min(n, self._budget_left())
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
            self._diverged(e)
            return
        self.pending_steps = 0
        if not stepping and not self.budget_passed and self._at_budget():
            self.budget_passed = True
            self._set(RunState.PAUSED, f"Paused at the step budget ({t.budget:,} steps): the step where the "
                                       f"comparison's promise is checked. Play continues past it.")
        now = time.monotonic()
        self.window = [(a, s) for a, s in self.window if now - a < 2.0] + [(now, t.step_count)]
        w = self.window
        rate = (w[-1][1] - w[0][1]) / max(w[-1][0] - w[0][0], 1e-6) if len(w) > 1 else 0.0
        if stepping or now - self.last_eval >= max(o.eval_interval, self._spacing(self.eval_cost)):
            t0 = time.thread_time()
            t.evaluate()
            self.eval_cost = time.thread_time() - t0
            self.last_eval = time.monotonic()
        if stepping or now - self.last_snap >= max(o.snapshot_interval, self._spacing(self.snap_cost)):
            self._publish(rate)
        else:
            self.out.put(Progress(t.step_count, rate, getattr(t, "critic_updates", None)))

    def _single_update(self, kind: str) -> None:
        """A critic or generator update alone, or an explained step: evaluated and shown at once."""
        t = self.trainer
        try:
            result = STEP_KINDS[kind](t)
        except Diverged as e:
            self.pending_updates = []
            self._diverged(e)
            return
        t.evaluate()
        self.last_eval = time.monotonic()
        self._publish(0.0, explain=result if kind == "explain" else None)

    def _diverged(self, e: Diverged) -> None:
        t = self.trainer
        self.pending_steps = 0
        self._publish(0.0)
        # the status line shows the steps completed: one fewer when a loss blew up mid-step
        self._set(RunState.DIVERGED, f"Diverged: {e.what} in step {e.step:,} ({t.step_count:,} steps "
                                     f"completed). The history up to there is kept; reset to start again.")
        self._publish(0.0)

    def _budget_left(self) -> int:
        """Steps to a comparison's budget (a single run has none: 0)."""
        budget = getattr(self.trainer, "budget", None)
        return budget - self.trainer.step_count if budget and not self.budget_passed else 0

    def _at_budget(self) -> bool:
        budget = getattr(self.trainer, "budget", None)
        return bool(budget) and self.trainer.step_count >= budget

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
        self.out.put(Done())

    def _chunk_size(self) -> int:
        """Steps per chunk so a chunk lasts ~chunk_seconds (Pause answers within that)."""
        t = self.trainer
        if t.step_count == 0 or t.seconds <= 0:
            return 1
        return max(1, min(500, int(self.opts.chunk_seconds * t.step_count / t.seconds)))

    def _publish(self, rate: float, explain: dict | None = None) -> None:
        t = self.trainer
        for member in getattr(t, "trainers", (t,)):  # a comparison thins each run's own history
            member.history = thin_history(member.history, self.opts.max_history)
        if t.diverged is not None and self.last_snapshot is not None:
            # the models hold NaN/Inf now: keep the last good views, update the curves and the verdict
            snap = dataclasses.replace(self.last_snapshot, step=t.step_count, diverged=t.diverged.to_dict(),
                                       history=[dict(x) for x in t.history])
        else:
            t0 = time.thread_time()
            snap = t.snapshot(self.opts.snapshot_points)
            self.snap_cost = time.thread_time() - t0
        snap.device = self.device = describe(t)  # a failed capture changes the note
        self.last_snapshot = snap
        self.snap_step = t.step_count
        self.last_snap = time.monotonic()
        if explain is not None:  # this frame only: the page keeps it while it walks through the phases
            snap = dataclasses.replace(snap, explain=explain)
        self.out.put(Published(snap, rate, self.state, self.message, self.device))

    def _set(self, state: RunState, message: str) -> None:
        self.state, self.message = state, message
        self.out.put(StateChanged(state, message))


def _shown(config) -> tuple:
    """Which generator a config shows (a comparison's runs have their own: None)."""
    return (getattr(config, "g_ema", 0.0) > 0, getattr(config, "g_shown", None))


def thin_history(history: list, limit: int) -> list:
    """Halve the older half until the history fits in `limit` records (the newest half stays whole)."""
    keep = max(1, limit // 2)
    while len(history) > max(limit, keep + 1):
        history = history[:-keep][::2] + history[-keep:]
    return history


# Workers yield to the server and the browser: when runs outnumber cores they share what is left.
WORKER_NICE = 2


def process_main(commands, out) -> None:
    """Entry point of a worker process (its runner's Configure comes first). Exits by itself if the
    server process goes away."""
    try:
        os.nice(WORKER_NICE)
    except OSError:  # not permitted here: train at the server's priority
        pass
    # torch imports its compiler stack lazily when the first optimiser is built (≈ 1.3 s); a child of
    # pool.py's forkserver has it already (pool.PRELOAD), and a spawned spare (no forkserver) imports it
    # here while it waits, not while a page waits for its first frame
    import ot.lp  # noqa: F401  (metrics.matching_cost needs it at the first W1: 0.2–0.7 s)
    import torch._dynamo  # noqa: F401
    worker = Worker(Options(), commands, out)
    server = mp.parent_process()  # the server (also for a forkserver's child: it holds the server's sentinel)

    def watchdog() -> None:
        while not worker.stopping:
            time.sleep(1.0)
            if server is not None and not server.is_alive():
                os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    worker.run()
