"""The server and its training workers on separate cores while there are cores to spare (placement.py)."""
import os

import pytest

from playground.live import placement
from playground.config import RunConfig
from playground.live.placement import Placement, plan
from playground.live.runner import Options, Runner
from tests.test_faults import wait_for

CFG = RunConfig(dataset="two_modes1d", batch_size=64, g_width=32, d_width=32, g_depth=2, d_depth=2)
EVERYWHERE = lambda cpus: Placement(frozenset(cpus), frozenset(cpus))  # noqa: E731


@pytest.mark.parametrize("cpus, n, want", [
    ({0}, 1, EVERYWHERE({0})),                                    # one core: nothing to separate
    ({0, 1}, 0, EVERYWHERE({0, 1})),                              # nothing training
    ({0, 1}, 1, Placement(frozenset({0}), frozenset({1}))),
    ({0, 1}, 2, EVERYWHERE({0, 1})),                              # two runs need both cores
    ({2, 5, 7}, 2, Placement(frozenset({2}), frozenset({5, 7}))),  # the cores allowed, lowest first
    ({0, 1, 2, 3}, 3, Placement(frozenset({0}), frozenset({1, 2, 3}))),
    ({0, 1, 2, 3}, 4, EVERYWHERE(range(4))),
    (range(8), 5, Placement(frozenset({0, 1}), frozenset(range(2, 8)))),  # ⌈5/4⌉ = 2 cores for the server
    (range(8), 6, Placement(frozenset({0, 1}), frozenset(range(2, 8)))),
    (range(8), 7, EVERYWHERE(range(8))),
])
def test_the_rule(cpus, n, want):
    got = plan(cpus, n)
    assert got == want
    assert got.apart == (got.server != got.workers)


def _affinities(pid: int) -> set[frozenset[int]]:
    """The CPU affinity of every thread of process `pid` (a thread that ends while we read is skipped)."""
    out = set()
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            out.add(frozenset(os.sched_getaffinity(int(t))))
        except ProcessLookupError:  # torch's and the pool's short-lived threads come and go
            continue
    return out


needs_affinity = pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(placement.CPUS) < 2,
                                    reason="needs Linux CPU affinity and at least 2 cores")


@pytest.fixture
def restore_cores():
    yield
    placement.place([])  # whatever a failed test left: this process back on every core


@needs_affinity
def test_a_training_worker_and_the_server_keep_to_their_own_cores(restore_cores):
    one = plan(placement.CPUS, 1)
    a = Runner(CFG, Options(threads=1))
    b = None
    try:
        assert a.wait_idle(60)
        a.play()
        assert wait_for(lambda: _affinities(os.getpid()) == {one.server}, timeout=10), _affinities(os.getpid())
        assert _affinities(a._proc.pid) == {one.workers}, "every thread of the worker, on the workers' cores"
        # a second run: on 2 cores (or 3) the two cannot both have a core of their own, the server one more
        b = Runner(CFG, Options(threads=1))
        assert b.wait_idle(60)
        b.play()
        two = plan(placement.CPUS, 2)
        assert wait_for(lambda: _affinities(os.getpid()) == {two.server}, timeout=10)
        for r in (a, b):
            assert _affinities(r._proc.pid) == {two.workers}
        # a run training inside this process (a thread runner) keeps the server on every core
        c = Runner(CFG, Options(mode="thread", threads=1))
        try:
            assert c.wait_idle(60)
            c.play()
            assert wait_for(lambda: _affinities(os.getpid()) == {placement.CPUS}, timeout=10)
        finally:
            c.stop()
        a.pause()
        b.pause()
        assert wait_for(lambda: _affinities(os.getpid()) == {placement.CPUS}, timeout=10), "nothing trains"
    finally:
        for r in (a, b):
            if r is not None:
                r.stop()
    assert _affinities(os.getpid()) == {placement.CPUS}
