"""The project's layout: the library never imports Streamlit; app.py stays a thin entry."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_the_library_never_imports_streamlit() -> None:
    library = sorted((ROOT / "src" / "zones").rglob("*.py"))
    assert library
    offenders = [
        p.name for p in library if _imports(p) & {"streamlit", "streamlit_folium", "zones_app"}
    ]
    assert offenders == []


def test_app_is_a_thin_entry() -> None:
    lines = (ROOT / "app.py").read_text(encoding="utf-8").splitlines()
    assert len(lines) < 150
