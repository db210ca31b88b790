"""serve.py's warm-up (zones_app.warmup): the server imports the map's libraries, reads the
dataset and builds the default view's map data before its first visitor, so the first visit's
run does none of it; a store that cannot be read does not stop the server."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Libraries the map's first run needs; after the warm-up the run must import none of them.
HEAVY = ("numpy", "pandas", "pyarrow", "shapely", "pyproj", "pyogrio", "geopandas", "folium",
         "branca", "jinja2", "sqlalchemy", "pypinyin", "matplotlib")  # fmt: skip

#: Run in a fresh process: warm up, then the app's first run (AppTest) on the same store;
#: prints what that run imported of HEAVY, whether it imported streamlit_folium, how often it
#: read the store's dataset and built the map's data (the canvas table of every park, the
#: outlines, the filters' choices).
FIRST_RUN_AFTER_WARM_UP = """
import sys
from streamlit.testing.v1 import AppTest
from zones.map import many, mapping
from zones.model import filters
from zones.store.backends import Store
from zones_app.warmup import warm_up

heavy = set(sys.argv[2].split(","))
print("warm", warm_up())
print("folium component before the run", "streamlit_folium" in sys.modules)
reads = []
for cls in Store.__subclasses__():
    real = cls.dataset
    def counted(self, real=real):
        reads.append(1)
        return real(self)
    cls.dataset = counted
built = []
for module, name in ((many, "park_table"), (mapping, "district_features"),
                     (filters, "filter_choices")):
    def counted(*args, real=getattr(module, name), name=name, **kwargs):
        built.append(name)
        return real(*args, **kwargs)
    setattr(module, name, counted)
before = set(sys.modules)
at = AppTest.from_file(sys.argv[1], default_timeout=120).run()
imported = {m.split(".")[0] for m in set(sys.modules) - before}
print("exception", bool(at.exception))
print("heavy imported by the run", sorted(imported & heavy))
print("folium component after the run", "streamlit_folium" in sys.modules)
print("dataset reads by the run", len(reads))
print("map data built by the run", built)
"""


def test_after_the_warm_up_the_first_run_imports_reads_and_builds_nothing_heavy(tmp_path) -> None:
    from tests.factories import make_dataset
    from zones.model.dataset import save_dataset

    # Enough parks for the map's canvas (zones.map.many.MANY_PARKS), the costly first run.
    gpkg = save_dataset(make_dataset(1000), tmp_path / "zones.gpkg")
    done = subprocess.run(
        [sys.executable, "-c", FIRST_RUN_AFTER_WARM_UP, str(ROOT / "app.py"), ",".join(HEAVY)],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "ZONES_GPKG": str(gpkg), "TIANDITU_TOKEN": ""},
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == [
        "warm True",
        # Outside a run Streamlit would never register the map's component (the map: 404).
        "folium component before the run False",
        "exception False",
        "heavy imported by the run []",
        "folium component after the run True",
        "dataset reads by the run 0",
        "map data built by the run []",
    ], done.stderr[-3000:]


def test_a_store_that_cannot_be_read_is_logged_not_raised(tmp_path, caplog) -> None:
    """The lifespan must not fail, or the server would not start: the first run reports it."""
    from zones_app.warmup import warm_up

    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"not a GeoPackage")
    with caplog.at_level(logging.WARNING, logger="zones_app.warmup"):
        assert warm_up(str(broken)) is False
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert str(broken) in caplog.text
    assert "the first visit will load it" in caplog.text


def test_the_log_never_shows_a_stores_password(caplog) -> None:
    from zones_app.warmup import warm_up

    url = "postgresql://zones:s3cret-pw@127.0.0.1:1/zones"  # nothing listens on port 1
    with caplog.at_level(logging.WARNING, logger="zones_app.warmup"):
        assert warm_up(url) is False
    assert "127.0.0.1:1/zones" in caplog.text
    assert "s3cret-pw" not in caplog.text
