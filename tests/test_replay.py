"""Replay: the recorded frames stay within their memory budget over a long run, a chosen step shows
what the run showed at that step, the GIF has one frame per recorded frame, the curves mark the
step, and the toy page scrubs a paused run (AppTest)."""
from __future__ import annotations

import dataclasses
import io
import threading
import tracemalloc

import numpy as np
import pytest
from PIL import Image

from playground.config import RunConfig
from playground.plots import curves, style, timeline, toy as toyplots
from playground.live.replay import FRAME_OVERHEAD, REPLAY_BYTES, FrameStore, nearest_step
from playground.plots.canvas import from_b64
from playground.plots.replay_gif import frame_ms, gif_bytes
from playground.live.runner import Options, Runner
from playground.snapshot import Snapshot
from playground.trainer import Trainer
from tests.helpers_pages import TOY, chart, load_page, status_text, view_frame

RING = RunConfig(dataset="ring8", batch_size=64, g_width=32, d_width=32, g_depth=2, d_depth=2)
LINE = RunConfig(dataset="two_modes1d", batch_size=64, g_width=32, d_width=32, g_depth=2, d_depth=2)
BOUNDS = np.array([[-2.5, 2.5], [-2.5, 2.5]])
REAL = np.random.default_rng(0).normal(size=(1000, 2)).astype(np.float32)


def fake_snapshot(step: int, kind: str = "2d", **changes) -> Snapshot:
    """A snapshot shaped like the toy page's (fresh arrays, as unpickled from the worker; the real
    samples and the grid equal every time, the rest differing by step)."""
    v = float(step)
    if kind == "2d":
        views = {"grid_x": np.linspace(-2.5, 2.5, 60, dtype=np.float32),
                 "grid_y": np.linspace(-2.5, 2.5, 60, dtype=np.float32),
                 "critic": np.full((60, 60), v, np.float32), "real": REAL.copy(),
                 "fake": np.full((1000, 2), v, np.float32), "push_at": np.full((150, 2), v, np.float32),
                 "push": np.full((150, 2), 1.0, np.float32), "map_lines": np.zeros((30, 61, 2), np.float32),
                 "map_note": "not recorded"}
    else:
        x = np.linspace(-3, 3, 400, dtype=np.float32)
        views = {"x": x, "p": np.exp(-x ** 2), "q": np.full(400, v, np.float32), "critic": np.full(400, v, np.float32),
                 "fake": np.full(1000, v, np.float32), "real": REAL[:, 0].copy(),
                 "push_x": np.zeros(200, np.float32), "push": np.ones(200, np.float32)}
    snap = Snapshot(step=step, kind=kind, config={"g_ema": 0.0}, dataset_label="ring", loss_label="ns",
                    log_loss=True, history=[{"step": step}], views=views, bounds=BOUNDS,
                    modes={"centers": np.zeros((8, 2)), "sigma": np.full(8, 0.02)})
    return dataclasses.replace(snap, **changes)


# ----- memory --------------------------------------------------------------------------------------
def test_memory_stays_within_a_small_budget_over_a_long_run():
    budget = 600_000  # about 20 frames
    store = FrameStore(budget)
    traced, over = {}, []

    def record():  # in a thread of its own: a few frames deep, where pytest's stack is ~50
        traced["before"] = tracemalloc.take_snapshot()
        for i in range(2000):
            store.add(fake_snapshot(10 * i))
            if store.nbytes > budget:
                over.append((i, store.nbytes))
        traced["after"] = tracemalloc.take_snapshot()

    # deep tracebacks: every allocation of the loop has record() on its stack. Each allocation costs
    # its traceback's depth, so the shallow thread makes this ~7x cheaper than the test's own stack.
    tracemalloc.start(64)
    try:
        thread = threading.Thread(target=record)
        thread.start()
        thread.join()
    finally:
        tracemalloc.stop()
    before, after = traced["before"], traced["after"]
    assert over == [], "the store went over its budget"
    # only what record() allocated: other threads of the suite (a runner's receiver, Ray's) allocate meanwhile
    here = [tracemalloc.Filter(True, __file__, all_frames=True)]
    held = sum(d.size_diff for d in after.filter_traces(here).compare_to(before.filter_traces(here), "filename"))
    # what the store says it holds is what it holds (arrays, Python objects, its bookkeeping)
    assert held <= budget * 1.05, (held, store.nbytes)
    frames = store.frames()
    steps = [f.step for f in frames]
    assert steps[0] == 0 and steps[-1] == 19_990, "the first and the newest frames are kept"
    assert steps == sorted(set(steps)), "steps strictly increasing"
    assert 8 <= len(frames) <= 25
    # the older frames sit on an even stride (the whole run covered); the newest are dense
    older = [f.seq for f in frames if f.seq % store.stride == 0]
    assert np.all(np.diff(older) == store.stride) and frames[-2].seq == frames[-1].seq - 1
    # a recorded frame is what was published at its step
    f = store.at(steps[3])
    assert f.step == steps[3] and np.all(f.views["fake"] == steps[3]) and "map_lines" not in f.views
    assert f.views["real"] is frames[0].views["real"], "an unchanged array is shared, not copied"


