"""Replay: the past frames of a live run (the main view's arrays at each published step), kept within
a fixed memory budget so a paused run can be scrubbed back to any recorded step.

A `Frame` holds what the toy page's main view draws, as float32 arrays: for 2D data the critic's
landscape grid, the real and generated samples and the generator's push arrows; for 1D data the
densities, the critic curve, the samples and the push (`FRAME_KEYS`). Not the history, and not the
generator's map (30 × 61 points, 14.6 kB a frame: 55 % more memory for a view that is usually
off). An array equal to the previous frame's (the fixed real samples, the landscape's
grid axes) is shared, not copied, and counted once.

`FrameStore.add(snapshot)` records a published snapshot. Past the byte budget the store thins
itself: the newest frames (a quarter of the budget) stay dense, and the older ones are kept on an
even stride in publishing order that doubles each time the budget is reached, so the recorded
frames stay evenly spread over the whole run, its first frame included, whatever its length.
(Thinning like `worker.thin_history`, halving the older part every time, would leave the first
half of an hour-long run with a handful of frames.)

Budget (`REPLAY_BYTES`, 24 MB per run): a 2D frame of the toy page costs 26.8 kB (the 60 × 60
landscape, 1000 generated points, 150 arrows and FRAME_OVERHEAD; the real samples and the grid axes
shared), a 1D frame 10.8 to 15.6 kB. An hour of a 2D run on the toy page (a frame every 0.375 s:
9,600 frames) holds 580 to 980 frames at any time after its first quarter hour, 767 at the hour: the
older ones one every 6 s of the run, the newest 67 s dense. `tests/test_replay.py` checks the bound
and that the Python objects held are within it (tracemalloc).
"""
from __future__ import annotations

import bisect
import dataclasses
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..snapshot import Snapshot

REPLAY_BYTES = 24 << 20   # 24 MB per run
TAIL_SHARE = 0.25         # the newest frames, up to this share of the budget, are all kept
# Python's own cost of a frame beyond its arrays' data (the Frame, its dict, the array headers), as
# tracemalloc counts it (tests/test_replay.py checks it stays under this)
FRAME_OVERHEAD = 2048

# What a frame keeps of a snapshot's views, per data kind (other kinds, MNIST and comparisons, are not
# recorded). Optional keys (d_star: log-loss critics only) are kept when present.
FRAME_KEYS: dict[str, tuple[str, ...]] = {
    "2d": ("grid_x", "grid_y", "critic", "real", "fake", "push_at", "push"),
    "1d": ("x", "p", "q", "critic", "d_star", "fake", "real", "push_x", "push"),
}


@dataclass(frozen=True, eq=False)
class Frame:
    """One recorded step: its view arrays and the run's context (labels, config, modes, bounds),
    shared with the neighbouring frames while it does not change."""
    seq: int                       # its number among the frames published since the last clear
    step: int
    views: dict[str, np.ndarray]
    context: Snapshot              # a Snapshot without history or views
    nbytes: int = 0                # its arrays' bytes plus FRAME_OVERHEAD, shared arrays included

    def snapshot(self) -> Snapshot:
        """A Snapshot the plot builders draw as they draw the live one (no history)."""
        return dataclasses.replace(self.context, step=self.step, views=dict(self.views))


def _context(snap: Snapshot) -> Snapshot:
    return Snapshot(step=0, kind=snap.kind, config=dict(snap.config or {}), dataset_label=snap.dataset_label,
                    loss_label=snap.loss_label, log_loss=snap.log_loss, history=[], device=snap.device,
                    modes=snap.modes, bounds=snap.bounds)


def frame_of(snap: Snapshot) -> Frame:
    """One snapshot as a Frame on its own (a handout's figure; replay_gif draws it)."""
    return Frame(0, snap.step, dict(snap.views), _context(snap))


