"""How the code is put together: layers that import only downward, no import cycles, settings declared
once, a recipe for every entry."""
from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path

import pytest

from playground.config import GROUPS, LIVE_FIELDS, SETTINGS, ConfigError, RunConfig
from playground.lipschitz import LIPSCHITZ
from playground.losses import LOSSES
from playground.recipes import LOSS, METHOD

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "playground"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[ast.AST, str]]:
    """(node, imported project module) for every import in the tree."""
    out = []
    base = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node, a.name) for a in node.names if a.name.split(".")[0] == "playground"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                target = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "playground":
                continue
            out.append((node, target))
            out += [(node, f"{target}.{a.name}") for a in node.names if f"{target}.{a.name}" in MODULES]
    return out


def _graph() -> dict[str, set[str]]:
    """module -> the project modules it imports (anywhere in it, a function body included)."""
    graph = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text())
        graph[name] = {t for _, t in _imports(tree, name, path.name == "__init__.py") if t in MODULES and t != name}
    return graph


# The layers of playground/, from the bottom, and what each may import. The engine is the top level
# and its engine folders; `__main__` is the command line's entry point.
LAYERS = {
    "engine": {"engine"},
    "live": {"engine", "live"},
    "experiments": {"engine", "experiments"},
    "cli": {"engine", "live", "experiments", "cli"},
    "plots": {"engine", "live", "experiments", "plots"},
    "lessons": {"engine", "live", "experiments", "plots", "lessons"},
    "ui": {"engine", "live", "experiments", "plots", "lessons", "ui"},
}
ENGINE_FOLDERS = {"datasets", "models", "evaluation"}


def layer(module: str) -> str:
    parts = module.split(".")
    if parts[1:2] == ["__main__"]:
        return "cli"
    if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()):
        folder = parts[1]
        return "engine" if folder in ENGINE_FOLDERS else folder
    return "engine"


def test_every_module_sits_in_a_layer():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders <= set(LAYERS) | ENGINE_FOLDERS, folders - set(LAYERS) - ENGINE_FOLDERS
    assert layer("playground.trainer") == "engine" and layer("playground.datasets.toy") == "engine"
    assert layer("playground.live.runner") == "live" and layer("playground.cli") == "cli"


def test_layers_import_only_downward():
    """The engine imports nothing from live/, cli/, experiments/, plots/, lessons/ or ui/; live/ and experiments/ only the
    engine; and so on up (LAYERS)."""
    upward = [f"{m} -> {t}" for m, targets in _graph().items() for t in sorted(targets)
              if layer(t) not in LAYERS[layer(m)]]
    assert upward == []


def test_no_import_cycle_inside_playground():
    graph, state, cycles = _graph(), {}, []

    def visit(m: str, stack: list[str]) -> None:
        state[m] = "open"
        for t in sorted(graph[m]):
            if state.get(t) == "open":
                cycles.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t, stack + [t])
        state[m] = "done"

    for m in graph:
        if m not in state:
            visit(m, [m])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_project_imports_are_at_module_level():
    """A function-level import of a project module is how a cycle hides: there are none."""
    hidden = []
    for name, path in list(MODULES.items()) + [(p.stem, p) for p in (ROOT / "pages").glob("*.py")]:
        tree = ast.parse(path.read_text())
        top = {id(n) for n in tree.body}
        hidden += [f"{path.relative_to(ROOT)}:{node.lineno}" for node, _ in _imports(tree, name, path.name == "__init__.py")
                   if id(node) not in top]
    assert hidden == []


def test_the_engine_never_imports_streamlit():
    for name, path in MODULES.items():
        if name.startswith("playground.ui"):
            continue
        tree = ast.parse(path.read_text())
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not any(x.split(".")[0] == "streamlit" for x in names), name


def test_every_setting_declares_itself():
    assert list(SETTINGS) == [f.name for f in fields(RunConfig)]
    for name, s in SETTINGS.items():
        assert s.label and s.group in GROUPS and isinstance(s.live, bool), name
        kind = next(f.type for f in fields(RunConfig) if f.name == name)
        if kind in ("int", "float"):
            assert s.min is not None, f"{name}: a number needs bounds"
    assert LIVE_FIELDS == {n for n, s in SETTINGS.items() if s.live}
    assert {"g_lr", "d_lr", "n_critic", "penalty", "clip", "g_ema"} <= LIVE_FIELDS
    assert not LIVE_FIELDS & {"dataset", "loss", "lipschitz", "arch", "seed", "g_width"}


@pytest.mark.parametrize("name", [n for n, s in SETTINGS.items() if s.min is not None or s.max is not None])
def test_widget_bounds_are_the_validation_bounds(name):
    """The widget's own limits validate; a step past them does not (with the Setting's sentence)."""
    s = SETTINGS[name]
    bounds = s.widget_bounds()
    step = bounds.get("step") or (10.0 ** -int(s.format.rstrip("f").split(".")[-1]) if s.format else 1)
    for key, outward in (("min_value", -1), ("max_value", 1)):
        if key not in bounds:
            continue
        RunConfig(**{name: bounds[key]}).validate()
        beyond = bounds[key] + outward * step
        if key == "min_value" and s.open_min:
            beyond = s.min
        if key == "max_value" and s.open_max:
            beyond = s.max
        with pytest.raises(ConfigError) as info:
            RunConfig(**{name: beyond}).validate()
        assert info.value.field == name and s.label in str(info.value)


def test_diff_names_what_changed():
    a = RunConfig()
    assert a.diff(a) == set()
    assert a.diff(a.replace(g_lr=1e-3, seed=4)) == {"g_lr", "seed"}
    assert a.replace(loss="wgan").diff(a) == {"loss"}


def test_every_loss_and_method_has_a_recipe():
    assert set(LOSS) <= set(LOSSES)  # a loss without a recipe starts from the RunConfig defaults
    assert set(METHOD) <= set(LIPSCHITZ)
    for table in (LOSS, METHOD):
        for entry in table.values():
            assert set(entry) <= set(SETTINGS)


def test_widget_titles_come_from_the_labels():
    assert SETTINGS["g_lr"].title == "Learning rate" and SETTINGS["batch_size"].title == "Batch size"
    assert SETTINGS["g_beta1"].title == "β₁"  # not upper-cased into a Greek capital (Β₁ reads as B₁)


def test_every_lipschitz_parameter_is_a_declared_setting():
    """`Lipschitz.param` names the RunConfig field the trainer hands to the method's hooks."""
    for m in LIPSCHITZ.values():
        if m.param is not None:
            assert m.param in SETTINGS and SETTINGS[m.param].min is not None, m.name
            assert m.penalty is not None or m.after_step is not None, m.name
