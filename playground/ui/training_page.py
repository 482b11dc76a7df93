"""One scaffold for every live training page: the sidebar form, the runner, the controls, the live
panels and the exports, always in the same order. A page passes its panels and a few hooks:

    training_page("toy", title=..., caption=..., default=PRESETS["mode-collapse"].config,
                  datasets=list(TOY), options=LIVE_RUNNER_OPTIONS,
                  panels=[[Panel(draw_samples, SAMPLES_SECONDS, status=True, width=1.2),
                           Panel(draw_curves, CURVES_SECONDS)],
                          Panel(draw_more_curves, CURVES_SECONDS)],
                  before_controls=presets)

What the page draws, top to bottom: the title and caption, URL warnings, `before_controls`, the
Play / Pause / Step / Reset row, `after_controls`, the panels (a list in `panels` is one row of
columns, sized by `Panel.width`), then "Share and export" (history and config downloads, then
`exports`). In the sidebar: "Settings", the form, `after_sidebar`, the device line.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import streamlit as st

from ..config import ConfigError, RunConfig
from ..live.runner import Options, Runner
from ..snapshot import Snapshot
from .common import get_runner, page_setup, pause_other_pages, sidebar_device_line
from .config_form import config_sidebar
from .live import Panel, config_from_url, controls, downloads, live_fragments, show_url_warnings, sync_url


# One screen: a smaller page header and tighter gaps, so the controls and the main view fit a
# 1440×900 window with the sidebar open (Streamlit's own test ids; the browser tests check the fit).
COMPACT_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.4rem !important; padding-bottom: 1.5rem !important; }
[data-testid="stMain"] { overflow-anchor: none; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.85rem !important; padding: 0 !important; line-height: 1.25 !important; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0.5rem; }
</style>
"""


def keep_to_datasets(prefix: str, datasets: list[str], default: RunConfig) -> None:
    """A link may name a dataset this page does not offer (a toy page's link opened on MNIST): use
    the page's default and say so with the link's other warnings."""
    S, key = st.session_state, f"{prefix}_dataset"
    if S.get(key) not in datasets:
        if S.get(key) is not None:
            S.setdefault(f"{prefix}_url_warnings", []).append(
                f"dataset: '{S[key]}' is not offered on this page; '{default.dataset}' is used.")
        S[key] = default.dataset


@dataclass
class TrainingPage:
    """What the hooks get: the page's widget prefix, its runner and the sidebar's config or error."""
    prefix: str
    runner: Runner
    config: RunConfig | None      # None while the form holds an error
    error: ConfigError | None

    @property
    def shown(self) -> RunConfig:
        """The form's config, or the run's while the form holds an error."""
        return self.config or self.runner.status().config


Hook = Callable[[TrainingPage], None]


def training_page(prefix: str, *, title: str, caption: str, default: RunConfig, datasets: list[str],
                  panels: list[Panel | list[Panel]], options: Options = Options(),
                  form: dict[str, Any] | None = None,
                  before_sidebar: Callable[[], None] | None = None, after_sidebar: Hook | None = None,
                  before_controls: Hook | None = None, after_controls: Hook | None = None,
                  controls_extra: Hook | None = None,
                  exports: Callable[[TrainingPage, Snapshot | None], None] | None = None,
                  single_updates: bool = False, main: Callable[[TrainingPage], bool] | None = None,
                  url_extra: Callable[[], dict[str, str]] | None = None, compact: bool = False) -> TrainingPage:
    """Draw a live training page. `form`: more keyword arguments for `config_sidebar` (e.g.
    show_arch, extra_data); `before_sidebar` runs after the URL's settings are in the widgets and
    before the form is drawn (the one moment a page may still set a widget's value);
    `single_updates`: Critic step and Generator step buttons; `controls_extra`: drawn at the end of
    the controls row (view options); `main`: draws in place of the first
    panel when it returns True (a mode of the main chart, such as the explained step); `url_extra`:
    page flags for the address bar besides the config (e.g. stage=1); `compact`: no title and caption
    (stage mode: the controls and the charts get the screen)."""
    page_setup()
    st.html(COMPACT_CSS)
    config_from_url(prefix, default)
    keep_to_datasets(prefix, datasets, default)
    if before_sidebar:
        before_sidebar()
    st.sidebar.header("Settings")
    config, error = config_sidebar(prefix, datasets, **(form or {}))
    page = TrainingPage(prefix, get_runner(prefix, config or default, options), config, error)
    pause_other_pages(prefix)
    if after_sidebar:
        after_sidebar(page)

    if not compact:
        st.title(title)
        st.caption(caption)
    show_url_warnings(prefix)
    if before_controls:
        before_controls(page)
    controls(prefix, page.runner, config, error, single_updates=single_updates,
             extra=(lambda: controls_extra(page)) if controls_extra else None)
    if config is not None:
        sync_url(config, url_extra() if url_extra else None, base=default)
    if after_controls:
        after_controls(page)

    first = True  # `main` may take the place of the first panel (a mode of the main chart)
    for row in panels:
        for col, panel in zip(st.columns([p.width for p in row]), row) if isinstance(row, list) else [(None, row)]:
            with col if col is not None else st.container():
                if not (first and main and main(page)):
                    live_fragments(page.runner, [panel])
            first = False

    with st.expander("Share and export"):
        st.markdown("The address bar holds these settings: copy the link to reopen this exact setup.")
        downloads(prefix, page.runner, config)
        if exports:
            exports(page, page.runner.snapshot())

    sidebar_device_line(page.runner.status().steps_per_second)
    return page
