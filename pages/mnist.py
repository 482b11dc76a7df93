"""MNIST playground: train a GAN on MNIST digits, or on your own 28×28 images, live.
Widgets -> RunConfig -> Runner -> plots.

The same scaffold as the toy page (playground/ui/training_page.py). The page keeps a timeline of
sample grids in st.session_state (taken from the snapshots as they arrive, capped), since the
engine keeps only the latest snapshot. Uploaded files are validated whole and stored by content hash
(playground/datasets/upload.py); the run's dataset is then "upload:<sha256>", which the worker
process finds in the upload cache. The digit classifier's metrics are drawn only for data it was
trained on (the snapshot's `classifier_fits`).
"""
import json

import streamlit as st

from playground.config import LIVE_FIELDS, ConfigError, RunConfig
from playground.datasets import add_upload, make_dataset, upload
from playground.datasets.mnist import parse_digits
from playground.models.mnist import critic_norm, critic_norm_note
from playground.plots import curves, mnist as mplots, timeline
from playground.plots.toy import shown_ema
from playground.recipes import recommended_config
from playground.trainer import N_EVAL
from playground.ui.live import CURVES_SECONDS, MNIST_RUNNER_OPTIONS, Panel
from playground.ui.live_chart import live_plotly_chart
from playground.ui.training_page import TrainingPage, training_page

P = "mnist"
# the grid is redrawn, not moved (images do not glide): it keeps a frame a second
GRID_SECONDS = 1.0
S = st.session_state
CHART_CONFIG = {"displaylogo": False}
DEFAULT = recommended_config("mnist", "ns", "none")
GALLERY = f"{P}_gallery"
GALLERY_EVERY = {"at 10, 25, 50, 100, 250, …": None, "every 100 steps": 100, "every 500 steps": 500,
                 "every 1,000 steps": 1000}
ARCH_TEXT = {
    "mlp": "**MLP**: G z → 256 → 512 → 784 (tanh); D 784 → 256 → 128 → 1; LeakyReLU(0.2).",
    "dcgan": "**DCGAN**, the seed's: G z → 128·7·7 → two 4×4 stride-2 transposed convolutions (batch norm) → 7×7 "
             "convolution (tanh); D two 4×4 stride-2 convolutions → linear. About 1 step/s on a CPU: fast on a GPU.",
    "dcgan_small": "**DCGAN, CPU-sized**: G z → 64·7·7 → 4×4 stride-2 transposed convolutions to 32×14×14 and "
                   "16×28×28 (batch norm) → 3×3 convolution (tanh); D 4×4 stride-2 convolutions to 32×14×14 and "
                   "64×7×7 → linear.",
}


UPLOADS = f"{P}_uploads"            # the datasets uploaded in this session, "upload:<sha256>"
UPLOAD_NOTE = f"{P}_upload_note"     # (kind, sentence) about the last upload
UPLOAD_ROUND = f"{P}_upload_round"   # bumped after a good upload: a fresh, empty upload widget
HIDDEN_METRICS = ("The digit classifier's metrics (classes, confidence, Fréchet distance) are hidden: the "
                  "classifier was trained on handwritten digits only, so on other images its classes mean nothing "
                  "and its features do not measure quality. Judge the samples against the real images, and "
                  "watch the losses.")


def offered_datasets() -> list[str]:
    """MNIST, and the uploads this session made or its link names whose data are in the upload cache
    (a link to data that are missing is reported by the URL warnings, with the hash)."""
    wanted = [*S.get(UPLOADS, []), st.query_params.get("dataset"), S.get(f"{P}_dataset")]
    return ["mnist"] + [n for n in dict.fromkeys(wanted) if upload.is_reference(n) and upload.available(n)]


def _dataset(name: str | None):
    try:
        return make_dataset(RunConfig(dataset=name or "mnist"))
    except ConfigError:
        return None


def _upload_key() -> str:
    return f"{P}_upload_files_{S.get(UPLOAD_ROUND, 0)}"


def _load_upload() -> None:
    """Button callback (it runs before the widgets exist, so it may pick the dataset): validate the
    files whole, store them, select the new dataset; or keep the sentence saying what is wrong."""
    files = S.get(_upload_key()) or []
    try:
        up = upload.read_upload([(f.name, f.getvalue()) for f in files])
        name = add_upload(up, S.get(f"{P}_label_names") or "digits")
    except ConfigError as e:
        S[UPLOAD_NOTE] = ("error", str(e))
        return
    S[UPLOADS] = list(dict.fromkeys([*S.get(UPLOADS, []), name]))
    S[f"{P}_dataset"], S[f"{P}_digits"] = name, ""
    S.pop(f"{P}_digits_pick", None)
    S[UPLOAD_ROUND] = S.get(UPLOAD_ROUND, 0) + 1
    ds = _dataset(name)
    label = ds.label if ds is not None else name
    S[UPLOAD_NOTE] = ("success", f"**{label}**: {up.summary()}. Selected: press **Reset** to train on it.")


