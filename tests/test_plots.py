"""Plot builders: real snapshots from short Trainer runs in, plotly Figures out (no browser)."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from playground import metrics as M
from playground.plots import curves, style, toy
from playground.recipes import recommended_config
from playground.trainer import Diverged, Trainer


def _run(dataset, loss, lip, steps, evals=2, **kw):
    t = Trainer(recommended_config(dataset, loss, lip, **kw))
    t.evaluate()
    for _ in range(evals):
        t.run(steps // evals)
        t.evaluate()
    return t


@pytest.fixture(scope="module")
def ring_ns():
    return _run("ring8", "ns", "none", 40).snapshot(1000)


@pytest.fixture(scope="module")
def ring_wgp():
    return _run("ring8", "wgan", "gp", 20).snapshot(1000)


@pytest.fixture(scope="module")
def spiral():
    return _run("spiral", "ns", "none", 20, evals=1).snapshot(1000)


@pytest.fixture(scope="module")
def two_modes_ns():
    return _run("two_modes1d", "ns", "none", 40).snapshot(1000)


@pytest.fixture(scope="module")
def three_modes_w():
    return _run("three_modes1d", "wgan", "gp", 20).snapshot(1000)


@pytest.fixture(scope="module")
def diverged_2d():
    t = _run("ring8", "ns", "none", 20, evals=1)
    with torch.no_grad():
        for p in t.D.parameters():
            p.fill_(float("nan"))
    with pytest.raises(Diverged):
        t.run(1)
    return t.snapshot(1000)


def names(fig):
    """The traces' names as text (a long legend entry is wrapped with <br> where it would be cut)."""
    return [tr.name.replace("<br>", " ") if tr.name else tr.name for tr in fig.data]


def by_name(fig, prefix):
    hits = [tr for tr in fig.data if tr.name and tr.name.startswith(prefix)]
    assert len(hits) == 1, (prefix, names(fig))
    return hits[0]


def check_common(fig):
    assert isinstance(fig, go.Figure)
    assert fig.layout.title.text
    assert fig.layout.uirevision
    fig.to_json()  # serialisable as sent to the browser


# ----- landscape --------------------------------------------------------------------------------
def test_landscape_traces_and_layout(ring_ns):
    fig = toy.landscape_2d(ring_ns)
    check_common(fig)
    n = names(fig)
    assert n[:2] == ["critic D(x)", "critic contours"]
    assert n[2].startswith("modes covered (") and n[3].startswith("modes missed (")
    assert n[4] == "real data" and n[5].startswith("generated")
    assert n[6].startswith("push −∇ℓ_G (max ")
    heat = fig.data[0]
    assert heat.type == "heatmap" and np.asarray(heat.z).shape == (60, 60)
    assert "critic D(x)" in heat.colorbar.title.text
    for tr in fig.data[2:6]:
        assert len(tr.x) <= style.MAX_POINTS and len(tr.x) == len(tr.y)
        assert np.asarray(tr.x).dtype == np.float32
    b = ring_ns.bounds
    assert list(fig.layout.xaxis.range) == pytest.approx(list(b[0]))
    assert list(fig.layout.yaxis.range) == pytest.approx(list(b[1]))
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    # legend never covers the plot: it sits above the plotting area
    assert fig.layout.legend.yanchor == "bottom" and fig.layout.legend.y >= 1.0


def test_landscape_mode_counts_match_metrics(ring_wgp):
    fig = toy.landscape_2d(ring_wgp)
    cov, miss = by_name(fig, "modes covered"), by_name(fig, "modes missed")
    assert len(cov.x) + len(miss.x) == 8
    m = M.mode_coverage(ring_wgp.views["fake"], ring_wgp.modes["centers"], ring_wgp.modes["sigma"])
    assert len(cov.x) == m["modes_covered"]
    assert cov.name == f"modes covered ({m['modes_covered']}/8)"


def test_landscape_options_and_no_modes(ring_ns, spiral):
    assert len(toy.landscape_2d(ring_ns, show_arrows=False, show_modes=False).data) == 4
    fig = toy.landscape_2d(spiral)
    check_common(fig)
    assert not any(n.startswith("modes") for n in names(fig))
    assert len(fig.data) == 5


def test_landscape_thins_large_clouds(ring_ns):
    v = dict(ring_ns.views)
    v["real"] = np.tile(v["real"], (5, 1))
    v["fake"] = np.tile(v["fake"], (5, 1))
    fig = toy.landscape_2d(dataclasses.replace(ring_ns, views=v))
    assert len(by_name(fig, "real data").x) == style.MAX_POINTS
    assert len(by_name(fig, "generated").x) == style.MAX_POINTS