def test_an_hour_of_the_toy_page_fits_the_default_budget():
    """A 2D run published every 0.375 s for an hour (9,600 frames): 24 MB hold the README's figure of
    frames, evenly spread over the hour, the newest dense."""
    store, counts = FrameStore(REPLAY_BYTES), []
    for i in range(9600):
        store.add(fake_snapshot(12 * i))
        if i > 2000:
            counts.append(len(store))
    assert store.nbytes <= REPLAY_BYTES
    assert 550 <= min(counts) and max(counts) <= 1000, (min(counts), max(counts))
    steps = store.steps()
    assert steps[0] == 0 and steps[-1] == 12 * 9599
    assert np.diff(steps).max() <= 12 * store.stride, "no hole in the run"


def test_a_reset_a_redraw_and_unrecordable_snapshots():
    store = FrameStore(REPLAY_BYTES)
    for s in (0, 10, 20):
        store.add(fake_snapshot(s))
    assert store.add(fake_snapshot(20, config={"g_ema": 0.9}))  # the same step redrawn: replaced
    assert store.steps() == [0, 10, 20] and store.at(20).context.config["g_ema"] == 0.9
    assert store.at(10).context is store.at(0).context, "an unchanged context is shared"
    assert not store.add(fake_snapshot(30, diverged={"step": 30, "what": "NaN"})), "stale views of a diverged run"
    assert not store.add(dataclasses.replace(fake_snapshot(40), kind="image"))
    assert store.steps() == [0, 10, 20]
    store.add(fake_snapshot(0))  # a step before the newest: a new run (a reset)
    assert store.steps() == [0] and store.nbytes < 40_000
    store.clear()
    assert store.steps() == [] and store.nbytes == 0 and store.at(5) is None
    assert not FrameStore(0).add(fake_snapshot(0)), "budget 0: recording off"
    assert store.add(fake_snapshot(0, kind="1d")) and store.nbytes > FRAME_OVERHEAD


def test_nearest_recorded_step():
    store = FrameStore()
    for s in (0, 10, 40):
        store.add(fake_snapshot(s))
    assert [store.at(s).step for s in (-5, 4, 5, 6, 39, 100)] == [0, 0, 0, 10, 40, 40]
    assert nearest_step([0, 10, 40], 24) == 10 and nearest_step([0, 10, 40], None) == 40
    assert nearest_step([], 3) is None


# ----- the frame of a step is the run's frame at that step ---------------------------------------
@pytest.mark.parametrize("config", [RING, LINE], ids=["2d", "1d"])
def test_the_frame_of_a_chosen_step_is_what_the_run_showed(config):
    """A live run (in-process worker) stepped to known steps records, at each, exactly the arrays of a
    Trainer's snapshot at that step; drawn, the frame is that snapshot's figure."""
    opts = Options(mode="thread", threads=1)
    r = Runner(config, opts)
    try:
        assert r.wait_idle(20)
        for n in (3, 4, 5):
            r.step(n)
            assert r.wait_idle(20)
        frames = {f.step: f for f in r.replay.frames()}
        assert sorted(frames) == [0, 3, 7, 12]
    finally:
        r.stop()
    t = Trainer(config, log_every=opts.log_every)
    t.evaluate()
    for step, n in ((0, 0), (3, 3), (7, 4), (12, 5)):
        if n:  # the worker evaluates and publishes after each Step
            t.run(n)
            t.evaluate()
        want = t.snapshot(opts.snapshot_points)
        got = frames[step].snapshot()
        assert got.step == step and set(got.views) <= set(want.views)
        for key, a in got.views.items():
            np.testing.assert_array_equal(a, np.asarray(want.views[key], np.float32), err_msg=f"{step}: {key}")
    draw = toyplots.landscape_2d if config is RING else toyplots.distributions_1d
    fig = draw(frames[7].snapshot())
    assert fig.layout.title.text.endswith("step 7")


# ----- GIF -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["2d", "1d"])
def test_the_gif_has_one_frame_per_recorded_frame(kind):
    store = FrameStore()
    for s in range(0, 60, 5):
        store.add(fake_snapshot(s, kind))
    # identical views: only the step (title, progress bar) tells the frames apart, and none is merged
    store.add(dataclasses.replace(fake_snapshot(60, kind), views=fake_snapshot(55, kind).views))
    data = gif_bytes(store.frames(), width=240)
    im = Image.open(io.BytesIO(data))
    assert im.format == "GIF" and im.n_frames == len(store) == 13
    assert im.size[0] == 240 and im.info.get("loop") == 0
    assert im.info["duration"] == frame_ms(13)


