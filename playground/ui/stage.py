"""Stage mode: a page for a projector at 1280×720. The settings sidebar is hidden (its widgets still
hold the config), the main column takes the whole width, text is larger, and every chart goes
through `plots.stage.for_stage` (bigger fonts, lines and markers). A toggle on the page, and the URL
flag `stage=1` so a speaker's bookmark opens the page that way.
"""
from __future__ import annotations

import streamlit as st

from ..plots.stage import for_stage

URL_FLAG = "stage"

# Streamlit's own test ids (stable across releases; checked by the browser test at 1280×720)
_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapseButton"],
[data-testid="stHeader"] {
  display: none !important;
}
[data-testid="stMainBlockContainer"] {
  max-width: 100% !important; padding: 0.6rem 1.2rem 2rem 1.2rem !important;
}
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] button,
[data-testid="stMainBlockContainer"] label { font-size: 1.15rem !important; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2.1rem !important; padding-top: 0 !important; }
</style>
"""


def _key(prefix: str) -> str:
    return f"{prefix}_stage"


def stage_from_url(prefix: str) -> None:
    """Call at the top of the page: on the session's first visit, `stage=1` in the link switches stage
    mode on (before the toggle is drawn: the one moment its value may be set); in stage mode, the
    page's CSS for a projector (here, not beside the toggle, which may sit in a popover)."""
    key = _key(prefix)
    if key not in st.session_state:
        st.session_state[key] = st.query_params.get(URL_FLAG) == "1"
    if staged(prefix):
        st.html(_CSS)


def staged(prefix: str) -> bool:
    return bool(st.session_state.get(_key(prefix)))


def stage_toggle(prefix: str) -> bool:
    """The toggle (stage_from_url applies the mode on the next run). Returns whether it is on.

    The mode is kept under a key of its own and the toggle is set from it on every run: a toggle that
    held the mode itself showed "off" in stage mode opened by a link (its browser-side value was never
    set), and the next click on any widget sent that "off" back."""
    key, shown = _key(prefix), f"{_key(prefix)}_toggle"
    st.session_state[shown] = staged(prefix)
    return st.toggle("Stage mode", key=shown, on_change=lambda: st.session_state.__setitem__(key, st.session_state[shown]),
                     help="For a projector: hides the settings, enlarges every chart's text, lines and markers "
                          "(the link gets stage=1).")


def url_extra(prefix: str) -> dict[str, str]:
    """What stage mode adds to the address bar."""
    return {URL_FLAG: "1"} if staged(prefix) else {}


def stage_figure(prefix: str, fit_px: float | None = None):
    """The figure transform of the page's current mode: for_stage (for a chart about `fit_px` wide
    on a 1280-pixel screen) in stage mode, else None."""
    return (lambda fig: for_stage(fig, fit_px=fit_px)) if staged(prefix) else None


__all__ = ["stage_from_url", "stage_toggle", "staged", "url_extra", "stage_figure", "URL_FLAG"]