def test_arrow_scaling_keeps_relative_lengths():
    at = np.zeros((3, 2))
    vec = np.array([[2.0, 0.0], [0.0, 1.0], [0.0, 0.02]])
    seg = toy.arrow_segments(at, vec, length=10.0)
    lengths = np.hypot(seg["xs"][1::3] - seg["xs"][0::3], seg["ys"][1::3] - seg["ys"][0::3])
    assert lengths.max() == pytest.approx(0.08 * 10.0)
    assert lengths / lengths.max() == pytest.approx([1.0, 0.5, 0.01])
    assert np.isnan(seg["xs"][2::3]).all()  # gaps between arrows
    # a fixed reference keeps the scale across frames: half the reference -> half the length
    seg2 = toy.arrow_segments(at, vec, length=10.0, ref=4.0)
    assert np.hypot(seg2["xs"][1] - seg2["xs"][0], seg2["ys"][1] - seg2["ys"][0]) == pytest.approx(0.4)


def test_landscape_arrows_on_real_snapshot(ring_wgp):
    fig = toy.landscape_2d(ring_wgp)
    tr = by_name(fig, "push")
    x, y = np.asarray(tr.x, float), np.asarray(tr.y, float)
    lengths = np.hypot(x[1::3] - x[0::3], y[1::3] - y[0::3])
    norms = np.linalg.norm(ring_wgp.views["push"], axis=1)
    width = ring_wgp.bounds[0, 1] - ring_wgp.bounds[0, 0]
    assert lengths.max() == pytest.approx(0.08 * width, rel=1e-4)
    assert lengths / lengths.max() == pytest.approx(norms / norms.max(), rel=1e-3, abs=1e-6)
    assert f"max {norms.max():.3g}" in tr.name


def test_landscape_zero_and_missing_push(ring_ns):
    v = dict(ring_ns.views, push=np.zeros_like(ring_ns.views["push"]))
    fig = toy.landscape_2d(dataclasses.replace(ring_ns, views=v))
    assert by_name(fig, "push").name.endswith("(all zero)")
    v = {k: val for k, val in ring_ns.views.items() if k not in ("push", "push_at")}
    fig = toy.landscape_2d(dataclasses.replace(ring_ns, views=v))
    assert by_name(fig, "push").name.endswith("(none)")


def test_landscape_diverged(diverged_2d):
    assert diverged_2d.diverged is not None
    fig = toy.landscape_2d(diverged_2d)
    check_common(fig)
    assert "diverged" in fig.layout.title.subtitle.text
    assert any("not finite" in (a.text or "") for a in fig.layout.annotations)


# ----- 1D ---------------------------------------------------------------------------------------
def test_distributions_1d_log_loss(two_modes_ns):
    fig = toy.distributions_1d(two_modes_ns)
    check_common(fig)
    n = names(fig)
    for want in ("generated: histogram", "generated: Gaussian KDE q(x)", "data p(x)",
                 "discriminator σ(D(x))", "optimal D*(x) = p/(p+q)"):
        assert want in n
    push = by_name(fig, "push −∂ℓ_G/∂x (bin mean, max ")
    x = np.asarray(push.x, float)
    lengths = np.abs(x[1::3] - x[0::3])
    span = fig.layout.xaxis.range[1] - fig.layout.xaxis.range[0]
    assert lengths.max() == pytest.approx(0.08 * span, rel=1e-4)  # same scaling rule as in 2D
    assert "histogram + Gaussian KDE" in fig.layout.title.subtitle.text
    prob = np.asarray(by_name(fig, "discriminator").y, float)
    assert np.nanmin(prob) >= 0 and np.nanmax(prob) <= 1
    assert by_name(fig, "discriminator").yaxis == "y2" and by_name(fig, "optimal D*").yaxis == "y2"
    hist = by_name(fig, "generated: histogram")
    mass = float(np.sum(np.asarray(hist.y, float)) * hist.width)
    assert 0.9 <= mass <= 1.0 + 1e-5  # density over all samples; a few may lie outside the range
    for tr in fig.data:
        assert len(tr.x) <= style.MAX_CURVE_POINTS


def test_distributions_1d_wasserstein(three_modes_w):
    fig = toy.distributions_1d(three_modes_w)
    check_common(fig)
    n = names(fig)
    assert "critic D(x)" in n and not any("D*" in x for x in n)
    assert by_name(fig, "critic D(x)").yaxis == "y2"
    assert len(toy.distributions_1d(three_modes_w, show_arrows=False).data) == len(fig.data) - 1


