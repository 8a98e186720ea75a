"""The folders are the flow: imports point one way, and each library stays in its layer."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "gradcli"
ORDER = ["symbolic", "engine", "explore", "render", "cli"]  # each may import only those before
THIRD_PARTY = {"typer": {"cli"}, "rich": {"render", "cli"}, "plotext": {"render"},
               "sympy": {"symbolic", "engine", "explore", "render"}}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "gradcli":
                names |= {f"gradcli.{alias.name}" for alias in node.names}
    return names


@pytest.mark.parametrize("folder", ORDER)
def test_imports_point_down_the_flow(folder):
    later = ORDER[ORDER.index(folder) + 1:]
    for path in (PACKAGE / folder).glob("*.py"):
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "gradcli" and len(parts) > 1:
                assert parts[1] not in later, f"{path.name} imports {name}"
            if parts[0] in THIRD_PARTY:
                assert folder in THIRD_PARTY[parts[0]], f"{path.name} imports {name}"


def test_top_level_modules_are_small_shared_records():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "boxes.py", "counts.py", "errors.py",
                   "interrupts.py", "library.py", "points.py"]
