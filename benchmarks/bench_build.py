"""Build and export timings over the real data (run on demand; figures go to RESULTS.md).

Measures: `build_dataset` (read + validate + assemble), writing the GeoPackage, loading it, and
each export format of the parks layer, best of N runs; plus the size of each export.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from zones.build.assemble import build_dataset
from zones.io.export import export_bytes
from zones.model.dataset import load_dataset, save_dataset

RUNS = 5


def best_ms(fn, runs: int = RUNS) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        gpkg = Path(tmp) / "zones.gpkg"
        print(f"build_dataset: {best_ms(build_dataset):.0f} ms")
        ds, _ = build_dataset()
        print(f"save_dataset (GeoPackage): {best_ms(lambda: save_dataset(ds, gpkg)):.0f} ms")
        print(f"  GeoPackage size: {gpkg.stat().st_size / 1024:.0f} KiB")
        print(f"load_dataset: {best_ms(lambda: load_dataset(gpkg)):.0f} ms")
        for fmt in ("geojson", "csv", "gpkg", "kml"):
            size = len(export_bytes(ds, layer="parks", fmt=fmt))
            ms = best_ms(lambda fmt=fmt: export_bytes(ds, layer="parks", fmt=fmt))
            print(f"export parks {fmt}: {ms:.0f} ms, {size / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
