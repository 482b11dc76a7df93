"""Lessons: guided paths through the app. /lessons lists them; /lessons?lesson=NAME&step=N opens a step.
Link -> lesson file (playground/lessons) -> the step's preset, comparison or page -> its checks, live."""
import streamlit as st

from playground.ui import lesson as ui
from playground.ui.common import page_setup, sidebar_device_line
from playground.ui.stage import stage_from_url, stage_toggle, staged
from playground.ui.training_page import COMPACT_CSS

page_setup()
st.html(COMPACT_CSS)
known, errors = ui.lessons()
name, i, problem = ui.parse_link(st.query_params.to_dict(), known)
if name is None:
    ui.lesson_list(known, errors, problem)
    st.stop()

lesson = known[name]
step = lesson.steps[i]
stage_from_url(ui.P)
ui.enter(lesson, i)

if not staged(ui.P):
    st.caption(f"**{lesson.title}** · step {i + 1} of {len(lesson.steps)}")
if problem:
    st.warning(problem, icon=":material/link:")
ui.progress_row(lesson, i)

# the text beside the run's view (a textbook's figure); a comparison's runs and a page need the page's
# width: the text above.
# On stage the step's text and question wait in a popover: the screen is the runs' and the checks'
STAGED = staged(ui.P)
if step.config is None:
    text, side = st.columns([1.5, 1.0] if not STAGED else [1.0, 1.4])
    view = st.container()
else:
    text, view = st.columns([1.0, 2.0 if STAGED else 1.6])
    side = text
runner = None
with text:
    st.markdown(f"#### {i + 1}. {step.title}")
    if not STAGED:
        st.markdown(step.text)
    elif step.comparison:  # the controls under the title: the runs get the rows below
        runner = ui.comparison_controls(step)
with side:
    checks = st.container()
    if not STAGED:
        st.markdown(f"**Think about it.** {step.question}")
    with st.container(horizontal=True, gap="xsmall"):
        if STAGED:
            with st.popover("Step text", icon=":material/menu_book:"):
                st.markdown(step.text)
                st.markdown(f"**Think about it.** {step.question}")
        ui.handout_button(lesson)
        with st.popover("View", icon=":material/tune:"):
            stage_toggle(ui.P)
            st.button("All lessons", key="lesson_all", on_click=ui.go, args=(None,))

with view:
    if step.config is not None:
        ui.toy_view(step)
    elif step.comparison:
        ui.comparison_view(step, runner)
    else:
        ui.page_view(step)

ui.sync_link(name, i)
with checks:
    if step.page:
        ui.checks_list(lesson, i, ui.page_records(step))
    else:
        ui.live_checks(lesson, i)
sidebar_device_line()