def test_distributions_1d_nonfinite_and_collapsed(two_modes_ns):
    v = dict(two_modes_ns.views)
    v["critic"] = np.full_like(v["critic"], np.nan)
    v["push"] = np.full_like(v["push"], np.nan)
    v["fake"] = np.where(np.arange(len(v["fake"])) < 10, np.nan, 0.5).astype(np.float32)
    v["q"] = np.where(np.abs(v["x"] - 0.5) < 0.05, 1e3, 0.0).astype(np.float32)
    snap = dataclasses.replace(two_modes_ns, views=v, diverged={"what": "critic loss became NaN", "step": 41})
    fig = toy.distributions_1d(snap)
    check_common(fig)
    sub = fig.layout.title.subtitle.text
    assert "diverged at step 41" in sub and "clipped" in sub and "10 non-finite" in sub


# ----- curves -----------------------------------------------------------------------------------
def test_history_arrays():
    h = [{"step": 1, "d_loss": 0.5}, {"step": 2, "d_loss": None, "kl": float("inf")}, {"step": 3, "kl": "x"}]
    a = curves.history_arrays(h)
    assert set(a) == {"step", "d_loss", "kl"}
    assert all(v.dtype == np.float32 and len(v) == 3 for v in a.values())
    assert a["d_loss"][0] == 0.5 and np.isnan(a["d_loss"][1:]).all()
    assert np.isposinf(a["kl"][1]) and np.isnan(a["kl"][2])
    assert curves.history_arrays([], ["w1"])["w1"].shape == (0,)


def test_curves_on_real_history(ring_ns, ring_wgp, two_modes_ns):
    h = ring_ns.history
    n_eval = sum("w1" in r for r in h)
    fig = curves.losses_chart(h)
    check_common(fig)
    assert names(fig) == ["critic loss L_D", "generator loss L_G", "mean D(real)", "mean D(fake)"]
    assert len(fig.data[0].x) == sum("d_loss" in r for r in h)

    fig = curves.divergences_chart(h, "2d")
    check_common(fig)
    assert by_name(fig, "W1 (optimal matching, n=512").x.shape == (n_eval,)
    assert "JS (2D histogram)" in names(fig) and "ln 2 = JS of disjoint supports" in names(fig)
    assert any(n.startswith("W1 noise floor") for n in names(fig))
    assert fig.layout.yaxis3.type == "log"
    assert np.asarray(by_name(fig, "ln 2").y) == pytest.approx([math.log(2)] * 2)

    fig = curves.divergences_chart(two_modes_ns.history, "1d")
    assert "W1 (exact, 1D CDFs)" in names(fig) and "JS (KDE on grid)" in names(fig)
    assert not any(n.startswith("W1 noise floor") for n in names(fig))

    fig = curves.critic_estimate_chart(h, True, kind="2d")
    check_common(fig)
    assert names(fig)[0].startswith("implied JS") and names(fig)[1] == "measured JS (2D histogram)"
    fig = curves.critic_estimate_chart(ring_wgp.history, False, kind="2d")
    assert names(fig)[0] == "critic: E[D(real)] − E[D(fake)]"
    assert names(fig)[1].startswith("measured W1")

    fig = curves.modes_chart(h)
    check_common(fig)
    assert names(fig) == ["modes covered (of 8)", "all 8 modes", "high quality (within 3σ)", "modes visited so far"]
    assert fig.data[2].yaxis == "y2" and fig.data[3].yaxis == "y"

    fig = curves.gradient_chart(h)
    check_common(fig)
    assert names(fig)[:2] == ["generator ‖∇ₓ ℓ_G‖", "critic ‖∇ₓ D‖"]
    assert fig.layout.yaxis.type == "log"


@pytest.mark.parametrize("history", [[], None, [{"step": 0, "seconds": 0.0}]])
def test_curves_empty_history(history):
    figs = [curves.losses_chart(history), curves.divergences_chart(history, "2d"),
            curves.critic_estimate_chart(history, True), curves.critic_estimate_chart(history, False),
            curves.modes_chart(history), curves.gradient_chart(history)]
    for fig in figs:
        check_common(fig)
        assert len(fig.data) == 0 and len(fig.layout.annotations) == 1


def test_modes_chart_without_modes(spiral):
    fig = curves.modes_chart(spiral.history)
    assert len(fig.data) == 0 and "modes" in fig.layout.annotations[0].text
    assert len(curves.divergences_chart(spiral.history, "2d").data) > 0


