"""Issue 11, parts 1-2: critic-only and generator-only updates, and the explained step."""
import numpy as np
import pytest
import torch

from playground.anatomy import magnification, phases
from playground.explain import NO_OBSERVER, StepObserver
from playground.plots.anatomy import arrow_reference, live_arrow_ref, phase_figure, phase_frame
from playground.plots.toy import ARROW_FRACTION
from playground.plots.canvas import from_b64
from playground.live.runner import Options, Runner
from playground.trainer import Trainer
from tests.helpers_engine import param_vector, small_config

THREAD = Options(mode="thread", threads=1)


def state(t: Trainer) -> dict:
    """Everything a step changes: both networks, both optimisers' moments, the random stream."""
    opt = lambda o: [v.clone() for s in o.state.values() for v in s.values() if torch.is_tensor(v)]  # noqa: E731
    return {"G": param_vector(t.G), "D": param_vector(t.D), "opt_g": opt(t.opt_g), "opt_d": opt(t.opt_d),
            "rng": t.gen.get_state().clone(), "step": t.step_count, "critic": t.critic_updates,
            "ema": param_vector(t.G_ema) if t.G_ema is not None else None}


def assert_same(a: dict, b: dict) -> None:
    assert a["step"] == b["step"] and a["critic"] == b["critic"]
    np.testing.assert_array_equal(a["G"], b["G"])
    np.testing.assert_array_equal(a["D"], b["D"])
    assert torch.equal(a["rng"], b["rng"])
    for x, y in zip(a["opt_g"] + a["opt_d"], b["opt_g"] + b["opt_d"], strict=True):
        assert torch.equal(x, y)
    if a["ema"] is not None:
        np.testing.assert_array_equal(a["ema"], b["ema"])


def test_critic_step_moves_only_the_critic_and_is_counted():
    t = Trainer(small_config())
    t.run(3)
    g, d = param_vector(t.G), param_vector(t.D)
    t.critic_step()
    assert t.step_count == 3 and t.critic_updates == 4
    np.testing.assert_array_equal(param_vector(t.G), g)
    assert not np.array_equal(param_vector(t.D), d)
    rec = t.history[-1]
    assert rec["update"] == "critic" and rec["step"] == 3 and rec["critic_updates"] == 4
    assert np.isfinite(rec["d_loss"])


def test_generator_step_moves_only_the_generator_and_is_counted():
    t = Trainer(small_config(n_critic=3))
    t.run(2)
    assert t.critic_updates == 6
    g, d = param_vector(t.G), param_vector(t.D)
    t.generator_step()
    assert t.step_count == 3 and t.critic_updates == 6
    np.testing.assert_array_equal(param_vector(t.D), d)
    assert not np.array_equal(param_vector(t.G), g)
    rec = t.history[-1]
    assert rec["update"] == "generator" and rec["step"] == 3 and np.isnan(rec["d_loss"])
    assert np.isfinite(rec["g_loss"])


@pytest.mark.parametrize("loss", ["ns", "rsgan"])
def test_the_same_clicks_give_the_same_run(loss):
    clicks = ["critic", "generator", "step", "critic", "critic", "generator", "step", "explain"]
    runs = []
    for _ in range(2):
        t = Trainer(small_config(loss=loss))
        for c in clicks:
            {"critic": t.critic_step, "generator": t.generator_step, "step": t.step, "explain": t.explain_step}[c]()
        runs.append(state(t))
    assert_same(*runs)
    assert runs[0]["step"] == 5 and runs[0]["critic"] == 6  # 3 alone + 3 in the whole steps


@pytest.mark.parametrize("overrides", [
    {}, {"loss": "wgan", "lipschitz": "gp", "n_critic": 3}, {"lipschitz": "sn"}, {"loss": "rsgan"},
    {"g_ema": 0.99, "lipschitz": "clip", "loss": "wgan"}, {"dataset": "two_modes1d", "lipschitz": "r1"}])
def test_an_explained_step_leaves_the_trainer_where_a_step_does(overrides):
    a, b = Trainer(small_config(**overrides)), Trainer(small_config(**overrides))
    a.run(4)
    b.run(4)
    a.step()
    trace = b.explain_step()
    assert_same(state(a), state(b))
    assert len(trace["critic"]) == a.config.n_critic
    a.run(3)  # and it goes on identically
    b.run(3)
    assert_same(state(a), state(b))


