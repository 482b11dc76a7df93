"""GAN Playground: entry point. `streamlit run app.py`.

st.navigation over the pages in pages/ (auto-discovery of pages/ is off); the home page says what
the app is and links each page. Add a page here only once it works.
"""
import sys

import streamlit as st

sys.setswitchinterval(1e-4)

st.set_page_config(page_title="GAN Playground", page_icon=":material/tune:", layout="wide")

from playground.live.pool import POOL  # noqa: E402  (imports no torch)

POOL.warm()  # the workers' forkserver imports torch while this server does, not after it

from playground.ui.common import heartbeat  # noqa: E402  (after set_page_config)


def home() -> None:
    st.title("GAN Playground")
    st.markdown(
        "Train small generative adversarial networks live in your browser and watch why they succeed or fail. "
        "Pick a loss, a Lipschitz method and the critic:generator step ratio, then see the generator's samples, "
        "the critic's landscape and honest divergence curves evolve step by step. "
        "Teaching pages show why the Wasserstein distance replaced the Jensen–Shannon divergence."
    )
    for page in PAGES[1:]:
        st.page_link(page, label=f"**{page.title}**: {DESCRIPTIONS.get(page.title, '')}", icon=page.icon)


DESCRIPTIONS = {
    "Toy playground": "train a GAN on 1D and 2D mixtures; mode collapse, WGAN-GP, spectral norm, presets for talks.",
    "MNIST": "train on handwritten digits (MLP or DCGAN, any digit subset); a classifier counts the digits that come out.",
    "Divergence lab": "slide Q away from P: KL blows up, JS flattens at ln 2, W1 keeps its slope; the optimal D*.",
    "Perfect discriminator": "a generator against a perfect log-loss discriminator gets no gradient; WGAN and hinge do.",
    "Compare runs": "two to four runs side by side, in lockstep: mode collapse vs WGAN-GP, clipping vs penalty, ...",
    "Lessons": "guided paths for a class: why Wasserstein replaced Jensen–Shannon, mode collapse and its fixes; "
               "each step ticks what you should see when your run shows it, and a handout to keep.",
    "Convergence": "DiracGAN: why simultaneous training circles or spirals out, and why R1 makes it converge.",
}

PAGES = [
    st.Page(home, title="Home", icon=":material/home:", default=True),
    st.Page("pages/toy.py", title="Toy playground", icon=":material/scatter_plot:", url_path="toy"),
    st.Page("pages/mnist.py", title="MNIST", icon=":material/draw:", url_path="mnist"),
    st.Page("pages/divergences.py", title="Divergence lab", icon=":material/ssid_chart:", url_path="divergences"),
    st.Page("pages/perfect_discriminator.py", title="Perfect discriminator", icon=":material/block:",
            url_path="perfect-discriminator"),
    st.Page("pages/convergence.py", title="Convergence", icon=":material/cyclone:", url_path="convergence"),
    st.Page("pages/compare.py", title="Compare runs", icon=":material/compare:", url_path="compare"),
    st.Page("pages/lessons.py", title="Lessons", icon=":material/school:", url_path="lessons"),
]

heartbeat()
st.navigation(PAGES).run()