def upload_field() -> None:
    """Your own images: the files, the names of their labels, and a button that loads them (all or nothing)."""
    with st.container(border=True):
        files = st.file_uploader(
            "Your own images", type=None, accept_multiple_files=True, key=_upload_key(),
            max_upload_size=upload.MAX_UPLOAD_MB,
            help=f"Upload {upload.ACCEPTED}. At most {upload.MAX_IMAGES:,} images of 28×28 in all; labels are "
                 "classes 0–9. Fashion-MNIST's four files work as they are.")
        st.selectbox("Label names", list(upload.LABEL_NAMES), key=f"{P}_label_names",
                     format_func=upload.LABEL_NAME_TEXT.get,
                     help="What the labels 0–9 stand for (a .npz with class_names names its own).")
        st.button("Load these files", key=f"{P}_upload_load", on_click=_load_upload, disabled=not files,
                  icon=":material/upload:", width="stretch")
        kind, text = S.get(UPLOAD_NOTE) or (None, "")
        if kind == "error":
            st.error(text, icon=":material/error:")
        elif kind == "success":
            st.success(text, icon=":material/check_circle:")


def _set_digits(picked: list[int]) -> None:
    S[f"{P}_digits_pick"] = picked


def data_fields() -> dict:
    """The upload control, then the class subset as ten toggles (RunConfig.digits is a string such as
    "38"; "" = all); none for data without labels."""
    upload_field()
    ds = _dataset(S.get(f"{P}_dataset"))
    if ds is not None and not ds.source.labelled:
        st.caption("These images have no labels: the GAN learns all of them.")
        return {}
    names = ds.class_names if ds is not None else tuple(str(d) for d in range(10))
    digits_run = ds is None or ds.classifier_fits
    text, pick = S.get(f"{P}_digits") or "", f"{P}_digits_pick"
    if S.get(f"{P}_digits_seen") != text or pick not in S:  # set from a link, or the widget was dropped
        try:
            S[pick] = list(parse_digits(text))
        except ConfigError:
            S[pick] = list(range(10))
    st.pills("Digits to train on" if digits_run else "Classes to train on", list(range(10)),
             selection_mode="multi", key=pick, format_func=lambda d: names[d],
             help="The generator learns only these classes. Clear, then pick one, for a one-class GAN.")
    c1, c2 = st.columns(2)
    c1.button("All ten", key=f"{P}_digits_all", on_click=_set_digits, args=(list(range(10)),), width="stretch")
    c2.button("Clear", key=f"{P}_digits_none", on_click=_set_digits, args=([],), width="stretch")
    picked = sorted(S.get(pick) or [])
    if not picked:
        st.caption("No class picked: all are used.")
    digits = "" if len(picked) in (0, 10) else "".join(map(str, picked))
    S[f"{P}_digits"] = S[f"{P}_digits_seen"] = digits
    return {"digits": digits}


def arch_note(page: TrainingPage) -> None:
    shown = page.shown
    st.sidebar.caption(ARCH_TEXT.get(shown.arch, shown.arch) + " " + critic_norm_note(shown))


def view_options(page: TrainingPage) -> None:
    """The critic-norm note, and how the grid and the timeline are drawn."""
    shown = page.shown
    if critic_norm(shown) == "layer":
        st.info(critic_norm_note(shown) + f" ({shown.lipschitz} is chosen.)", icon=":material/info:")
    o1, o2, _ = st.columns([1.3, 1.3, 1])
    ds = _dataset(page.runner.status().config.dataset)
    if ds is None or ds.classifier_fits:  # the running data: no classifier labels on uploaded images
        o1.toggle("Write the classifier's label on each tile", key=f"{P}_tile_labels",
                  help="Green: confident (≥ 90 %), yellow: 50–90 %, red: unsure.")
    o2.selectbox("Timeline: keep a grid", list(GALLERY_EVERY), key=f"{P}_gallery_every")


def _run_id(snap) -> str:
    """What identifies a run for the timeline: the settings that need a reset to change."""
    return json.dumps({k: v for k, v in snap.config.items() if k not in LIVE_FIELDS}, sort_keys=True)


def _last_eval(history: list[dict]) -> dict:
    return next((h for h in reversed(history) if h.get("fid") is not None), {})


def _digits(snap) -> bool:
    """Whether the digit classifier may judge this run's images (MNIST, not an upload)."""
    return bool(int(snap.views.get("classifier_fits", 1)))


