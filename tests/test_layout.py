"""The project's layout: the library never imports Streamlit; app.py stays a thin entry; the
exports never load folium; precision and CRS choices have one home (zones.geo.crs)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
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


def test_exports_and_the_bundle_never_load_folium() -> None:
    # The map's styles live in zones.map.styles, without folium: a GIS export needs no map library.
    code = (
        "import sys, zones.io.bundle, zones.io.export, zones.io.qgis, zones.io.formats; "
        "print('folium' in sys.modules, 'branca' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["False", "False"]


def test_a_report_of_an_unchanged_geopackage_loads_no_sqlalchemy_and_no_build(tmp_path) -> None:
    """`zones report` reads a GeoPackage whose log holds no change without opening the store
    (SQLAlchemy) and builds nothing (zones.build): neither is imported; the garbage collector
    is back on after the imports (zones.__main__)."""
    from tests.factories import make_dataset
    from zones.model.dataset import save_dataset

    gpkg = save_dataset(make_dataset(3), tmp_path / "zones.gpkg")
    code = (
        "import gc, sys; from zones.__main__ import main; "
        f"status = main(['report', '--dataset', {str(gpkg)!r}, '--out', sys.argv[1]]); "
        "print(status, gc.isenabled(), "
        "sorted({m for m in sys.modules if m.startswith(('sqlalchemy', 'zones.build'))}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "report.html")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert done.stdout.splitlines()[-1] == "0 True []"
    assert (tmp_path / "report.html").stat().st_size > 0


def test_the_map_tab_loads_no_chart_library(tmp_path) -> None:
    """The first visit after a server start pays for every import of its run: the map tab's
    imports no Altair (only the analysis tab draws a chart); the analysis tab does."""
    from tests.factories import make_dataset
    from zones.model.dataset import save_dataset

    gpkg = save_dataset(make_dataset(3), tmp_path / "zones.gpkg")
    code = (
        "import sys; from streamlit.testing.v1 import AppTest; "
        f"at = AppTest.from_file({str(ROOT / 'app.py')!r}, default_timeout=120).run(); "
        "print(bool(at.exception), 'altair' in sys.modules); "
        "at.session_state['view_tab'] = '规划分析'; "
        "at.run(); print(bool(at.exception), 'altair' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=180,
        env={**os.environ, "ZONES_GPKG": str(gpkg)},
        cwd=ROOT,
    )
    assert done.stdout.split() == ["False", "False", "False", "True"], done.stderr[-2000:]


#: Modules that still define their own precision or CRS choices: none (zones.geo.crs is the home).
_NOT_YET_SWITCHED: set[str] = set()


def test_precision_and_crs_choices_have_one_home() -> None:
    names = {"COORD_DECIMALS", "DISPLAY_DECIMALS", "OUTLINE_DECIMALS", "CRS_CHOICES",
             "EXPORT_CRS", "IMPORT_CRS", "WGS84", "CGCS2000", "PROJECTED"}  # fmt: skip
    offenders = []
    for path in sorted((ROOT / "src" / "zones").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, ast.AnnAssign) else []
            )  # fmt: skip
            defined = {t.id for t in targets if isinstance(t, ast.Name)} & names
            if defined and path.name != "crs.py":
                offenders.append(f"{path.name}: {', '.join(sorted(defined))}")
    assert {o.split(":")[0] for o in offenders} <= _NOT_YET_SWITCHED, offenders


def test_settings_are_read_now_and_can_be_overridden(monkeypatch, tmp_path):
    from zones import settings

    monkeypatch.setenv("ZONES_STORE", str(tmp_path / "a.gpkg"))
    assert settings.current().store == str(tmp_path / "a.gpkg")
    with settings.override(store="postgresql://u@/db") as now:
        assert now.store == settings.current().store == "postgresql://u@/db"
    assert settings.current().store == str(tmp_path / "a.gpkg")
    import pytest

    with pytest.raises(TypeError, match="unknown setting"), settings.override(colour="red"):
        pass


def test_the_app_script_reads_no_environment_variable_itself():
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    assert "os.environ" not in app and "getenv" not in app
