"""The app in a real browser, side by side with the plain streamlit-folium baseline
(/work/shared/bench/baseline), in one run, offline, in Debian's Chromium:

    ./dev bench browser                       # real data, 5,000 and 50,000 parks; 3 rounds
    ./dev bench browser --sizes real,5000 --rounds 2
    ./dev bench browser --write               # also write the table into RESULTS.md

Pairs of datasets: the real build (build/zones.gpkg, built if missing) beside the baseline's
20 parks; 5,000 synthetic parks (benchmarks/synthetic.py) beside the baseline's 5,000; 50,000
beside the baseline's 50,000 when that finishes within ``--baseline-50k-timeout`` (else the
table says "did not finish in N s"). Synthetic GeoPackages are cached under build/bench/.

Both app servers run at once for a pair (zones through serve.py, as ``./dev app`` runs it; the
baseline through its app.py); every round opens a new page on each (a warm page: the first
visit, measured once as "first visit", filled the server's caches and the browser's HTTP
cache), the order of the two apps alternating between rounds. Per app and round:

- page ready: from ``page.goto`` until every park shown is drawn (zones: inside the map's
  iframe ``window.ZonesMap.status().parks`` equals the parks shown; baseline: the count of
  ``path.leaflet-interactive`` equals its N); bytes received until then; and of that, how
  long Streamlit's own page took to open its websocket (the same page and bundle for both
  apps, before any app code runs: what no app can go below);
- click -> details: a click on a park (zones: at ``ZonesMap.pixelOf(id)``; baseline: a path's
  centre) until its name shows in the details (zones: the ``### name`` heading; baseline:
  "Selected park: NAME"), for ``--clicks`` parks of those the filter below keeps, the most
  apart from other parks first; bytes from the click until the app is quiet (map updated,
  then 1 s). A click that selects another park (at a city's zoom thousands of parks overlap)
  counts as a miss and the next park is tried;
- filter -> map updated: a belt chosen in the sidebar (zones: the belt keeping about 40 % of
  the parks, the count from zones.model.filters; baseline: "Coastal Belt") until the map holds
  the new count (zones: and ``status().seq`` moved); bytes until quiet; whether the map's
  iframe survived (a rebuilt map loses the user's view);
- server RSS after load (VmRSS of the streamlit process and its children);
- zones 50,000 only: long tasks (a ``PerformanceObserver`` for ``longtask`` in the map's
  iframe) while panning (10 drags of 200 px) and zooming with the wheel (3 in, 3 out).

Times are taken in the page (``Date.now()`` when a condition first holds, polled every
``POLL_MS``) against the wall clock just before the action. Bytes come from the Chrome
DevTools Protocol: websocket frames (``Network.webSocketFrameReceived``; binary frames arrive
base64 encoded and are counted decoded) and HTTP responses over the wire
(``Network.loadingFinished``), each placed on the wall clock. Offline means every host name
but localhost fails to resolve (Chromium's host resolver rules): a Playwright route would turn
the HTTP cache off, and a warm page would fetch every script again. Medians over the rounds
(clicks: over every click of every round).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Error as PlaywrightError  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from benchmarks.results import write_block  # noqa: E402
from tests import appserver  # noqa: E402
from tests.appserver import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
CACHE = ROOT / "build" / "bench"
REAL_GPKG = ROOT / "build" / "zones.gpkg"
BASELINE_SRC = Path(os.environ.get("ZONES_BASELINE_DIR", "/work/shared/bench/baseline"))
LEAFLET = ROOT / "static" / "vendor" / "leaflet"
#: Every host name but localhost fails to resolve, at once: no CDN, no tile ever loads.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"
VIEWPORT = {"width": 1400, "height": 1000}
IFRAME = "iframe[title='streamlit_folium.st_folium']"
SEED = 7
#: How often conditions are polled in the page (ms).
POLL_MS = 25
#: Quiet time after an action before the next one (and before its bytes are summed).
SETTLE_MS = 1000
#: Park ids tried as click targets (spread over the parks the filter keeps).
CANDIDATES = 2000
#: A click target's point is at least this far (px) from any other park's point if it can be.
CLEAR_PX = 10
#: Pans and zooms for the long-task measurement.
DRAGS, DRAG_PX, WHEEL_STEPS = 10, 200, 3
LONG_TASK_MS = 200

# --- JavaScript run in the pages ---------------------------------------------------------------

ZONES_READY = """n => (window.ZonesMap && ZonesMap.status && ZonesMap.status().parks === n)
    ? Date.now() : false"""
ZONES_UPDATED = """([n, seq]) => { const s = window.ZonesMap && ZonesMap.status();
    return s && s.parks === n && s.seq !== seq ? Date.now() : false; }"""
BASE_READY = """n => document.querySelectorAll('path.leaflet-interactive').length === n
    ? Date.now() : false"""
#: Zones parks a click at ``pixelOf`` reaches: inside the map, not under a control (and, while
#: the map draws SVG, not under another park's shape; a canvas is taken on trust), each with
#: the distance in pixels to the nearest other park's point (of ``all``, capped at ``gap``):
#: at a city's zoom thousands of parks overlap, and a click takes the topmost or smallest.
ZONES_TARGETS = """([all, wanted, gap]) => {
    const box = document.querySelector('.leaflet-container').getBoundingClientRect();
    const at = new Map(), grid = new Map(), cell = p => Math.floor(p / gap);
    for (const id of all) {
        const p = ZonesMap.pixelOf(id);
        if (!p) { continue; }
        at.set(id, p);
        const key = cell(p[0]) + ',' + cell(p[1]);
        if (grid.has(key)) { grid.get(key).push(p); } else { grid.set(key, [p]); }
    }
    const out = [];
    for (const id of wanted) {
        const p = at.has(id) ? at.get(id) : ZonesMap.pixelOf(id);
        if (!p || p[0] < 12 || p[1] < 12 || p[0] > box.width - 12 || p[1] > box.height - 12) {
            continue;
        }
        const x = box.left + p[0], y = box.top + p[1];
        const hit = document.elementFromPoint(x, y);
        // Outside the map, or under a control or the legend: not a park.
        if (!hit || !hit.closest('.leaflet-container')) { continue; }
        if (hit.closest('.leaflet-control-container')) { continue; }
        const park = hit.getAttribute && hit.getAttribute('data-park');
        if (park && park !== id) { continue; }
        let near = gap;
        for (let dx = -1; dx <= 1; dx++) {
            for (let dy = -1; dy <= 1; dy++) {
                for (const q of grid.get((cell(p[0]) + dx) + ',' + (cell(p[1]) + dy)) || []) {
                    const d = Math.hypot(q[0] - p[0], q[1] - p[1]);
                    if (q !== p && d < near) { near = d; }
                }
            }
        }
        out.push([id, x, y, near]);
    }
    return out;
}"""
BASE_TARGETS = """idx => {
    const paths = document.querySelectorAll('path.leaflet-interactive');
    const out = [];
    for (const i of idx) {
        const el = paths[i];
        if (!el) { continue; }
        const r = el.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        if (document.elementFromPoint(x, y) === el) { out.push([String(i), x, y, 0]); }
    }
    return out;
}"""
ZONES_PIXEL = """id => { const p = ZonesMap.pixelOf(id);
    const b = document.querySelector('.leaflet-container').getBoundingClientRect();
    return p ? [b.left + p[0], b.top + p[1]] : null; }"""
MAP_BOX = """() => { const b = document.querySelector('.leaflet-container').getBoundingClientRect();
    return [b.left, b.top, b.width, b.height]; }"""
#: Which park the details show now (zones: the link's ``park``; baseline: its details line).
ZONES_SHOWN = "() => new URLSearchParams(location.search).get('park')"
BASE_SHOWN = """() => {
    for (const p of document.querySelectorAll('[data-testid="stMarkdownContainer"]')) {
        const s = p.textContent.trim();
        if (s.startsWith('Selected park:')) { return s; }
    }
    return null;
}"""
#: The details show park ``name`` (ok), or another park than before the click (a miss).
ZONES_DETAILS = """([name, id, before]) => {
    for (const h of document.querySelectorAll('[data-testid="stMain"] h3')) {
        if (h.textContent.trim() === name) { return {t: Date.now(), ok: true}; }
    }
    const got = new URLSearchParams(location.search).get('park');
    if (got && got !== id && got !== before) { return {t: Date.now(), ok: false, got: got}; }
    return false;
}"""
BASE_DETAILS = """([name, id, before]) => {
    const want = 'Selected park: ' + name;
    for (const p of document.querySelectorAll('[data-testid="stMarkdownContainer"]')) {
        const s = p.textContent.trim();
        if (s === want) { return {t: Date.now(), ok: true}; }
        if (s.startsWith('Selected park:') && s !== before) {
            return {t: Date.now(), ok: false, got: s};
        }
    }
    return false;
}"""
#: Long tasks of the map's iframe: [wall ms at start, duration ms].
LONGTASKS_START = """() => { window.__benchTasks = [];
    const keep = list => { for (const e of list.getEntries()) {
        window.__benchTasks.push([performance.timeOrigin + e.startTime, e.duration]); } };
    window.__benchObserver = new PerformanceObserver(keep);
    window.__benchObserver.observe({type: 'longtask'}); }"""
LONGTASKS_STOP = """() => { const o = window.__benchObserver;
    for (const e of o.takeRecords()) {
        window.__benchTasks.push([performance.timeOrigin + e.startTime, e.duration]); }
    o.disconnect(); return window.__benchTasks; }"""


T = TypeVar("T")


def now_ms() -> float:
    return time.time() * 1000


# --- datasets ---------------------------------------------------------------------------------


@dataclass
class Side:
    """One app on one dataset: how to serve it and what it should show."""

    app: str  # "zones" | "baseline"
    label: str
    cwd: Path
    env: dict[str, str]
    parks: int  # parks drawn on the default view
    shown_ids: list[str]  # every park shown
    names: dict[str, str]  # park id -> the name its details show
    candidates: list[str]  # park ids tried as click targets, in order
    filter_label: str
    filter_option: str
    filtered: int  # parks drawn after the filter
    pan: bool = False  # measure long tasks while panning
    ready_timeout_s: float = 120.0


def ensure_real() -> Path:
    if not REAL_GPKG.exists():
        zones_cli = Path(sys.executable).with_name("zones")
        command = [str(zones_cli)] if zones_cli.exists() else [sys.executable, "-m", "zones"]
        subprocess.run([*command, "build"], cwd=ROOT, check=True)
    return REAL_GPKG


def synthetic_gpkg(n: int) -> Path:
    """``n`` synthetic parks on the real base, saved once under build/bench/ (remade when the
    real build or the generator is newer)."""
    from benchmarks.synthetic import synthetic_dataset
    from zones.model.dataset import load_dataset, save_dataset

    real = ensure_real()
    out = CACHE / f"synthetic-{n}-seed{SEED}.gpkg"
    newest = max(real.stat().st_mtime, (ROOT / "benchmarks" / "synthetic.py").stat().st_mtime)
    if out.exists() and out.stat().st_mtime >= newest:
        return out
    began = time.perf_counter()
    CACHE.mkdir(parents=True, exist_ok=True)
    ds = synthetic_dataset(load_dataset(real), n, seed=SEED)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp.gpkg")
    tmp.unlink(missing_ok=True)
    save_dataset(ds, tmp)
    os.replace(tmp, out)
    print(f"   made {out.relative_to(ROOT)} in {time.perf_counter() - began:.1f} s", flush=True)
    return out


def spread(items: list[T], k: int) -> list[T]:
    """Up to ``k`` items evenly spread over ``items``."""
    if len(items) <= k:
        return list(items)
    return [items[round(i * (len(items) - 1) / (k - 1))] for i in range(k)]


def zones_side(label: str, gpkg: Path, *, pan: bool, timeout: float) -> Side:
    from zones.model.filters import apply_filter, dimension, filter_choices, resolve_filter
    from zones.present.selection import park_details
    from zones.store import open_store
    from zones.text import t

    lang = "zh"  # the app's default language
    ds = open_store(str(gpkg)).dataset()  # what the app reads
    shown = apply_filter(ds, resolve_filter(ds))
    in_belt = {str(b): apply_filter(ds, resolve_filter(ds, belts=[str(b)])) for b in ds.belts["id"]}
    usable = {b: len(p) for b, p in in_belt.items() if 0 < len(p) < len(shown)}
    belt = min(usable, key=lambda b: abs(usable[b] / len(shown) - 0.4))
    # Parks the filter keeps: the park last clicked stays shown (a hidden one changes more).
    candidates = spread([str(i) for i in in_belt[belt]["id"]], CANDIDATES)
    names = {}
    for pid in candidates:
        details = park_details(ds, pid, lang)
        names[pid] = details.title if details else pid
    env = {k: v for k, v in os.environ.items() if k not in ("ZONES_STORE", "ZONES_STRICT_TEXT")}
    env.update(ZONES_GPKG=str(gpkg), TIANDITU_TOKEN="")
    return Side(
        app="zones",
        label=label,
        cwd=ROOT,
        env=env,
        parks=len(shown),
        shown_ids=[str(i) for i in shown["id"]],
        names=names,
        candidates=candidates,
        filter_label=t(dimension("belts").label, lang),
        filter_option=filter_choices(ds, lang)["belts"][belt],
        filtered=usable[belt],
        pan=pan,
        ready_timeout_s=timeout,
    )


def baseline_side(folder: Path, n: int, *, timeout: float) -> Side:
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    import parks_core as core

    parks = core.make_parks(n)
    belt = "Coastal Belt"
    kept = core.filter_parks(parks, [], [belt])
    candidates = spread([str(parks.index.get_loc(i)) for i in kept.index], CANDIDATES)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARKS_")}
    env.update(PARKS_N=str(n), PARKS_TILES="none", PARKS_LOCAL_ASSETS="1", PARKS_MODE="fg")
    return Side(
        app="baseline",
        label=f"baseline {n:,}",
        cwd=folder,
        env=env,
        parks=n,
        shown_ids=[str(i) for i in range(n)],
        names={i: str(parks["name"].iloc[int(i)]) for i in candidates},
        candidates=candidates,
        filter_label="Belt",
        filter_option=belt,
        filtered=len(kept),
        ready_timeout_s=timeout,
    )


def baseline_copy(tmp: Path) -> Path:
    """The baseline app in ``tmp``, with the zones checkout's Leaflet in its static/vendor/."""
    folder = tmp / "baseline"
    shutil.copytree(BASELINE_SRC, folder, copy_function=shutil.copyfile)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    (folder / "static" / "vendor").mkdir(parents=True, exist_ok=True)
    shutil.copytree(LEAFLET, folder / "static" / "vendor" / "leaflet")
    return folder


