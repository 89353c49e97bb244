import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "motiva" / "engine"


def test_it_imports_nothing_from_django_or_the_project_apps():
    offenders = []
    for path in ENGINE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] == "django" or (
                    name.startswith("motiva.") and not name.startswith("motiva.engine")
                ):
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []


def _module_state():
    """Every container a module of the engine holds at its top level, as a comparable copy."""
    import importlib
    import pkgutil

    import motiva.engine

    state = {}
    for info in pkgutil.walk_packages(motiva.engine.__path__, "motiva.engine."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, dict | list | set | bytearray):
                state[f"{info.name}.{name}"] = (len(value), repr(value))
    return state


def test_it_keeps_no_state_that_changes_while_it_runs():
    """Every example scenario calculated and explained: no module of the engine holds more or other
    than before (memos belong to the caller's `Memo`, never to the engine)."""
    from motiva.scenarios.loader import load

    examples = sorted((ENGINE.parents[1] / "examples").glob("*.yaml"))
    assert examples
    before = _module_state()
    for path in examples:
        for outcome in load(path).run():
            for line in outcome.card.lines:
                for step in line.steps:
                    step.render("ru")
            for component in outcome.pay.components if outcome.pay else ():
                for step in component.steps:
                    step.render("en")
    after = _module_state()
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert changed == []
