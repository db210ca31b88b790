"""App timings and payload sizes (on demand: `./dev bench app`; `--write` updates RESULTS.md).

For the real build (build/zones.gpkg, when present), ~30 synthetic parks and 5,000 synthetic
parks, through ``streamlit.testing.v1.AppTest`` (the server side of a rerun, without a browser):

- bytes sent to the browser for the default view: the st_folium component's JSON args, split
  into the base map script (tiles, legend, tools; the district and belt outlines are files the
  map fetches) and the park feature groups (from 1,000 parks: the canvas layer's masks);
- script run times: cold first run (load + build the GeoJSON), a plain rerun, a rerun after a
  filter change (first time: GeoJSON built; second time: cached), a rerun after a click (as in
  the browser, where the map's on_change callback has already set the selection);
- the rerun after a correction accepted (a park moved; a new store revision, so the dataset
  with its changes and the map's data are built again), on a copy of the dataset with a change
  log, median of ``CORRECTIONS``;
- the GeoJSON export of every park, built only when the download button is clicked;
- the plan analysis tab (it runs only when open): the first run on it, a rerun, a change of
  the matrix basis, the bytes of the heatmap (Vega-Lite spec + Arrow data), and the two files
  built only on a click: the HTML briefing and the GIS bundle (EPSG:4549).

Median of ``RUNS`` runs unless said otherwise.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from benchmarks.results import write_block  # noqa: E402
from tests.factories import make_dataset  # noqa: E402
from zones.io.bundle import bundle_bytes  # noqa: E402
from zones.io.export import export_bytes  # noqa: E402
from zones.model.dataset import Dataset, load_dataset, save_dataset  # noqa: E402
from zones.present import views  # noqa: E402
from zones.store import open_store  # noqa: E402
from zones.store.log import NewChange  # noqa: E402

RUNS = 5
CORRECTIONS = 3
RESULTS = Path(__file__).with_name("RESULTS.md")


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def median_ms(fn: Callable[[], object], runs: int = RUNS) -> float:
    return statistics.median(timed(fn) for _ in range(runs))


def map_args(at: AppTest) -> dict:
    (component,) = [
        c for c in at.get("component_instance") if c.proto.component_name.endswith("st_folium")
    ]
    return json.loads(component.proto.json_args)


def correction_ms(ds: Dataset, folder: Path) -> float:
    """The app's rerun after a correction is accepted (each a new revision), median."""
    store = open_store(folder / "corrections.gpkg")
    store.write_base(ds, digest="bench-app")
    os.environ["ZONES_GPKG"] = str(folder / "corrections.gpkg")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    times = []
    for n in range(CORRECTIONS):
        i = len(ds.parks) // 3 + n
        point = ds.parks.geometry.iloc[i].representative_point()
        moved = {"lon": point.x + 0.0005, "lat": point.y, "precision_m": 100}
        change = NewChange(str(ds.parks["id"].iloc[i]), "location", moved, "bench", "moved")
        store.propose([change], author="bench", accept=True)
        times.append(timed(at.run))
        assert not at.exception, at.exception
    return statistics.median(times)


