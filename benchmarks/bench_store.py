"""Load on the shared store: 10 concurrent sessions for 60 s, reading and proposing changes.

Each session is its own process (as app servers and CLI users are) and loops: 4 reads in 5
(the store's revision, then the dataset with every accepted change, as the app does when the
revision moved) and 1 proposal in 5 (a corrected point for a random park, one transaction).
Afterwards every proposal a session was told had landed is looked up in the log: *lost* counts
those missing. Runs against the embedded GeoPackage and a throwaway PostGIS cluster, on the
real data. Results go to RESULTS.md between the ``bench_store`` markers.

    ./dev bench store                      # 60 s per backend
    ZONES_BENCH_SECONDS=10 ./dev bench store
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.results import write_block  # noqa: E402

SESSIONS = 10
SECONDS = float(os.environ.get("ZONES_BENCH_SECONDS", "60"))
RESULTS = ROOT / "benchmarks" / "RESULTS.md"


def session(url: str, number: int, start: float, stop: float) -> dict:
    """One session's loop; returns its latencies (ms), errors and the ids it was given."""
    from zones.store import NewChange, open_store

    store = open_store(url)
    park_ids = sorted(store.base_dataset().parks["id"])
    rng = random.Random(number)
    reads: list[float] = []
    writes: list[float] = []
    errors: list[str] = []
    landed: list[int] = []
    while time.time() < start:
        time.sleep(0.001)
    while time.time() < stop:
        began = time.perf_counter()
        try:
            if rng.random() < 0.8:
                store.revision()
                store.dataset()
                reads.append((time.perf_counter() - began) * 1000)
            else:
                park = rng.choice(park_ids)
                point = {
                    "lon": round(rng.uniform(121.3, 121.9), 5),
                    "lat": round(rng.uniform(29.7, 30.1), 5),
                    "precision_m": 100,
                }
                (cid,) = store.propose(
                    [NewChange(park, "location", point, "bench", f"session {number}")],
                    author=f"bench-{number}",
                )
                landed.append(cid)
                writes.append((time.perf_counter() - began) * 1000)
        except Exception as exc:  # counted, never hidden
            errors.append(f"{type(exc).__name__}: {exc}")
    return {"reads": reads, "writes": writes, "errors": errors, "landed": landed}


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def run(url: str, label: str) -> str:
    from zones.store import open_store

    start = time.time() + 3.0
    with ProcessPoolExecutor(SESSIONS, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(session, url, n, start, start + SECONDS) for n in range(SESSIONS)]
        results = [f.result() for f in futures]
    reads = [x for r in results for x in r["reads"]]
    writes = [x for r in results for x in r["writes"]]
    errors = [e for r in results for e in r["errors"]]
    told = {cid for r in results for cid in r["landed"]}
    kept = {c.id for c in open_store(url).changes()}
    lost = len(told - kept)
    for error in sorted(set(errors))[:5]:
        print(f"  error: {error}")
    row = (
        f"| {label} | {SESSIONS} | {SECONDS:.0f} | {len(reads)} | {_pct(reads, 50):.0f} | "
        f"{_pct(reads, 95):.0f} | {len(writes)} | {_pct(writes, 50):.0f} | "
        f"{_pct(writes, 95):.0f} | {len(errors)} | {lost} |"
    )
    print(row, flush=True)
    return row


def main() -> None:
    from tests import pgcluster
    from zones.build.assemble import build

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        gpkg = Path(tmp) / "zones.gpkg"
        build(gpkg)
        rows.append(run(str(gpkg), "GeoPackage (embedded)"))
    cluster = pgcluster.start()
    try:
        url = cluster.create_database("bench")
        build(url)
        rows.append(run(url, "PostGIS 15 / 3.3 (local socket)"))
    finally:
        cluster.stop()
    table = "\n".join(
        [
            "## Shared store under load (`benchmarks/bench_store.py`)",
            "",
            f"{SESSIONS} sessions, each its own process, for {SECONDS:.0f} s on the real data; "
            "a read is the store's revision plus the dataset with every accepted change; a write "
            "proposes one corrected point (one transaction). *Lost*: proposals reported as "
            f"landed but missing from the log. CPython {sys.version.split()[0]}, 2 cores, "
            f"measured {time.strftime('%Y-%m-%d')}.",
            "",
            "| store | sessions | s | reads | read p50 ms | read p95 ms | writes | "
            "write p50 ms | write p95 ms | errors | lost |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )
    write_block("bench_store", table)


if __name__ == "__main__":
    main()