class PhaseLog(StepObserver):
    def __init__(self):
        self.calls = []

    def before_critic(self):
        self.calls.append("before_critic")

    def after_critic_update(self, real, fake, r, f, d_loss):
        self.calls.append("after_critic_update")

    def after_generator_update(self, z, fake, g_loss):
        assert fake.grad is not None and fake.shape[0] == z.shape[0]
        self.calls.append("after_generator_update")


def test_the_step_calls_its_observer_at_each_phase_and_explain_step_removes_it():
    t = Trainer(small_config(n_critic=3))
    assert t._observer is NO_OBSERVER
    t._observer = log = PhaseLog()
    t.run(2)
    per_step = ["before_critic", "after_critic_update"] * 3 + ["after_generator_update"]
    assert log.calls == per_step * 2
    t._observer = NO_OBSERVER
    t.explain_step()
    assert t._observer is NO_OBSERVER


def test_the_explained_step_records_what_the_update_used():
    """The recorded gradient is −∂ℓ_G/∂x of the step (NS loss: σ(−D(x))·∇ₓD(x) per sample, closed
    form), and 'after' is the updated generator applied to the recorded z."""
    t = Trainer(small_config())
    t.run(5)
    trace = t.explain_step(n_show=32)
    gen = trace["generator"]
    x = torch.tensor(gen["before"], requires_grad=True)
    with t.inspecting():  # the critic after its update: the one the generator step saw
        d = t.D(x).view(-1)
        (grad_d,) = torch.autograd.grad(d.sum(), x)
        expected = torch.sigmoid(-d).detach()[:, None] * grad_d
        np.testing.assert_allclose(gen["push"], expected.numpy(), rtol=1e-4, atol=1e-7)
        with torch.no_grad():
            np.testing.assert_allclose(gen["after"], t.G(torch.tensor(gen["z"])).numpy(), rtol=1e-5, atol=1e-6)
    c = trace["critic"][0]
    assert c["real"].shape == (32, 2) and c["real_score"].shape == (32,)
    assert trace["landscape_before"].shape == c["landscape_after"].shape
    assert not np.array_equal(trace["landscape_before"], c["landscape_after"]), "the critic update shows"


@pytest.mark.parametrize("dataset,n_critic", [("ring8", 1), ("ring8", 3), ("two_modes1d", 2)])
def test_phases_and_their_figures(dataset, n_critic):
    t = Trainer(small_config(dataset=dataset, n_critic=n_critic))
    t.run(3)
    before = t.snapshot(200)
    trace = t.explain_step()
    snap = t.snapshot(200)
    snap.explain = trace
    ph = phases(trace, snap.log_loss)
    assert [p.key for p in ph] == ["batches", "scores"] + ["critic"] * n_critic + ["gradient", "update"]
    assert [p.critic for p in ph if p.key == "critic"] == list(range(n_critic))
    ref = live_arrow_ref(before.views, before.kind)
    assert ref is not None and ref > 0
    for i, p in enumerate(ph):
        fig = phase_figure(snap, i, arrow_ref=ref)
        assert p.title in fig.layout.title.text
        names = " ".join(tr.name or "" for tr in fig.data)
        if p.key == "gradient":
            assert "live scale" in names
        if p.key == "critic":
            assert "before this update" in names
        if p.key == "scores":
            assert any(getattr(tr.marker, "colorscale", None) for tr in fig.data if tr.type == "scatter")
        if snap.kind == "1d":
            assert fig.layout.yaxis.title.text in ("discriminator σ(D(x))", "critic D(x)")


