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