def _same(a: Any, b: Any) -> bool:
    """Equal arrays / dicts of arrays / plain values (context fields)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape \
            and np.array_equal(a, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def _same_context(a: Snapshot, b: Snapshot) -> bool:
    return all(_same(getattr(a, f), getattr(b, f))
               for f in ("kind", "config", "dataset_label", "loss_label", "log_loss", "modes", "bounds"))


class FrameStore:
    """The recorded frames of one run, oldest first, within `budget` bytes (thread-safe: the runner's
    receiver adds, the page reads)."""

    def __init__(self, budget: int = REPLAY_BYTES, tail_share: float = TAIL_SHARE):
        self.budget = int(budget)
        self.tail_share = float(tail_share)
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._frames: list[Frame] = []
            self._arrays: dict[int, list] = {}   # id(array) -> [array, frames holding it]
            self._bytes = 0
            self._seq = 0
            self.stride = 1                       # the older frames kept: seq a multiple of it

    # ----- recording ----------------------------------------------------------------------------
    def add(self, snap: Any) -> bool:
        """Record a published snapshot; False when it is not recordable (another data kind, a
        diverged run's stale views, recording off). A step already recorded replaces its frame (a
        paused run redrawn); a step before the newest starts a new run (a reset)."""
        keys = FRAME_KEYS.get(getattr(snap, "kind", None))
        if keys is None or self.budget <= 0 or getattr(snap, "diverged", None) is not None:
            return False
        views = {k: snap.views[k] for k in keys if snap.views.get(k) is not None}
        with self._lock:
            if self._frames and snap.step < self._frames[-1].step:
                self._drop_all()
            if self._frames and snap.step == self._frames[-1].step:
                self._release(self._frames.pop())
            prev = self._frames[-1] if self._frames else None
            for k, a in views.items():
                if prev is not None and k in prev.views and _same(prev.views[k], a):
                    views[k] = prev.views[k]           # shared, counted once
                else:
                    views[k] = np.array(a, dtype=np.float32)  # its own copy: nbytes is what it holds
            context = _context(snap)
            if prev is not None and _same_context(prev.context, context):
                context = prev.context
            size = FRAME_OVERHEAD + sum(a.nbytes for a in views.values())
            frame = Frame(self._seq, int(snap.step), views, context, size)
            self._seq += 1
            self._hold(frame)
            self._frames.append(frame)
            self._fit()
        return True

    def _hold(self, frame: Frame) -> None:
        self._bytes += FRAME_OVERHEAD
        for a in frame.views.values():
            entry = self._arrays.get(id(a))
            if entry is None:
                self._arrays[id(a)] = [a, 1]
                self._bytes += a.nbytes
            else:
                entry[1] += 1

    def _release(self, frame: Frame) -> None:
        self._bytes -= FRAME_OVERHEAD
        for a in frame.views.values():
            entry = self._arrays[id(a)]
            entry[1] -= 1
            if entry[1] == 0:
                del self._arrays[id(a)]
                self._bytes -= a.nbytes

    def _drop_all(self) -> None:
        self._frames, self._arrays, self._bytes, self._seq, self.stride = [], {}, 0, 0, 1

    def _tail_start(self) -> int:
        """Index of the oldest frame of the dense tail (the newest frames within tail_share · budget;
        at least the newest frame)."""
        i = len(self._frames) - 1
        room = self.tail_share * self.budget - self._frames[i].nbytes
        while i > 0:
            room -= self._frames[i - 1].nbytes
            if room < 0:
                break
            i -= 1
        return i

    def _thin_older(self) -> bool:
        """Keep, before the dense tail, only frames on the stride; True when any was dropped."""
        start = self._tail_start()
        kept, dropped = [], []
        for f in self._frames[:start]:
            (kept if f.seq % self.stride == 0 else dropped).append(f)
        for f in dropped:
            self._release(f)
        self._frames = kept + self._frames[start:]
        return bool(dropped)

    def _fit(self) -> None:
        self._thin_older()  # a frame leaving the tail stays only if it is on the stride
        while self._bytes > self.budget and len(self._frames) > 1:
            self.stride *= 2
            if not self._thin_older():  # nothing left to thin but the first frame (a budget of a few frames)
                self._release(self._frames.pop(0))

    # ----- reading ------------------------------------------------------------------------------
    def frames(self) -> list[Frame]:
        with self._lock:
            return list(self._frames)

    def steps(self) -> list[int]:
        with self._lock:
            return [f.step for f in self._frames]

    def __len__(self) -> int:
        return len(self._frames)

    @property
    def nbytes(self) -> int:
        """Bytes held: every distinct array's data plus FRAME_OVERHEAD per frame."""
        return self._bytes

    def at(self, step: int) -> Frame | None:
        """The frame recorded at `step`, or the nearest recorded one (the earlier on a tie); None when
        nothing is recorded."""
        with self._lock:
            frames = list(self._frames)
        if not frames:
            return None
        steps = [f.step for f in frames]
        i = bisect.bisect_left(steps, step)
        if i == len(steps) or (i > 0 and step - steps[i - 1] <= steps[i] - step):
            i -= 1
        return frames[i]


def nearest_step(steps: list[int], step: int | None) -> int | None:
    """The recorded step nearest `step` (the newest when `step` is None); None when `steps` is empty."""
    if not steps:
        return None
    if step is None:
        return steps[-1]
    return min(steps, key=lambda s: (abs(s - step), s))


__all__ = ["Frame", "FrameStore", "FRAME_KEYS", "REPLAY_BYTES", "FRAME_OVERHEAD", "nearest_step"]