# --- app servers ------------------------------------------------------------------------------


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        appserver.stop(self.proc)

    def rss_mib(self) -> float:
        """VmRSS of the server and its children."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
        total_kib, todo = 0, [self.proc.pid]
        while todo:
            pid = todo.pop()
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total_kib += int(line.split()[1])
            except OSError:
                pass
            todo.extend(children.get(pid, []))
        return total_kib / 1024


def start_server(side: Side, folder: Path) -> Server:
    port = appserver.free_port()
    log = folder / f"{side.app}-{port}.log"
    # zones as ./dev app serves it (serve.py: warmed up before its first visitor); the
    # baseline as its README says (streamlit run app.py).
    script, extra = (
        ("app.py", ("--server.enableStaticServing", "true"))
        if side.app == "baseline"
        else ("serve.py", ())
    )
    proc, url = appserver.start(
        side.cwd, side.env, log, port=port, script=script, extra=extra, timeout_s=120
    )
    return Server(proc=proc, url=url, log=log)


# --- websocket bytes --------------------------------------------------------------------------


class NetMeter:
    """Bytes the page receives, on the wall clock: frames of its Streamlit websocket, and HTTP
    responses (``encodedDataLength``: what came over the wire; nothing for the browser's cache)."""

    def __init__(self, context: Any, page: Any) -> None:
        self.ws: list[tuple[float, int]] = []  # (wall ms, bytes)
        self.http: list[tuple[float, int]] = []
        self.ws_open: float | None = None  # wall ms the Streamlit websocket was accepted
        self.offset: float | None = None  # wall s - CDP monotonic s
        self.off_host: list[tuple[str, str]] = []  # (resource type, url) never loaded
        self.cdp = context.new_cdp_session(page)
        self.cdp.on("Network.requestWillBeSent", self._clock)
        self.cdp.on("Network.webSocketWillSendHandshakeRequest", self._clock)
        self.cdp.on("Network.webSocketFrameReceived", self._frame)
        self.cdp.on("Network.webSocketHandshakeResponseReceived", self._opened)
        self.cdp.on("Network.loadingFinished", self._loaded)
        self.cdp.send("Network.enable")

    def _clock(self, event: dict) -> None:
        if self.offset is None and "wallTime" in event:
            self.offset = event["wallTime"] - event["timestamp"]
        url = event.get("request", {}).get("url", "")
        if url.startswith("http") and urlsplit(url).hostname not in ("127.0.0.1", "localhost"):
            self.off_host.append((event.get("type", ""), url))

    def _wall_ms(self, event: dict) -> float:
        return (event["timestamp"] + self.offset) * 1000 if self.offset is not None else now_ms()

    def _opened(self, event: dict) -> None:
        if self.ws_open is None:
            self.ws_open = self._wall_ms(event)

    def _frame(self, event: dict) -> None:
        response = event["response"]
        data = response.get("payloadData", "")
        if response.get("opcode") == 2:  # binary: base64 in the protocol
            pad = 2 if data.endswith("==") else 1 if data.endswith("=") else 0
            size = len(data) * 3 // 4 - pad
        else:
            size = len(data.encode("utf-8"))
        self.ws.append((self._wall_ms(event), size))

    def _loaded(self, event: dict) -> None:
        self.http.append((self._wall_ms(event), int(event.get("encodedDataLength", 0))))

    def kib(self, start_ms: float, end_ms: float) -> tuple[float, float]:
        """(websocket KiB, HTTP KiB) received from ``start_ms`` to ``end_ms``."""
        return (
            sum(b for t, b in self.ws if start_ms <= t <= end_ms) / 1024,
            sum(b for t, b in self.http if start_ms <= t <= end_ms) / 1024,
        )


# --- one page ---------------------------------------------------------------------------------


def map_frame(page: Any, timeout_ms: float) -> Any:
    handle = page.wait_for_selector(IFRAME, state="attached", timeout=timeout_ms)
    frame = handle.content_frame()
    if frame is None:
        raise PlaywrightError("the map's iframe has no frame yet")
    return frame


def wait_in_map(page: Any, js: str, arg: Any, timeout_s: float) -> Any:
    """The value of ``js`` in the map's iframe once truthy (the iframe may be replaced on the
    way); None after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        try:
            frame = map_frame(page, left * 1000)
            handle = frame.wait_for_function(js, arg=arg, polling=POLL_MS, timeout=left * 1000)
            return handle.json_value()
        except PlaywrightTimeout:
            return None
        except PlaywrightError:
            page.wait_for_timeout(100)
    return None


def in_map(page: Any, js: str, arg: Any = None) -> Any:
    return map_frame(page, 10_000).evaluate(js, arg)


def frame_origin(page: Any) -> tuple[float, float]:
    box = page.locator(IFRAME).bounding_box()
    return box["x"], box["y"]


def settle_view(page: Any, side: Side) -> None:
    """Wait until the map stops moving (the zones map refits while its frame grows)."""
    if side.app != "zones":
        page.wait_for_timeout(SETTLE_MS)
        return
    probe = side.candidates[len(side.candidates) // 2]
    last = None
    for _ in range(20):
        now = (frame_origin(page), in_map(page, ZONES_PIXEL, probe), in_map(page, MAP_BOX))
        if now == last:
            return
        last = now
        page.wait_for_timeout(700)


def zones_seq(page: Any) -> int:
    return int(in_map(page, "() => ZonesMap.status().seq"))


def click_targets(page: Any, side: Side, k: int) -> list[tuple[str, float, float]]:
    """Parks to click at the current view, in page coordinates: the most apart from other
    parks first (up to ``k``; none hidden under a control)."""
    fx, fy = frame_origin(page)
    if side.app == "zones":
        # Every park's point where that is cheap (the canvas answers in O(1) per park; SVG
        # layers are searched one by one), else the candidates' only.
        canvas = in_map(page, "() => ZonesMap.status().mode") == "canvas"
        every = side.shown_ids if canvas or len(side.shown_ids) <= 6000 else side.candidates
        found = in_map(page, ZONES_TARGETS, [every, side.candidates, CLEAR_PX])
    else:
        found = in_map(page, BASE_TARGETS, [int(i) for i in side.candidates])
    inside = [
        (pid, fx + x, fy + y, gap)
        for pid, x, y, gap in found
        if 0 < fx + x < VIEWPORT["width"] and 0 < fy + y < VIEWPORT["height"] - 4
    ]
    clear = [t for t in inside if t[3] >= CLEAR_PX]
    if len(clear) < k:  # not enough parks apart from the others: the least crowded ones
        clear = sorted(inside, key=lambda t: -t[3])[: max(k * 3, len(clear))]
        order = {pid: i for i, pid in enumerate(side.candidates)}
        clear.sort(key=lambda t: order[t[0]])
    return [(pid, x, y) for pid, x, y, _ in clear]


def after_action(page: Any, side: Side, seq: int | None, expected: int, timeout_s: float) -> float:
    """Wait until the map holds ``expected`` parks (zones: a newer layer than ``seq``) and the
    app is quiet; the wall time (ms) it was quiet from."""
    if side.app == "zones" and seq is not None:
        wait_in_map(page, ZONES_UPDATED, [expected, seq], timeout_s)
    else:
        wait_in_map(page, BASE_READY, expected, timeout_s)
    page.wait_for_timeout(SETTLE_MS)
    return now_ms()


@dataclass
class Round:
    ready_s: float | None = None
    ws_open_s: float | None = None  # navigation -> Streamlit's websocket open
    ready_kib: float | None = None
    ready_http_kib: float | None = None
    clicks_s: list[float] = field(default_factory=list)
    clicks_kib: list[float] = field(default_factory=list)
    clicks_http_kib: list[float] = field(default_factory=list)
    misses: int = 0
    filter_s: float | None = None
    filter_kib: float | None = None
    filter_http_kib: float | None = None
    map_kept: bool | None = None  # the map's iframe survived the filter change
    rss_mib: float | None = None
    longest_task_ms: float | None = None
    longest_drag_ms: float | None = None
    longest_zoom_ms: float | None = None
    tasks_over: int | None = None
    tasks: int | None = None


def open_page(
    context: Any, side: Side, server: Server
) -> tuple[Any, NetMeter, float, float | None]:
    """A new page on ``server``: (page, meter, goto wall ms, ready wall ms or None)."""
    page = context.new_page()
    page.set_default_timeout(60_000)
    meter = NetMeter(context, page)
    js = ZONES_READY if side.app == "zones" else BASE_READY
    began = now_ms()
    page.goto(server.url, wait_until="commit", timeout=side.ready_timeout_s * 1000)
    ready = wait_in_map(page, js, side.parks, side.ready_timeout_s)
    return page, meter, began, ready


def do_clicks(page: Any, meter: NetMeter, side: Side, k: int, result: Round) -> None:
    settle_view(page, side)
    targets = click_targets(page, side, k)
    if not targets:
        print(f"   {side.label}: no park to click at the default view", flush=True)
        return
    details, shown = (
        (ZONES_DETAILS, ZONES_SHOWN) if side.app == "zones" else (BASE_DETAILS, BASE_SHOWN)
    )
    done = 0
    # Spread over the parks found; on a miss (another park selected), the next one.
    for pid, x, y in spread(targets, max(k * 3, k)):
        if done == k:
            break
        seq = None
        if side.app == "zones":  # where the park is now (the map may have moved)
            point = in_map(page, ZONES_PIXEL, pid)
            if point is None:
                continue
            fx, fy = frame_origin(page)
            x, y = fx + point[0], fy + point[1]
            seq = zones_seq(page)
        before = page.evaluate(shown)
        began = now_ms()
        page.mouse.click(x, y)
        try:
            handle = page.wait_for_function(
                details, arg=[side.names[pid], pid, before], polling=POLL_MS, timeout=60_000
            )
            got = handle.json_value()
        except PlaywrightTimeout:
            got = None
        quiet = after_action(page, side, seq, side.parks, 60)
        if got and got["ok"]:
            result.clicks_s.append((got["t"] - began) / 1000)
            ws, http = meter.kib(began, quiet)
            result.clicks_kib.append(ws)
            result.clicks_http_kib.append(http)
            done += 1
        else:
            result.misses += 1
            what = f"selected {got['got']}" if got else "showed nothing in 60 s"
            print(f"   {side.label}: a click on {pid} {what}", flush=True)


def do_filter(page: Any, meter: NetMeter, side: Side, result: Round) -> None:
    seq = zones_seq(page) if side.app == "zones" else None
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(
        has_text=side.filter_label
    )
    in_map(page, "() => { window.__benchProbe = 42; }")  # gone if the iframe is rebuilt
    box.locator("input").click()
    option = page.get_by_role("option", name=side.filter_option, exact=True)
    option.wait_for()
    began = now_ms()
    option.click()
    page.keyboard.press("Escape")
    if side.app == "zones":
        done = wait_in_map(page, ZONES_UPDATED, [side.filtered, seq], side.ready_timeout_s)
    else:
        done = wait_in_map(page, BASE_READY, side.filtered, side.ready_timeout_s)
    if done is None:
        print(f"   {side.label}: filter timed out", flush=True)
        return
    result.filter_s = (done - began) / 1000
    result.map_kept = in_map(page, "() => window.__benchProbe === 42")
    page.wait_for_timeout(SETTLE_MS)
    result.filter_kib, result.filter_http_kib = meter.kib(began, now_ms())


def do_pan(page: Any, result: Round) -> None:
    """Long tasks in the map's iframe while dragging and wheel-zooming the map."""
    fx, fy = frame_origin(page)
    left, top, width, height = in_map(page, MAP_BOX)
    cx, cy = fx + left + width / 2, fy + top + height / 2
    in_map(page, LONGTASKS_START)
    moves = [(DRAG_PX, 0), (0, DRAG_PX), (-DRAG_PX, 0), (0, -DRAG_PX)]
    for i in range(DRAGS):
        dx, dy = moves[i % len(moves)]
        page.mouse.move(cx - dx / 2, cy - dy / 2)
        page.mouse.down()
        page.mouse.move(cx + dx / 2, cy + dy / 2, steps=10)
        page.mouse.up()
        page.wait_for_timeout(300)
    page.mouse.move(cx, cy)
    zooms_from = now_ms()
    for delta in [-120] * WHEEL_STEPS + [120] * WHEEL_STEPS:
        page.mouse.wheel(0, delta)
        page.wait_for_timeout(700)
    page.wait_for_timeout(SETTLE_MS)
    tasks = in_map(page, LONGTASKS_STOP)
    durations = [d for _, d in tasks]
    result.longest_task_ms = max(durations, default=0.0)
    result.longest_drag_ms = max((d for t, d in tasks if t < zooms_from), default=0.0)
    result.longest_zoom_ms = max((d for t, d in tasks if t >= zooms_from), default=0.0)
    result.tasks_over = sum(1 for d in durations if d > LONG_TASK_MS)
    result.tasks = len(durations)


def measure_round(context: Any, side: Side, server: Server, clicks: int) -> Round:
    result = Round()
    page, meter, began, ready = open_page(context, side, server)
    try:
        if ready is None:
            print(f"   {side.label}: page not ready in {side.ready_timeout_s:.0f} s", flush=True)
            return result
        result.ready_s = (ready - began) / 1000
        if meter.ws_open is not None:
            result.ws_open_s = (meter.ws_open - began) / 1000
        page.wait_for_timeout(300)  # the frames before ``ready`` reach the meter
        result.ready_kib, result.ready_http_kib = meter.kib(began, ready)
        result.rss_mib = server.rss_mib()
        do_clicks(page, meter, side, clicks, result)
        if side.pan:
            do_pan(page, result)
        do_filter(page, meter, side, result)
    finally:
        if meter.off_host:
            kinds = sorted({kind for kind, _ in meter.off_host})
            print(
                f"   {side.label}: {len(meter.off_host)} requests to other hosts "
                f"({', '.join(kinds)}), e.g. {meter.off_host[0][1]}",
                flush=True,
            )
        page.close()
    return result


def warm_up(context: Any, side: Side, server: Server) -> float | None:
    """The first visit (fills the server's caches and the browser's): its page-ready seconds,
    None when it did not finish in time. Changes the filter once too, so that the rounds find
    the filtered parks cached as well."""
    page, _, began, ready = open_page(context, side, server)
    try:
        if ready is None:
            return None
        settle_view(page, side)
        do_filter(page, NetMeter(context, page), side, Round())
        return (ready - began) / 1000
    finally:
        page.close()


# --- a pair of datasets -----------------------------------------------------------------------


@dataclass
class Outcome:
    side: Side
    cold_s: float | None = None
    rounds: list[Round] = field(default_factory=list)
    skipped: str = ""  # why it was not measured


def new_context(browser: Any) -> Any:
    """A fresh browser profile (cold HTTP cache). Off-host requests fail at once through the
    browser's host resolver (:data:`OFFLINE`), not through a Playwright route: routing turns
    the HTTP cache off, and the warm page would then fetch every script again."""
    return browser.new_context(viewport=VIEWPORT)


def run_pair(
    browser: Any, sides: list[Side], folder: Path, rounds: int, clicks: int
) -> list[Outcome]:
    """Both apps served at once, measured in alternating order; a side whose first visit does
    not finish in its timeout is stopped and reported as such (its server is stopped first,
    so it does not load the machine while the other app is measured)."""
    outcomes = [Outcome(side) for side in sides]
    live: list[tuple[Outcome, Server, Any]] = []
    try:
        for outcome in reversed(outcomes):  # the baseline first: it may not finish
            side = outcome.side
            server = start_server(side, folder)
            context = new_context(browser)
            live.append((outcome, server, context))  # stopped in the end whatever happens
            outcome.cold_s = warm_up(context, side, server)
            if outcome.cold_s is None:
                outcome.skipped = f"did not finish in {side.ready_timeout_s:.0f} s"
                print(f"   {side.label}: {outcome.skipped}", flush=True)
                live.pop()
                context.close()
                server.stop()
                continue
            print(f"   {side.label}: first visit ready in {outcome.cold_s:.2f} s", flush=True)
        live.reverse()
        for r in range(rounds):
            for outcome, server, context in live if r % 2 == 0 else reversed(live):
                result = measure_round(context, outcome.side, server, clicks)
                outcome.rounds.append(result)
                print(f"   {outcome.side.label} round {r + 1}: {summary(result)}", flush=True)
    finally:
        for _, server, context in live:
            context.close()
            server.stop()
    return outcomes


def summary(r: Round) -> str:
    parts = [
        f"ready {fmt(r.ready_s, 2)} s ({fmt(r.ready_kib, 0)} KiB ws, "
        f"{fmt(r.ready_http_kib, 0)} KiB HTTP)",
        f"clicks {', '.join(f'{c:.2f}' for c in r.clicks_s)} s",
        f"filter {fmt(r.filter_s, 2)} s ({fmt(r.filter_kib, 0)} KiB"
        f"{', map rebuilt' if r.map_kept is False else ''})",
        f"RSS {fmt(r.rss_mib, 0)} MiB",
    ]
    if r.misses:
        parts.append(f"{r.misses} missed clicks")
    if r.longest_task_ms is not None:
        parts.append(
            f"longest task {r.longest_task_ms:.0f} ms (drags {r.longest_drag_ms:.0f}, "
            f"zooms {r.longest_zoom_ms:.0f}), {r.tasks_over} > {LONG_TASK_MS} ms"
        )
    return "; ".join(parts)


# --- the table --------------------------------------------------------------------------------


def fmt(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def app_part(r: Round) -> float | None:
    """Page ready less Streamlit's own start: what the app's script, its elements and its map
    took once Streamlit's page (the same for both apps) had opened its websocket."""
    if r.ready_s is None or r.ws_open_s is None:
        return None
    return r.ready_s - r.ws_open_s


def median_of(values: list[float | None]) -> tuple[float | None, int]:
    """The median of the values measured, and how many timed out."""
    got = [v for v in values if v is not None]
    return (statistics.median(got) if got else None), len(values) - len(got)


#: (metric, how to take it from the rounds, digits)
METRICS: list[tuple[str, Callable[[list[Round]], list[float | None]], int]] = [
    ("page ready s", lambda rs: [r.ready_s for r in rs], 2),
    ("of which Streamlit's own start s (websocket open)", lambda rs: [r.ws_open_s for r in rs], 2),
    (
        "of which the app's own part s (ready − websocket open)",
        lambda rs: [app_part(r) for r in rs],
        2,
    ),
    ("websocket KiB until ready", lambda rs: [r.ready_kib for r in rs], 0),
    ("HTTP KiB until ready", lambda rs: [r.ready_http_kib for r in rs], 0),
    ("click → details s", lambda rs: [c for r in rs for c in r.clicks_s], 2),
    ("websocket KiB per click", lambda rs: [c for r in rs for c in r.clicks_kib], 0),
    ("HTTP KiB per click", lambda rs: [c for r in rs for c in r.clicks_http_kib], 0),
    ("filter → map updated s", lambda rs: [r.filter_s for r in rs], 2),
    ("websocket KiB per filter change", lambda rs: [r.filter_kib for r in rs], 0),
    ("HTTP KiB per filter change", lambda rs: [r.filter_http_kib for r in rs], 0),
    ("server RSS MiB after load", lambda rs: [r.rss_mib for r in rs], 0),
]


def cell(
    outcome: Outcome | None, take: Callable[[list[Round]], list[float | None]], digits: int
) -> tuple[str, float | None]:
    if outcome is None:
        return "not run", None
    if outcome.skipped:
        return outcome.skipped, None
    values = take(outcome.rounds)
    if not values:
        return "timeout", None
    value, failed = median_of(values)
    if value is None:
        return "timeout", None
    text = fmt(value, digits)
    return (f"{text} ({failed} timeout)" if failed else text), value


def table(pairs: list[tuple[str, Outcome, Outcome | None]]) -> str:
    lines = [
        "| datasets | metric | zones | baseline | zones ÷ baseline |",
        "|---|---|---:|---:|---:|",
    ]
    for title, zones, base in pairs:
        shown = f"{zones.side.parks:,} → {zones.side.filtered:,}"
        base_shown = (
            f"{base.side.parks:,} → {base.side.filtered:,}" if base is not None else "not run"
        )
        lines.append(f"| {title} | parks shown → after the filter | {shown} | {base_shown} | |")
        cold_z = fmt(zones.cold_s, 2) if not zones.skipped else zones.skipped
        cold_b = "not run" if base is None else base.skipped or fmt(base.cold_s, 2)
        lines.append(
            f"| {title} | first visit ready s (cold, once) | {cold_z} | {cold_b} | "
            f"{ratio(zones.cold_s, None if base is None or base.skipped else base.cold_s)} |"
        )
        for metric, take, digits in METRICS:
            z_text, z = cell(zones, take, digits)
            b_text, b = cell(base, take, digits)
            lines.append(f"| {title} | {metric} | {z_text} | {b_text} | {ratio(z, b)} |")
        kept = [
            f"{sum(1 for r in o.rounds if r.map_kept)} of {len(o.rounds)}"
            if o is not None and not o.skipped
            else "—"
            for o in (zones, base)
        ]
        lines.append(f"| {title} | map kept across the filter (rounds) | {kept[0]} | {kept[1]} | |")
        misses = sum(r.misses for r in zones.rounds)
        base_misses = sum(r.misses for r in base.rounds) if base is not None else 0
        if misses or base_misses:
            lines.append(f"| {title} | clicks that hit another park | {misses} | {base_misses} | |")
    return "\n".join(lines) + "\n"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.2f}"


def pan_table(outcomes: list[Outcome]) -> str:
    rows = [o for o in outcomes if o.side.pan and not o.skipped]
    if not rows:
        return ""
    lines = [
        f"| dataset | longest task ms | while dragging | while zooming "
        f"| tasks > {LONG_TASK_MS} ms | long tasks (> 50 ms) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for o in rows:
        values = [
            median_of([getattr(r, name) for r in o.rounds])[0]
            for name in ("longest_task_ms", "longest_drag_ms", "longest_zoom_ms")
        ]
        over, _ = median_of([r.tasks_over for r in o.rounds])
        count, _ = median_of([r.tasks for r in o.rounds])
        lines.append(
            f"| {o.side.label} | {' | '.join(fmt(v, 0) for v in values)} "
            f"| {fmt(over, 0)} | {fmt(count, 0)} |"
        )
    return "\n".join(lines) + "\n"


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="./dev bench browser", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=3, help="warm pages per app (median)")
    parser.add_argument("--clicks", type=int, default=5, help="parks clicked per round")
    parser.add_argument(
        "--sizes", default="real,5000,50000", help="comma-separated: real, 5000, 50000"
    )
    parser.add_argument("--timeout", type=float, default=120, help="page ready timeout, s")
    parser.add_argument(
        "--baseline-50k-timeout", type=float, default=180,
        help="the baseline at 50,000 parks is measured only if its first visit is ready "
        "within this many seconds (0: not run)",
    )  # fmt: skip
    parser.add_argument("--write", action="store_true", help="write the table into RESULTS.md")
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = set(sizes) - {"real", "5000", "50000"}
    if unknown:
        raise SystemExit(f"unknown sizes: {', '.join(sorted(unknown))}")
    began = time.perf_counter()
    pairs: list[tuple[str, Outcome, Outcome | None]] = []
    with tempfile.TemporaryDirectory(prefix="bench_browser_") as tmp, sync_playwright() as pw:
        folder = Path(tmp)
        baseline = baseline_copy(folder)
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, OFFLINE], headless=True
        )
        try:
            for size in sizes:
                if size == "real":
                    zones = zones_side(
                        "zones real data", ensure_real(), pan=False, timeout=args.timeout
                    )
                    base_n, title = 20, "real data vs baseline 20"
                else:
                    n = int(size)
                    zones = zones_side(
                        f"zones {n:,}", synthetic_gpkg(n), pan=n >= 50_000, timeout=args.timeout
                    )
                    base_n, title = n, f"{n:,} parks"
                base_timeout = args.timeout
                if base_n >= 50_000:
                    base_timeout = args.baseline_50k_timeout
                title = f"{title} ({zones.parks:,} zones parks)" if size == "real" else title
                print(f"== {title}", flush=True)
                sides = [zones]
                if base_timeout > 0:
                    sides.append(baseline_side(baseline, base_n, timeout=base_timeout))
                outcomes = run_pair(browser, sides, folder, args.rounds, args.clicks)
                pairs.append((title, outcomes[0], outcomes[1] if len(outcomes) > 1 else None))
        finally:
            browser.close()
    minutes = (time.perf_counter() - began) / 60
    result = table(pairs)
    pans = pan_table([o for _, z, b in pairs for o in (z, b) if o is not None])
    print()
    print(result)
    if pans:
        print(pans)
    print(f"bench_browser: {minutes:.1f} min")
    if args.write:
        section = (
            "## In the browser, beside the baseline (`benchmarks/bench_browser.py`)\n\n"
            f"Headless Chromium (Debian), offline (no host name but localhost resolves), both apps "
            f"served at once and measured in the same run, alternating; warm page (a second "
            f"visit to the same server), median of {args.rounds} rounds, clicks: median of "
            f"{args.clicks} parks per round; CPython {sys.version.split()[0]}, "
            f"{os.cpu_count()} cores, measured {time.strftime('%Y-%m-%d')}, "
            f"{minutes:.0f} min in all. "
            "zones runs as `./dev app` serves it (`streamlit run serve.py`: imports, dataset "
            "and default view warmed up before the first visitor); the baseline is "
            "/work/shared/bench/baseline (`streamlit run app.py`, `PARKS_MODE=fg`, no tiles, "
            "Leaflet served locally). *First visit*: a fresh browser profile's first page on "
            "a server just started (cold HTTP cache). *Page ready*: from navigation until "
            "every park shown is drawn "
            "(zones: `ZonesMap.status().parks`; baseline: its `path.leaflet-interactive`); "
            "*of which Streamlit's own start*: until Streamlit's page (the same for both apps) "
            "opened its websocket, before any code of the app ran; *the app's own part*: "
            "page ready less that, per round (the app's script run, its elements drawn by "
            "Streamlit's page, its map's iframe and parks). "
            "*Click → details*: until the park's name shows in the details. *Filter → map "
            "updated*: a belt chosen in the sidebar until the map holds the filtered parks. "
            "KiB received (Chrome DevTools Protocol): websocket frames and HTTP responses over "
            "the wire (the warm page's browser cache serves most files), until ready, or from "
            "the action until the app is quiet (map updated, then 1 s). Clicks go to parks the "
            "filter keeps; a click that selected another park is counted apart. *Map kept*: "
            "the map's iframe survived the filter change. Ratios below 1 favour zones. Times "
            "drift between runs on a shared machine; ratios measured in one run hold better."
            "\n\n"
            + result
            + (
                f"\nZones at 50,000 parks: long tasks in the map's iframe while panning "
                f"({DRAGS} drags of {DRAG_PX} px) and zooming ({WHEEL_STEPS} wheel steps in, "
                f"{WHEEL_STEPS} out), median of the rounds:\n\n" + pans
                if pans
                else ""
            )
        )
        write_block("bench_browser", section)
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main(sys.argv[1:])
