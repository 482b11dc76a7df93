"""Replay on the toy page: while the run is not training, a slider scrubs the main chart back through
the frames the runner recorded (`Runner.replay`, playground/live/replay.py) and the curves mark the
chosen step; Play leaves replay. The recorded frames download as an animated GIF, built at the click.
"""
from __future__ import annotations


import streamlit as st

from ..live.replay import nearest_step
from ..live.runner import POLLING, Runner
from ..plots import canvas
from ..plots.replay_gif import gif_bytes
from .live import run_name, status_line
from .live_view import live_view


SCRUB_SECONDS = 0.4  # a scrub moves the view from the frame shown to the one chosen in this time


def _keys(prefix: str) -> tuple[str, str]:
    return f"{prefix}_replay", f"{prefix}_replay_step"


def replay_toggle(prefix: str, runner: Runner) -> bool:
    """The Replay switch: off and disabled while the run trains (Play leaves replay). No help tooltip:
    its button would be named "Help for Replay", and a page's Play button is found by its name."""
    on, _ = _keys(prefix)
    running = runner.status().state in POLLING
    if running and st.session_state.get(on):
        st.session_state[on] = False  # before the widget is drawn: the one moment it may be set
    return st.toggle("Replay", key=on, disabled=running)


def replay_step(prefix: str) -> int | None:
    """The step the replay shows (the curves mark it), or None outside replay."""
    on, step = _keys(prefix)
    return st.session_state.get(step) if st.session_state.get(on) else None


def replay_view(prefix: str, runner: Runner, chart_key: str, height: int, show_map: bool = False) -> bool:
    """The main chart in replay (True): the status line, the step slider and the chosen frame in the
    live view (moving from the frame shown before to the one chosen, as the live run does), titled as a
    replay. False (the live panel draws) when replay is off, the run trains, or fewer than two frames
    are recorded."""
    on, key = _keys(prefix)
    S = st.session_state
    status = runner.status()
    steps = runner.replay.steps()
    if not S.get(on) or status.state in POLLING or len(steps) < 2:
        S.pop(key, None)
        if S.get(on) and len(steps) < 2:
            st.info("Nothing to replay yet: play or step the run first.", icon=":material/history:")
        return False
    if S.get(key) not in steps:  # the first time, or after more steps / a reset: the nearest recorded
        S[key] = nearest_step(steps, S.get(key))
    status_line(runner)
    st.select_slider("Replay step", options=steps, key=key, format_func=lambda s: f"{s:,}")
    frame = runner.replay.at(S[key])
    live_view(chart_key, frame=canvas.main_frame(frame.snapshot(), show_map=show_map, replay_of=status.step),
              period=SCRUB_SECONDS, height=height)
    store = runner.replay
    st.caption(f"Replay of step {frame.step:,}. {len(steps):,} frames recorded from step {steps[0]:,} to "
               f"{steps[-1]:,} ({store.nbytes / 2**20:.1f} of {store.budget / 2**20:.0f} MB: the older frames are "
               f"thinned evenly, the newest kept dense; the generator's map is not recorded). The curves mark the "
               f"step; Play leaves the replay and goes on from step {status.step:,}. Under Share and export, "
               f"the frames download as an animated GIF.")
    return True


def replay_download(prefix: str, runner: Runner) -> None:
    """The recorded frames as an animated GIF (one GIF frame per frame), built when clicked."""
    snap = runner.snapshot()
    n = len(runner.replay)
    if snap is None:
        return

    def gif() -> bytes:
        frames = runner.replay.frames()
        return gif_bytes(frames) if frames else b""

    # not "Replay (GIF)": a button named with "play" in it makes the page's Play button ambiguous by name
    st.download_button("Recorded frames (GIF)", gif, f"{run_name(snap.config)}-replay.gif", "image/gif",
                       key=f"{prefix}_dl_gif", disabled=n == 0, on_click="ignore", icon=":material/animation:",
                       help=f"The {n:,} recorded frames of the main chart as an animated GIF, for a talk given "
                            f"without the app (built when clicked: a few seconds for a long run).")


__all__ = ["replay_toggle", "replay_step", "replay_view", "replay_download"]
