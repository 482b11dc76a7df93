#!/usr/bin/env bash
# GAN Playground: one command to start the app, one to run the tests. Both set up .venv first.
#   ./dev.sh app      start the app  (http://localhost:8501)
#   ./dev.sh test     run the test suite (extra arguments go to pytest): everything but the promise runs
#   ./dev.sh promises the presets' and lessons' promises: their runs trained to budget (~25 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ] || ! cmp -s requirements.txt .venv/.requirements 2>/dev/null; then
  echo "Setting up .venv (once) ..." >&2
  "$PY" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip >&2 || true
  .venv/bin/python -m pip install --quiet -r requirements.txt >&2
  cp requirements.txt .venv/.requirements
fi
cmd=${1:-}
shift || true
case "$cmd" in
  app)  exec .venv/bin/python -m playground.ui.serve --browser.gatherUsageStats false "$@" ;;  # streamlit run app.py, preloaded
  test) exec .venv/bin/python -m pytest -m "not promise_runs" "$@" ;;
  promises) exec .venv/bin/python -m pytest -m promise_runs "$@" ;;
  *)    echo "usage: ./dev.sh app | ./dev.sh test [pytest args] | ./dev.sh promises [pytest args]" >&2; exit 2 ;;
esac