def measure(label: str, gpkg: Path, folder: Path) -> dict[str, object]:
    os.environ["ZONES_GPKG"] = str(gpkg)
    ds = load_dataset(gpkg)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    first = timed(at.run)
    assert not at.exception, at.exception
    raw = map_args(at)
    sizes = {
        "total": len(at.get("component_instance")[0].proto.json_args),
        "base": len(raw["script"]) + len(raw["header"]),
        "parks": len(raw["feature_group"]),
    }
    rerun = median_ms(at.run)

    belt = str(ds.belts["id"].iloc[0])
    at.multiselect(key="f_belts").set_value([belt])
    filter_new = timed(at.run)

    def toggle() -> None:
        current = at.multiselect(key="f_belts").value
        at.multiselect(key="f_belts").set_value([] if current else [belt])
        at.run()

    filter_cached = median_ms(toggle)
    at.multiselect(key="f_belts").set_value([])
    at.run()

    ids = list(ds.parks["id"])

    def click() -> None:
        at.session_state["park"] = ids[len(ids) // 2 + click.n % 3]  # type: ignore[attr-defined]
        click.n += 1  # type: ignore[attr-defined]
        at.run()

    click.n = 0  # type: ignore[attr-defined]
    click_ms = median_ms(click)
    assert not at.exception, at.exception
    export_ms = median_ms(lambda: export_bytes(ds, layer="parks", fmt="geojson"), runs=3)
    export_kib = len(export_bytes(ds, layer="parks", fmt="geojson")) / 1024

    at.session_state["view_tab"] = views.tab_labels("zh")[1]
    analysis_first = timed(at.run)
    assert not at.exception, at.exception
    (chart,) = at.get("vega_lite_chart")
    chart_kib = (len(chart.proto.spec) + sum(len(d.data.data) for d in chart.proto.datasets)) / 1024
    analysis_rerun = median_ms(at.run)

    def basis() -> None:
        current = at.radio(key="an_basis").value
        at.radio(key="an_basis").set_value("park" if current != "park" else "source")
        at.run()

    basis_ms = median_ms(basis)
    at.session_state["view_tab"] = views.tab_labels("zh")[0]
    at.run()
    report = views.report_bytes(ds, "zh")
    report_ms = median_ms(lambda: views.report_bytes(ds, "zh"), runs=3)
    bundle = bundle_bytes(ds, crs="EPSG:4549")
    bundle_ms = median_ms(lambda: bundle_bytes(ds, crs="EPSG:4549"), runs=1)
    corrected_ms = correction_ms(ds, folder)
    return {
        "label": label,
        "parks": len(ds.parks),
        "total_kib": sizes["total"] / 1024,
        "base_kib": sizes["base"] / 1024,
        "parks_kib": sizes["parks"] / 1024,
        "first_ms": first,
        "rerun_ms": rerun,
        "filter_new_ms": filter_new,
        "filter_cached_ms": filter_cached,
        "click_ms": click_ms,
        "corrected_ms": corrected_ms,
        "export_ms": export_ms,
        "export_kib": export_kib,
        "analysis_first_ms": analysis_first,
        "analysis_rerun_ms": analysis_rerun,
        "basis_ms": basis_ms,
        "chart_kib": chart_kib,
        "report_ms": report_ms,
        "report_kib": len(report) / 1024,
        "bundle_ms": bundle_ms,
        "bundle_kib": len(bundle) / 1024,
    }


def table(rows: list[dict[str, object]]) -> str:
    head = (
        "| dataset | parks | map args KiB (base + parks) | first run ms | rerun ms "
        "| filter change ms (new / cached) | click ms | correction accepted ms "
        "| GeoJSON export ms (KiB) |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    lines = [
        f"| {r['label']} | {r['parks']} | {r['total_kib']:.0f} ({r['base_kib']:.0f} + "
        f"{r['parks_kib']:.0f}) | {r['first_ms']:.0f} | {r['rerun_ms']:.0f} | "
        f"{r['filter_new_ms']:.0f} / {r['filter_cached_ms']:.0f} | {r['click_ms']:.0f} | "
        f"{r['corrected_ms']:.0f} | {r['export_ms']:.0f} ({r['export_kib']:.0f}) |"
        for r in rows
    ]
    head2 = (
        "\n| dataset | analysis tab: first run ms | rerun ms | basis change ms | heatmap KiB "
        "| briefing ms (KiB) | GIS bundle ms (KiB) |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n"
    )
    lines2 = [
        f"| {r['label']} | {r['analysis_first_ms']:.0f} | {r['analysis_rerun_ms']:.0f} | "
        f"{r['basis_ms']:.0f} | {r['chart_kib']:.0f} | {r['report_ms']:.0f} "
        f"({r['report_kib']:.0f}) | {r['bundle_ms']:.0f} ({r['bundle_kib']:.0f}) |"
        for r in rows
    ]
    return head + "\n".join(lines) + "\n" + head2 + "\n".join(lines2) + "\n"


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        real = ROOT / "build" / "zones.gpkg"
        if real.exists():
            (Path(tmp) / "real").mkdir()
            rows.append(measure("real build", real, Path(tmp) / "real"))
        for n in (30, 5000):
            (Path(tmp) / str(n)).mkdir()
            gpkg = save_dataset(make_dataset(n), Path(tmp) / str(n) / f"parks{n}.gpkg")
            rows.append(measure(f"synthetic {n}", gpkg, Path(tmp) / str(n)))
    result = table(rows)
    print(result)
    if "--write" in sys.argv:
        cores = os.cpu_count()
        section = (
            "## App (`benchmarks/bench_app.py`)\n\n"
            f"Server side of one script run through AppTest, median of {RUNS}; "
            f"{platform.python_implementation()} {platform.python_version()}, {cores} cores. "
            "*Map args* is the JSON the st_folium component sends to the browser on every "
            "rerun: the base map (tiles, legend, tools; the district and belt outlines are files "
            "the map fetches once) and the park feature groups (from 1,000 parks, the canvas "
            "layer's bit and byte a park: the parks themselves are a file fetched once). "
            "*Click* is the rerun after the map's on_change callback set the selection (one "
            "run, as in the browser). *Correction accepted*: the rerun after a park was moved "
            f"and accepted (a new store revision), median of {CORRECTIONS}. The export is "
            "built only when the download button is clicked. The analysis tab runs only while "
            "it is open (the map tab always runs, so "
            "the map and the user's zoom survive a look at another tab); the briefing and the "
            "GIS bundle (EPSG:4549, one run) are built only when their button is clicked.\n\n"
            + result
        )
        write_block("bench_app", section)
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
