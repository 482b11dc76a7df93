"""The plotly.js bundle the live charts load: the shipped cartesian bundle, which must hold every
trace type the project draws."""
from __future__ import annotations

import ast
from pathlib import Path

import plotly.graph_objects as go
from plotly.basedatatypes import BaseTraceType

from playground.ui import live_chart

ROOT = Path(__file__).resolve().parents[1]


def _trace_types_used() -> dict[str, str]:
    """{trace type: a file that builds it} for every `go.<Trace>(...)` call in playground/ and pages/."""
    used = {}
    for path in [*ROOT.glob("playground/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "go"):
                cls = getattr(go, node.func.attr, None)
                if isinstance(cls, type) and issubclass(cls, BaseTraceType):
                    used.setdefault(cls().type, str(path.relative_to(ROOT)))
    return used


def test_every_trace_type_drawn_is_in_the_cartesian_bundle():
    used = _trace_types_used()
    assert {"scatter", "heatmap", "contour", "image", "bar"} <= set(used)  # the scan finds what we draw
    missing = {t: f for t, f in used.items() if t not in live_chart.CARTESIAN_TRACES}
    assert not missing, f"trace types outside plotly.js's cartesian bundle (serve the full bundle): {missing}"


def test_the_cartesian_bundle_is_served_when_its_version_is_the_installed_plotlys(tmp_path, monkeypatch):
    version = live_chart.bundle_version(live_chart.FULL_BUNDLE)
    assert version and live_chart.PLOTLY_JS_SOURCE == live_chart.ASSETS / f"plotly-cartesian-{version}.min.js"
    assert live_chart.bundle_version(live_chart.PLOTLY_JS_SOURCE) == version
    # another plotly.js version installed: the shipped bundle does not match, the full one is served
    (tmp_path / f"plotly-cartesian-{version}.min.js").write_text("/**\n* plotly.js (cartesian - minified) v0.0.1\n*/")
    monkeypatch.setattr(live_chart, "ASSETS", tmp_path)
    assert live_chart.plotly_js_source() == live_chart.FULL_BUNDLE
    monkeypatch.setattr(live_chart, "ASSETS", tmp_path / "none")
    assert live_chart.plotly_js_source() == live_chart.FULL_BUNDLE