def draw_samples(snap) -> None:
    v = snap.views
    S[GALLERY] = mplots.update_gallery(S.get(GALLERY), snap.step, v.get("grid"), _run_id(snap),
                                       every=GALLERY_EVERY.get(S.get(f"{P}_gallery_every")))
    left, right = st.columns([1, 1.1])
    grid = mplots.sample_grid_figure(v, snap.step, show_labels=bool(S.get(f"{P}_tile_labels")),
                                     ema=shown_ema(snap.config))
    with left:
        live_plotly_chart(grid, f"{P}_chart_grid", CHART_CONFIG)
    if not _digits(snap):
        with right:
            live_plotly_chart(mplots.label_histogram_figure(v), f"{P}_chart_labels", CHART_CONFIG)
            st.info(HIDDEN_METRICS, icon=":material/visibility_off:")
        return
    with right:
        live_plotly_chart(mplots.class_histogram_figure(v, legend_px=560), f"{P}_chart_hist", CHART_CONFIG)
        last = _last_eval(snap.history)
        floor = v.get("fid_floor")
        m1, m2, m3 = st.columns(3)
        m1.metric("Fréchet distance", f"{last['fid']:,.1f}" if last.get("fid") is not None else "–",
                  help=f"Lower is better; real digits score ≈ {float(floor):.1f}." if floor is not None else None)
        hist, classes = v.get("class_hist"), v.get("classes")
        covered = None if hist is None else int((hist[classes] >= mplots.MISSING_AT).sum())
        m2.metric("Classes covered", f"{covered} / {len(classes)}" if covered is not None else "–",
                  help="Classes of the subset that get at least 1 % of this frame's samples (the bars).")
        conf = last.get("mean_confidence")
        m3.metric("Mean confidence", f"{conf:.0%}" if conf is not None else "–",
                  help="The classifier's average top probability: blurry or odd digits score low.")
        if last:
            n = v.get("class_hist_n")
            st.caption(f"Fréchet distance and confidence: the last evaluation ({N_EVAL:,} samples, step "
                       f"{int(last['step']):,}). Bars and classes covered: "
                       f"{f'the {int(n)} samples of the grid' if n is not None else 'this frame'}, step {snap.step:,}.")


def draw_curves(snap) -> None:
    g = S.get(GALLERY)
    live_plotly_chart(mplots.gallery_figure(g["items"] if g else []), f"{P}_chart_gallery", CHART_CONFIG)
    h, floor = snap.history, snap.views.get("fid_floor")
    if not _digits(snap):  # losses, and the real images to judge the samples by
        c1, c2 = st.columns([1.6, 1])
        with c1:
            live_plotly_chart(curves.losses_chart(h, legend_px=600), f"{P}_chart_loss", CHART_CONFIG)
        with c2:
            real = mplots.sample_grid_figure(snap.views, snap.step, image="real_grid", height=420,
                                             title="Real training images", subtitle="64 of the images trained on")
            live_plotly_chart(real, f"{P}_chart_real", CHART_CONFIG)
        return
    # which digits the samples are, evaluation by evaluation: a dropped or dominating class shows as a row
    names = [str(n) for n in snap.views.get("class_names", range(10))]
    live_plotly_chart(timeline.mode_timeline(h, "image", class_names=names, height=340), f"{P}_chart_timeline",
                      CHART_CONFIG)
    c1, c2, c3 = st.columns(3)
    w = 310  # a third of the page at 1440 × 900 with the sidebar open: titles and legends fit the narrowest
    for col, fig, name in ((c1, curves.losses_chart(h, legend_px=w), "loss"),
                           (c2, mplots.frechet_chart(h, None if floor is None else float(floor), legend_px=w), "fid"),
                           (c3, mplots.modes_confidence_chart(h, legend_px=w), "modes")):
        with col:
            live_plotly_chart(fig, f"{P}_chart_{name}", CHART_CONFIG)


def png_export(page: TrainingPage, snap) -> None:
    if snap is None or snap.views.get("grid") is None:
        return

    def grid_png() -> bytes:  # called when the button is clicked: the grid of that moment
        now = page.runner.snapshot()
        return mplots.grid_png(now.views["grid"]) if now is not None and now.views.get("grid") is not None else b""

    c = snap.config
    name = f"gan-mnist-{c['arch']}-{c['loss']}-{c['lipschitz']}-seed{c['seed']}-samples.png"
    st.download_button("Sample grid (PNG)", grid_png, name, "image/png", key=f"{P}_dl_png",
                       icon=":material/image:", on_click="ignore",
                       help="The current 8×8 grid (at the moment you click), 2 pixels per pixel.")


training_page(
    P, title="MNIST playground",
    caption="Train a GAN on handwritten digits and watch the same 64 noise vectors turn into digits. A small "
            "classifier (trained by the project, 99 % test accuracy) says which digits come out, how sure it is, "
            "and how far their features are from real digits. Or upload your own 28×28 images (Fashion-MNIST, "
            "say) under Data in the sidebar.",
    default=DEFAULT, datasets=offered_datasets(), options=MNIST_RUNNER_OPTIONS,
    form={"show_arch": True, "network_open": True, "extra_data": data_fields},
    panels=[Panel(draw_samples, GRID_SECONDS, status=True), Panel(draw_curves, CURVES_SECONDS)],
    after_sidebar=arch_note, after_controls=view_options, exports=png_export)
