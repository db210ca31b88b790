"""`zones build` at scale: 5,000 and 50,000 synthetic parks (benchmarks/synthetic.py) added to
the real inputs; wall time and peak memory of the build, each in a fresh process, and how they
grow. Results go to RESULTS.md between the ``bench_scale`` markers.

    ./dev bench scale
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.results import write_block  # noqa: E402
from benchmarks.synthetic import write_synthetic_inputs  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SIZES = (5_000, 50_000)


def measure(n: int, root: Path) -> tuple[float, float, float]:
    """(seconds, peak RSS MiB, GeoPackage MiB) of one `zones build` over ``n`` extra parks."""
    geo_dir, data_dir = write_synthetic_inputs(root, n)
    out = root / "zones.gpkg"
    code = (
        "import sys; from zones.build.assemble import build; "
        f"build({str(out)!r}, __import__('pathlib').Path({str(geo_dir)!r}), "
        f"__import__('pathlib').Path({str(data_dir)!r}))"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024, out.stat().st_size / 2**20


def main() -> None:
    rows = []
    for n in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            seconds, rss, size = measure(n, Path(tmp))
        rows.append((n, seconds, rss, size))
        print(f"{n} parks: {seconds:.1f} s, peak RSS {rss:.0f} MiB, GeoPackage {size:.1f} MiB")
    (n0, s0, r0, _), (n1, s1, r1, _) = rows
    lines = [
        "## `zones build` at scale (`benchmarks/bench_scale.py`)",
        "",
        "The real inputs plus N synthetic parks (points, areas and industry links in data/; the "
        "build draws each indicative footprint, validates and assembles); one fresh process per "
        f"size, CPython {sys.version.split()[0]}, 2 cores, measured {time.strftime('%Y-%m-%d')}. "
        "Peak RSS is the largest child process so far (the 50,000 run is the larger).",
        "",
        "| extra parks | build s | peak RSS MiB | GeoPackage MiB |",
        "|---:|---:|---:|---:|",
        *(f"| {n:,} | {s:.1f} | {r:.0f} | {z:.1f} |" for n, s, r, z in rows),
        "",
        f"From {n0:,} to {n1:,} parks ({n1 / n0:.0f}x): "
        f"time x{s1 / s0:.1f}, memory x{r1 / r0:.1f}.",
    ]
    write_block("bench_scale", "\n".join(lines))


if __name__ == "__main__":
    main()