@pytest.mark.parametrize("n_critic", [1, 2])
def test_phase_frames_for_the_canvas(n_critic):
    """The explained step on the live view's canvas (2D): each phase draws the recorded arrays; the
    samples of one set glide between phases (the generator's batch from its gradient to its update, a
    critic update's batch from its scores), one critic scale serves the whole step, and a 1D step has
    no canvas frame (its phases stay Plotly figures)."""
    t = Trainer(small_config(dataset="ring8", n_critic=n_critic))
    t.run(3)
    ref = live_arrow_ref(t.snapshot(200).views, "2d")
    trace = t.explain_step()
    snap = t.snapshot(200)
    snap.explain = trace
    ph = phases(trace, snap.log_loss)
    frames = [phase_frame(snap, i, arrow_ref=ref) for i in range(len(ph))]
    gen, critic = trace["generator"], trace["critic"]
    every = np.concatenate([np.ravel(trace["landscape_before"])] + [np.ravel(c["landscape_after"]) for c in critic])
    assert len({f["id"] for f in frames}) == len(frames)
    for p, f in zip(ph, frames, strict=True):
        assert f["title"] == f"Step {trace['step']:,}: {p.title}"
        assert (f["grid"]["zmin"], f["grid"]["zmax"]) == pytest.approx((every.min(), every.max()), rel=1e-6)
        if p.key in ("batches", "scores", "critic"):
            c = critic[p.critic or 0]
            assert f["fake_set"] == f"critic {p.critic or 0}"
            np.testing.assert_array_equal(from_b64(f["real"], 2), c["real"])
            np.testing.assert_array_equal(from_b64(f["fake"], 2), c["fake"])
        else:
            assert f["fake_set"] == "generator"
    by = {p.key: f for p, f in zip(ph, frames)}
    np.testing.assert_array_equal(from_b64(by["gradient"]["fake"], 2), gen["before"])
    np.testing.assert_array_equal(from_b64(by["gradient"]["push"], 2), gen["push"])
    width = snap.bounds[0][1] - snap.bounds[0][0]
    # the live arrows' scale: the live view's longest arrow (norm `ref`) spans 8 % of the width
    assert by["gradient"]["arrow_scale"] == pytest.approx(0.08 * width / ref)
    update = by["update"]
    np.testing.assert_array_equal(from_b64(update["fake"], 2), gen["after"])
    np.testing.assert_array_equal(from_b64(update["ghost"], 2), gen["before"])
    np.testing.assert_array_equal(from_b64(update["push_at"], 2), gen["before"])
    np.testing.assert_allclose(from_b64(update["push"], 2), gen["after"] - gen["before"], atol=1e-6)
    assert update["arrow_scale"] == magnification(width, np.linalg.norm(gen["after"] - gen["before"], axis=1))
    scored = by["scores"]["scores"]
    sc = np.concatenate([critic[0]["real_score"], critic[0]["fake_score"]])
    assert scored["range"] == pytest.approx([sc.min(), sc.max()], rel=1e-6)
    np.testing.assert_array_equal(from_b64(scored["real"]), critic[0]["real_score"])
    crit = [f for p, f in zip(ph, frames) if p.key == "critic"]
    np.testing.assert_array_equal(from_b64(crit[0]["grid"]["before"]), np.ravel(trace["landscape_before"]))
    np.testing.assert_array_equal(from_b64(crit[-1]["grid"]["z"]), np.ravel(critic[-1]["landscape_after"]))
    assert by["batches"]["grid"]["before"] is None