def test_infinite_and_missing_values():
    h = [{"step": s, "d_loss": 1.0, "g_loss": float("nan"), "g_grad_norm": 0.0 if s == 20 else 0.1,
          "critic_grad_norm": None, "w1": 1.0, "js": 0.5, "kl": float("inf") if s in (10, 30) else 2.0,
          "reverse_kl": 1.0, "implied_js": -0.02} for s in (10, 20, 30, 40)]
    fig = curves.divergences_chart(h, "1d")
    kl = np.asarray(by_name(fig, "KL(p‖q)").y, float)
    assert np.isnan(kl[[0, 2]]).all() and kl[1] == 2.0
    marks = by_name(fig, "KL = ∞")
    assert marks.showlegend and list(marks.x) == [10, 30]
    fig = curves.gradient_chart(h)  # zero and None on a log axis -> gaps
    assert np.isnan(np.asarray(fig.data[0].y, float)[1])
    assert np.isnan(np.asarray(fig.data[1].y, float)).all()
    check_common(curves.losses_chart(h))
    fig = curves.critic_estimate_chart(h, True)
    assert fig.layout.yaxis.range[0] < 0  # a negative implied JS stays on the chart
    # no infinities: the ∞ marker trace is there but out of the legend
    h2 = [dict(r, kl=2.0) for r in h]
    assert by_name(curves.divergences_chart(h2, "1d"), "KL = ∞").showlegend is False


def test_long_history_is_thinned():
    n = 10_000
    h = [{"step": i + 1, "d_loss": float(i), "g_loss": 1.0, "g_grad_norm": 1.0, "critic_grad_norm": 1.0,
          "w1": 1.0, "js": 0.1, "kl": 1.0, "reverse_kl": 1.0, "modes_covered": 3, "n_modes": 8,
          "high_quality_fraction": 0.5, "wasserstein_estimate": 0.5} for i in range(n)]
    figs = [curves.losses_chart(h), curves.divergences_chart(h, "2d"), curves.critic_estimate_chart(h, False),
            curves.modes_chart(h), curves.gradient_chart(h)]
    for fig in figs:
        for tr in fig.data:
            assert len(tr.x) <= style.MAX_CURVE_POINTS
    x = np.asarray(figs[0].data[0].x)
    assert x[0] == 1 and x[-1] == n  # first and last step kept
    assert np.asarray(figs[0].data[0].x).dtype == np.float32


def test_empty_figure():
    fig = style.empty_figure("nothing here", "A title")
    check_common(fig)
    assert fig.layout.annotations[0].text == "nothing here"
    assert curves.empty_figure is style.empty_figure


def test_samples_from_the_weight_average_are_labelled(ring_ns, two_modes_ns):
    import dataclasses
    for snap, build in ((ring_ns, toy.landscape_2d), (two_modes_ns, toy.distributions_1d)):
        assert snap.config["g_ema"] == 0.99            # the recipes turn the average on
        assert "EMA β = 0.99" in build(snap).layout.to_plotly_json().__repr__()
        raw = dataclasses.replace(snap, config={**snap.config, "g_ema": 0.0})
        assert "EMA" not in build(raw).layout.to_plotly_json().__repr__()


def test_chart_labels_come_from_the_metric_registry(ring_ns, ring_wgp, two_modes_ns):
    from playground.metric_specs import spec
    h = ring_ns.history
    fig = curves.losses_chart(h)
    assert names(fig) == [spec(k).name for k in ("d_loss", "g_loss", "d_real", "d_fake")]
    assert fig.layout.xaxis.title.text == spec("step").label and fig.layout.yaxis.title.text == spec("d_loss").axis

    for snap, kind in ((ring_ns, "2d"), (two_modes_ns, "1d")):
        fig = curves.divergences_chart(snap.history, kind)
        for key in ("w1", "js", "kl", "reverse_kl"):
            assert spec(key, kind).name in names(fig)
        assert [fig.layout.yaxis.title.text, fig.layout.yaxis2.title.text, fig.layout.yaxis3.title.text] == \
            [spec(k, kind).axis_title for k in ("w1", "js", "kl")]
        assert (fig.layout.yaxis3.type == "log") == spec("kl", kind).log
    floor = by_name(curves.divergences_chart(h, "2d"), "W1 noise floor")
    assert np.asarray(floor.y) == pytest.approx([spec("w1", "2d").floor] * 2)

    fig = curves.critic_estimate_chart(h, True, kind="2d")
    assert names(fig)[:2] == [spec("implied_js").name, "measured " + spec("js", "2d").name]
    fig = curves.critic_estimate_chart(ring_wgp.history, False, kind="2d")
    assert names(fig) == [spec("wasserstein_estimate").name, "measured " + spec("w1", "2d").name]
    assert fig.layout.yaxis.title.text == spec("wasserstein_estimate").axis

    fig = curves.modes_chart(h)
    assert names(fig)[0] == f"{spec('modes_covered').name} (of 8)" and names(fig)[2] == spec("high_quality_fraction").name
    assert fig.layout.yaxis2.title.text == spec("high_quality_fraction").axis
    fig = curves.gradient_chart(h)
    assert names(fig)[:2] == [spec("g_grad_norm").name, spec("critic_grad_norm").name]