def test_gif_of_a_real_run_shows_samples_on_the_landscape():
    t = Trainer(RING)
    store = FrameStore()
    t.evaluate()
    store.add(t.snapshot(1000))
    for _ in range(3):
        t.run(5)
        t.evaluate()
        store.add(t.snapshot(1000))
    im = Image.open(io.BytesIO(gif_bytes(store.frames())))
    assert im.n_frames == 4
    im.seek(3)
    rgb = np.asarray(im.convert("RGB")).reshape(-1, 3)
    colours = {tuple(c) for c in rgb}
    assert {(0x00, 0x72, 0xB2), (0xD5, 0x5E, 0x00)} <= colours, "real (blue) and generated (vermillion) dots"
    assert frame_ms(1000) == 40 and frame_ms(10) == 250 and frame_ms(240) == 100
    with pytest.raises(ValueError):
        gif_bytes([])


# ----- the curves mark the step ------------------------------------------------------------------
@pytest.fixture(scope="module")
def history():
    t = Trainer(RING, log_every=5)
    t.evaluate()
    for _ in range(3):
        t.run(10)
        t.evaluate()
    return t.history


def _marks(fig):
    return [s.x0 for s in fig.layout.shapes if s.name == "replay step"]


@pytest.mark.parametrize("build", [
    lambda h, m: curves.divergences_chart(h, "2d", mark_step=m),
    lambda h, m: curves.critic_estimate_chart(h, True, kind="2d", mark_step=m),
    lambda h, m: curves.losses_chart(h, mark_step=m),
    lambda h, m: curves.modes_chart(h, mark_step=m),
    lambda h, m: curves.gradient_chart(h, mark_step=m),
    lambda h, m: timeline.mode_timeline(h, "2d", mark_step=m),
], ids=["divergences", "estimate", "losses", "modes", "gradients", "timeline"])
def test_the_curves_mark_the_chosen_step(history, build):
    fig = build(history, 20)
    assert _marks(fig) == [20]
    (label,) = [a for a in fig.layout.annotations if a.text == "replay: step 20"]
    assert label.xanchor == "right", "late in the run: the label on the line's left, inside the plot"
    assert [a.xanchor for a in build(history, 5).layout.annotations if a.name == "replay step"] == ["left"]
    assert _marks(build(history, None)) == []
    fig.to_json()


def test_a_replayed_frame_says_so():
    snap = fake_snapshot(120)
    fig = toyplots.landscape_2d(snap)
    top = fig.layout.margin.t
    toyplots.as_replay(fig, 3000)
    assert fig.layout.title.text == "Replay · Critic landscape — step 120"
    assert "the run itself is at step 3,000" in fig.layout.title.subtitle.text
    assert fig.layout.margin.t == top + style.SUBTITLE_LINE_PX


# ----- the toy page (AppTest) --------------------------------------------------------------------
def test_the_page_scrubs_a_paused_run_and_play_leaves_replay(apps):
    at = load_page(TOY, apps)
    runner = at.session_state["_gp_runner_toy"]
    at.button(key="toy_step10").click().run()
    at.button(key="toy_step10").click().run()
    assert "step **20**" in status_text(at)
    at.toggle(key="toy_replay").set_value(True).run()
    assert not at.exception, at.exception
    slider = at.select_slider(key="toy_replay_step")
    assert list(map(int, slider.options)) == [0, 10, 20] and slider.value == 20
    slider.set_value(10).run()
    # the recorded frame in the live view, which moves to it and says it is a replay
    shown = view_frame(at, "toy_chart_main")
    assert (shown["what"], shown["step"], shown["replay_of"]) == ("Critic landscape", 10, 20)
    assert shown["subtitle"][0] == "a recorded frame; the run itself is at step 20"
    frame = runner.replay.at(10)
    np.testing.assert_array_equal(from_b64(shown["fake"], 2), frame.views["fake"][:1000])
    assert not np.array_equal(frame.views["fake"], runner.replay.at(20).views["fake"])
    for key in ("toy_chart_div", "toy_chart_timeline", "toy_chart_loss"):
        assert [s["x0"] for s in chart(at, key)["layout"].get("shapes", [])] == [10], key
    at.button(key="toy_play").click().run()  # Play leaves replay: the live view again
    assert not at.exception, at.exception
    assert at.toggle(key="toy_replay").value is False
    runner.pause()
    assert runner.wait_idle(20)
    at.run()
    assert not chart(at, "toy_chart_main")["layout"]["title"]["text"].startswith("Replay")  # paused: Plotly
    assert not chart(at, "toy_chart_div")["layout"].get("shapes")
    at.button(key="toy_reset").click().run()
    assert runner.replay.steps() == [0], "Reset clears the recorded frames"