@pytest.mark.parametrize("loss", ["ns", "wgan"])
def test_phase_frames_in_1d(loss):
    """1D: the critic curve (σ(D) for a log-loss critic) on the view's x grid and one scale for the
    step, dotted before a critic update; the batches as rows of points; the update moves the
    generator's batch from before to after (before kept faint), its arrows from before."""
    t = Trainer(small_config(dataset="two_modes1d", loss=loss, lipschitz="gp" if loss == "wgan" else "none"))
    t.run(2)
    trace = t.explain_step()
    snap = t.snapshot(200)
    snap.explain = trace
    ph = phases(trace, snap.log_loss)
    frames = [phase_frame(snap, i) for i in range(len(ph))]
    x = np.asarray(snap.views["x"], np.float64)
    (cx,) = trace["generator"]["grid_axes"]
    shown = (lambda a: 1 / (1 + np.exp(-np.asarray(a, np.float64)))) if snap.log_loss else np.asarray
    gen, critic = trace["generator"], trace["critic"]
    for p, f in zip(ph, frames, strict=True):
        assert f["kind"] == "1d" and f["rows"] and f["bins"] == 0 and f["title"].endswith(p.title)
        if snap.log_loss:
            assert f["right_range"] == [0.0, 1.04]
        if p.key == "critic":
            np.testing.assert_allclose(from_b64(f["right"]), np.interp(x, cx, shown(critic[p.critic]["landscape_after"]),
                                                                        left=np.nan, right=np.nan), rtol=1e-5)
            was = trace["landscape_before"] if p.critic == 0 else critic[p.critic - 1]["landscape_after"]
            np.testing.assert_allclose(from_b64(f["right_before"]), np.interp(x, cx, shown(was), left=np.nan,
                                                                               right=np.nan), rtol=1e-5)
        if p.key in ("batches", "scores", "critic"):
            np.testing.assert_array_equal(from_b64(f["real"]), np.ravel(critic[p.critic or 0]["real"]))
    update = frames[-1]
    assert update["fake_set"] == frames[-2]["fake_set"] == "generator"
    np.testing.assert_array_equal(from_b64(update["fake"]), np.ravel(gen["after"]))
    np.testing.assert_array_equal(from_b64(update["ghost"]), np.ravel(gen["before"]))
    np.testing.assert_array_equal(from_b64(update["push_x"]), np.ravel(gen["before"]))
    np.testing.assert_allclose(from_b64(update["push"]), np.ravel(gen["after"]) - np.ravel(gen["before"]), atol=1e-6)
    np.testing.assert_array_equal(from_b64(frames[-2]["push"]), np.ravel(gen["push"]))


def test_magnification_is_a_round_factor_that_reaches_the_fraction():
    assert magnification(10.0, [0.6, 0.1]) == 1.0      # already 6 % of the width
    assert magnification(10.0, [0.004]) == 100.0       # 0.6 / 0.004 = 150 -> 100
    assert magnification(10.0, [0.02]) == 20.0         # 30 -> 20
    assert magnification(10.0, [0.0, np.nan]) == 1.0


def test_the_runner_takes_single_updates_and_explains_a_step():
    r = Runner(small_config(), THREAD)
    try:
        assert r.wait_idle(30)
        r.step(1, "critic")
        assert r.wait_idle(30)
        s = r.status()
        assert (s.step, s.critic_updates) == (0, 1)
        r.step(1, "generator")
        r.step(1, "explain")
        assert r.wait_idle(30)
        s, snap = r.status(), r.snapshot()
        assert (s.step, s.critic_updates) == (2, 2)
        assert snap.explain is not None and snap.explain["step"] == 2
        r.step(1)
        assert r.wait_idle(30)
        assert r.snapshot().explain is None, "the phases come with the explained step's frame only"
        assert r.status().critic_updates == 3
    finally:
        r.stop()


def test_explained_arrows_keep_the_live_scale_only_while_every_arrow_fits_it():
    """The live 1D chart scales bin means; one sample's gradient can exceed them, and an arrow on that
    scale would span the chart: then the batch's largest norm is the scale, and the legend says "max"."""
    norms = np.array([0.5, 2.0, 1.0])
    assert arrow_reference(norms, 4.0) == (4.0, "live scale")
    assert arrow_reference(norms, 2.0) == (2.0, "live scale")
    assert arrow_reference(norms, 1.5) == (2.0, "max")
    assert arrow_reference(norms, None) == (2.0, "max")
    assert arrow_reference(np.array([]), None) == (0.0, "max")
    # in a phase frame: the longest arrow is ARROW_FRACTION of the chart at most
    t = Trainer(small_config(dataset="two_modes1d"))
    t.run(3)
    snap = t.snapshot(200)
    snap.explain = t.explain_step()
    ph = phases(snap.explain, snap.log_loss)
    i = [p.key for p in ph].index("gradient")
    frame = phase_frame(snap, i, arrow_ref=1e-9)  # a live scale far below this batch's gradients
    push = from_b64(frame["push"])
    lo, hi = frame["range"]
    assert "max" in " ".join(e["name"] for e in frame["legend"])
    assert np.abs(push).max() * frame["arrow_scale"] <= ARROW_FRACTION * (hi - lo) * (1 + 1e-6)
