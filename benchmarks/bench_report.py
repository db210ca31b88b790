"""The HTML briefing at scale (on demand: `./dev bench report`; `--write` updates RESULTS.md).

For the real build (build/zones.gpkg; `zones build` makes it when missing), 5,000 and 50,000
synthetic parks (benchmarks/synthetic.py, each saved to a GeoPackage first):

- ``zones report --out … --dataset …`` as a user runs it: a fresh process each time, wall time,
  median of ``CLI_RUNS`` (Python start-up, imports, reading the GeoPackage, the briefing);
- the same steps timed inside one fresh process: imports, ``load_dataset``, the first
  ``report_html`` (cold);
- ``views.report_bytes`` (what the app's download button runs), in this process, median of
  ``RUNS``, in Chinese and in English, and the size of the HTML;
- the PDF briefing of every park (what the app's PDF button runs), once, and its pages.

Results go to RESULTS.md between the ``bench_report`` markers.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.results import write_block  # noqa: E402
from benchmarks.synthetic import synthetic_dataset  # noqa: E402
from zones.map.coloring import park_coloring  # noqa: E402
from zones.model.dataset import Dataset, load_dataset, save_dataset  # noqa: E402
from zones.present import views  # noqa: E402
from zones.present.briefing_pdf import briefing_pdf  # noqa: E402

RUNS = 5
CLI_RUNS = 3
SIZES = (5_000, 50_000)
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
ZONES = Path(sys.executable).with_name("zones")

#: Run in a fresh process: how long `zones report` spends on each of its steps (seconds).
PHASES = """
import json, sys, time
began = time.perf_counter()
from zones.model.dataset import load_dataset
from zones.present.report import report_html
imported = time.perf_counter()
ds = load_dataset(sys.argv[1])
loaded = time.perf_counter()
report_html(ds)
done = time.perf_counter()
print(json.dumps([imported - began, loaded - imported, done - loaded]))
"""


@dataclass(frozen=True)
class Row:
    label: str
    parks: int
    cli_s: float  # `zones report`, fresh process, wall
    imports_s: float  # the same steps inside one fresh process
    load_s: float
    first_report_s: float
    zh_ms: float  # views.report_bytes, warm
    en_ms: float
    kib: float
    pdf_s: float  # the PDF briefing, zh, once (warm process)
    pdf_pages: int


def median_s(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cli_s(gpkg: Path, out: Path) -> float:
    """Wall time of one ``zones report`` in a fresh process."""
    start = time.perf_counter()
    subprocess.run(
        [str(ZONES), "report", "--out", str(out), "--dataset", str(gpkg)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def timed_pdf(ds: Dataset) -> tuple[bytes, float]:
    """The PDF briefing of every park (zh, the map's default colouring) and its seconds."""
    coloring = park_coloring(ds, ds.parks, lang="zh")
    start = time.perf_counter()
    pdf = briefing_pdf(ds, ds.parks, lang="zh", coloring=coloring, sentence="全部园区")
    return pdf, time.perf_counter() - start


def measure(label: str, gpkg: Path, tmp: Path) -> Row:
    cli = statistics.median(cli_s(gpkg, tmp / "report.html") for _ in range(CLI_RUNS))
    imports, load, first = json.loads(
        subprocess.run(
            [sys.executable, "-c", PHASES, str(gpkg)], check=True, capture_output=True, text=True
        ).stdout
    )
    ds = load_dataset(gpkg)
    views.report_bytes(ds, "zh")  # warm: the text catalogs, shapely, numpy
    zh, en = (
        median_s(lambda lang=lang: views.report_bytes(ds, lang), RUNS) for lang in ("zh", "en")
    )
    pdf, pdf_s = timed_pdf(ds)
    row = Row(
        label, len(ds.parks), cli, imports, load, first, zh * 1000, en * 1000,
        len(views.report_bytes(ds, "zh")) / 1024, pdf_s, len(re.findall(rb"/MediaBox", pdf)),
    )  # fmt: skip
    print(
        f"{label}: zones report {cli:.2f} s (imports {imports:.2f}, load {load:.2f}, first "
        f"report {first:.2f}); report_bytes zh {row.zh_ms:.0f} ms, en {row.en_ms:.0f} ms, "
        f"{row.kib:,.0f} KiB; PDF {pdf_s:.1f} s, {row.pdf_pages} pages",
        flush=True,
    )
    return row


def table(rows: list[Row]) -> str:
    head = (
        "| dataset | parks | `zones report` s | imports s | load s | first report s "
        "| report_bytes zh ms | report_bytes en ms | HTML KiB | PDF s | PDF pages |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    lines = [
        f"| {r.label} | {r.parks:,} | {r.cli_s:.2f} | {r.imports_s:.2f} | {r.load_s:.2f} | "
        f"{r.first_report_s:.2f} | {r.zh_ms:,.0f} | {r.en_ms:,.0f} | {r.kib:,.0f} | "
        f"{r.pdf_s:.1f} | {r.pdf_pages} |"
        for r in rows
    ]
    return head + "\n".join(lines) + "\n"


def main() -> None:
    real = ROOT / "build" / "zones.gpkg"
    if not real.exists():
        subprocess.run([str(ZONES), "build"], check=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        rows.append(measure("real build", real, tmp))
        base = load_dataset(real)
        for n in SIZES:
            gpkg = save_dataset(synthetic_dataset(base, n), tmp / f"parks{n}.gpkg")
            rows.append(measure(f"synthetic {n:,}", gpkg, tmp))
            gpkg.unlink()
    result = table(rows)
    print(result)
    if "--write" in sys.argv:
        section = (
            "## `zones report` at scale (`benchmarks/bench_report.py`)\n\n"
            f"The HTML briefing of every park. *`zones report`*: the command as a user runs "
            f"it, a fresh process each time, wall time, median of {CLI_RUNS}; the next three "
            "columns time its steps in another fresh process: importing `load_dataset` and "
            "`report_html`, `load_dataset` of the GeoPackage, the first `report_html`. "
            "*report_bytes*: the briefing alone as "
            f"the app's download button builds it, median of {RUNS} in one warm process. "
            "*PDF*: the A4 briefing of every park (zh) as the app's PDF button builds it, "
            "once, in the same process (its park list stops at 440 parks). "
            f"{platform.python_implementation()} {platform.python_version()}, "
            f"{os.cpu_count()} cores, "
            f"measured {time.strftime('%Y-%m-%d')}.\n\n" + result
        )
        write_block("bench_report", section)
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