def test_mnist_chart_labels_come_from_the_metric_registry():
    from playground.metric_specs import spec
    from playground.plots import mnist
    h = [{"step": s, "fid": 30.0 / s, "modes_covered": 3, "n_modes": 10, "mean_confidence": 0.5} for s in (10, 20)]
    fid = spec("fid", "image")
    fig = mnist.frechet_chart(h, 2.5)
    assert fig.layout.yaxis.title.text == fid.axis and (fig.layout.yaxis.type == "log") == fid.log
    assert fig.layout.title.subtitle.text == f"{fid.estimator}; {fid.better} is better"
    assert fid.floor_note in names(fig)[1]
    fig = mnist.modes_confidence_chart(h)
    assert names(fig)[0] == f"{spec('modes_covered', 'image').name} (of 10)" == "classes covered (of 10)"
    assert names(fig)[2] == spec("mean_confidence").name


# ----- text that fits its chart ------------------------------------------------------------------------
def test_wrap_text_breaks_between_words_and_keeps_tags_whole():
    assert style.wrap_text("W1 (optimal matching, n=512; floor ≈ 0.2)", 20) == \
        "W1 (optimal<br>matching, n=512;<br>floor ≈ 0.2)"
    assert all(len(line) <= 20 for line in style.wrap_text("a b c " * 20, 20).split("<br>"))
    # a tag counts for nothing and is never split; an existing <br> stays; a longer word keeps its line
    assert style.wrap_text("<b style='color:#0072B2'>NS GAN</b> — step 12", 10) == \
        "<b style='color:#0072B2'>NS GAN</b> —<br>step 12"
    assert style.wrap_text("short<br>also short", 40) == "short<br>also short"
    assert style.wrap_text("supercalifragilistic word", 5) == "supercalifragilistic<br>word"


def test_fit_texts_shrinks_a_long_title_and_wraps_long_entries():
    fig = go.Figure([go.Scatter(x=[0, 1], y=[0, 1], name="W1 (optimal matching, n=512; floor ≈ 0.2)"),
                     go.Scatter(x=[0, 1], y=[1, 0], name="JS")])
    style.apply_style(fig, "Gradients at the generated samples", uirevision="t", per_row=2, fit_px=320)
    size = fig.layout.title.font.size
    assert size is not None and size * 0.56 * len("Gradients at the generated samples") <= 320 - 40 + 1e-6
    long = fig.data[0].name
    assert "<br>" in long and long.replace("<br>", " ") == "W1 (optimal matching, n=512; floor ≈ 0.2)"
    assert fig.data[1].name == "JS"
    # one entry a row at this width; the top margin holds the wrapped entry's two lines and the other's one
    assert round(1 / fig.layout.legend.entrywidth) == 1 and long.count("<br>") == 1
    assert fig.layout.margin.t == style.top_margin(fig, 3) == 12 + 30 + 24 * 3 + 8
    wide = go.Figure([go.Scatter(x=[0, 1], y=[0, 1], name="W1 (optimal matching, n=512; floor ≈ 0.2)")])
    style.apply_style(wide, "Gradients at the generated samples", uirevision="t", per_row=2, fit_px=1200)
    assert wide.layout.title.font.size is None and "<br>" not in wide.data[0].name


@pytest.mark.parametrize("build", [curves.losses_chart, curves.modes_chart, curves.gradient_chart,
                                   curves.divergences_chart])
def test_an_empty_chart_fits_its_title_as_the_chart_it_stands_for(build):
    """Before the first logged step a chart is a placeholder; its title fits the same narrow column (the
    toy page's third of a row) as the chart that replaces it (a flake of the one-screen browser test)."""
    fig = build(None, legend_px=310)
    title = fig.layout.title.text
    size = fig.layout.title.font.size or style.TITLE_SIZE
    assert size * 0.56 * len(title) <= 310 - 40 + 1e-6, (title, size)
